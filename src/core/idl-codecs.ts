/**
 * Precompiled protobuf codecs of the flyteidl messages: none when running from source; the build
 * replaces this module with the generated ones (`scripts/build/idl-codecs.mjs`), which
 * `idl.ts` installs instead of letting protobufjs generate them at first use.
 */

/** One message type's codec factories, called with the scope protobufjs's `Type#setup` passes. */
export interface PrecompiledCodecs {
  encode(Writer: unknown, types: unknown[], util: unknown): (...args: unknown[]) => unknown;
  decode(Reader: unknown, types: unknown[], util: unknown, C: unknown): (...args: unknown[]) => unknown;
  fromObject(types: unknown[], util: unknown, C: unknown): (...args: unknown[]) => unknown;
  toObject(types: unknown[], util: unknown): (...args: unknown[]) => unknown;
  /** The message constructor (protobufjs's `Type#ctor`). */
  ctor(): new (properties?: object) => object;
}

/** By the type's full name (`.flyteidl.core.Literal`); undefined from source. */
export const PRECOMPILED_CODECS: Record<string, PrecompiledCodecs> | undefined = undefined;
