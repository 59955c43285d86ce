/**
 * The `t` type descriptors users import from "tflyte" (design §3). Each descriptor names one Flyte
 * `LiteralType` and converts JS values to and from Flyte `Literal`s with type checking; TypeScript
 * infers the JS value type from it (`ValueOf<typeof d>`).
 *
 * | descriptor        | Flyte type                                   | JS value                 |
 * | ----------------- | -------------------------------------------- | ------------------------ |
 * | `t.int`           | `simple: INTEGER` (int64)                    | `number` (safe integer)  |
 * | `t.float`         | `simple: FLOAT`                              | `number`                 |
 * | `t.str`           | `simple: STRING`                             | `string`                 |
 * | `t.bool`          | `simple: BOOLEAN`                            | `boolean`                |
 * | `t.datetime`      | `simple: DATETIME` (Timestamp)               | `Date`                   |
 * | `t.duration`      | `simple: DURATION`                           | `number` of milliseconds |
 * | `t.none`          | `simple: NONE`                               | `null`                   |
 * | `t.list(T)`       | `collection_type`                            | `T[]`                    |
 * | `t.dict(T)`       | `map_value_type` (string keys)               | `Record<string, T>`      |
 * | `t.struct({...})` | `simple: STRUCT` + `structure.dataclass_type`| object; value is a `generic` Struct |
 * | `t.optional(T)`   | `union_type [T, none]`                       | `T \| null`              |
 * | `t.union(A, B)`   | `union_type` (variants tagged by their name) | `A \| B`                 |
 * | `t.enum(...)`     | `enum_type`                                  | union of the strings     |
 * | `t.file`/`t.dir`  | `blob` SINGLE / MULTIPART                    | `string` path or URI     |
 */
import type { flyteidl } from './idl.ts';
import {
  BlobDescriptorImpl,
  BOOL,
  DATETIME,
  DURATION,
  EnumDescriptorImpl,
  FLOAT,
  INT,
  NONE,
  STR,
} from './scalar-types.ts';
import { createStruct, createUnion, ListDescriptorImpl, DictDescriptorImpl, createOptional } from './composite-types.ts';

export { LiteralConversionError } from './conversion-error.ts';
export { descriptorFromLiteralType, literalTypeToString } from './literal-types.ts';
export { isCastable } from './type-check.ts';

/** The kinds of descriptor; `unsupported` stands for Flyte types tflyte cannot convert (schemas, datasets…). */
export type TypeKind =
  | 'int'
  | 'float'
  | 'str'
  | 'bool'
  | 'datetime'
  | 'duration'
  | 'none'
  | 'list'
  | 'dict'
  | 'struct'
  | 'optional'
  | 'union'
  | 'enum'
  | 'file'
  | 'dir'
  | 'unsupported';

/** A JSON value, as held inside a struct literal or printed by `--json`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A Flyte type and its JS value type `V`. Descriptors are immutable and stateless; the same one may
 * be shared by any number of interfaces.
 *
 * Every conversion method takes the `path` of the value (e.g. `inputs.freq_list`) and throws a
 * {@link LiteralConversionError} whose message starts with the (nested) path of the offending
 * value: `inputs.freq_list[3]: expected int, got "x"`. Values are never coerced (`"1"` is not an
 * int).
 */
export interface TypeDescriptor<V = unknown> {
  readonly kind: TypeKind;
  /** Phantom member carrying the JS value type for inference; never set. */
  readonly __value?: V;
  /** The Flyte `LiteralType` (a fresh plain object on every call). */
  literalType(): flyteidl.core.ILiteralType;
  /** Checks `value` and converts it to a literal (a plain protobufjs object). */
  toLiteral(value: unknown, path: string): flyteidl.core.ILiteral;
  /**
   * Checks a literal (a plain object as `idl.decode` returns it, int64 as string/number/Long) and
   * converts it to the JS value. A `union` literal is unwrapped when the descriptor is not a union.
   */
  fromLiteral(lit: flyteidl.core.ILiteral, path: string): V;
  /**
   * The plain-JSON form of a value: what a struct field holds, what `--json` prints and what CLI
   * JSON input must look like. Datetimes are ISO strings, durations milliseconds, files their path.
   */
  toJsonValue(value: unknown, path: string): JsonValue;
  /** Inverse of {@link toJsonValue}; also accepts durations as text (`"30s"`). */
  fromJsonValue(json: unknown, path: string): V;
  /** A JSON Schema of the JSON form (stored in a struct's `LiteralType.metadata`). */
  jsonSchema(): Record<string, unknown>;
  /** `int`, `list<int>`, `dict<str>`, `optional<int>`, `union<int | str>`, `enum<a | b>`, `struct{a: int}`, `file`… */
  toString(): string;
}

/** The JS value type of a descriptor: `ValueOf<typeof t.int>` is `number`. */
export type ValueOf<D> = D extends TypeDescriptor<infer V> ? V : never;

/** A descriptor of a primitive-like kind. */
export interface ScalarDescriptor<K extends TypeKind, V> extends TypeDescriptor<V> {
  readonly kind: K;
}

/** `t.list(T)`. */
export interface ListDescriptor<V> extends TypeDescriptor<V[]> {
  readonly kind: 'list';
  readonly element: TypeDescriptor<V>;
}

/** `t.dict(T)`: string keys. */
export interface DictDescriptor<V> extends TypeDescriptor<Record<string, V>> {
  readonly kind: 'dict';
  readonly value: TypeDescriptor<V>;
}

/** `t.struct(fields?)`; `fields` is undefined for `t.struct()` (any JSON object). */
export interface StructDescriptor<V> extends TypeDescriptor<V> {
  readonly kind: 'struct';
  readonly fields: Readonly<Record<string, TypeDescriptor>> | undefined;
}

/** `t.optional(T)`: Flyte's union of T and none. */
export interface OptionalDescriptor<V> extends TypeDescriptor<V | null> {
  readonly kind: 'optional';
  readonly inner: TypeDescriptor<V>;
}

/** `t.union(A, B, …)`; `tags[i]` is the `structure.tag` of variant i (its string form unless read from IDL). */
export interface UnionDescriptor<V> extends TypeDescriptor<V> {
  readonly kind: 'union';
  readonly variants: readonly TypeDescriptor[];
  readonly tags: readonly string[];
}

/** `t.enum(...values)`. */
export interface EnumDescriptor<V extends string> extends TypeDescriptor<V> {
  readonly kind: 'enum';
  readonly values: readonly V[];
}

/** `t.file` (SINGLE) and `t.dir` (MULTIPART); `format` is `''` unless read from IDL. */
export interface BlobDescriptor extends TypeDescriptor<string> {
  readonly kind: 'file' | 'dir';
  readonly format: string;
}

/** A Flyte type tflyte cannot convert (schema, structured dataset, binary, error); every conversion throws. */
export interface UnsupportedDescriptor extends TypeDescriptor<never> {
  readonly kind: 'unsupported';
  readonly original: flyteidl.core.ILiteralType;
}

/** Every concrete descriptor, discriminated by `kind` (narrow a `TypeDescriptor` with {@link asKnownDescriptor}). */
export type KnownDescriptor =
  | ScalarDescriptor<'int' | 'float' | 'str' | 'bool' | 'datetime' | 'duration' | 'none', unknown>
  | ListDescriptor<unknown>
  | DictDescriptor<unknown>
  | StructDescriptor<unknown>
  | OptionalDescriptor<unknown>
  | UnionDescriptor<unknown>
  | EnumDescriptor<string>
  | BlobDescriptor
  | UnsupportedDescriptor;

/** Views a descriptor as the discriminated union {@link KnownDescriptor} (all descriptors of `t` are). */
export function asKnownDescriptor(d: TypeDescriptor): KnownDescriptor {
  return d as KnownDescriptor;
}

/** True if `x` looks like a type descriptor (has `kind` and `literalType()`). */
export function isTypeDescriptor(x: unknown): x is TypeDescriptor {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as TypeDescriptor).kind === 'string' &&
    typeof (x as TypeDescriptor).literalType === 'function' &&
    typeof (x as TypeDescriptor).toLiteral === 'function'
  );
}

type Fields = Record<string, TypeDescriptor>;
/** The JS value of a struct with the given fields. */
export type StructValue<F extends Fields> = { [K in keyof F]: ValueOf<F[K]> };

function struct(): StructDescriptor<Record<string, unknown>>;
function struct<F extends Fields>(fields: F): StructDescriptor<StructValue<F>>;
function struct(fields?: Fields): StructDescriptor<unknown> {
  return createStruct(fields);
}

function list<V>(element: TypeDescriptor<V>): ListDescriptor<V> {
  return new ListDescriptorImpl(element);
}

function dict<V>(value: TypeDescriptor<V>): DictDescriptor<V> {
  return new DictDescriptorImpl(value);
}

function optional<V>(inner: TypeDescriptor<V>): OptionalDescriptor<V> {
  return createOptional(inner) as OptionalDescriptor<V>;
}

function union<T extends TypeDescriptor[]>(...variants: T): TypeDescriptor<ValueOf<T[number]>> {
  return createUnion(variants) as TypeDescriptor<ValueOf<T[number]>>;
}

function enumOf<V extends string>(...values: V[]): EnumDescriptor<V> {
  return new EnumDescriptorImpl(values);
}

/**
 * The type descriptors. Scalars are values (`t.int`), containers are functions (`t.list(t.int)`).
 *
 * Notes: `t.optional(T)` of a union adds `none` to its variants; `t.union(X, t.none)` is
 * `t.optional(X)`; nested unions are flattened; `t.struct()` accepts any JSON object while
 * `t.struct({...})` checks every field and rejects unknown ones.
 *
 * @example
 * const Cfg = t.struct({ size: t.int, tags: t.list(t.str), ratio: t.optional(t.float) });
 * type Cfg = ValueOf<typeof Cfg>; // { size: number; tags: string[]; ratio: number | null }
 */
export const t = Object.freeze({
  int: INT as ScalarDescriptor<'int', number>,
  float: FLOAT as ScalarDescriptor<'float', number>,
  str: STR as ScalarDescriptor<'str', string>,
  bool: BOOL as ScalarDescriptor<'bool', boolean>,
  datetime: DATETIME as ScalarDescriptor<'datetime', Date>,
  duration: DURATION as ScalarDescriptor<'duration', number>,
  none: NONE as ScalarDescriptor<'none', null>,
  file: new BlobDescriptorImpl('file', '') as BlobDescriptor,
  dir: new BlobDescriptorImpl('dir', '') as BlobDescriptor,
  list,
  dict,
  struct,
  optional,
  union,
  enum: enumOf,
});
