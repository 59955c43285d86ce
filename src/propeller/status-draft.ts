/**
 * The node statuses of one round, as a draft over the execution document (flytepropeller's
 * `NodeStatus` mutations, made safe to throw away): what the round writes goes into an overlay —
 * a status is copied the first time the round writes it — so the document the round started from
 * is never changed, a round's cost grows with the nodes it touches, not the graph size, and what
 * the round changed is exactly what is saved ({@link StatusDraft.changes}).
 */
import type { NodeStatus } from './state.ts';

/** Copy-on-write access to the node statuses of an execution document. */
export class StatusDraft {
  /** The statuses as they were before the round (never mutated by the draft). */
  readonly #base: Readonly<Record<string, NodeStatus>>;
  /** The statuses this draft created or copied for writing. */
  readonly #overlay = new Map<string, NodeStatus>();

  /** Drafts over `base` (the document's map, read only). */
  constructor(base: Readonly<Record<string, NodeStatus>>) {
    this.#base = base;
  }

  /** The current status of a node, for reading only. */
  get(uid: string): NodeStatus | undefined {
    return this.#overlay.get(uid) ?? this.#base[uid];
  }

  /** The status of a node for writing: copied first if this draft has not written it yet. */
  own(uid: string): NodeStatus | undefined {
    const mine = this.#overlay.get(uid);
    if (mine) return mine;
    const st = this.#base[uid];
    if (!st) return undefined;
    const copy = copyData(st);
    this.#overlay.set(uid, copy);
    return copy;
  }

  /** Stores a status this draft created. */
  put(uid: string, st: NodeStatus): void {
    this.#overlay.set(uid, st);
  }

  /** The statuses that differ from the ones the draft started from, by unique id. */
  changes(): Map<string, NodeStatus> {
    const out = new Map<string, NodeStatus>();
    for (const [uid, st] of this.#overlay) {
      const before = this.#base[uid];
      if (!before || JSON.stringify(before) !== JSON.stringify(st)) out.set(uid, st);
    }
    return out;
  }
}

/**
 * A deep copy of JSON data (what a node status is: the state store saves it as JSON), several
 * times cheaper than `structuredClone` for a status's few small objects (a copy per node moved).
 */
function copyData<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyData) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = copyData((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}
