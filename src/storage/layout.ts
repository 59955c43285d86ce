/**
 * Flyte's data layout on a {@link DataStore} (reference §5 "Layout"). Pure URI arithmetic: no I/O.
 *
 * ```
 * <root>/metadata/<project>/<domain>/<exec>/            execution (workflow) prefix
 *   <nodeId>/data/inputs.pb                              node inputs (written before QUEUED)
 *   <nodeId>/data/<attempt>/{outputs,error,futures}.pb   one attempt's documents
 * <root>/raw/<shard>/<exec>-<nodeId>-<attempt>/           raw data (files, dirs) of one attempt
 * <root>/uploads/<project>/<domain>/<folder>/<file>      DataProxy uploads: code bundles
 *                                                        (<md5>/<sha256>.tar.gz), file inputs
 * ```
 */
import { sha256Hex } from '../core/sha256.ts';
import type { DataStore } from './data-store.ts';
import { StorageError, STORAGE_ERROR_CODES } from './errors.ts';

/** File names Flyte uses inside node data and attempt directories. */
export const DOCUMENT_NAMES = {
  inputs: 'inputs.pb',
  outputs: 'outputs.pb',
  error: 'error.pb',
  futures: 'futures.pb',
  deck: 'deck.html',
} as const;

/** Identifies an execution (Flyte's `WorkflowExecutionIdentifier`). */
export interface ExecutionRef {
  project: string;
  domain: string;
  name: string;
}

/** `<root>/metadata/<project>/<domain>/<exec>`: the prefix under which an execution's node data lives. */
export function executionPrefix(store: DataStore, exec: ExecutionRef): string {
  return store.join(store.rootUri, 'metadata', safeSegment(exec.project), safeSegment(exec.domain), safeSegment(exec.name));
}

/** `<prefix>/<nodeId>/data`: a node's data directory. `nodeId` may be a unique id (`n0-0-n1`). */
export function nodeDataDir(store: DataStore, prefix: string, nodeId: string): string {
  return store.join(prefix, safeSegment(nodeId), 'data');
}

/** `<data>/inputs.pb`: the node's inputs (one file for all attempts, as in Flyte). */
export function nodeInputsUri(store: DataStore, dataDir: string): string {
  return store.join(dataDir, DOCUMENT_NAMES.inputs);
}

/** URIs of one attempt's directory and the documents a task writes there. */
export interface AttemptUris {
  dir: string;
  /** The node's inputs (shared by attempts: `<data>/inputs.pb`). */
  inputs: string;
  outputs: string;
  error: string;
  futures: string;
  deck: string;
}

/** `<data>/<attempt>` and its documents (`outputs.pb`, `error.pb`, `futures.pb`, `deck.html`). */
export function attemptUris(store: DataStore, dataDir: string, attempt: number): AttemptUris {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `attempt must be a non-negative integer, got ${attempt}`);
  }
  const dir = store.join(dataDir, String(attempt));
  return {
    dir,
    inputs: nodeInputsUri(store, dataDir),
    outputs: store.join(dir, DOCUMENT_NAMES.outputs),
    error: store.join(dir, DOCUMENT_NAMES.error),
    futures: store.join(dir, DOCUMENT_NAMES.futures),
    deck: store.join(dir, DOCUMENT_NAMES.deck),
  };
}

/** `<root>/raw`: the default raw output prefix of a sandbox. */
export function rawDataRoot(store: DataStore): string {
  return store.join(store.rootUri, 'raw');
}

/**
 * `<rawPrefix>/<shard>/<id>`: where one attempt puts raw data (files, directories). `id` is
 * `<exec>-<nodeId>-<attempt>`, replaced by a 32-hex SHA-256 prefix when longer than 63 chars;
 * `shard` is the first two hex digits of the id's SHA-256, spreading attempts over 256 dirs.
 */
export function attemptRawPrefix(
  store: DataStore,
  rawPrefix: string,
  ref: { execution: string; nodeId: string; attempt: number },
): string {
  let id = `${ref.execution}-${ref.nodeId}-${ref.attempt}`;
  const digest = sha256Hex(id);
  if (id.length > 63) id = digest.slice(0, 32);
  return store.join(rawPrefix, digest.slice(0, 2), safeSegment(id));
}

/**
 * `<root>/uploads/<project>/<domain>/<folder>/<filename>`: a file sent through DataProxy's
 * `CreateUploadLocation` (a code bundle, a file input). `filename` may be a relative path.
 */
export function uploadUri(store: DataStore, t: { project: string; domain: string; folder: string; filename: string }): string {
  return store.join(store.rootUri, 'uploads', t.project, t.domain, t.folder, t.filename);
}

/** Rejects names that would change the directory structure (`/`, `..`, empty). */
function safeSegment(s: string): string {
  if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0')) {
    throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `invalid name for a path segment: ${JSON.stringify(s)}`);
  }
  return s;
}
