/**
 * The error thrown when a JS value or a Flyte literal does not fit a type, and the helpers that
 * describe the offending value in its message.
 */
import { ValidationError } from './errors.ts';
import type { flyteidl } from './idl.ts';

/** Error code of every {@link LiteralConversionError}. */
export const LITERAL_CONVERSION_FAILED = 'SBX_CORE_LITERAL_CONVERSION_FAILED';

/**
 * A value did not fit its declared type (writing a JS value as a literal, reading a literal back,
 * parsing CLI text). USER, not retryable.
 *
 * The message always starts with the path of the offending value, e.g.
 * `inputs.freq_list[3]: expected int, got "x"`; `expected` is the type's string form
 * (`int`, `list<str>`, …) and `got` a short rendering of what was found.
 */
export class LiteralConversionError extends ValidationError {
  /** Where the value sits, e.g. `inputs.cfg.size` or `outputs.o0[2]`. */
  declare readonly path: string;
  /** The expected type, as {@link TypeDescriptor.toString} renders it. */
  readonly expected: string;
  /** A short rendering of the value found (`"x"`, `1.5`, `string literal "x"`, …). */
  readonly got: string;

  /**
   * @param message overrides the default `${path}: expected ${expected}, got ${got}`.
   */
  constructor(path: string, expected: string, got: string, message?: string, cause?: unknown) {
    super(LITERAL_CONVERSION_FAILED, message ?? `${path}: expected ${expected}, got ${got}`, {
      path,
      details: { expected, got },
      ...(cause === undefined ? {} : { cause }),
    });
    this.name = 'LiteralConversionError';
    this.expected = expected;
    this.got = got;
  }
}

const MAX_TEXT = 60;

function clip(s: string): string {
  return s.length <= MAX_TEXT ? s : `${s.slice(0, MAX_TEXT - 3)}...`;
}

/** True for a `Date` (from any realm). */
export function isDate(v: unknown): v is Date {
  return Object.prototype.toString.call(v) === '[object Date]';
}

/**
 * Renders a JS value for an error message: strings JSON-quoted, numbers as written, bigints with
 * `n`, dates as ISO, objects and arrays as (clipped) JSON.
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return clip(JSON.stringify(v));
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      break;
  }
  if (v === null) return 'null';
  if (isDate(v)) return Number.isNaN(v.getTime()) ? 'Invalid Date' : `Date(${v.toISOString()})`;
  if (v instanceof Map) return 'a Map';
  if (v instanceof Set) return 'a Set';
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
    if (s !== undefined) return clip(s);
  } catch {
    // circular structures fall through
  }
  return Array.isArray(v) ? 'an array' : 'an object';
}

/** Reads an own, non-null field (works on plain objects and on protobufjs message instances). */
export function own<T>(o: unknown, key: string): T | undefined {
  if (typeof o !== 'object' || o === null || !Object.hasOwn(o, key)) return undefined;
  const v = (o as Record<string, unknown>)[key];
  return v === null || v === undefined ? undefined : (v as T);
}

/** Renders a literal's kind (and a short value for primitives) for an error message. */
export function describeLiteral(lit: flyteidl.core.ILiteral | null | undefined): string {
  if (lit === null || lit === undefined) return 'no literal';
  const scalar = own<flyteidl.core.IScalar>(lit, 'scalar');
  if (scalar) {
    const p = own<flyteidl.core.IPrimitive>(scalar, 'primitive');
    if (p) {
      const i = own<unknown>(p, 'integer');
      if (i !== undefined) return `int literal ${String(i)}`;
      const f = own<number>(p, 'floatValue');
      if (f !== undefined) return `float literal ${f}`;
      const s = own<string>(p, 'stringValue');
      if (s !== undefined) return `string literal ${clip(JSON.stringify(s))}`;
      const b = own<boolean>(p, 'boolean');
      if (b !== undefined) return `bool literal ${b}`;
      if (own(p, 'datetime')) return 'datetime literal';
      if (own(p, 'duration')) return 'duration literal';
      return 'empty primitive literal';
    }
    if (own(scalar, 'noneType')) return 'none literal';
    const blob = own<flyteidl.core.IBlob>(scalar, 'blob');
    if (blob) {
      const dim = Number(blob.metadata?.type?.dimensionality ?? 0);
      return `${dim === 1 ? 'dir' : 'file'} literal ${clip(JSON.stringify(blob.uri ?? ''))}`;
    }
    if (own(scalar, 'generic')) return 'struct literal';
    const bin = own<flyteidl.core.IBinary>(scalar, 'binary');
    if (bin) return `binary literal${bin.tag ? ` (tag ${JSON.stringify(bin.tag)})` : ''}`;
    if (own(scalar, 'union')) return 'union literal';
    if (own(scalar, 'error')) return 'error literal';
    if (own(scalar, 'schema')) return 'schema literal';
    if (own(scalar, 'structuredDataset')) return 'structured dataset literal';
    return 'empty scalar literal';
  }
  if (own(lit, 'collection')) return 'collection literal';
  if (own(lit, 'map')) return 'map literal';
  if (own(lit, 'offloadedMetadata')) return 'offloaded literal';
  return 'empty literal';
}
