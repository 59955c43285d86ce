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
 * The source of `src/core/idl-codecs.ts` in the bundle: `export const PRECOMPILED_CODECS =
 * { "<type full name>": { encode: (Writer, types, util) => fn, … } }`.
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
  const walk = (ns) => {
    for (const child of ns.nestedArray ?? []) {
      if (child instanceof protobuf.Type) types.push(child);
      if (child.nestedArray) walk(child);
    }
  };
  walk(root);
  const entries = types.map((type) => {
    // As Type#setup does before generating: every field resolved.
    for (const f of type.fieldsArray) f.resolve();
    const fns = Object.entries(generators).map(
      ([name, gen]) => `${name}:function(${CODEC_SCOPES[name].join(',')}){return ${gen(type).toString()}}`,
    );
    // The message constructor (Type#ctor), which protobufjs also generates at first use.
    fns.push(`ctor:function(){return ${protobuf.Type.generateConstructor(type).toString()}}`);
    return `${JSON.stringify(type.fullName)}:{${fns.join(',')}}`;
  });
  return { source: `export const PRECOMPILED_CODECS={${entries.join(',\n')}};\n`, count: types.length };
}
