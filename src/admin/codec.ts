/**
 * Small conversions shared by admin's layers: protobuf blobs for SQLite columns, canonical
 * digests for idempotent registration, timestamps and durations, identifier formatting.
 */
import { decode, encode, type flyteidl } from '../core/idl.ts';
import { sha256Hex } from '../core/sha256.ts';

/** A protobuf `Timestamp` plain object. */
export interface TimestampObj {
  seconds: string;
  nanos: number;
}

/** Encodes a plain message object into a Buffer for a BLOB column. */
export function toBlob(typeName: string, value: object): Buffer {
  return Buffer.from(encode(typeName, value));
}

/** Decodes a BLOB column (or returns undefined for NULL). */
export function fromBlob<T>(typeName: string, blob: Uint8Array | null | undefined): T | undefined {
  if (blob === null || blob === undefined) return undefined;
  return decode<T>(typeName, blob);
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/**
 * Canonical protobuf bytes of a message: map keys sorted (protobuf maps have no order, so two
 * bodies that differ only in key order get the same bytes).
 *
 * The keys are sorted on the value as given, before encoding: message fields are written in field
 * order whatever the key order, so only maps change. The bytes are those of sorting the
 * normalised message, what earlier versions stored (`codec.test.ts` checks that both give the
 * same bytes), without converting the message twice.
 */
export function canonicalBytes(typeName: string, value: object): Buffer {
  return Buffer.from(encode(typeName, sortDeep(value) as object));
}

/** A registered spec as admin stores it: canonical bytes and their SHA-256. */
export interface CanonicalSpec {
  /** {@link canonicalBytes} of the spec. */
  bytes: Buffer;
  /** SHA-256 hex of `bytes`: registration compares it to refuse a different spec under an existing version. */
  digest: string;
}

/** {@link canonicalBytes} of a spec and their digest. */
export function canonicalSpec(typeName: string, value: object): CanonicalSpec {
  const bytes = canonicalBytes(typeName, value);
  return { bytes, digest: sha256Hex(bytes) };
}

/** Milliseconds since the epoch → protobuf Timestamp. */
export function msToTimestamp(ms: number): TimestampObj {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1e6 };
}

/** Protobuf Timestamp (or undefined) → milliseconds since the epoch (or undefined). */
export function timestampToMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(String(ts.seconds ?? 0)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** Milliseconds → protobuf Duration. */
export function msToDuration(ms: number): { seconds: string; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1e6 };
}

/** `project/domain/name/version` of an identifier, for messages. */
export function formatId(id: { project?: string | null; domain?: string | null; name?: string | null; version?: string | null }): string {
  return [id.project, id.domain, id.name, id.version].filter((x) => x !== undefined && x !== null && x !== '').join('/');
}

/** Workflow execution id as a plain triple. */
export interface ExecutionKey {
  project: string;
  domain: string;
  name: string;
}

/** Reads an execution id out of an IDL object, defaulting missing fields to ''. */
export function toExecutionKey(id: flyteidl.core.IWorkflowExecutionIdentifier | null | undefined): ExecutionKey {
  return { project: id?.project ?? '', domain: id?.domain ?? '', name: id?.name ?? '' };
}

/** flyteadmin's `Version` message of this sandbox (gRPC `GetVersion`, REST `/api/v1/version`). */
export function controlPlaneVersion(version: string): { Build: string; Version: string; BuildTime: string } {
  return { Build: 'tflyte-sandbox', Version: version, BuildTime: '' };
}
