/**
 * Descriptors of single values: int, float, str, bool, datetime, duration, none, enum, file, dir.
 * @internal Users reach these through `t` in `types.ts`.
 */
import { isDate, own } from './conversion-error.ts';
import {
  BlobDimensionality,
  failLiteral,
  failValue,
  noneLiteral,
  primitiveLiteral,
  primitiveOf,
  readInt64,
  scalarOf,
  SimpleType,
  unwrapUnion,
  type ILiteral,
  type ILiteralType,
} from './descriptor-helpers.ts';
import type { flyteidl } from './idl.ts';
import type { BlobDescriptor, EnumDescriptor, JsonValue, ScalarDescriptor, TypeKind } from './types.ts';

type Prim = flyteidl.core.IPrimitive;
type Long = NonNullable<Prim['integer']>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Timestamp range (0001-01-01 .. 9999-12-31) in ms since the epoch. */
const MIN_TIMESTAMP_MS = -62_135_596_800_000;
const MAX_TIMESTAMP_MS = 253_402_300_799_999;
/** Duration range (±10,000 years) in ms. */
const MAX_DURATION_MS = 315_576_000_000_000;

/**
 * One primitive kind, defined by how it checks/writes a JS value and reads a primitive; the JSON
 * form is derived unless overridden.
 */
abstract class PrimitiveDescriptor<K extends TypeKind, V> implements ScalarDescriptor<K, V> {
  declare readonly __value?: V;
  readonly kind: K;
  readonly #simple: number;

  constructor(kind: K, simple: number) {
    this.kind = kind;
    this.#simple = simple;
  }

  literalType(): ILiteralType {
    return { simple: this.#simple as flyteidl.core.SimpleType };
  }

  /** Checks a JS value and returns the primitive holding it; throws naming `path`. */
  protected abstract write(value: unknown, path: string): Prim;
  /** Reads the JS value out of a primitive, or `undefined` when the primitive is of another kind. */
  protected abstract read(p: Prim, path: string): V | undefined;
  abstract toJsonValue(value: unknown, path: string): JsonValue;
  abstract fromJsonValue(json: unknown, path: string): V;
  abstract jsonSchema(): Record<string, unknown>;

  toLiteral(value: unknown, path: string): ILiteral {
    return primitiveLiteral(this.write(value, path));
  }

  fromLiteral(lit: ILiteral, path: string): V {
    const inner = unwrapUnion(lit);
    const p = primitiveOf(inner);
    const v = p ? this.read(p, path) : undefined;
    if (v === undefined) failLiteral(path, this.kind, inner);
    return v;
  }

  toString(): string {
    return this.kind;
  }
}

function checkInt(value: unknown, path: string): number | bigint {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    if (Number.isInteger(value)) failValue(path, 'int', value, 'beyond the safe integer range; pass a bigint');
    failValue(path, 'int', value);
  }
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) failValue(path, 'int', value, 'outside the int64 range');
    return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }
  return failValue(path, 'int', value);
}

class IntDescriptor extends PrimitiveDescriptor<'int', number> {
  protected write(value: unknown, path: string): Prim {
    const v = checkInt(value, path);
    // int64 beyond 2^53 travels as a decimal string, which protobufjs accepts for int64 fields.
    return { integer: (typeof v === 'bigint' ? v.toString() : v) as unknown as Long };
  }
  protected read(p: Prim, path: string): number | undefined {
    const raw = own<unknown>(p, 'integer');
    if (raw === undefined) return undefined;
    const big = readInt64(raw);
    if (big === undefined) return undefined;
    if (big < -MAX_SAFE || big > MAX_SAFE) {
      failValue(path, 'int', big, "outside JavaScript's safe integer range ±(2^53-1)");
    }
    return Number(big);
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    const v = checkInt(value, path);
    if (typeof v === 'bigint') failValue(path, 'int', value, 'JSON numbers hold integers up to 2^53-1 exactly');
    return v;
  }
  fromJsonValue(json: unknown, path: string): number {
    if (typeof json === 'number' && Number.isSafeInteger(json)) return json === 0 ? 0 : json;
    return failValue(path, 'int', json);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'integer' };
  }
}

class FloatDescriptor extends PrimitiveDescriptor<'float', number> {
  protected write(value: unknown, path: string): Prim {
    if (typeof value !== 'number') failValue(path, 'float', value);
    return { floatValue: value };
  }
  protected read(p: Prim): number | undefined {
    return own<number>(p, 'floatValue');
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    if (typeof value !== 'number') failValue(path, 'float', value);
    if (!Number.isFinite(value)) failValue(path, 'float', value, 'JSON numbers must be finite');
    return value;
  }
  fromJsonValue(json: unknown, path: string): number {
    if (typeof json === 'number') return json;
    return failValue(path, 'float', json);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'number' };
  }
}

class StrDescriptor extends PrimitiveDescriptor<'str', string> {
  protected write(value: unknown, path: string): Prim {
    if (typeof value !== 'string') failValue(path, 'str', value);
    return { stringValue: value };
  }
  protected read(p: Prim): string | undefined {
    return own<string>(p, 'stringValue');
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    if (typeof value !== 'string') failValue(path, 'str', value);
    return value;
  }
  fromJsonValue(json: unknown, path: string): string {
    if (typeof json === 'string') return json;
    return failValue(path, 'str', json);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'string' };
  }
}

class BoolDescriptor extends PrimitiveDescriptor<'bool', boolean> {
  protected write(value: unknown, path: string): Prim {
    if (typeof value !== 'boolean') failValue(path, 'bool', value);
    return { boolean: value };
  }
  protected read(p: Prim): boolean | undefined {
    return own<boolean>(p, 'boolean');
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    if (typeof value !== 'boolean') failValue(path, 'bool', value);
    return value;
  }
  fromJsonValue(json: unknown, path: string): boolean {
    if (typeof json === 'boolean') return json;
    return failValue(path, 'bool', json);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'boolean' };
  }
}

function checkDate(value: unknown, path: string): number {
  if (!isDate(value)) failValue(path, 'datetime', value);
  const ms = value.getTime();
  if (Number.isNaN(ms)) failValue(path, 'datetime', value);
  if (ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS) failValue(path, 'datetime', value, 'years 1 to 9999 only');
  return ms;
}

class DatetimeDescriptor extends PrimitiveDescriptor<'datetime', Date> {
  protected write(value: unknown, path: string): Prim {
    const ms = checkDate(value, path);
    const seconds = Math.floor(ms / 1000);
    const nanos = (ms - seconds * 1000) * 1_000_000;
    return { datetime: { seconds: seconds as unknown as Long, nanos } };
  }
  protected read(p: Prim, path: string): Date | undefined {
    const ts = own<{ seconds?: unknown; nanos?: number | null }>(p, 'datetime');
    if (ts === undefined) return undefined;
    const seconds = readInt64(ts.seconds ?? 0);
    if (seconds === undefined) failValue(path, 'datetime', ts);
    // Sub-millisecond precision is dropped: JS dates hold milliseconds.
    return new Date(Number(seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    checkDate(value, path);
    return (value as Date).toISOString();
  }
  fromJsonValue(json: unknown, path: string): Date {
    if (isDate(json)) {
      checkDate(json, path);
      return json;
    }
    if (typeof json !== 'string' || json.trim() === '') return failValue(path, 'datetime', json);
    const d = new Date(json);
    if (Number.isNaN(d.getTime())) failValue(path, 'datetime', json, 'use an ISO 8601 date-time');
    checkDate(d, path);
    return d;
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'string', format: 'date-time' };
  }
}

function checkDuration(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) failValue(path, 'duration', value);
  if (Math.abs(value) > MAX_DURATION_MS) failValue(path, 'duration', value, 'at most 10,000 years');
  return value === 0 ? 0 : value;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_TEXT = /^([+-])?((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ms|s|m|h|d))+)$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)/g;

/**
 * Parses a duration text into milliseconds: a number (milliseconds) or a sequence of
 * number+unit with units `ms`, `s`, `m`, `h`, `d` (`"30s"`, `"5m"`, `"1h30m"`, `"1.5s"`).
 * Returns `undefined` when the text is not a duration.
 */
export function parseDurationText(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return Number(s);
  const m = DURATION_TEXT.exec(s);
  if (!m) return undefined;
  let total = 0;
  for (const part of (m[2] ?? '').matchAll(DURATION_PART)) {
    total += Number(part[1]) * (DURATION_UNITS_MS[part[2] ?? ''] ?? Number.NaN);
  }
  return m[1] === '-' ? -total : total;
}

class DurationDescriptor extends PrimitiveDescriptor<'duration', number> {
  protected write(value: unknown, path: string): Prim {
    const ms = checkDuration(value, path);
    let seconds = Math.trunc(ms / 1000);
    let nanos = Math.round((ms - seconds * 1000) * 1_000_000);
    if (Math.abs(nanos) >= 1_000_000_000) {
      seconds += Math.sign(nanos);
      nanos -= Math.sign(nanos) * 1_000_000_000;
    }
    return { duration: { seconds: seconds as unknown as Long, nanos } };
  }
  protected read(p: Prim, path: string): number | undefined {
    const d = own<{ seconds?: unknown; nanos?: number | null }>(p, 'duration');
    if (d === undefined) return undefined;
    const seconds = readInt64(d.seconds ?? 0);
    if (seconds === undefined) failValue(path, 'duration', d);
    const ms = Number(seconds) * 1000 + (d.nanos ?? 0) / 1_000_000;
    return ms === 0 ? 0 : ms;
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    return checkDuration(value, path);
  }
  fromJsonValue(json: unknown, path: string): number {
    if (typeof json === 'string') {
      const ms = parseDurationText(json);
      if (ms === undefined) failValue(path, 'duration', json, 'use milliseconds or text like "30s", "5m", "1h"');
      return checkDuration(ms, path);
    }
    return checkDuration(json, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'number', description: 'duration in milliseconds' };
  }
}

class NoneDescriptor implements ScalarDescriptor<'none', null> {
  declare readonly __value?: null;
  readonly kind = 'none';
  literalType(): ILiteralType {
    return { simple: SimpleType.NONE as flyteidl.core.SimpleType };
  }
  toLiteral(value: unknown, path: string): ILiteral {
    if (value !== null && value !== undefined) failValue(path, 'none', value);
    return noneLiteral();
  }
  fromLiteral(lit: ILiteral, path: string): null {
    const inner = unwrapUnion(lit);
    if (own(scalarOf(inner), 'noneType') === undefined) failLiteral(path, 'none', inner);
    return null;
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    if (value !== null && value !== undefined) failValue(path, 'none', value);
    return null;
  }
  fromJsonValue(json: unknown, path: string): null {
    if (json !== null && json !== undefined) failValue(path, 'none', json);
    return null;
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'null' };
  }
  toString(): string {
    return 'none';
  }
}

/** Implementation of `t.enum(...)`: a string among `values`, stored as `primitive.string_value`. */
export class EnumDescriptorImpl<V extends string> implements EnumDescriptor<V> {
  declare readonly __value?: V;
  readonly kind = 'enum';
  readonly values: readonly V[];
  readonly #name: string;

  constructor(values: readonly V[]) {
    if (values.length === 0) throw new TypeError('t.enum() needs at least one value');
    for (const v of values) {
      if (typeof v !== 'string' || v === '') throw new TypeError(`t.enum(): values must be non-empty strings, got ${String(v)}`);
    }
    if (new Set(values).size !== values.length) throw new TypeError(`t.enum(): duplicate values in ${values.join(', ')}`);
    this.values = Object.freeze([...values]);
    this.#name = `enum<${values.join(' | ')}>`;
  }
  literalType(): ILiteralType {
    return { enumType: { values: [...this.values] } };
  }
  #check(value: unknown, path: string): V {
    if (typeof value !== 'string' || !(this.values as readonly string[]).includes(value)) {
      failValue(path, this.#name, value);
    }
    return value as V;
  }
  toLiteral(value: unknown, path: string): ILiteral {
    return primitiveLiteral({ stringValue: this.#check(value, path) });
  }
  fromLiteral(lit: ILiteral, path: string): V {
    const inner = unwrapUnion(lit);
    const s = own<string>(primitiveOf(inner), 'stringValue');
    if (s === undefined || !(this.values as readonly string[]).includes(s)) failLiteral(path, this.#name, inner);
    return s as V;
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    return this.#check(value, path);
  }
  fromJsonValue(json: unknown, path: string): V {
    return this.#check(json, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'string', enum: [...this.values] };
  }
  toString(): string {
    return this.#name;
  }
}

/**
 * Implementation of `t.file` / `t.dir`: a Flyte blob (SINGLE / MULTIPART) whose JS value is its
 * URI or local path. Moving the bytes is the runtime's job, not this descriptor's.
 */
export class BlobDescriptorImpl implements BlobDescriptor {
  declare readonly __value?: string;
  readonly kind: 'file' | 'dir';
  readonly format: string;

  constructor(kind: 'file' | 'dir', format: string) {
    this.kind = kind;
    this.format = format;
  }
  #dimensionality(): number {
    return this.kind === 'dir' ? BlobDimensionality.MULTIPART : BlobDimensionality.SINGLE;
  }
  #blobType(): flyteidl.core.IBlobType {
    return {
      format: this.format,
      dimensionality: this.#dimensionality() as flyteidl.core.BlobType.BlobDimensionality,
    };
  }
  literalType(): ILiteralType {
    return { blob: this.#blobType() };
  }
  #check(value: unknown, path: string): string {
    if (typeof value !== 'string' || value === '') {
      failValue(path, this.toString(), value, `a ${this.kind === 'dir' ? 'directory' : 'file'} is given as a path or URI`);
    }
    return value;
  }
  toLiteral(value: unknown, path: string): ILiteral {
    return { scalar: { blob: { metadata: { type: this.#blobType() }, uri: this.#check(value, path) } } };
  }
  fromLiteral(lit: ILiteral, path: string): string {
    const inner = unwrapUnion(lit);
    const blob = own<flyteidl.core.IBlob>(scalarOf(inner), 'blob');
    const dim = Number(blob?.metadata?.type?.dimensionality ?? 0);
    if (!blob || !blob.uri || dim !== this.#dimensionality()) failLiteral(path, this.toString(), inner);
    return blob.uri;
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    return this.#check(value, path);
  }
  fromJsonValue(json: unknown, path: string): string {
    return this.#check(json, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'string', description: this.kind === 'dir' ? 'directory path or URI' : 'file path or URI' };
  }
  toString(): string {
    return this.format === '' ? this.kind : `${this.kind}<${this.format}>`;
  }
}

export const INT = new IntDescriptor('int', SimpleType.INTEGER);
export const FLOAT = new FloatDescriptor('float', SimpleType.FLOAT);
export const STR = new StrDescriptor('str', SimpleType.STRING);
export const BOOL = new BoolDescriptor('bool', SimpleType.BOOLEAN);
export const DATETIME = new DatetimeDescriptor('datetime', SimpleType.DATETIME);
export const DURATION = new DurationDescriptor('duration', SimpleType.DURATION);
export const NONE = new NoneDescriptor();
