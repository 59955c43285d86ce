/**
 * Internal helpers shared by the descriptor implementations: literal builders, readers that work
 * on plain objects and protobufjs instances alike, and error shortcuts.
 * @internal
 */
import { describeLiteral, describeValue, isDate, LiteralConversionError, own } from './conversion-error.ts';
import type { flyteidl } from './idl.ts';

export type ILiteral = flyteidl.core.ILiteral;
export type ILiteralType = flyteidl.core.ILiteralType;

/** `flyteidl.core.SimpleType` values (the enum is type-only in the generated typings). */
export const SimpleType = {
  NONE: 0,
  INTEGER: 1,
  FLOAT: 2,
  STRING: 3,
  BOOLEAN: 4,
  DATETIME: 5,
  DURATION: 6,
  BINARY: 7,
  ERROR: 8,
  STRUCT: 9,
} as const;

/** `flyteidl.core.BlobType.BlobDimensionality` values. */
export const BlobDimensionality = { SINGLE: 0, MULTIPART: 1 } as const;

/** Throws "expected X, got <value>". */
export function failValue(path: string, expected: string, value: unknown, hint?: string): never {
  const got = describeValue(value);
  throw new LiteralConversionError(
    path,
    expected,
    got,
    hint === undefined ? undefined : `${path}: expected ${expected}, got ${got} (${hint})`,
  );
}

/** Throws "expected X, got <literal kind>". */
export function failLiteral(path: string, expected: string, lit: ILiteral | null | undefined): never {
  throw new LiteralConversionError(path, expected, describeLiteral(lit));
}

/**
 * Runs `fn`; a conversion error *at `path` itself* (not nested deeper) is rethrown naming
 * `expected` instead, so `optional<int>` failures say `expected optional<int>` while a bad element
 * deep inside still names its own path.
 */
export function withExpected<R>(path: string, expected: string, fn: () => R): R {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LiteralConversionError && e.path === path && e.expected !== expected) {
      throw new LiteralConversionError(path, expected, e.got);
    }
    throw e;
  }
}

/** A plain record: an object that is not an array, Date, Map, Set or binary view. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !isDate(v) &&
    !(v instanceof Map) &&
    !(v instanceof Set) &&
    !ArrayBuffer.isView(v)
  );
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `path.key` for identifier keys, `path["odd key"]` otherwise. */
export function keyPath(path: string, key: string): string {
  if (IDENT.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Copies a literal type with `structure.tag` set (keeps a struct's `dataclass_type`). */
export function withTag(lt: ILiteralType, tag: string): ILiteralType {
  return { ...lt, structure: { ...(lt.structure ?? {}), tag } };
}

/** The `scalar` of a literal, if any. */
export function scalarOf(lit: ILiteral | null | undefined): flyteidl.core.IScalar | undefined {
  return own<flyteidl.core.IScalar>(lit, 'scalar');
}

/** The `scalar.primitive` of a literal, if any. */
export function primitiveOf(lit: ILiteral | null | undefined): flyteidl.core.IPrimitive | undefined {
  return own<flyteidl.core.IPrimitive>(scalarOf(lit), 'primitive');
}

/** The `scalar.union` of a literal, if any. */
export function unionOf(lit: ILiteral | null | undefined): flyteidl.core.IUnion | undefined {
  return own<flyteidl.core.IUnion>(scalarOf(lit), 'union');
}

/** True if the literal is `scalar.none_type`. */
export function isNoneLiteral(lit: ILiteral | null | undefined): boolean {
  return own(scalarOf(lit), 'noneType') !== undefined;
}

/**
 * A non-union descriptor reading a union literal reads its value (the compiler lets a value of a
 * single-variant union flow into its variant's type).
 */
export function unwrapUnion(lit: ILiteral): ILiteral {
  const u = unionOf(lit);
  const v = u ? own<ILiteral>(u, 'value') : undefined;
  return v ?? lit;
}

/** A literal holding one primitive. */
export function primitiveLiteral(p: flyteidl.core.IPrimitive): ILiteral {
  return { scalar: { primitive: p } };
}

/** The literal `scalar.none_type {}`. */
export function noneLiteral(): ILiteral {
  return { scalar: { noneType: {} } };
}

/** Reads an int64 wire value (string, number, bigint, Long) exactly. */
export function readInt64(v: unknown): bigint | undefined {
  try {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
    if (typeof v === 'string' || (typeof v === 'object' && v !== null)) return BigInt(String(v));
  } catch {
    return undefined;
  }
  return undefined;
}
