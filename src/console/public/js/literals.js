// Flyte literals and literal types in their protobuf JSON form: reading them as plain values for
// display, describing types, and building literals from what a user typed in the launch form.
// Pure functions (unit-tested in Node).
import { decodeMsgpack as decodeCoreMsgpack } from './core.js';

/** A short type name: int, list<str>, dict<str, int>, struct, optional<int>, int | str, file, enum<a | b>. */
export function typeToString(lt) {
  if (!lt) return 'unknown';
  if (lt.simple === 'STRUCT' && lt.structure?.dataclass_type && Object.keys(lt.structure.dataclass_type).length > 0) {
    return `struct{${Object.entries(lt.structure.dataclass_type).map(([k, t]) => `${k}: ${typeToString(t)}`).join(', ')}}`;
  }
  if (lt.simple) {
    const names = { NONE: 'none', INTEGER: 'int', FLOAT: 'float', STRING: 'str', BOOLEAN: 'bool', DATETIME: 'datetime', DURATION: 'duration', BINARY: 'binary', ERROR: 'error', STRUCT: 'struct' };
    return names[lt.simple] ?? String(lt.simple).toLowerCase();
  }
  if (lt.collection_type) return `list<${typeToString(lt.collection_type)}>`;
  if (lt.map_value_type) return `dict<str, ${typeToString(lt.map_value_type)}>`;
  if (lt.blob) return lt.blob.dimensionality === 'MULTIPART' ? 'dir' : 'file';
  if (lt.enum_type) return `enum<${(lt.enum_type.values ?? []).join(' | ')}>`;
  if (lt.union_type) {
    const vs = lt.union_type.variants ?? [];
    const inner = vs.filter((v) => v.simple !== 'NONE');
    if (inner.length === 1 && vs.length === 2) return `optional<${typeToString(inner[0])}>`;
    return vs.map(typeToString).join(' | ');
  }
  if (lt.structured_dataset_type) return 'dataset';
  if (lt.schema) return 'schema';
  return 'unknown';
}

/** The kind of input control a type gets in the launch form. */
export function inputKind(lt) {
  if (!lt) return 'json';
  if (lt.simple) {
    const k = { INTEGER: 'int', FLOAT: 'float', STRING: 'str', BOOLEAN: 'bool', DATETIME: 'datetime', DURATION: 'duration', NONE: 'none', STRUCT: 'json' }[lt.simple];
    return k ?? 'json';
  }
  if (lt.enum_type) return 'enum';
  if (lt.blob) return 'blob';
  if (lt.union_type) return optionalInner(lt) ? 'optional' : 'json';
  return 'json';
}

/** The non-none variant of an optional (a two-variant union with none), else undefined. */
export function optionalInner(lt) {
  const vs = lt?.union_type?.variants;
  if (!vs || vs.length !== 2) return undefined;
  const none = vs.findIndex((v) => v.simple === 'NONE');
  return none < 0 ? undefined : vs[1 - none];
}

// --- reading literals ------------------------------------------------------------------------

function durationText(d) {
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(String(d));
  if (!m) return String(d);
  const ms = Number(m[1]) * 1000;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function base64Bytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Decodes msgpack bytes (flytekit's binary struct encoding) into JSON-compatible values, with
 * core's decoder: integers beyond 2^53 become exact decimal strings, binary values `<n bytes>`.
 */
export function decodeMsgpack(bytes) {
  return jsonSafe(decodeCoreMsgpack(bytes));
}

function jsonSafe(v) {
  if (typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}

/**
 * A literal as a display value: `{ kind, value }` where kind is one of int, float, str, bool,
 * datetime, duration, none, file, dir, struct, list, map, error, binary, offloaded, unknown, and
 * value is a plain JS value (lists/maps hold nested display values).
 */
export function readLiteral(lit) {
  if (!lit) return { kind: 'none', value: null };
  const s = lit.scalar;
  if (s) {
    const p = s.primitive;
    if (p) {
      if (p.integer !== undefined) return { kind: 'int', value: String(p.integer) };
      if (p.float_value !== undefined) return { kind: 'float', value: p.float_value };
      if (p.string_value !== undefined) return { kind: 'str', value: p.string_value };
      if (p.boolean !== undefined) return { kind: 'bool', value: p.boolean };
      if (p.datetime !== undefined) return { kind: 'datetime', value: p.datetime };
      if (p.duration !== undefined) return { kind: 'duration', value: durationText(p.duration) };
    }
    if (s.none_type !== undefined) return { kind: 'none', value: null };
    if (s.blob) return { kind: s.blob.metadata?.type?.dimensionality === 'MULTIPART' ? 'dir' : 'file', value: s.blob.uri ?? '' };
    if (s.generic !== undefined) return { kind: 'struct', value: s.generic };
    if (s.binary) {
      if (s.binary.tag === 'msgpack') {
        try {
          return { kind: 'struct', value: decodeMsgpack(base64Bytes(s.binary.value ?? '')) };
        } catch {
          // shown as opaque bytes below
        }
      }
      return { kind: 'binary', value: `${(s.binary.value ?? '').length * 0.75 | 0} bytes (${s.binary.tag || 'binary'})` };
    }
    if (s.union) return readLiteral(s.union.value);
    if (s.error) return { kind: 'error', value: { message: s.error.message ?? '', failed_node_id: s.error.failed_node_id ?? '' } };
    if (s.structured_dataset) return { kind: 'file', value: s.structured_dataset.uri ?? '' };
    if (s.schema) return { kind: 'file', value: s.schema.uri ?? '' };
  }
  if (lit.collection) return { kind: 'list', value: (lit.collection.literals ?? []).map(readLiteral) };
  if (lit.map) return { kind: 'map', value: Object.fromEntries(Object.entries(lit.map.literals ?? {}).map(([k, v]) => [k, readLiteral(v)])) };
  if (lit.offloaded_metadata) return { kind: 'offloaded', value: lit.offloaded_metadata.uri ?? '' };
  return { kind: 'unknown', value: null };
}

/** A display value as plain JSON (ints beyond 2^53 stay strings). */
export function toPlain(v) {
  switch (v.kind) {
    case 'int': {
      const n = Number(v.value);
      return Number.isSafeInteger(n) ? n : v.value;
    }
    case 'list':
      return v.value.map(toPlain);
    case 'map':
      return Object.fromEntries(Object.entries(v.value).map(([k, x]) => [k, toPlain(x)]));
    default:
      return v.value;
  }
}

/** True if a display value holds a file or directory anywhere (rendered with links). */
export function hasBlob(v) {
  if (v.kind === 'file' || v.kind === 'dir') return true;
  if (v.kind === 'list') return v.value.some(hasBlob);
  if (v.kind === 'map') return Object.values(v.value).some(hasBlob);
  return false;
}

/** The text a launch form field starts with for a literal (defaults, relaunch inputs). */
export function literalToInputText(lit, lt) {
  const v = readLiteral(lit);
  const kind = inputKind(lt);
  if (kind === 'optional') return v.kind === 'none' ? '' : literalToInputText(lit?.scalar?.union?.value ?? lit, optionalInner(lt));
  // JSON fields (lists, dicts, structs, unions) hold JSON whatever the value inside.
  if (kind === 'json') return JSON.stringify(toPlain(v), null, 2);
  switch (v.kind) {
    case 'int':
    case 'str':
    case 'datetime':
    case 'duration':
    case 'file':
    case 'dir':
      return String(v.value);
    case 'float':
      return String(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'none':
      return '';
    default:
      return JSON.stringify(toPlain(v), null, 2);
  }
}

// --- building literals ---------------------------------------------------------------------------

/** Thrown when a typed value does not fit its type; `message` is for the user. */
export class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InputError';
  }
}

const INT_RE = /^[+-]?\d+$/;
const INT64_MAX = 9223372036854775807n;

function scalar(primitive) {
  return { scalar: { primitive } };
}

function fail(where, expected, got) {
  const shown = typeof got === 'string' ? JSON.stringify(got) : JSON.stringify(got) ?? String(got);
  throw new InputError(`${where ? `${where}: ` : ''}expected ${expected}, got ${shown.length > 60 ? `${shown.slice(0, 57)}…` : shown}`);
}

/** Parses "1.5s", "90s", "5m", "1h30m", "250ms" or a number of seconds into protobuf JSON ("1.5s"). */
export function parseDuration(text) {
  const s = String(text).trim();
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return `${Number(s)}s`;
  const m = /^((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ms|s|m|h|d))+)$/.exec(s);
  if (!m) return undefined;
  const units = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d)/g)) total += Number(part[1]) * units[part[2]];
  return `${Number(total.toFixed(9))}s`;
}

/**
 * Converts a JSON value (from a JSON field, or a parsed scalar field) into a literal of type
 * `lt`. Throws {@link InputError} naming the path of the first value that does not fit.
 */
export function jsonToLiteral(value, lt, where = '') {
  if (!lt) throw new InputError(`${where}: unknown type`);
  if (lt.union_type) {
    const variants = lt.union_type.variants ?? [];
    const errors = [];
    // none first for null, so optional<…> of null is none rather than a failed inner parse.
    const ordered = value === null ? [...variants].sort((a, b) => (a.simple === 'NONE' ? -1 : b.simple === 'NONE' ? 1 : 0)) : variants;
    for (const v of ordered) {
      try {
        return { scalar: { union: { value: jsonToLiteral(value, v, where), type: v } } };
      } catch (e) {
        errors.push(e.message);
      }
    }
    fail(where, typeToString(lt), value);
  }
  if (lt.simple) {
    switch (lt.simple) {
      case 'NONE':
        if (value !== null && value !== undefined && value !== '') fail(where, 'none (empty)', value);
        return { scalar: { none_type: {} } };
      case 'INTEGER': {
        const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value.trim() : undefined;
        if (text === undefined || !INT_RE.test(text)) fail(where, 'an integer', value);
        const big = BigInt(text);
        if (big > INT64_MAX || big < -INT64_MAX - 1n) fail(where, 'a 64-bit integer', value);
        return scalar({ integer: big.toString() });
      }
      case 'FLOAT': {
        const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
        if (!Number.isFinite(n)) fail(where, 'a number', value);
        return scalar({ float_value: n });
      }
      case 'STRING':
        if (typeof value !== 'string') fail(where, 'a string', value);
        return scalar({ string_value: value });
      case 'BOOLEAN': {
        if (value === true || value === 'true') return scalar({ boolean: true });
        if (value === false || value === 'false') return scalar({ boolean: false });
        return fail(where, 'true or false', value);
      }
      case 'DATETIME': {
        const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
        if (Number.isNaN(t)) fail(where, 'a date and time like 2024-05-01T12:00:00Z', value);
        return scalar({ datetime: new Date(t).toISOString() });
      }
      case 'DURATION': {
        const d = typeof value === 'number' ? `${value / 1000}s` : typeof value === 'string' ? parseDuration(value) : undefined;
        if (!d) fail(where, 'a duration like 1.5s, 5m or 1h30m', value);
        return scalar({ duration: d });
      }
      case 'STRUCT': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'a JSON object', value);
        const fields = lt.structure?.dataclass_type;
        if (fields && Object.keys(fields).length > 0) {
          for (const k of Object.keys(fields)) if (!(k in value)) throw new InputError(`${where}.${k}: missing field (expected ${typeToString(fields[k])})`);
          for (const k of Object.keys(value)) if (!(k in fields)) throw new InputError(`${where}.${k}: no such field (fields: ${Object.keys(fields).join(', ')})`);
          for (const [k, ft] of Object.entries(fields)) jsonToLiteral(value[k], ft, `${where}.${k}`);
        }
        return { scalar: { generic: value } };
      }
      default:
        throw new InputError(`${where}: values of type ${typeToString(lt)} cannot be entered here`);
    }
  }
  if (lt.collection_type) {
    if (!Array.isArray(value)) fail(where, `a JSON list (${typeToString(lt)})`, value);
    return { collection: { literals: value.map((x, i) => jsonToLiteral(x, lt.collection_type, `${where}[${i}]`)) } };
  }
  if (lt.map_value_type) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, `a JSON object (${typeToString(lt)})`, value);
    return { map: { literals: Object.fromEntries(Object.entries(value).map(([k, x]) => [k, jsonToLiteral(x, lt.map_value_type, `${where}.${k}`)])) } };
  }
  if (lt.enum_type) {
    const values = lt.enum_type.values ?? [];
    if (!values.includes(value)) fail(where, `one of ${values.join(', ')}`, value);
    return scalar({ string_value: value });
  }
  if (lt.blob) {
    if (typeof value !== 'string' || value.trim() === '') fail(where, 'the URI of a file in the sandbox store (file:///…)', value);
    const uri = value.trim();
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw new InputError(`${where}: ${JSON.stringify(uri)} is not a URI; give a file:// URI of the sandbox's blob store (the CLI uploads local files: tflyte-sandbox run --remote)`);
    return { scalar: { blob: { metadata: { type: { format: lt.blob.format ?? '', dimensionality: lt.blob.dimensionality ?? 'SINGLE' } }, uri } } };
  }
  throw new InputError(`${where}: values of type ${typeToString(lt)} cannot be entered here`);
}

/**
 * Converts what a form field holds into a literal. Text fields are parsed per type (JSON for
 * lists, dicts, structs and general unions); an empty optional is none. Returns undefined for an
 * empty field that is not optional (the caller decides between default and "required").
 */
export function inputTextToLiteral(text, lt, name) {
  const kind = inputKind(lt);
  const t = typeof text === 'string' ? text : String(text);
  if (kind === 'optional') {
    if (t.trim() === '') return jsonToLiteral(null, lt, name);
    const inner = optionalInner(lt);
    const lit = inputTextToLiteral(t, inner, name);
    const variant = lt.union_type.variants.find((v) => v === inner);
    return { scalar: { union: { value: lit, type: variant } } };
  }
  if (kind === 'none') return { scalar: { none_type: {} } };
  if (kind === 'str' ? t === '' : t.trim() === '') return undefined;
  switch (kind) {
    case 'str':
      return jsonToLiteral(t, lt, name);
    case 'int':
    case 'float':
    case 'bool':
    case 'datetime':
    case 'duration':
    case 'enum':
    case 'blob':
      return jsonToLiteral(t.trim(), lt, name);
    default: {
      let parsed;
      try {
        parsed = JSON.parse(t);
      } catch (e) {
        // A union that can hold a string takes unquoted text as that string.
        if (lt.union_type?.variants?.some((v) => v.simple === 'STRING')) return jsonToLiteral(t, lt, name);
        throw new InputError(`${name}: not valid JSON (${e.message.replace(/^JSON\.parse: /, '')})`);
      }
      return jsonToLiteral(parsed, lt, name);
    }
  }
}
