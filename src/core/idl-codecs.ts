/**
 * Precompiled protobuf codecs of the flyteidl messages: none when running from source; the build
 * replaces this module with the generated ones (`scripts/build/idl-codecs.mjs`), which `idl.ts`
 * uses instead of letting protobufjs generate them at first use (`static-codecs.ts`).
 */

/** One message type's codec factories, called with the scope protobufjs's `Type#setup` passes, and what reflection would give them. */
export interface PrecompiledCodecs {
  encode(Writer: unknown, types: unknown[], util: unknown): (...args: unknown[]) => unknown;
  decode(Reader: unknown, types: unknown[], util: unknown, C: unknown): (...args: unknown[]) => unknown;
  fromObject(types: unknown[], util: unknown, C: unknown): (...args: unknown[]) => unknown;
  toObject(types: unknown[], util: unknown): (...args: unknown[]) => unknown;
  /** The message constructor (protobufjs's `Type#ctor`). */
  ctor(): new (properties?: object) => object;
  /** Each field's message or enum type by full name (null for a scalar), in field order: the codecs' `types`. */
  fields: (string | null)[];
  /** Each field's name and prototype default, given protobufjs's `util`. */
  defaults(util: unknown): [string, unknown][];
  /** Each oneof's name and field names. */
  oneofs: [string, string[]][];
  /** The type's name, and each field's name, declared type, kind (0, 1 repeated, 2 map) and oneof (null if none), in field order. */
  json: [string, [string, string, 0 | 1 | 2, string | null][]];
}

/**
 * The factory of a type's codecs by its full name (`.flyteidl.core.Literal`), undefined for a type
 * the build has none of; undefined from source. Each call of a factory makes the codecs anew.
 */
export const PRECOMPILED_CODECS: ((fullName: string) => (() => PrecompiledCodecs) | undefined) | undefined = undefined;

/** Each enum's values by name, by the enum's full name; undefined from source. */
export const PRECOMPILED_ENUMS: Record<string, Record<string, number>> | undefined = undefined;
