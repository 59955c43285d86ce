/**
 * Task output caching (Flyte datacatalog, reference §5 "Caching").
 *
 * Key, as Flyte builds it (`catalog/datacatalog/transformer.go`):
 * - dataset `{task project, task domain, "flyte_task-<task name>",
 *   "<discovery_version>-<in>-<out>"}` where `<in>`/`<out>` are 8-hex-digit hashes of the task's
 *   input and output interfaces (the task *version* is not part of the key);
 * - tag `flyte_cached-<base64url SHA-256 of the canonical input map>`, without
 *   `cache_ignore_input_vars`.
 *
 * Canonical encoding (ours; Flyte uses objecthash over its JSON): each literal is rendered as
 * protobuf JSON (`toJson`, snake_case, defaults emitted), its `metadata` dropped, a literal with a
 * non-empty `hash` replaced by `{"hash": …}`, then serialised with object keys sorted at every
 * level and no whitespace. Interfaces are hashed the same way (SHA-256, first 8 hex digits).
 *
 * The DataStore-backed catalog keeps entries at
 * `<store root>/catalog/<project>/<domain>/<dataset name>/<dataset version>/<tag>/outputs.pb`.
 */
import type { flyteidl } from '../core/idl.ts';
import { toJson } from '../core/idl.ts';
import { sha256, sha256Hex } from '../core/sha256.ts';
import type { DataStore } from '../storage/data-store.ts';
import { readProtoIfExists, writeProto } from '../storage/proto-io.ts';
import { ResourceType } from '../core/vocabulary.ts';

/** Identifies one cached output set. */
export interface CatalogKey {
  project: string;
  domain: string;
  /** `flyte_task-<task name>`. */
  datasetName: string;
  /** `<discovery_version>-<input iface hash>-<output iface hash>`. */
  datasetVersion: string;
  /** `flyte_cached-<input hash>`. */
  tag: string;
}

/** The cache port. Lookups and puts may fail; callers treat failures as MISS / PUT_FAILURE. */
export interface Catalog {
  /** The cached outputs for `key`, or undefined on a miss. */
  get(key: CatalogKey): Promise<flyteidl.core.ILiteralMap | undefined>;
  /** Stores outputs for `key` (overwrites). */
  put(key: CatalogKey, outputs: flyteidl.core.ILiteralMap): Promise<void>;
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function canonicalLiteral(lit: flyteidl.core.ILiteral): unknown {
  if (lit.hash) return { hash: lit.hash };
  const json = toJson('flyteidl.core.Literal', lit) as Record<string, unknown>;
  delete json.metadata;
  delete json.hash;
  return json;
}

/** Canonical text of an input map (see the module comment), minus the ignored variables. */
export function canonicalInputs(inputs: flyteidl.core.ILiteralMap, ignore: readonly string[] = []): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs.literals ?? {})) {
    if (!ignore.includes(k)) out[k] = canonicalLiteral(v);
  }
  return sortedJson(out);
}

function interfaceHash(vars: flyteidl.core.IVariableMap | null | undefined): string {
  const json = toJson('flyteidl.core.VariableMap', vars ?? {});
  return sha256Hex(sortedJson(json)).slice(0, 8);
}

/** The catalog key of a task template over the given inputs. */
export function catalogKeyFor(task: flyteidl.core.ITaskTemplate, inputs: flyteidl.core.ILiteralMap): CatalogKey {
  const md = task.metadata;
  const inHash = interfaceHash(task.interface?.inputs);
  const outHash = interfaceHash(task.interface?.outputs);
  const digest = Buffer.from(sha256(canonicalInputs(inputs, md?.cacheIgnoreInputVars ?? []))).toString('base64url');
  return {
    project: task.id?.project ?? '',
    domain: task.id?.domain ?? '',
    datasetName: `flyte_task-${task.id?.name ?? ''}`,
    datasetVersion: `${md?.discoveryVersion ?? ''}-${inHash}-${outHash}`,
    tag: `flyte_cached-${digest}`,
  };
}

/** One string identifying a key (for reservations and logs). */
export function catalogKeyString(k: CatalogKey): string {
  return `${k.project}/${k.domain}/${k.datasetName}/${k.datasetVersion}/${k.tag}`;
}

/** The `core.CatalogMetadata` of a key, for node events. */
export function catalogMetadata(k: CatalogKey): flyteidl.core.ICatalogMetadata {
  return {
    datasetId: { resourceType: ResourceType.DATASET, project: k.project, domain: k.domain, name: k.datasetName, version: k.datasetVersion },
    artifactTag: { name: k.tag },
  };
}

/** A {@link Catalog} keeping outputs as `outputs.pb` files in a {@link DataStore}. */
export function createDataStoreCatalog(data: DataStore): Catalog {
  const seg = (s: string): string => (s === '' ? '_' : s.replace(/[/\\]/g, '_'));
  const uriOf = (k: CatalogKey): string =>
    data.join(data.rootUri, 'catalog', seg(k.project), seg(k.domain), seg(k.datasetName), seg(k.datasetVersion), seg(k.tag), 'outputs.pb');
  return {
    get: (k) => readProtoIfExists<flyteidl.core.ILiteralMap>(data, uriOf(k), 'flyteidl.core.LiteralMap'),
    put: async (k, outputs) => {
      await writeProto(data, uriOf(k), 'flyteidl.core.LiteralMap', outputs);
    },
  };
}

/**
 * In-process reservations for `cache_serializable` tasks: one holder per key; others wait and are
 * told (through the callback they registered) when the holder releases, so they re-check the
 * cache in a new round instead of polling. Acquiring is idempotent for the same owner.
 */
export class CacheReservations {
  readonly #holders = new Map<string, string>();
  readonly #waiters = new Map<string, Set<() => void>>();

  /** True if `owner` holds (or now got) the reservation of `key`. */
  tryAcquire(key: string, owner: string): boolean {
    const h = this.#holders.get(key);
    if (h === undefined) {
      this.#holders.set(key, owner);
      return true;
    }
    return h === owner;
  }

  /** Registers a wake-up for when `key` is released (deduplicated by function identity). */
  onRelease(key: string, wake: () => void): void {
    let s = this.#waiters.get(key);
    if (!s) this.#waiters.set(key, (s = new Set()));
    s.add(wake);
  }

  /** Releases `key` if `owner` holds it and wakes every waiter. */
  release(key: string, owner: string): void {
    if (this.#holders.get(key) !== owner) return;
    this.#holders.delete(key);
    const s = this.#waiters.get(key);
    this.#waiters.delete(key);
    for (const wake of s ?? []) wake();
  }
}
