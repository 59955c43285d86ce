/**
 * The one model: Flyte's IDL, loaded from the `.proto` files shipped in `@flyteorg/flyteidl`.
 *
 * Values in memory are protobufjs *plain objects* typed by the package's generated interfaces
 * (`flyteidl.core.ILiteral`, …): camelCase fields, only the set ones present, int64 fields as
 * decimal strings after a decode (numbers are accepted when building).
 *
 * Three codecs over the same reflection tree:
 * - {@link encode} / {@link decode}: protobuf binary, as stored in `inputs.pb`, `outputs.pb`, …
 * - {@link toJson} / {@link fromJson}: the protobuf JSON mapping used by the REST API
 *   (snake_case names like flyteadmin's grpc-gateway, enums by name, int64 as strings,
 *   Timestamp as RFC 3339, Duration as `"1.5s"`, Struct as plain JSON). `fromJson` is strict:
 *   an unknown field or a value of the wrong shape is rejected with its path.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { flyteidl, google } from '@flyteorg/flyteidl/gen/pb-js/flyteidl.js';
import { PRECOMPILED_CODECS, PRECOMPILED_ENUMS } from './idl-codecs.ts';
import { staticCodecs, tableLookups, type MessageCodec, type TableEnum, type TableLookups } from './static-codecs.ts';

export type { flyteidl, google };

/** Proto files loaded into the root: the core model, admin messages and events. */
const PROTO_FILES = [
  'flyteidl/core/workflow_closure.proto',
  'flyteidl/core/dynamic_job.proto',
  'flyteidl/core/errors.proto',
  'flyteidl/core/catalog.proto',
  'flyteidl/admin/task.proto',
  'flyteidl/admin/workflow.proto',
  'flyteidl/admin/launch_plan.proto',
  'flyteidl/admin/execution.proto',
  'flyteidl/admin/node_execution.proto',
  'flyteidl/admin/task_execution.proto',
  'flyteidl/admin/project.proto',
  'flyteidl/admin/version.proto',
  'flyteidl/admin/event.proto',
  'flyteidl/event/event.proto',
  // Flyte's gRPC services (what pyflyte, flytectl and FlyteRemote call) and the health protocol.
  'flyteidl/service/admin.proto',
  'flyteidl/service/dataproxy.proto',
  'flyteidl/service/signal.proto',
  'grpc/health/v1/health.proto',
];

/** Protos the flyteidl package does not ship (see the files for why each is a stand-in). */
const STUB_DIR = path.join(import.meta.dirname, 'proto-stubs');
const STUBS = new Set(['google/api/annotations.proto', 'protoc-gen-openapiv2/options/annotations.proto', 'grpc/health/v1/health.proto']);

/** The unit table as JSON text: parsed only by a process that needs reflection (most local runs do not). */
declare const __FLYTEIDL_DESCRIPTOR__: string | undefined;

let root: LazyRoot | undefined;

/**
 * The build's tables (`idl-codecs.ts` in the single binary), each entry made once and shared by
 * the codecs, the JSON mapping and reflection's `Type#setup`; undefined from source.
 */
const buildTables = PRECOMPILED_CODECS && PRECOMPILED_ENUMS ? tableLookups({ codecs: PRECOMPILED_CODECS, enums: PRECOMPILED_ENUMS }) : undefined;

/**
 * The reflection root of the definitions this process uses: the single binary embeds their table
 * at build time (`__FLYTEIDL_DESCRIPTOR__`, see {@link idlUnits}); from source it is made from the
 * `.proto` files in node_modules.
 */
function loadRoot(): LazyRoot {
  return new LazyRoot(typeof __FLYTEIDL_DESCRIPTOR__ !== 'undefined' ? (JSON.parse(__FLYTEIDL_DESCRIPTOR__) as IdlUnits) : idlUnits(protoDescriptor()));
}

/** Field types that name no definition. */
const SCALAR_TYPES = new Set(['double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes']);

/** A descriptor node: a namespace, a message type, an enum or a service, as protobufjs's `toJSON` writes them. */
interface DescriptorNode {
  nested?: Record<string, DescriptorNode>;
  options?: Record<string, unknown>;
  fields?: Record<string, { type: string }>;
  values?: Record<string, number>;
  methods?: Record<string, { requestType: string; responseType: string }>;
}

/**
 * A descriptor as a table of units, what {@link LazyRoot} adds at once: each definition at the top
 * of a namespace (a message type with the types nested in it, an enum, a service), with the
 * indexes of the units it names (its fields' types, its methods' messages).
 */
export interface IdlUnits {
  /** The root's options, if any. */
  options?: Record<string, unknown>;
  /** Options of each namespace by full name (`flyteidl.core`), parents before children. */
  namespaces: Record<string, Record<string, unknown> | null>;
  /** `[full name, descriptor JSON, indexes of the units it names]`. */
  units: [string, DescriptorNode, number[]][];
}

/**
 * The unit table of a descriptor (the build embeds it; running from source it is made at load).
 * Type names are resolved as protoc does: a leading dot is absolute, anything else is looked up
 * from the innermost enclosing scope outwards.
 */
export function idlUnits(descriptor: protobuf.INamespace): IdlUnits {
  const top = descriptor as DescriptorNode;
  const out: IdlUnits = { ...(top.options ? { options: top.options } : {}), namespaces: {}, units: [] };
  const unitIndex = new Map<string, number>();
  const walk = (node: DescriptorNode, parts: string[]): void => {
    for (const [name, child] of Object.entries(node.nested ?? {})) {
      const at = [...parts, name];
      if (child.fields || child.values || child.methods) {
        unitIndex.set(at.join('.'), out.units.length);
        out.units.push([at.join('.'), child, []]);
      } else {
        out.namespaces[at.join('.')] = child.options ?? null;
        walk(child, at);
      }
    }
  };
  walk(top, []);
  const nodeAt = (parts: string[]): DescriptorNode | undefined => parts.reduce<DescriptorNode | undefined>((n, p) => n?.nested?.[p], top);
  const resolve = (type: string, scope: string[]): string[] | undefined => {
    if (type.startsWith('.')) return type.slice(1).split('.');
    const parts = type.split('.');
    for (let i = scope.length; i >= 0; i--) {
      const candidate = [...scope.slice(0, i), ...parts];
      if (nodeAt(candidate)) return candidate;
    }
    return undefined;
  };
  const unitOf = (parts: string[]): number | undefined => {
    for (let i = 1; i <= parts.length; i++) {
      const at = unitIndex.get(parts.slice(0, i).join('.'));
      if (at !== undefined) return at;
    }
    return undefined;
  };
  for (const [index, unit] of out.units.entries()) {
    const deps = new Set<number>();
    const visit = (node: DescriptorNode, scope: string[]): void => {
      const names = [...Object.values(node.fields ?? {}).map((f) => f.type), ...Object.values(node.methods ?? {}).flatMap((m) => [m.requestType, m.responseType])];
      for (const type of names) {
        if (SCALAR_TYPES.has(type)) continue;
        const target = resolve(type, scope);
        const dep = target && unitOf(target);
        if (dep === undefined) throw new Error(`${scope.join('.')}: no definition named ${type}`);
        if (dep !== index) deps.add(dep);
      }
      for (const [name, child] of Object.entries(node.nested ?? {})) visit(child, [...scope, name]);
    };
    visit(unit[1], unit[0].split('.'));
    unit[2] = [...deps];
  }
  return out;
}

/**
 * A protobufjs root that adds the definitions of an {@link IdlUnits} table at their first lookup,
 * each with every unit it reaches, and resolves nothing ({@link readyType} does, per type, at
 * first use).
 *
 * Why: protobufjs's `Root.fromJSON` makes all ~375 definitions at once, ~20 ms of every process
 * start (a local run, each task's `execute`) where a task's inputs need ~35 of them and a local
 * run ~200. `idl-root.test.ts` checks that every type gets the field types the eager root gives it.
 */
export class LazyRoot {
  /** The protobufjs root, holding what was looked up so far. */
  readonly root = new protobuf.Root();
  readonly #table: IdlUnits;
  readonly #byName = new Map<string, number>();
  readonly #added: boolean[] = [];

  constructor(table: IdlUnits) {
    this.#table = table;
    if (table.options) this.root.setOptions(table.options);
    table.units.forEach(([name], i) => this.#byName.set(name, i));
  }

  /** The definition of that full name (no leading dot), added first with what it reaches. */
  lookup(fullName: string): protobuf.ReflectionObject {
    // The unit holding it: itself, or the message type it is nested in.
    for (let end = fullName.indexOf('.'); ; end = fullName.indexOf('.', end + 1)) {
      const unit = this.#byName.get(end < 0 ? fullName : fullName.slice(0, end));
      if (unit !== undefined) {
        this.#add(unit);
        break;
      }
      if (end < 0) break;
    }
    const found = this.root.lookup(`.${fullName}`);
    if (!found) throw new Error(`no protobuf definition named ${fullName}`);
    return found;
  }

  /** The protobufjs root with every definition added, as `Root.fromJSON` would make it (unresolved). */
  all(): protobuf.Root {
    for (let i = 0; i < this.#table.units.length; i++) this.#add(i);
    return this.root;
  }

  /** Adds unit `first`, then each unit it reaches not added yet. */
  #add(first: number): void {
    const pending = [first];
    for (let i = pending.pop(); i !== undefined; i = pending.pop()) {
      if (this.#added[i]) continue;
      this.#added[i] = true;
      const [fullName, json, deps] = this.#table.units[i] as IdlUnits['units'][number];
      const dot = fullName.lastIndexOf('.');
      const ns = dot < 0 ? this.root : this.#namespace(fullName.slice(0, dot));
      const name = fullName.slice(dot + 1);
      ns.add(json.fields ? protobuf.Type.fromJSON(name, json as never) : json.values ? protobuf.Enum.fromJSON(name, json as never) : protobuf.Service.fromJSON(name, json as never));
      for (const d of deps) if (!this.#added[d]) pending.push(d);
    }
  }

  /** The namespace of that full name, made (with its options) if not yet. */
  #namespace(fullName: string): protobuf.NamespaceBase {
    let ns: protobuf.NamespaceBase = this.root;
    let at = '';
    for (const part of fullName.split('.')) {
      at = at ? `${at}.${part}` : part;
      ns = (ns.get(part) as protobuf.Namespace | null) ?? (ns.add(new protobuf.Namespace(part, this.#table.namespaces[at] ?? undefined)).get(part) as protobuf.Namespace);
    }
    return ns;
  }
}

/** A lazy root of `descriptor`'s definitions: see {@link LazyRoot}. */
export function rootFromDescriptor(descriptor: protobuf.INamespace): LazyRoot {
  return new LazyRoot(idlUnits(descriptor));
}

/** The descriptor of the `.proto` files (running from source), as the build embeds it. */
function protoDescriptor(): protobuf.INamespace {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@flyteorg/flyteidl/package.json');
  const protoDir = path.join(path.dirname(pkgJson), 'protos');
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    // google/protobuf/* are bundled with protobufjs (protobuf.common); everything else is ours.
    if (target.startsWith('google/protobuf/')) return target;
    if (STUBS.has(target)) return path.join(STUB_DIR, target);
    return path.join(protoDir, target);
  };
  r.loadSync(PROTO_FILES, { keepCase: false });
  r.resolveAll();
  return r.toJSON();
}

/** protobufjs internals {@link readyType} drives (the same steps as its `resolveAll`, for one type). */
interface FeatureResolving {
  _edition: string | null;
  _resolveFeatures(edition: string | null): void;
  _resolveFeaturesRecursive(edition: string | null): void;
}

const readyTypes = new WeakSet<protobuf.Type>();

/**
 * Makes one message type ready for reflection and codecs, as `Root.fromJSON` would have for all:
 * the protobuf features of its enclosing namespaces (outermost first, each inheriting its
 * parent's), then its own with its fields, oneofs and nested types, then its field types looked
 * up. Features come before field resolution, as in protobufjs (resolving a field may drop a
 * `packed` option the features are inferred from). Idempotent; cheap after the first call.
 */
export function readyType(type: protobuf.Type): protobuf.Type {
  if (readyTypes.has(type)) return type;
  const chain: protobuf.ReflectionObject[] = [];
  for (let p = type.parent; p; p = p.parent) chain.unshift(p);
  let edition: string | null = null;
  for (const ns of chain) {
    const n = ns as unknown as FeatureResolving;
    edition = n._edition || edition;
    n._resolveFeatures(edition);
  }
  (type as unknown as FeatureResolving)._resolveFeaturesRecursive(edition);
  type.resolveAll();
  readyTypes.add(type);
  return type;
}

function lazyRoot(): LazyRoot {
  if (!root) {
    if (buildTables) usePrecompiledCodecs(buildTables);
    root = loadRoot();
  }
  return root;
}

/** A definition of the IDL by full name (`flyteidl.core.Literal`), added with the definitions it reaches. */
export function idlLookup(fullName: string): protobuf.ReflectionObject {
  return lazyRoot().lookup(fullName);
}

/** A gRPC service of the IDL by full name (`flyteidl.service.AdminService`), with its messages. */
export function idlService(fullName: string): protobuf.Service {
  const found = idlLookup(fullName);
  if (!(found instanceof protobuf.Service)) throw new Error(`${fullName} is not a protobuf service`);
  return found;
}

/**
 * Makes protobufjs set message types up with the codecs the build generated (the same source it
 * would generate and compile with `new Function` at first use of each type), as its own
 * `Type#setup` does otherwise: fields resolved, the constructor, the five codecs, then the
 * well-known-type wrappers.
 */
function usePrecompiledCodecs(tables: TableLookups): void {
  const Type = protobuf.Type as unknown as { prototype: Record<string, unknown> };
  const generate = Type.prototype.setup as (this: protobuf.Type) => protobuf.Type;
  const pb = protobuf as unknown as {
    util: unknown;
    Writer: unknown;
    Reader: unknown;
    verifier: (t: protobuf.Type) => (scope: object) => (m: unknown) => string | null;
    wrappers: Record<string, { fromObject: (o: unknown) => unknown; toObject: (m: unknown, o?: unknown) => unknown }>;
  };
  Type.prototype.setup = function setup(this: protobuf.Type & Record<string, unknown>): protobuf.Type {
    const c = tables.precompiled(this.fullName);
    // Without a precompiled codec protobufjs generates one, after resolving the whole root.
    if (!c) return generate.call(this);
    readyType(this);
    const types = this.fieldsArray.map((f) => f.resolvedType);
    const { util, Writer, Reader } = pb;
    // Through protobufjs's own setter, which makes it a message class of this type.
    if (!this._ctor) this.ctor = c.ctor() as never;
    const C = this.ctor;
    this.encode = c.encode(Writer, types, util) as never;
    this.decode = c.decode(Reader, types, util, C) as never;
    this.fromObject = c.fromObject(types, util, C) as never;
    this.toObject = c.toObject(types, util) as never;
    // Never called by the sandbox: generated on first use, as protobufjs would.
    this.verify = ((m: unknown) => {
      const v = pb.verifier(this)({ types, util });
      this.verify = v as never;
      return v(m);
    }) as never;
    const wrapper = pb.wrappers[this.fullName];
    if (wrapper) {
      const inner = Object.create(this) as Record<string, unknown>;
      inner._ctor = C;
      inner.fromObject = this.fromObject;
      this.fromObject = wrapper.fromObject.bind(inner) as never;
      inner.toObject = this.toObject;
      this.toObject = wrapper.toObject.bind(inner) as never;
    }
    return this;
  };
}

/** A JSON descriptor of every definition; the build embeds its unit table ({@link idlUnits}) into the single binary. */
export function idlDescriptor(): protobuf.INamespace {
  return lazyRoot().all().toJSON();
}

const typeCache = new Map<string, protobuf.Type>();

/** Looks up a message type by full name, e.g. `flyteidl.core.LiteralMap`. */
export function messageType(name: string): protobuf.Type {
  let t = typeCache.get(name);
  if (!t) {
    const found = idlLookup(name);
    if (!(found instanceof protobuf.Type)) throw new Error(`${name} is not a protobuf message type`);
    t = readyType(found);
    typeCache.set(name, t);
  }
  return t;
}

/** Names of the messages that cross a boundary, so callers cannot misspell them. */
export const MessageName = {
  Literal: 'flyteidl.core.Literal',
  LiteralMap: 'flyteidl.core.LiteralMap',
  LiteralType: 'flyteidl.core.LiteralType',
  TaskTemplate: 'flyteidl.core.TaskTemplate',
  WorkflowTemplate: 'flyteidl.core.WorkflowTemplate',
  WorkflowClosure: 'flyteidl.core.WorkflowClosure',
  CompiledWorkflowClosure: 'flyteidl.core.CompiledWorkflowClosure',
  DynamicJobSpec: 'flyteidl.core.DynamicJobSpec',
  ErrorDocument: 'flyteidl.core.ErrorDocument',
  ExecutionError: 'flyteidl.core.ExecutionError',
  Identifier: 'flyteidl.core.Identifier',
  TypedInterface: 'flyteidl.core.TypedInterface',
} as const;

const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  bytes: Buffer as unknown as typeof String,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
};

/**
 * The build's codecs without reflection (`static-codecs.ts`), in the single binary; undefined
 * from source, where protobufjs generates them.
 */
const precompiledCodecOf = buildTables ? staticCodecs(buildTables, (fullName) => messageType(fullName.slice(1))) : undefined;

const codecCache = new Map<string, MessageCodec>();

/** The codecs of a message type by full name (`flyteidl.core.LiteralMap`): the build's, else reflection's. */
function codecOf(name: string): MessageCodec {
  let c = codecCache.get(name);
  if (!c) {
    c = precompiledCodecOf?.(`.${name}`) ?? messageType(name);
    codecCache.set(name, c);
  }
  return c;
}

/** Encodes a plain object as protobuf binary. Throws if the object does not fit the message. */
export function encode(typeName: string, value: object): Uint8Array {
  const t = codecOf(typeName);
  const msg = t.fromObject(value as Record<string, unknown>);
  return t.encode(msg).finish();
}

/** Decodes protobuf binary into a plain object (only set fields, int64 as strings). */
export function decode<T = Record<string, unknown>>(typeName: string, bytes: Uint8Array): T {
  const t = codecOf(typeName);
  return t.toObject(t.decode(bytes), TO_OBJECT_OPTIONS) as T;
}

/** Normalises a plain object through the message type (drops unknown keys, fixes shapes). */
export function normalize<T = Record<string, unknown>>(typeName: string, value: object): T {
  const t = codecOf(typeName);
  return t.toObject(t.fromObject(value as Record<string, unknown>), TO_OBJECT_OPTIONS) as T;
}

// ---------------------------------------------------------------------------------------------
// JSON mapping

/** A JSON body did not fit the message it must be; `path` names the offending field. */
export class IdlJsonError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'IdlJsonError';
    this.path = path;
  }
}

const snakeCache = new Map<string, string>();
function toSnake(name: string): string {
  let s = snakeCache.get(name);
  if (s === undefined) {
    s = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeCache.set(name, s);
  }
  return s;
}

const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

function durationToJson(v: { seconds?: unknown; nanos?: number }): string {
  const secs = BigInt(String(v.seconds ?? 0));
  const nanos = v.nanos ?? 0;
  if (nanos === 0) return `${secs}s`;
  const total = Number(secs) + nanos / 1e9;
  return `${Number(total.toFixed(9))}s`;
}

function durationFromJson(v: unknown, p: string): { seconds: string; nanos: number } {
  if (typeof v === 'object' && v !== null && ('seconds' in v || 'nanos' in v)) {
    const o = v as { seconds?: unknown; nanos?: unknown };
    return { seconds: String(o.seconds ?? 0), nanos: Number(o.nanos ?? 0) };
  }
  if (typeof v !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(v)) {
    throw new IdlJsonError(p, `expected a duration like "30s" or "1.5s", got ${JSON.stringify(v)}`);
  }
  const num = v.slice(0, -1);
  const neg = num.startsWith('-');
  const [whole = '0', frac = ''] = num.replace('-', '').split('.');
  const nanos = Number(frac.padEnd(9, '0'));
  return { seconds: (neg ? '-' : '') + whole, nanos: neg ? -nanos : nanos };
}

function timestampToJson(v: { seconds?: unknown; nanos?: number }): string {
  const ms = Number(String(v.seconds ?? 0)) * 1000 + Math.floor((v.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

function timestampFromJson(v: unknown, p: string): { seconds: string; nanos: number } {
  if (typeof v === 'object' && v !== null && 'seconds' in v) {
    const o = v as { seconds?: unknown; nanos?: unknown };
    return { seconds: String(o.seconds ?? 0), nanos: Number(o.nanos ?? 0) };
  }
  const d = typeof v === 'string' ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) {
    throw new IdlJsonError(p, `expected an RFC 3339 timestamp, got ${JSON.stringify(v)}`);
  }
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1e6 };
}

type StructValue = {
  nullValue?: number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: { fields?: Record<string, StructValue> };
  listValue?: { values?: StructValue[] };
};

/** Converts a `google.protobuf.Value` plain object into the JSON value it stands for. */
export function structValueToJs(v: StructValue): unknown {
  if (v.structValue !== undefined) return structToJs(v.structValue);
  if (v.listValue !== undefined) return (v.listValue.values ?? []).map(structValueToJs);
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return null;
}

/** Converts a `google.protobuf.Struct` plain object into a JSON object. */
export function structToJs(s: { fields?: Record<string, StructValue> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.fields ?? {})) out[k] = structValueToJs(v);
  return out;
}

/** Converts a JSON value into a `google.protobuf.Value` plain object. */
export function jsToStructValue(v: unknown, p = '$'): StructValue {
  if (v === null || v === undefined) return { nullValue: 0 };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new IdlJsonError(p, 'JSON numbers must be finite');
    return { numberValue: v };
  }
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map((x, i) => jsToStructValue(x, `${p}[${i}]`)) } };
  if (typeof v === 'object') return { structValue: jsToStruct(v as Record<string, unknown>, p) };
  throw new IdlJsonError(p, `cannot represent a ${typeof v} in JSON`);
}

/** Converts a JSON object into a `google.protobuf.Struct` plain object. */
export function jsToStruct(o: Record<string, unknown>, p = '$'): { fields: Record<string, StructValue> } {
  const fields: Record<string, StructValue> = {};
  for (const [k, v] of Object.entries(o)) fields[k] = jsToStructValue(v, `${p}.${k}`);
  return { fields };
}

/** What the JSON mapping needs of a message type: reflection's, or the build's tables' ({@link jsonType}). */
interface JsonType {
  kind: 'message';
  /** With a leading dot, as protobufjs writes it (`.flyteidl.core.Literal`). */
  fullName: string;
  name: string;
  fields: Record<string, JsonField>;
  fieldsArray: JsonField[];
}

/** What the JSON mapping needs of an enum. */
type JsonEnum = TableEnum;

/** What the JSON mapping needs of a field. */
interface JsonField {
  name: string;
  /** As declared: a scalar type's name, or the (relative) name of a message or enum. */
  type: string;
  map: boolean;
  repeated: boolean;
  partOf: { name: string } | null;
  /** The field's message or enum; null for a scalar. */
  readonly resolvedType: JsonType | JsonEnum | null;
  /** The value of an unset field (wrapper types' `value`). */
  readonly typeDefault: unknown;
}

/** A message type of the JSON mapping, from its fields. */
function jsonMessage(fullName: string, name: string, fieldsArray: JsonField[]): JsonType {
  return { kind: 'message', fullName, name, fields: Object.fromEntries(fieldsArray.map((f) => [f.name, f])), fieldsArray };
}

/** A field of the JSON mapping whose message or enum is resolved at its first use. */
function jsonField(spec: Omit<JsonField, 'resolvedType' | 'typeDefault'>, resolve: () => JsonType | JsonEnum | null, typeDefault: () => unknown): JsonField {
  let resolved: JsonType | JsonEnum | null | undefined;
  return {
    ...spec,
    get resolvedType() {
      return resolved !== undefined ? resolved : (resolved = resolve());
    },
    get typeDefault() {
      return typeDefault();
    },
  };
}

const reflectedJsonTypes = new WeakMap<protobuf.Type, JsonType>();

/** A reflection type as the JSON mapping sees it (readied first; field types at first use). */
function jsonTypeOfReflection(type: protobuf.Type): JsonType {
  let j = reflectedJsonTypes.get(type);
  if (j) return j;
  readyType(type);
  const fieldsArray = type.fieldsArray.map((f) =>
    jsonField(
      { name: f.name, type: f.type, map: f.map, repeated: f.repeated, partOf: f.partOf ? { name: f.partOf.name } : null },
      () => {
        const r = f.resolvedType;
        if (r instanceof protobuf.Type) return jsonTypeOfReflection(r);
        if (r instanceof protobuf.Enum) return { kind: 'enum', values: r.values, valuesById: r.valuesById };
        return null;
      },
      () => {
        f.resolve();
        return f.typeDefault;
      },
    ),
  );
  j = jsonMessage(type.fullName, type.name, fieldsArray);
  reflectedJsonTypes.set(type, j);
  return j;
}

/**
 * The types of the build's tables as the JSON mapping sees them, without reflection: a lookup by
 * full name (with its leading dot), undefined for a type the tables lack.
 */
function jsonTypesOfTables(tables: TableLookups): (fullName: string) => JsonType | undefined {
  const types = new Map<string, JsonType>();
  const typeOf = (fullName: string): JsonType | undefined => {
    let j = types.get(fullName);
    if (j) return j;
    const c = tables.precompiled(fullName);
    if (!c) return undefined;
    let defaults: Map<string, unknown> | undefined;
    const [name, specs] = c.json;
    const fieldsArray = specs.map(([fieldName, type, kind, oneof], i) => {
      const ref = c.fields[i] ?? null;
      return jsonField(
        { name: fieldName, type, map: kind === 2, repeated: kind === 1, partOf: oneof === null ? null : { name: oneof } },
        () => (ref === null ? null : (tables.enumOf(ref) ?? typeOf(ref) ?? null)),
        () => {
          defaults ??= new Map(c.defaults((protobuf as unknown as { util: unknown }).util));
          return defaults.get(fieldName);
        },
      );
    });
    j = jsonMessage(fullName, name, fieldsArray);
    types.set(fullName, j);
    return j;
  };
  return typeOf;
}

const tableJsonType = buildTables ? jsonTypesOfTables(buildTables) : undefined;

/** A message type by full name (`flyteidl.core.Literal`) for the JSON mapping: the build's tables in the binary, else reflection. */
function jsonType(name: string): JsonType {
  return tableJsonType?.(`.${name}`) ?? jsonTypeOfReflection(messageType(name));
}

/**
 * `toJson` and `fromJson` over the given tables of the build (`scripts/build/idl-codecs.mjs`), for
 * the tests that compare them with reflection's; the binary's own are {@link toJson} and {@link fromJson}.
 * @internal
 */
export function jsonMappingOfTables(tables: TableLookups): { toJson: typeof toJson; fromJson: typeof fromJson } {
  const typeOf = jsonTypesOfTables(tables);
  const type = (name: string): JsonType => {
    const t = typeOf(`.${name}`);
    if (!t) throw new Error(`${name} is not a message type of these tables`);
    return t;
  };
  return {
    toJson: (typeName, value) => valueToJson(type(typeName), value as Record<string, unknown>) as Record<string, unknown>,
    fromJson: <T = Record<string, unknown>>(typeName: string, json: unknown, rootPath = 'body') => messageFromJson(type(typeName), json, rootPath) as T,
  };
}

function wellKnownToJson(type: JsonType, v: Record<string, unknown>): unknown {
  const fullName = type.fullName;
  switch (fullName) {
    case '.google.protobuf.Timestamp':
      return timestampToJson(v);
    case '.google.protobuf.Duration':
      return durationToJson(v);
    case '.google.protobuf.Struct':
      return structToJs(v as { fields?: Record<string, StructValue> });
    case '.google.protobuf.Value':
      return structValueToJs(v as StructValue);
    case '.google.protobuf.ListValue':
      return ((v as { values?: StructValue[] }).values ?? []).map(structValueToJs);
    default:
      if (fullName.startsWith('.google.protobuf.') && fullName.endsWith('Value')) {
        // A wrapper is its bare value in JSON; a decoded wrapper holding the default (`false`,
        // `0`, `""`) has no `value` at all, and is still that default, not an object.
        const field = type.fields.value;
        if (!field) return undefined;
        if (v.value !== undefined && v.value !== null) return scalarToJson(field, v.value);
        return scalarToJson(field, field.typeDefault);
      }
      return undefined;
  }
}

function wellKnownFromJson(type: JsonType, v: unknown, p: string): object | undefined {
  const fullName = type.fullName;
  switch (fullName) {
    case '.google.protobuf.Timestamp':
      return timestampFromJson(v, p);
    case '.google.protobuf.Duration':
      return durationFromJson(v, p);
    case '.google.protobuf.Struct':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new IdlJsonError(p, 'expected a JSON object');
      return jsToStruct(v as Record<string, unknown>, p);
    case '.google.protobuf.Value':
      return jsToStructValue(v, p);
    case '.google.protobuf.ListValue':
      if (!Array.isArray(v)) throw new IdlJsonError(p, 'expected a JSON array');
      return { values: v.map((x, i) => jsToStructValue(x, `${p}[${i}]`)) };
    default:
      if (fullName.startsWith('.google.protobuf.') && fullName.endsWith('Value')) {
        const field = type.fields.value;
        return { value: field && v !== null && v !== undefined ? scalarFromJson(field, v, p) : v };
      }
      return undefined;
  }
}

/**
 * One scalar as protobuf JSON. Takes what callers hand in as well as what `decode` gives: enum
 * numbers or names; int64 as string, number, bigint or Long; bytes as Buffer/Uint8Array or
 * base64 text (so `toJson` needs no normalising pass through protobufjs' generated code).
 */
function scalarToJson(field: JsonField, v: unknown): unknown {
  const r = field.resolvedType;
  if (r?.kind === 'enum') {
    if (typeof v === 'string' && v in r.values) return v;
    const name = r.valuesById[Number(v)];
    return name ?? Number(v);
  }
  if (INT64_TYPES.has(field.type)) return typeof v === 'number' ? String(Math.trunc(v)) : String(v);
  if (INT32_TYPES.has(field.type)) return field.type.startsWith('u') || field.type === 'fixed32' ? Number(v) >>> 0 : Number(v) | 0;
  if (field.type === 'bytes') return typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('base64');
  if (field.type === 'double' || field.type === 'float') {
    const n = Number(v);
    if (Number.isNaN(n)) return 'NaN';
    if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
    return n;
  }
  if (field.type === 'bool') return Boolean(v);
  if (field.type === 'string') return String(v);
  return v;
}

function defaultJson(field: JsonField): unknown {
  if (field.repeated) return [];
  if (field.map) return {};
  const r = field.resolvedType;
  if (r?.kind === 'message') return undefined;
  if (r?.kind === 'enum') return r.valuesById[0];
  if (INT64_TYPES.has(field.type)) return '0';
  switch (field.type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return '';
    default:
      return 0;
  }
}

function messageToJson(type: JsonType, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    const key = toSnake(field.name);
    if (v === undefined || v === null) {
      // Like grpc-gateway's EmitDefaults: scalars, enums, lists and maps always appear.
      if (!field.partOf) {
        const d = defaultJson(field);
        if (d !== undefined) out[key] = d;
      }
      continue;
    }
    const r = field.resolvedType;
    const conv = (x: unknown): unknown => (r?.kind === 'message' ? valueToJson(r, x as Record<string, unknown>) : scalarToJson(field, x));
    if (field.map) {
      const m: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) m[k] = conv(x);
      out[key] = m;
    } else if (field.repeated) {
      out[key] = (v as unknown[]).map(conv);
    } else {
      out[key] = conv(v);
    }
  }
  return out;
}

/** One message as protobuf JSON: the step of the recursion. */
function valueToJson(type: JsonType, obj: Record<string, unknown>): unknown {
  const wk = wellKnownToJson(type, obj);
  if (wk !== undefined) return wk;
  return messageToJson(type, obj);
}

/**
 * Renders a plain object of the given message as protobuf JSON (snake_case, defaults emitted
 * for scalar fields like flyteadmin's REST gateway).
 */
export function toJson(typeName: string, value: object): Record<string, unknown> {
  // Straight from the caller's object: scalarToJson accepts every shape fromObject would.
  return valueToJson(jsonType(typeName), value as Record<string, unknown>) as Record<string, unknown>;
}

function scalarFromJson(field: JsonField, v: unknown, p: string): unknown {
  const e = field.resolvedType;
  if (e?.kind === 'enum') {
    if (typeof v === 'string') {
      if (v in e.values) return e.values[v];
      throw new IdlJsonError(p, `expected one of ${Object.keys(e.values).join(', ')}, got ${JSON.stringify(v)}`);
    }
    if (typeof v === 'number' && Number.isInteger(v) && e.valuesById[v] !== undefined) return v;
    throw new IdlJsonError(p, `expected one of ${Object.keys(e.values).join(', ')}, got ${JSON.stringify(v)}`);
  }
  if (INT64_TYPES.has(field.type) || INT32_TYPES.has(field.type)) {
    const s = typeof v === 'number' ? String(v) : v;
    if (typeof s !== 'string' || !/^-?\d+$/.test(s)) {
      throw new IdlJsonError(p, `expected an integer, got ${JSON.stringify(v)}`);
    }
    if (field.type.startsWith('u') && s.startsWith('-')) throw new IdlJsonError(p, 'expected a non-negative integer');
    if (INT32_TYPES.has(field.type)) {
      const n = Number(s);
      if (n > 0xffffffff || n < -0x80000000) throw new IdlJsonError(p, 'integer out of 32-bit range');
      return n;
    }
    const big = BigInt(s);
    if (big > 0xffffffffffffffffn || big < -0x8000000000000000n) throw new IdlJsonError(p, 'integer out of 64-bit range');
    return big.toString();
  }
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string') throw new IdlJsonError(p, `expected a string, got ${JSON.stringify(v)}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new IdlJsonError(p, `expected true or false, got ${JSON.stringify(v)}`);
      return v;
    case 'bytes':
      if (typeof v !== 'string') throw new IdlJsonError(p, 'expected base64 text');
      return Buffer.from(v, 'base64');
    case 'double':
    case 'float':
      if (v === 'NaN') return Number.NaN;
      if (v === 'Infinity') return Number.POSITIVE_INFINITY;
      if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
      throw new IdlJsonError(p, `expected a number, got ${JSON.stringify(v)}`);
    default:
      throw new IdlJsonError(p, `unsupported field type ${field.type}`);
  }
}

function messageFromJson(type: JsonType, json: unknown, p: string): object {
  const wk = wellKnownFromJson(type, json, p);
  if (wk !== undefined) return wk;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new IdlJsonError(p, `expected an object (${type.name}), got ${JSON.stringify(json)}`);
  }
  const out: Record<string, unknown> = {};
  const seenOneofs = new Map<string, string>();
  for (const [key, v] of Object.entries(json as Record<string, unknown>)) {
    const camel = key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    const field = type.fields[camel];
    const fp = `${p}.${key}`;
    if (!field) {
      const known = type.fieldsArray.map((f) => toSnake(f.name)).join(', ');
      throw new IdlJsonError(fp, `unknown field for ${type.name} (known fields: ${known})`);
    }
    if (v === null) continue;
    if (field.partOf) {
      const other = seenOneofs.get(field.partOf.name);
      if (other) throw new IdlJsonError(fp, `only one of ${field.partOf.name} may be set (also got ${other})`);
      seenOneofs.set(field.partOf.name, key);
    }
    const r = field.resolvedType;
    const conv = (x: unknown, xp: string): unknown => (r?.kind === 'message' ? messageFromJson(r, x, xp) : scalarFromJson(field, x, xp));
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v)) throw new IdlJsonError(fp, 'expected an object (a map)');
      const m: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) m[k] = conv(x, `${fp}.${k}`);
      // Like decode: an empty map or list is left out.
      if (Object.keys(m).length > 0) out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new IdlJsonError(fp, 'expected a list');
      if (v.length > 0) out[field.name] = v.map((x, i) => conv(x, `${fp}[${i}]`));
    } else {
      out[field.name] = conv(v, fp);
    }
  }
  return out;
}

/**
 * Parses protobuf JSON (snake_case or camelCase names) into a plain object of the message.
 * Strict: unknown fields, wrong value shapes and several members of one oneof are errors
 * naming their path (rooted at `rootPath`, default `body`).
 */
export function fromJson<T = Record<string, unknown>>(typeName: string, json: unknown, rootPath = 'body'): T {
  // messageFromJson gives the shape decode gives (int64 as canonical strings, enums as numbers,
  // bytes as Buffers, empty lists and maps left out): no pass through generated code needed.
  return messageFromJson(jsonType(typeName), json, rootPath) as T;
}

/** Reads an int64 field (string, number or Long) as a JS number; exact up to 2^53. */
export function int64ToNumber(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return Number(String(v));
}

/** Reads an int64 field (string, number or Long) as a bigint, exactly. */
export function int64ToBigInt(v: unknown): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return BigInt(String(v));
}
