/**
 * The node statuses of one round, as a draft over the execution document (flytepropeller's
 * `NodeStatus` mutations, made safe to throw away): a status is copied the first time the round
 * writes it, so the document the round started from is never changed in place, and whether the
 * round changed anything is a comparison of the copies with the originals.
 */
import type { NodeStatus } from './state.ts';

/** Copy-on-write access to the node statuses of an execution document. */
export class StatusDraft {
  readonly #nodes: Record<string, NodeStatus>;
  /** The statuses as they were before the round (never mutated). */
  readonly #original: Readonly<Record<string, NodeStatus>>;
  /** Unique ids of the statuses this draft created or copied for writing. */
  readonly #owned = new Set<string>();

  /** Drafts over `nodes` (the document's map, updated in place with copies). */
  constructor(nodes: Record<string, NodeStatus>) {
    this.#nodes = nodes;
    this.#original = { ...nodes };
  }

  /** The current status of a node, for reading only. */
  get(uid: string): NodeStatus | undefined {
    return this.#nodes[uid];
  }

  /** The status of a node for writing: copied first if this draft has not written it yet. */
  own(uid: string): NodeStatus | undefined {
    const st = this.#nodes[uid];
    if (!st || this.#owned.has(uid)) return st;
    const copy = structuredClone(st);
    this.#nodes[uid] = copy;
    this.#owned.add(uid);
    return copy;
  }

  /** Stores a status this draft created. */
  put(uid: string, st: NodeStatus): void {
    this.#nodes[uid] = st;
    this.#owned.add(uid);
  }

  /** Whether any status differs from the one the draft started from. */
  changed(): boolean {
    for (const uid of this.#owned) {
      const before = this.#original[uid];
      if (!before || JSON.stringify(before) !== JSON.stringify(this.#nodes[uid])) return true;
    }
    return false;
  }
}
