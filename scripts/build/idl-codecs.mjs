/**
 * The protobuf codecs of every flyteidl message, generated at build time.
 *
 * protobufjs writes each message type's constructor and encode/decode/verify/fromObject/toObject
 * as source code and compiles it with `new Function` the first time the type is used — in a local
 * run that is most of the time spent before the first task starts. The build asks protobufjs for
 * the same source (its `encoder`, `decoder` and `converter` generators and
 * `Type.generateConstructor`), writes it into the bundle as ordinary functions (compiled lazily by
 * V8, from the binary's code cache), and `src/core/idl.ts` installs them instead of generating
 * them (`usePrecompiledCodecs`).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Scope parameter names of each generated function, as protobufjs's `Type#setup` passes them.
 * (`verify`, which the sandbox does not call, is left to protobufjs.)
 */
const CODEC_SCOPES = {
  encode: ['Writer', 'types', 'util'],
  decode: ['Reader', 'types', 'util', 'C'],
  fromObject: ['types', 'util', 'C'],
  toObject: ['types', 'util'],
};

/**
 * The source of `src/core/idl-codecs.ts` in the bundle:
 * `const CODECS = { "<type full name>": () => ({ encode(Writer, types, util) { return fn }, … }), … }`,
 * `export function PRECOMPILED_CODECS(fullName)` answering the factory `CODECS[fullName]`, and
 * `export const PRECOMPILED_ENUMS = { "<enum full name>": { NAME: number, … } }`. The codec
 * factories are methods, shorter than `name: function` and left as they are by esbuild's
 * `keepNames` (on in readable builds), which would wrap each `name: function` in a call naming it.
 * One small factory per type, not ~2,000 functions made at every start, nor one function holding
 * every type: a process compiles and runs the factories of the types it uses, when it first uses
 * them. (A switch over the 331 types was one function as large as all of them together: carried
 * in the code cache and deserialised at every start, and baseline-compiled by V8's Sparkplug in
 * each local run, since every type's first use called it; Sparkplug's size estimate for it was
 * 256 K, seven times the next function's.)
 * Besides the codecs, each type carries what protobufjs's reflection would otherwise have to give
 * them (src/core/static-codecs.ts): `fields`, the full name of each field's message or enum type
 * (null for scalars) in field order, the scope `types` the codecs index; `defaults`, each field's
 * default value as its `Type#ctor` setter puts it on the message prototype; `oneofs`, each oneof's
 * field names (the prototype's virtual oneof properties); `json`, the type's name and each field's
 * name, declared type, kind (0, 1 repeated, 2 map) and oneof, for the JSON mapping.
 */
export function codecsModule(root) {
  const protobuf = require('protobufjs');
  const generators = {
    encode: protobuf.encoder,
    decode: protobuf.decoder,
    fromObject: protobuf.converter.fromObject,
    toObject: protobuf.converter.toObject,
  };
  const types = [];
  const enums = [];
  const walk = (ns) => {
    for (const child of ns.nestedArray ?? []) {
      if (child instanceof protobuf.Type) types.push(child);
      else if (child instanceof protobuf.Enum) enums.push(child);
      if (child.nestedArray) walk(child);
    }
  };
  walk(root);
  const entries = types.map((type) => {
    // As Type#setup does before generating: every field resolved.
    for (const f of type.fieldsArray) f.resolve();
    const fns = Object.entries(generators).map(
      ([name, gen]) => `${name}(${CODEC_SCOPES[name].join(',')}){return ${gen(type).toString()}}`,
    );
    // The message constructor (Type#ctor), which protobufjs also generates at first use.
    fns.push(`ctor(){return ${protobuf.Type.generateConstructor(type).toString()}}`);
    const fields = type.fieldsArray.map((f) => (f.resolvedType ? f.resolvedType.fullName : null));
    const defaults = type.fieldsArray.map((f) => `[${JSON.stringify(f.name)},${defaultSource(protobuf, type, f)}]`);
    const oneofs = type.oneofsArray.map((o) => [o.name, o.oneof]);
    // For the JSON mapping: each field's name, declared type, 0 | 1 repeated | 2 map, its oneof.
    const json = [type.name, type.fieldsArray.map((f) => [f.name, f.type, f.map ? 2 : f.repeated ? 1 : 0, f.partOf ? f.partOf.name : null])];
    return (
      `${JSON.stringify(type.fullName)}:()=>({${fns.join(',')},fields:${JSON.stringify(fields)},` +
      `defaults(util){return[${defaults.join(',')}]},oneofs:${JSON.stringify(oneofs)},json:${JSON.stringify(json)}})`
    );
  });
  const enumEntries = enums.map((e) => `${JSON.stringify(e.fullName)}:${JSON.stringify(e.values)}`);
  return {
    source:
      `const CODECS={\n${entries.join(',\n')}\n};\n` +
      'export function PRECOMPILED_CODECS(fullName){return Object.hasOwn(CODECS,fullName)?CODECS[fullName]:undefined}\n' +
      `export const PRECOMPILED_ENUMS={${enumEntries.join(',\n')}};\n`,
    count: types.length,
  };
}

/** A field's prototype default (`Field#defaultValue`) as source, given protobufjs's `util` as `util`. */
function defaultSource(protobuf, type, field) {
  const v = field.defaultValue;
  const { util } = protobuf;
  if (v === util.emptyObject) return 'util.emptyObject';
  if (v === util.emptyArray) return 'util.emptyArray';
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (util.Long && v instanceof util.Long) {
    // Frozen, as Field#resolve makes it (only when long.js is there, as protobufjs decides).
    return `(util.Long?Object.freeze(util.Long.fromBits(${v.low},${v.high},${v.unsigned})):${v.toNumber()})`;
  }
  throw new Error(`${type.fullName}.${field.name}: a default value the build cannot write (${Object.prototype.toString.call(v)})`);
}
