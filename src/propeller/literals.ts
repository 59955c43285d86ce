/**
 * Small helpers over Flyte literals and protobuf well-known types that the engine needs:
 * timestamps for events, durations for timeouts, attribute paths into outputs (Flyte
 * `attr_path_resolver.go`), and the copilot text forms of primitives.
 */
import type { flyteidl } from '../core/idl.ts';
import { int64ToNumber, jsToStruct, structToJs } from '../core/idl.ts';
import { decodeMsgpack } from '../core/msgpack.ts';
import { SimpleType } from '../core/descriptor-helpers.ts';

type ILiteral = flyteidl.core.ILiteral;

/** Epoch milliseconds → `google.protobuf.Timestamp` plain object. */
export function toTimestamp(ms: number): { seconds: string; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** `google.protobuf.Duration` → milliseconds; undefined or zero → undefined. */
export function durationToMs(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!d) return undefined;
  const ms = int64ToNumber(d.seconds) * 1000 + (d.nanos ?? 0) / 1e6;
  return ms > 0 ? ms : undefined;
}

/** Human text of a duration in ms (`90s`, `1.5s`). */
export function formatMs(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** A resolution problem with a path; the message says which key or index failed. */
export class AttrPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttrPathError';
  }
}

/**
 * Applies an `OutputReference.attr_path` to a literal: string keys into maps, integer indexes
 * into collections, then (for what is left) keys/indexes into a `generic` Struct or a msgpack
 * `binary`, converting the reached JSON value back into a literal as Flyte does (numbers become
 * floats unless `wantInteger`; objects become Structs; arrays become collections).
 */
export function resolveAttrPath(
  literal: ILiteral,
  path: readonly flyteidl.core.IPromiseAttribute[],
  wantInteger = false,
): ILiteral {
  let cur = literal;
  let i = 0;
  for (; i < path.length; i++) {
    const attr = path[i]!;
    if (cur.map) {
      const key = attr.stringValue ?? String(attr.intValue ?? '');
      const next = cur.map.literals?.[key];
      if (!next) throw new AttrPathError(`key [${key}] does not exist in the map`);
      cur = next;
    } else if (cur.collection) {
      const idx = attr.intValue !== undefined && attr.intValue !== null ? int64ToNumber(attr.intValue) : Number.NaN;
      const items = cur.collection.literals ?? [];
      if (!Number.isInteger(idx) || idx < 0 || idx >= items.length) {
        throw new AttrPathError(`index [${attr.intValue ?? attr.stringValue}] is out of range of a list of ${items.length}`);
      }
      cur = items[idx]!;
    } else {
      break;
    }
  }
  if (i === path.length) return cur;
  let value: unknown;
  const scalar = cur.scalar;
  if (scalar?.generic) {
    value = structToJs(scalar.generic as { fields?: Record<string, never> });
  } else if (scalar?.binary && scalar.binary.tag === 'msgpack' && scalar.binary.value) {
    value = decodeMsgpack(scalar.binary.value as Uint8Array);
  } else {
    throw new AttrPathError(`cannot apply attribute path [${describePath(path.slice(i))}] to this value`);
  }
  for (; i < path.length; i++) {
    const attr = path[i]!;
    if (Array.isArray(value)) {
      const idx = attr.intValue !== undefined && attr.intValue !== null ? int64ToNumber(attr.intValue) : Number.NaN;
      if (!Number.isInteger(idx) || idx < 0 || idx >= value.length) {
        throw new AttrPathError(`index [${attr.intValue ?? attr.stringValue}] is out of range of a list of ${value.length}`);
      }
      value = value[idx];
    } else if (value !== null && typeof value === 'object') {
      const key = attr.stringValue ?? String(attr.intValue ?? '');
      if (!(key in (value as Record<string, unknown>))) throw new AttrPathError(`key [${key}] does not exist in the struct`);
      value = (value as Record<string, unknown>)[key];
    } else {
      throw new AttrPathError(`cannot index [${describePath([attr])}] into a ${typeof value}`);
    }
  }
  return jsonToLiteral(value, wantInteger);
}

function describePath(path: readonly flyteidl.core.IPromiseAttribute[]): string {
  return path.map((a) => a.stringValue ?? String(a.intValue)).join('.');
}

/** A JSON value (from a Struct or msgpack) as a literal, following Flyte's conversion. */
export function jsonToLiteral(v: unknown, wantInteger = false): ILiteral {
  if (Array.isArray(v)) return { collection: { literals: v.map((x) => jsonToLiteral(x, wantInteger)) } };
  if (v === null || v === undefined) return { scalar: { noneType: {} } };
  if (typeof v === 'object') return { scalar: { generic: jsToStruct(v as Record<string, unknown>) } };
  if (typeof v === 'string') return { scalar: { primitive: { stringValue: v } } };
  if (typeof v === 'boolean') return { scalar: { primitive: { boolean: v } } };
  if (typeof v === 'bigint') return { scalar: { primitive: { integer: String(v) } } };
  if (typeof v === 'number') {
    if (wantInteger && Number.isInteger(v)) return { scalar: { primitive: { integer: String(v) } } };
    return { scalar: { primitive: { floatValue: v } } };
  }
  throw new AttrPathError(`cannot convert a ${typeof v} to a literal`);
}

/**
 * Text of a primitive as Flyte's copilot writes input files and renders `{{.inputs.x}}`:
 * integers and floats in decimal, booleans `true`/`false`, datetimes RFC 3339, durations like
 * Go (`1.5s`), none `null`. Undefined for non-primitive literals.
 */
export function primitiveText(lit: ILiteral): string | undefined {
  const s = lit.scalar;
  if (!s) return undefined;
  if (s.union?.value) return primitiveText(s.union.value);
  if (s.noneType) return 'null';
  if (s.error) return s.error.message ?? '';
  if (s.generic) return JSON.stringify(structToJs(s.generic as { fields?: Record<string, never> }));
  const p = s.primitive;
  if (!p) return undefined;
  if (p.stringValue !== undefined && p.stringValue !== null) return p.stringValue;
  if (p.integer !== undefined && p.integer !== null) return String(p.integer);
  if (p.floatValue !== undefined && p.floatValue !== null) return String(p.floatValue);
  if (p.boolean !== undefined && p.boolean !== null) return String(p.boolean);
  if (p.datetime) return new Date(int64ToNumber(p.datetime.seconds) * 1000 + (p.datetime.nanos ?? 0) / 1e6).toISOString();
  if (p.duration) return formatMs(durationToMs(p.duration) ?? 0);
  return 'null';
}


/**
 * Parses copilot output text into a literal of the given simple type (Flyte
 * `MakeLiteralForSimpleType`: surrounding whitespace trimmed). Throws on unparsable text.
 */
export function literalFromText(simple: number, raw: string): ILiteral {
  const s = raw.trim();
  switch (simple) {
    case SimpleType.INTEGER:
      if (!/^[-+]?\d+$/.test(s)) throw new Error(`expected an integer, got ${JSON.stringify(s)}`);
      return { scalar: { primitive: { integer: String(BigInt(s)) } } };
    case SimpleType.FLOAT: {
      const n = Number(s);
      if (s === '' || Number.isNaN(n)) throw new Error(`expected a float, got ${JSON.stringify(s)}`);
      return { scalar: { primitive: { floatValue: n } } };
    }
    case SimpleType.STRING:
      return { scalar: { primitive: { stringValue: s } } };
    case SimpleType.BOOLEAN: {
      const l = s.toLowerCase();
      if (['true', 't', '1'].includes(l)) return { scalar: { primitive: { boolean: true } } };
      if (['false', 'f', '0'].includes(l)) return { scalar: { primitive: { boolean: false } } };
      throw new Error(`expected a boolean, got ${JSON.stringify(s)}`);
    }
    case SimpleType.DATETIME: {
      const ms = Date.parse(s);
      if (Number.isNaN(ms)) throw new Error(`expected an RFC 3339 datetime, got ${JSON.stringify(s)}`);
      return { scalar: { primitive: { datetime: toTimestamp(ms) } } };
    }
    case SimpleType.DURATION: {
      const m = /^(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(s);
      if (!m) throw new Error(`expected a duration like 1.5s, got ${JSON.stringify(s)}`);
      const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
      const ms = Number(m[1]) * mult[m[2]!]!;
      const seconds = Math.trunc(ms / 1000);
      return { scalar: { primitive: { duration: { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) } } } };
    }
    case SimpleType.NONE:
      return { scalar: { noneType: {} } };
    case SimpleType.STRUCT:
      return { scalar: { generic: jsToStruct(JSON.parse(s) as Record<string, unknown>) } };
    case SimpleType.ERROR:
      return { scalar: { error: { message: s } } };
    case SimpleType.BINARY:
      return { scalar: { binary: { value: new TextEncoder().encode(s), tag: 'msgpack' } } };
    default:
      throw new Error(`unsupported simple type ${simple}`);
  }
}
