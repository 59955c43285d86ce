/**
 * Whole literal maps (a task's inputs or outputs) to and from JS values, and the plain-JSON
 * rendering of any literal used by `--json` output and the console.
 */
import { describeValue, LiteralConversionError, own } from './conversion-error.ts';
import { isRecord, keyPath, readInt64, type ILiteral } from './descriptor-helpers.ts';
import type { flyteidl } from './idl.ts';
import { readStruct } from './composite-types.ts';
import { decodeMsgpack } from './msgpack.ts';
import type { TypeDescriptor } from './types.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function toJsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toJsonSafe);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonSafe(x)]));
  return v;
}

function timeParts(v: { seconds?: unknown; nanos?: number | null }): { seconds: number; nanos: number } {
  return { seconds: Number(readInt64(v.seconds ?? 0) ?? 0), nanos: v.nanos ?? 0 };
}

function renderScalar(s: flyteidl.core.IScalar): unknown {
  const p = own<flyteidl.core.IPrimitive>(s, 'primitive');
  if (p) {
    const i = own<unknown>(p, 'integer');
    if (i !== undefined) {
      const big = readInt64(i) ?? 0n;
      return big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big.toString();
    }
    const f = own<number>(p, 'floatValue');
    if (f !== undefined) return Number.isFinite(f) ? f : String(f);
    const str = own<string>(p, 'stringValue');
    if (str !== undefined) return str;
    const b = own<boolean>(p, 'boolean');
    if (b !== undefined) return b;
    const dt = own<{ seconds?: unknown; nanos?: number | null }>(p, 'datetime');
    if (dt) {
      const { seconds, nanos } = timeParts(dt);
      const d = new Date(seconds * 1000 + Math.floor(nanos / 1e6));
      return Number.isNaN(d.getTime()) ? null : d.toISOString();
    }
    const du = own<{ seconds?: unknown; nanos?: number | null }>(p, 'duration');
    if (du) {
      const { seconds, nanos } = timeParts(du);
      return seconds * 1000 + nanos / 1e6;
    }
    return null;
  }
  if (own(s, 'noneType')) return null;
  const blob = own<flyteidl.core.IBlob>(s, 'blob');
  if (blob) return blob.uri ?? '';
  const generic = own<{ fields?: Record<string, never> }>(s, 'generic');
  if (generic) return readStruct(generic);
  const bin = own<flyteidl.core.IBinary>(s, 'binary');
  if (bin) {
    const raw = bin.value ?? new Uint8Array();
    const bytes = typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw;
    if (bin.tag === 'msgpack') {
      try {
        return toJsonSafe(decodeMsgpack(bytes));
      } catch {
        // fall through to the opaque rendering
      }
    }
    return { binary: Buffer.from(bytes).toString('base64'), tag: bin.tag ?? '' };
  }
  const u = own<flyteidl.core.IUnion>(s, 'union');
  if (u) return u.value ? literalToJs(u.value) : null;
  const err = own<flyteidl.core.IError>(s, 'error');
  if (err) return { error: { failedNodeId: err.failedNodeId ?? '', message: err.message ?? '' } };
  const sd = own<flyteidl.core.IStructuredDataset>(s, 'structuredDataset');
  if (sd) return sd.uri ?? '';
  const schema = own<flyteidl.core.ISchema>(s, 'schema');
  if (schema) return schema.uri ?? '';
  return null;
}

/**
 * Renders a literal as plain JSON: ints as numbers (as decimal strings beyond ±2^53, which JSON
 * numbers cannot hold exactly), floats as numbers (`"NaN"`, `"Infinity"` as strings), datetimes
 * as ISO 8601 strings (millisecond precision), **durations as numbers of milliseconds**, none as
 * null, files and directories as their URI, structs as their JSON object (msgpack structs
 * decoded), unions as their value, lists as arrays, maps as objects, error literals as
 * `{ error: { failedNodeId, message } }`, offloaded literals as `{ offloaded: uri }`.
 *
 * Literals are self-describing, so `lt` is optional (accepted for symmetry, currently unused);
 * the rendering equals `d.toJsonValue(d.fromLiteral(lit))` for every value `t` can hold.
 */
export function literalToJs(lit: ILiteral | null | undefined, _lt?: flyteidl.core.ILiteralType | null): unknown {
  if (!lit) return null;
  const s = own<flyteidl.core.IScalar>(lit, 'scalar');
  if (s) return renderScalar(s);
  const coll = own<flyteidl.core.ILiteralCollection>(lit, 'collection');
  if (coll) return (own<ILiteral[]>(coll, 'literals') ?? []).map((l) => literalToJs(l));
  const map = own<flyteidl.core.ILiteralMap>(lit, 'map');
  if (map) return literalMapToJs(map);
  const off = own<flyteidl.core.ILiteralOffloadedMetadata>(lit, 'offloadedMetadata');
  if (off) return { offloaded: off.uri ?? '' };
  return null;
}

/**
 * Renders a literal map (e.g. an execution's outputs) as a plain JSON object keyed by name, with
 * {@link literalToJs}. With `iface`, names follow the interface's order first.
 */
export function literalMapToJs(
  map: flyteidl.core.ILiteralMap | null | undefined,
  iface?: flyteidl.core.IVariableMap | null,
): Record<string, unknown> {
  const lits = own<Record<string, ILiteral>>(map, 'literals') ?? {};
  const vars = own<Record<string, flyteidl.core.IVariable>>(iface, 'variables') ?? {};
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(vars)) if (Object.hasOwn(lits, k)) out[k] = literalToJs(lits[k], vars[k]?.type);
  for (const [k, l] of Object.entries(lits)) if (!Object.hasOwn(out, k)) out[k] = literalToJs(l);
  return out;
}

function nounOf(pathPrefix: string): string {
  return /outputs?$/.test(pathPrefix) ? 'output' : 'input';
}

function accepts(d: TypeDescriptor, v: unknown): boolean {
  return v !== undefined || d.kind === 'optional' || d.kind === 'none';
}

/**
 * Converts named JS values (a call's inputs, a task's outputs) into a literal map, checking each
 * value against its descriptor. A missing name is an error unless its type is optional (then it is
 * none); a name not in `vars` is an error. Paths are `${pathPrefix}.${name}`, e.g. `inputs.a`.
 *
 * @throws LiteralConversionError e.g. `inputs.b: missing input (expected str)`,
 *   `inputs.zz: unexpected input (known inputs: a, b)`, `inputs.a: expected int, got "x"`.
 */
export function jsToLiteralMap(
  values: Record<string, unknown>,
  vars: Record<string, TypeDescriptor>,
  pathPrefix: string,
): flyteidl.core.ILiteralMap {
  const noun = nounOf(pathPrefix);
  if (!isRecord(values)) {
    throw new LiteralConversionError(pathPrefix, `an object of named ${noun}s`, describeValue(values));
  }
  for (const [k, v] of Object.entries(values)) {
    if (Object.hasOwn(vars, k) || v === undefined) continue;
    const p = keyPath(pathPrefix, k);
    const known = Object.keys(vars);
    throw new LiteralConversionError(
      p,
      `no such ${noun}`,
      describeValue(v),
      `${p}: unexpected ${noun} (${known.length ? `known ${noun}s: ${known.join(', ')}` : `there are no ${noun}s`})`,
    );
  }
  const literals: Record<string, ILiteral> = {};
  for (const [k, d] of Object.entries(vars)) {
    const p = keyPath(pathPrefix, k);
    const v = values[k];
    if (!accepts(d, v)) {
      throw new LiteralConversionError(p, d.toString(), 'nothing', `${p}: missing ${noun} (expected ${d.toString()})`);
    }
    literals[k] = d.toLiteral(v, p);
  }
  return { literals };
}

/**
 * The inverse of {@link jsToLiteralMap}: reads every variable of `vars` out of a literal map
 * (e.g. `inputs.pb`). A variable missing from the map is an error unless optional (then null);
 * extra literals are ignored.
 */
export function literalMapToValues(
  map: flyteidl.core.ILiteralMap | null | undefined,
  vars: Record<string, TypeDescriptor>,
  pathPrefix: string,
): Record<string, unknown> {
  const lits = own<Record<string, ILiteral>>(map, 'literals') ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(vars)) {
    const p = keyPath(pathPrefix, k);
    const lit = Object.hasOwn(lits, k) ? lits[k] : undefined;
    if (lit === undefined) {
      if (d.kind === 'optional' || d.kind === 'none') {
        out[k] = null;
        continue;
      }
      throw new LiteralConversionError(p, d.toString(), 'nothing', `${p}: missing ${nounOf(pathPrefix)} (expected ${d.toString()})`);
    }
    out[k] = d.fromLiteral(lit, p);
  }
  return out;
}
