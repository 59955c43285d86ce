/**
 * Message codecs built from the codecs the build generated (`src/core/idl-codecs.ts` in the
 * bundle), without protobufjs's reflection: no definitions added to a root, no features resolved,
 * no `Type` objects. A local run encodes and decodes ~60 message types; setting each up through
 * reflection (its definitions, the ones they reach, their fields resolved) was a tenth of the run.
 *
 * The functions are the very ones protobufjs would generate and run (`Type#setup`); what
 * reflection gave them is in the build's tables: the scope `types` (a codec per message field, an
 * enum's values per enum field), and the message constructor with the prototype `Type#ctor` sets
 * up (field defaults, virtual oneof properties). Messages never leave `encode`/`decode`/`normalize`
 * (callers get plain objects), so they need no `$type`.
 */
/// <reference path="./protobufjs-runtime.d.ts" />
import type protobuf from 'protobufjs';
// protobufjs's runtime only (what its static code uses), not its reflection: the binary loads the
// rest of protobufjs when reflection is first needed (scripts/build.mjs, `protobufReflectionAtFirstUse`).
import runtime from 'protobufjs/minimal.js';
import Message from 'protobufjs/src/message.js';
import wrappers from 'protobufjs/src/wrappers.js';
import type { PrecompiledCodecs } from './idl-codecs.ts';

/** What `encode`, `decode` and `normalize` need of a message type: a protobufjs `Type` has all four. */
export interface MessageCodec {
  encode(message: unknown, writer?: protobuf.Writer): protobuf.Writer;
  decode(reader: Uint8Array | protobuf.Reader, length?: number): unknown;
  fromObject(object: Record<string, unknown>): unknown;
  toObject(message: unknown, options?: protobuf.IConversionOptions): Record<string, unknown>;
}

/** A message type's codecs, its field types, prototype defaults and oneofs, as the build writes them. */
export interface StaticCodecTables {
  /** The factory of a type's codecs by full name (the build's table), undefined for a type it lacks. */
  codecs: (fullName: string) => (() => PrecompiledCodecs) | undefined;
  enums: Record<string, Record<string, number>>;
}

/** An enum of the build's tables: its numbers by name, and its names by number as protobufjs's `Enum#valuesById` (the last name of a number wins). */
export interface TableEnum {
  kind: 'enum';
  values: Record<string, number>;
  valuesById: Record<number, string>;
}

/** The build's tables, each entry made once, for the codecs and the JSON mapping alike. */
export interface TableLookups {
  /** A type's codec factories and what reflection would give them; undefined for a type the tables lack. */
  precompiled(fullName: string): PrecompiledCodecs | undefined;
  /** Whether the tables have `fullName`'s codecs (without making them). */
  has(fullName: string): boolean;
  /** An enum's values; undefined when `fullName` names no enum. */
  enumOf(fullName: string): TableEnum | undefined;
}

/** Lookups over the build's tables that make each type's entry and each enum once. */
export function tableLookups(tables: StaticCodecTables): TableLookups {
  const precompiled = new Map<string, PrecompiledCodecs | undefined>();
  const enums = new Map<string, TableEnum>();
  return {
    precompiled(fullName) {
      if (!precompiled.has(fullName)) precompiled.set(fullName, tables.codecs(fullName)?.());
      return precompiled.get(fullName);
    },
    has: (fullName) => tables.codecs(fullName) !== undefined,
    enumOf(fullName) {
      let e = enums.get(fullName);
      const values = tables.enums[fullName];
      if (!e && values) {
        const valuesById: Record<number, string> = {};
        for (const name of Object.keys(values)) valuesById[values[name] as number] = name;
        e = { kind: 'enum', values, valuesById };
        enums.set(fullName, e);
      }
      return e;
    },
  };
}

interface Pb {
  util: { emptyObject: object; emptyArray: unknown[]; oneOfGetter(f: string[]): () => unknown; oneOfSetter(f: string[]): (n: string) => void };
  Writer: unknown;
  Reader: unknown;
}

/**
 * A codec lookup over the build's tables: `codecOf(".flyteidl.core.Literal")` gives the codec of
 * that message type, or undefined when the tables have none for it or protobufjs wraps it
 * (`google.protobuf.Any`: its JSON form needs reflection); `reflected` gives those, for fields.
 * Codecs are set up at their first use, each with the codecs of its fields set up at theirs.
 */
export function staticCodecs(tables: TableLookups, reflected: (fullName: string) => MessageCodec): (fullName: string) => MessageCodec | undefined {
  const pb = runtime as unknown as Pb;
  const { util } = pb;
  const made = new Map<string, MessageCodec>();

  const ctorOf = (c: PrecompiledCodecs): new () => object => {
    const C = c.ctor() as unknown as { prototype: Record<string, unknown> } & (new () => object);
    // As the `Type#ctor` setter: a Message prototype, field defaults, virtual oneof properties.
    const own = C.prototype;
    C.prototype = new (Message as new () => object)() as Record<string, unknown>;
    Object.defineProperty(C.prototype, 'constructor', { value: C, writable: true, enumerable: false, configurable: true });
    Object.assign(C.prototype, own);
    for (const [name, value] of c.defaults(util)) C.prototype[name] = value;
    const virtual: PropertyDescriptorMap = {};
    for (const [name, fields] of c.oneofs) virtual[name] = { get: util.oneOfGetter(fields), set: util.oneOfSetter(fields) };
    Object.defineProperties(C.prototype, virtual);
    return C;
  };

  // A field of a type left to reflection (Any) sets reflection up only if a value has one.
  const reflectedWhenUsed = (fullName: string): MessageCodec => {
    let t: MessageCodec | undefined;
    const type = (): MessageCodec => (t ??= reflected(fullName));
    return {
      encode: (...a) => type().encode(...a),
      decode: (...a) => type().decode(...a),
      fromObject: (...a) => type().fromObject(...a),
      toObject: (...a) => type().toObject(...a),
    };
  };

  const codecOf = (fullName: string): MessageCodec | undefined => {
    const found = made.get(fullName);
    if (found) return found;
    if ((wrappers as Record<string, unknown>)[fullName] || !tables.has(fullName)) return undefined;
    // Set up at first use: until then each function sets the codec up and calls its real self. A
    // type's tables are made then too: most types a set-up codec refers to are never used.
    const codec = {} as MessageCodec & Record<string, unknown>;
    const setUp = (): MessageCodec => {
      const c = tables.precompiled(fullName) as PrecompiledCodecs;
      const types = c.fields.map((f) => {
        if (f === null) return null;
        return tables.enumOf(f) ?? codecOf(f) ?? reflectedWhenUsed(f);
      });
      const C = ctorOf(c);
      codec.encode = c.encode(pb.Writer, types, util) as never;
      codec.decode = c.decode(pb.Reader, types, util, C) as never;
      codec.fromObject = c.fromObject(types, util, C) as never;
      codec.toObject = c.toObject(types, util) as never;
      return codec;
    };
    for (const name of ['encode', 'decode', 'fromObject', 'toObject'] as const) {
      codec[name] = ((...args: unknown[]) => (setUp()[name] as (...a: unknown[]) => unknown)(...args)) as never;
    }
    made.set(fullName, codec);
    return codec;
  };
  return codecOf;
}
