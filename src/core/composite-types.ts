/**
 * Descriptors built from other descriptors: list, dict, struct, optional, union; and the
 * placeholder for Flyte types tflyte cannot convert.
 * @internal Users reach these through `t` in `types.ts`.
 */
import { describeValue, isDate, LiteralConversionError, own } from './conversion-error.ts';
import {
  failLiteral,
  failValue,
  isNoneLiteral,
  isRecord,
  keyPath,
  noneLiteral,
  scalarOf,
  SimpleType,
  unionOf,
  unwrapUnion,
  withExpected,
  withTag,
  type ILiteral,
  type ILiteralType,
} from './descriptor-helpers.ts';
import { jsToStruct, type flyteidl } from './idl.ts';
import { decodeMsgpack } from './msgpack.ts';
import { NONE } from './scalar-types.ts';
import type {
  DictDescriptor,
  JsonValue,
  ListDescriptor,
  OptionalDescriptor,
  StructDescriptor,
  TypeDescriptor,
  UnionDescriptor,
  UnsupportedDescriptor,
} from './types.ts';

/** Implementation of `t.list(T)`: `collection.literals`, a JS array. */
export class ListDescriptorImpl<V> implements ListDescriptor<V> {
  declare readonly __value?: V[];
  readonly kind = 'list';
  readonly element: TypeDescriptor<V>;

  constructor(element: TypeDescriptor<V>) {
    this.element = element;
  }
  literalType(): ILiteralType {
    return { collectionType: this.element.literalType() };
  }
  #check(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) failValue(path, this.toString(), value);
    return value;
  }
  toLiteral(value: unknown, path: string): ILiteral {
    const arr = this.#check(value, path);
    return { collection: { literals: arr.map((x, i) => this.element.toLiteral(x, `${path}[${i}]`)) } };
  }
  fromLiteral(lit: ILiteral, path: string): V[] {
    const inner = unwrapUnion(lit);
    const coll = own<flyteidl.core.ILiteralCollection>(inner, 'collection');
    if (!coll) failLiteral(path, this.toString(), inner);
    const lits = own<ILiteral[]>(coll, 'literals') ?? [];
    return lits.map((l, i) => this.element.fromLiteral(l, `${path}[${i}]`));
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    return this.#check(value, path).map((x, i) => this.element.toJsonValue(x, `${path}[${i}]`));
  }
  fromJsonValue(json: unknown, path: string): V[] {
    return this.#check(json, path).map((x, i) => this.element.fromJsonValue(x, `${path}[${i}]`));
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'array', items: this.element.jsonSchema() };
  }
  toString(): string {
    return `list<${this.element.toString()}>`;
  }
}

/** Implementation of `t.dict(T)`: `map.literals` keyed by strings, a JS record. */
export class DictDescriptorImpl<V> implements DictDescriptor<V> {
  declare readonly __value?: Record<string, V>;
  readonly kind = 'dict';
  readonly value: TypeDescriptor<V>;

  constructor(value: TypeDescriptor<V>) {
    this.value = value;
  }
  literalType(): ILiteralType {
    return { mapValueType: this.value.literalType() };
  }
  #check(value: unknown, path: string): Record<string, unknown> {
    if (!isRecord(value)) failValue(path, this.toString(), value);
    return value;
  }
  #mapEntries<R>(value: unknown, path: string, fn: (x: unknown, p: string) => R): Record<string, R> {
    const out: Record<string, R> = {};
    for (const [k, x] of Object.entries(this.#check(value, path))) out[k] = fn(x, keyPath(path, k));
    return out;
  }
  toLiteral(value: unknown, path: string): ILiteral {
    return { map: { literals: this.#mapEntries(value, path, (x, p) => this.value.toLiteral(x, p)) } };
  }
  fromLiteral(lit: ILiteral, path: string): Record<string, V> {
    const inner = unwrapUnion(lit);
    const map = own<flyteidl.core.ILiteralMap>(inner, 'map');
    if (!map) failLiteral(path, this.toString(), inner);
    const lits = own<Record<string, ILiteral>>(map, 'literals') ?? {};
    const out: Record<string, V> = {};
    for (const [k, l] of Object.entries(lits)) out[k] = this.value.fromLiteral(l, keyPath(path, k));
    return out;
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    return this.#mapEntries(value, path, (x, p) => this.value.toJsonValue(x, p));
  }
  fromJsonValue(json: unknown, path: string): Record<string, V> {
    return this.#mapEntries(json, path, (x, p) => this.value.fromJsonValue(x, p));
  }
  jsonSchema(): Record<string, unknown> {
    return { type: 'object', additionalProperties: this.value.jsonSchema() };
  }
  toString(): string {
    return `dict<${this.value.toString()}>`;
  }
}

/** Checks that `value` is plain JSON (finite numbers, no Dates/bigints/functions); `undefined` members are dropped. */
function toPlainJson(value: unknown, path: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) failValue(path, 'JSON value', value, 'JSON numbers must be finite');
    return value;
  }
  if (Array.isArray(value)) return value.map((x, i) => toPlainJson(x ?? null, `${path}[${i}]`));
  if (isRecord(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(value)) if (x !== undefined) out[k] = toPlainJson(x, keyPath(path, k));
    return out;
  }
  return failValue(path, 'JSON value', value, isDate(value) ? 'give dates as ISO strings' : undefined);
}

/**
 * Reads a `google.protobuf.Struct` into JSON. Unlike `idl.structToJs` it also reads protobufjs
 * message instances, whose prototypes carry `null` defaults for unset oneof members.
 */
export function readStruct(s: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(own<Record<string, unknown>>(s, 'fields') ?? {})) out[k] = readStructValue(v);
  return out;
}

function readStructValue(v: unknown): unknown {
  const sv = own<unknown>(v, 'structValue');
  if (sv !== undefined) return readStruct(sv);
  const lv = own<unknown>(v, 'listValue');
  if (lv !== undefined) return (own<unknown[]>(lv, 'values') ?? []).map(readStructValue);
  return own<unknown>(v, 'stringValue') ?? own<unknown>(v, 'numberValue') ?? own<unknown>(v, 'boolValue') ?? null;
}

/** Implementation of `t.struct(fields?)`: a `generic` Struct literal holding the JSON object. */
export class StructDescriptorImpl<V> implements StructDescriptor<V> {
  declare readonly __value?: V;
  readonly kind = 'struct';
  readonly fields: Readonly<Record<string, TypeDescriptor>> | undefined;
  readonly #name: string;

  constructor(fields: Record<string, TypeDescriptor> | undefined) {
    const names = fields ? Object.keys(fields) : [];
    this.fields = names.length > 0 ? Object.freeze({ ...fields }) : undefined;
    this.#name = this.fields
      ? `struct{${Object.entries(this.fields)
          .map(([k, d]) => `${k}: ${d.toString()}`)
          .join(', ')}}`
      : 'struct';
  }
  literalType(): ILiteralType {
    const lt: ILiteralType = { simple: SimpleType.STRUCT as flyteidl.core.SimpleType };
    if (this.fields) {
      const dataclassType: Record<string, ILiteralType> = {};
      for (const [k, d] of Object.entries(this.fields)) dataclassType[k] = d.literalType();
      lt.structure = { dataclassType };
      lt.metadata = jsToStruct(this.jsonSchema());
    }
    return lt;
  }
  toLiteral(value: unknown, path: string): ILiteral {
    const json = this.toJsonValue(value, path) as Record<string, unknown>;
    return { scalar: { generic: jsToStruct(json) } };
  }
  fromLiteral(lit: ILiteral, path: string): V {
    const inner = unwrapUnion(lit);
    const scalar = scalarOf(inner);
    const generic = own<{ fields?: Record<string, never> }>(scalar, 'generic');
    if (generic) return this.fromJsonValue(readStruct(generic), path);
    const binary = own<flyteidl.core.IBinary>(scalar, 'binary');
    if (binary && binary.tag === 'msgpack') {
      const raw = binary.value ?? new Uint8Array();
      const bytes = typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw;
      let json: unknown;
      try {
        json = decodeMsgpack(bytes);
      } catch (e) {
        throw new LiteralConversionError(path, this.#name, 'binary literal (msgpack)', `${path}: ${(e as Error).message}`, e);
      }
      return this.fromJsonValue(json, path);
    }
    return failLiteral(path, this.#name, inner);
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    if (!isRecord(value)) failValue(path, this.#name, value);
    if (!this.fields) return toPlainJson(value, path);
    this.#rejectUnknown(value, path);
    const out: Record<string, JsonValue> = {};
    for (const [k, d] of Object.entries(this.fields)) out[k] = d.toJsonValue(value[k], keyPath(path, k));
    return out;
  }
  fromJsonValue(json: unknown, path: string): V {
    if (!isRecord(json)) failValue(path, this.#name, json);
    if (!this.fields) return toPlainJson(json, path) as V;
    this.#rejectUnknown(json, path);
    const out: Record<string, unknown> = {};
    for (const [k, d] of Object.entries(this.fields)) out[k] = d.fromJsonValue(json[k], keyPath(path, k));
    return out as V;
  }
  #rejectUnknown(value: Record<string, unknown>, path: string): void {
    const fields = this.fields ?? {};
    for (const [k, x] of Object.entries(value)) {
      if (Object.hasOwn(fields, k) || x === undefined) continue;
      const p = keyPath(path, k);
      throw new LiteralConversionError(
        p,
        'no such field',
        describeValue(x),
        `${p}: unexpected field (${this.#name} has fields ${Object.keys(fields).join(', ')})`,
      );
    }
  }
  jsonSchema(): Record<string, unknown> {
    if (!this.fields) return { type: 'object' };
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const [k, d] of Object.entries(this.fields)) {
      properties[k] = d.jsonSchema();
      if (d.kind !== 'optional' && d.kind !== 'none') required.push(k);
    }
    return { type: 'object', properties, required, additionalProperties: false };
  }
  toString(): string {
    return this.#name;
  }
}

/** Implementation of `t.optional(T)`: a union of T and none, as Flyte's `Optional[T]`. */
export class OptionalDescriptorImpl<V> implements OptionalDescriptor<V> {
  declare readonly __value?: V | null;
  readonly kind = 'optional';
  readonly inner: TypeDescriptor<V>;
  readonly #innerTag: string;
  readonly #noneTag: string;

  constructor(inner: TypeDescriptor<V>, innerTag = inner.toString(), noneTag = 'none') {
    this.inner = inner;
    this.#innerTag = innerTag;
    this.#noneTag = noneTag;
  }
  /** `structure.tag` of the two variants, in order. */
  get tags(): readonly string[] {
    return [this.#innerTag, this.#noneTag];
  }
  #innerType(): ILiteralType {
    return withTag(this.inner.literalType(), this.#innerTag);
  }
  #noneType(): ILiteralType {
    return withTag(NONE.literalType(), this.#noneTag);
  }
  literalType(): ILiteralType {
    return { unionType: { variants: [this.#innerType(), this.#noneType()] } };
  }
  toLiteral(value: unknown, path: string): ILiteral {
    if (value === null || value === undefined) return { scalar: { union: { value: noneLiteral(), type: this.#noneType() } } };
    const lit = withExpected(path, this.toString(), () => this.inner.toLiteral(value, path));
    return { scalar: { union: { value: lit, type: this.#innerType() } } };
  }
  fromLiteral(lit: ILiteral, path: string): V | null {
    const u = unionOf(lit);
    const value = u ? own<ILiteral>(u, 'value') : lit;
    if (value === undefined) return failLiteral(path, this.toString(), lit);
    if (isNoneLiteral(value)) return null;
    return withExpected(path, this.toString(), () => this.inner.fromLiteral(value, path));
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    if (value === null || value === undefined) return null;
    return withExpected(path, this.toString(), () => this.inner.toJsonValue(value, path));
  }
  fromJsonValue(json: unknown, path: string): V | null {
    if (json === null || json === undefined) return null;
    return withExpected(path, this.toString(), () => this.inner.fromJsonValue(json, path));
  }
  jsonSchema(): Record<string, unknown> {
    return { anyOf: [this.inner.jsonSchema(), { type: 'null' }] };
  }
  toString(): string {
    return `optional<${this.inner.toString()}>`;
  }
}

function tryEach<R>(variants: readonly TypeDescriptor[], fn: (d: TypeDescriptor, i: number) => R): { ok: true; value: R } | { ok: false } {
  for (const [i, d] of variants.entries()) {
    try {
      return { ok: true, value: fn(d, i) };
    } catch (e) {
      if (!(e instanceof LiteralConversionError)) throw e;
    }
  }
  return { ok: false };
}

/**
 * Implementation of `t.union(...)`: `scalar.union{value, type}` whose type is the chosen variant
 * tagged with `structure.tag`. Writing picks the first variant the value fits; reading follows the
 * tag, falling back to the first variant that reads the value.
 */
export class UnionDescriptorImpl<V> implements UnionDescriptor<V> {
  declare readonly __value?: V;
  readonly kind = 'union';
  readonly variants: readonly TypeDescriptor[];
  readonly tags: readonly string[];

  constructor(variants: readonly TypeDescriptor[], tags: readonly string[]) {
    this.variants = Object.freeze([...variants]);
    this.tags = Object.freeze([...tags]);
  }
  #variantType(i: number): ILiteralType {
    return withTag((this.variants[i] as TypeDescriptor).literalType(), this.tags[i] as string);
  }
  literalType(): ILiteralType {
    return { unionType: { variants: this.variants.map((_d, i) => this.#variantType(i)) } };
  }
  toLiteral(value: unknown, path: string): ILiteral {
    const r = tryEach(this.variants, (d, i) => ({ value: d.toLiteral(value, path), type: this.#variantType(i) }));
    if (!r.ok) failValue(path, this.toString(), value);
    return { scalar: { union: r.value } };
  }
  fromLiteral(lit: ILiteral, path: string): V {
    const u = unionOf(lit);
    const value = u ? own<ILiteral>(u, 'value') : lit;
    if (value === undefined) return failLiteral(path, this.toString(), lit);
    const tag = u?.type?.structure?.tag;
    const i = tag ? this.tags.indexOf(tag) : -1;
    const tagged = this.variants[i];
    if (tagged) return withExpected(path, this.toString(), () => tagged.fromLiteral(value, path) as V);
    const r = tryEach(this.variants, (d) => d.fromLiteral(value, path) as V);
    if (!r.ok) failLiteral(path, this.toString(), value);
    return r.value;
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    const r = tryEach(this.variants, (d) => d.toJsonValue(value, path));
    if (!r.ok) failValue(path, this.toString(), value);
    return r.value;
  }
  fromJsonValue(json: unknown, path: string): V {
    const r = tryEach(this.variants, (d) => d.fromJsonValue(json, path) as V);
    if (!r.ok) failValue(path, this.toString(), json);
    return r.value;
  }
  jsonSchema(): Record<string, unknown> {
    return { anyOf: this.variants.map((d) => d.jsonSchema()) };
  }
  toString(): string {
    return `union<${this.variants.map((d) => d.toString()).join(' | ')}>`;
  }
}

/** Builds `t.struct(fields?)`. */
export function createStruct(fields: Record<string, TypeDescriptor> | undefined): StructDescriptor<unknown> {
  if (fields !== undefined) {
    if (!isRecord(fields)) throw new TypeError('t.struct(): fields must be an object of types');
    for (const [k, d] of Object.entries(fields)) {
      if (typeof d !== 'object' || d === null || typeof (d as TypeDescriptor).literalType !== 'function') {
        throw new TypeError(`t.struct(): field "${k}" must be a type from t (e.g. t.int)`);
      }
    }
  }
  return new StructDescriptorImpl(fields);
}

/** Flattens nested unions/optionals into `[variant, tag]` pairs, dropping duplicates. */
function flatten(variants: readonly TypeDescriptor[]): Array<[TypeDescriptor, string]> {
  const out: Array<[TypeDescriptor, string]> = [];
  const add = (d: TypeDescriptor, tag: string): void => {
    if (!out.some(([, t]) => t === tag)) out.push([d, tag]);
  };
  for (const d of variants) {
    if (d instanceof UnionDescriptorImpl) d.variants.forEach((v, i) => add(v, d.tags[i] as string));
    else if (d instanceof OptionalDescriptorImpl) {
      const [innerTag, noneTag] = d.tags as [string, string];
      add(d.inner, innerTag);
      add(NONE, noneTag);
    } else add(d, d.toString());
  }
  return out;
}

/**
 * Builds a union. Without `tags`, nested unions are flattened, duplicates dropped, a single variant
 * is returned as is and `[X, none]` becomes `optional<X>`. With `tags` (rebuilding from IDL) the
 * variants are kept exactly.
 */
export function createUnion(variants: readonly TypeDescriptor[], tags?: readonly string[]): TypeDescriptor {
  for (const [i, d] of variants.entries()) {
    if (typeof d !== 'object' || d === null || typeof d.literalType !== 'function') {
      throw new TypeError(`t.union(): variant ${i} must be a type from t (e.g. t.int)`);
    }
  }
  if (tags) {
    if (tags.length !== variants.length) throw new TypeError('createUnion: one tag per variant');
    const [a, b] = variants;
    if (variants.length === 2 && a && b && b.kind === 'none' && a.kind !== 'none') {
      return new OptionalDescriptorImpl(a, tags[0], tags[1]);
    }
    return new UnionDescriptorImpl(variants, tags);
  }
  const flat = flatten(variants);
  if (flat.length === 0) throw new TypeError('t.union() needs at least one variant');
  if (flat.length === 1) return (flat[0] as [TypeDescriptor, string])[0];
  return createUnion(
    flat.map(([d]) => d),
    flat.map(([, tag]) => tag),
  );
}

/** Builds `t.optional(T)`: `optional(none)` is `none`, `optional(optional(T))` is `optional(T)`, `optional(union)` adds `none`. */
export function createOptional(inner: TypeDescriptor): TypeDescriptor {
  if (typeof inner !== 'object' || inner === null || typeof inner.literalType !== 'function') {
    throw new TypeError('t.optional(): argument must be a type from t (e.g. t.int)');
  }
  if (inner.kind === 'none' || inner.kind === 'optional') return inner;
  if (inner.kind === 'union') return createUnion([inner, NONE]);
  return new OptionalDescriptorImpl(inner);
}

/** A Flyte type tflyte cannot convert; its conversions throw a clear error. */
export class UnsupportedDescriptorImpl implements UnsupportedDescriptor {
  declare readonly __value?: never;
  readonly kind = 'unsupported';
  readonly original: ILiteralType;
  readonly #name: string;

  constructor(original: ILiteralType, name: string) {
    this.original = original;
    this.#name = name;
  }
  literalType(): ILiteralType {
    return structuredClone(this.original);
  }
  #fail(path: string, got: string): never {
    throw new LiteralConversionError(path, this.#name, got, `${path}: values of type ${this.#name} are not supported by tflyte`);
  }
  toLiteral(value: unknown, path: string): ILiteral {
    return this.#fail(path, describeValue(value));
  }
  fromLiteral(_lit: ILiteral, path: string): never {
    return this.#fail(path, 'a literal');
  }
  toJsonValue(value: unknown, path: string): JsonValue {
    return this.#fail(path, describeValue(value));
  }
  fromJsonValue(json: unknown, path: string): never {
    return this.#fail(path, describeValue(json));
  }
  jsonSchema(): Record<string, unknown> {
    return {};
  }
  toString(): string {
    return this.#name;
  }
}
