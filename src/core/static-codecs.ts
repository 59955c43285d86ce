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
import protobuf from 'protobufjs';
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
  /** A type's codecs by full name (the build's switch), made at each call. */
  codecs: (fullName: string) => PrecompiledCodecs | undefined;
  enums: Record<string, Record<string, number>>;
}

/** An enum's names by number, as protobufjs's `Enum#valuesById`: the last name of a number wins. */
export function enumValuesById(values: Record<string, number>): Record<number, string> {
  const byId: Record<number, string> = {};
  for (const name of Object.keys(values)) byId[values[name] as number] = name;
  return byId;
}

interface Pb {
  util: { emptyObject: object; emptyArray: unknown[]; oneOfGetter(f: string[]): () => unknown; oneOfSetter(f: string[]): (n: string) => void };
  Writer: unknown;
  Reader: unknown;
  Message: new () => object;
  wrappers: Record<string, unknown>;
}

/**
 * A codec lookup over the build's tables: `codecOf(".flyteidl.core.Literal")` gives the codec of
 * that message type, or undefined when the tables have none for it or protobufjs wraps it
 * (`google.protobuf.Any`: its JSON form needs reflection); `reflected` gives those, for fields.
 * Codecs are set up at their first use, each with the codecs of its fields set up at theirs.
 */
export function staticCodecs(tables: StaticCodecTables, reflected: (fullName: string) => MessageCodec): (fullName: string) => MessageCodec | undefined {
  const pb = protobuf as unknown as Pb;
  const { util } = pb;
  const made = new Map<string, MessageCodec>();
  const enumsMade = new Map<string, { values: Record<string, number>; valuesById: Record<number, string> }>();

  const enumOf = (fullName: string, values: Record<string, number>) => {
    let e = enumsMade.get(fullName);
    if (!e) {
      e = { values, valuesById: enumValuesById(values) };
      enumsMade.set(fullName, e);
    }
    return e;
  };

  const ctorOf = (c: PrecompiledCodecs): new () => object => {
    const C = c.ctor() as unknown as { prototype: Record<string, unknown> } & (new () => object);
    // As the `Type#ctor` setter: a Message prototype, field defaults, virtual oneof properties.
    const own = C.prototype;
    C.prototype = new pb.Message() as Record<string, unknown>;
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
    if (pb.wrappers[fullName]) return undefined;
    const c = tables.codecs(fullName);
    if (!c) return undefined;
    // Set up at first use: until then each function sets the codec up and calls its real self.
    const codec = {} as MessageCodec & Record<string, unknown>;
    const setUp = (): MessageCodec => {
      const types = c.fields.map((f) => {
        if (f === null) return null;
        const values = tables.enums[f];
        return values ? enumOf(f, values) : (codecOf(f) ?? reflectedWhenUsed(f));
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
