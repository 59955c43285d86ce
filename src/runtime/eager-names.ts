/**
 * Pure helpers of the eager runner: deterministic child execution names, the canonical digest of
 * a call's inputs, and turning a child's execution error back into the original error's name,
 * message and kind. No I/O, so they are unit-tested directly.
 */
import type { flyteidl } from '../core/idl.ts';
import { sha256Hex } from '../core/sha256.ts';
import type { ErrorKind } from '../sdk/eager.ts';

/** Longest execution name admin accepts (a DNS label). */
export const MAX_EXECUTION_NAME = 63;

/** `value` with object keys sorted, bytes as base64 and Longs as decimal text: stable JSON. */
function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    // protobufjs Longs (int64 fields) print as their decimal value.
    if (typeof v.low === 'number' && typeof v.high === 'number' && typeof v.unsigned === 'boolean') return String(value);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical(v[k]);
      if (c !== null) out[k] = c;
    }
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Hex SHA-256 of the canonical form of a call's input literals (key order does not matter). */
export function inputsDigest(literals: flyteidl.core.ILiteralMap): string {
  return sha256Hex(JSON.stringify(canonical(literals.literals ?? {})));
}

/** Lowercase DNS-safe slug of an entity's short name, at most `max` characters (may be empty). */
export function slug(name: string, max = 20): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
}

/** What identifies one call of an eager body. */
export interface CallIdentity {
  /** The eager execution making the call: `project/domain/name`. */
  parent: string;
  /** Full name of the called entity. */
  entity: string;
  /** {@link inputsDigest} of its inputs. */
  inputs: string;
  /** How many earlier calls of this body had the same entity and inputs (0 for the first). */
  occurrence: number;
}

/**
 * The child execution name of a call: `e-<entity slug>-<20 hex of a hash of the identity>`,
 * e.g. `e-add-one-3f9a0c…`. The same call (same parent execution, entity, inputs and
 * occurrence) gets the same name in every attempt, which is how a retried eager attempt finds
 * the children an earlier attempt started. At most 43 characters, so a retry suffix fits.
 */
export function childName(id: CallIdentity, shortName: string): string {
  const hash = sha256Hex(`${id.parent}\n${id.entity}\n${id.inputs}\n${id.occurrence}`).slice(0, 20);
  const s = slug(shortName);
  return s ? `e-${s}-${hash}` : `e-${hash}`;
}

/** The name a call re-runs under in attempt `attempt` after an earlier run of it failed. */
export function retryName(base: string, attempt: number): string {
  return attempt === 0 ? base : `${base}-r${attempt}`;
}

/** The original error behind a child's execution error. */
export interface OriginalError {
  errorName: string;
  errorMessage: string;
  kind: ErrorKind;
}

const KIND_BY_NUMBER: Record<number, ErrorKind> = { 0: 'UNKNOWN', 1: 'USER', 2: 'SYSTEM' };
const NAMED = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*): ([\s\S]*)$/;

/**
 * Recovers name, message and kind from an execution error. Our runtime writes task failures as
 * `Name: message` followed by stack lines (`    at …`); the engine may prefix a line of its own
 * (e.g. `[n0] …`). Unrecognised messages keep the error code as the name.
 */
export function parseExecutionError(err: flyteidl.core.IExecutionError | null | undefined): OriginalError {
  const kind = KIND_BY_NUMBER[Number(err?.kind ?? 0)] ?? 'UNKNOWN';
  const text = (err?.message ?? '').replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const stackAt = lines.findIndex((l) => /^\s+at\s/.test(l));
  const body = (stackAt >= 0 ? lines.slice(0, stackAt) : lines).join('\n').trim();
  // Find the first line that looks like `Name: message`, skipping engine prefixes such as `[n0] `.
  const bodyLines = body.split('\n');
  for (let i = 0; i < bodyLines.length; i++) {
    const candidate = [bodyLines[i]!.replace(/^\[[^\]]*\]\s*/, ''), ...bodyLines.slice(i + 1)].join('\n');
    const m = NAMED.exec(candidate);
    if (m && /(Error|Exception)$|^[A-Z]/.test(m[1]!)) return { errorName: m[1]!, errorMessage: m[2]!.trim(), kind };
  }
  const code = (err?.code ?? '').split(/[|:]/).filter(Boolean).pop() || 'Error';
  return { errorName: code, errorMessage: body || `failed with code ${err?.code ?? 'unknown'}`, kind };
}
