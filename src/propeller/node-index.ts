/**
 * What the runtime knows about an execution's node statuses between rounds, so a round visits
 * only what can still move: the nodes that ended (settled: they never change again) and those
 * that have a status and have not ended (active). Built once when a document is loaded, then
 * kept up to date with each round's saved changes — never with a round's unsaved work.
 */
import { NodePhases } from '../core/phases.ts';
import { FAILED_PHASES } from './dag-walk.ts';
import type { NodeStatus } from './state.ts';

/** How a settled node ended, for the walk: `failed` (FAILED, TIMED_OUT, ABORTED) stops a FAIL_IMMEDIATELY scope; `done` is any other end (succeeded, skipped, recovered). */
export type Settled = 'done' | 'failed';

/**
 * Where the last walk of a scope left it: the nodes that may move next (active, or ready but
 * deferred) and whether a node of it had failed. Nodes not in it have ended or wait for an
 * upstream node that has not ended — they become candidates when that one ends, in the walk.
 */
export interface Frontier {
  /** The scope's graph this was computed on (a frontier of another graph is never used). */
  readonly dag: object;
  /** Nodes that started and have not ended. */
  readonly ids: readonly string[];
  /** Nodes ready to start that max parallelism deferred, in the order they came. */
  readonly deferred: readonly string[];
  readonly failed: boolean;
}

/** The settled and active node ids of one execution, and the frontiers of its scopes. */
export class NodeIndex {
  readonly #settled = new Map<string, Settled>();
  readonly #active = new Set<string>();
  readonly #frontiers = new Map<string, Frontier>();

  constructor(nodes: Readonly<Record<string, NodeStatus>> = {}) {
    for (const uid in nodes) this.note(uid, nodes[uid]!);
  }

  /** Records the saved status of a node. */
  note(uid: string, st: NodeStatus): void {
    if (NodePhases.isTerminal(st.phase)) {
      this.#settled.set(uid, FAILED_PHASES.has(st.phase) ? 'failed' : 'done');
      this.#active.delete(uid);
    } else this.#active.add(uid);
  }

  /** How a node ended, or undefined while it has not (as of the last save). */
  settled(uid: string): Settled | undefined {
    return this.#settled.get(uid);
  }

  /** The frontier of a scope (by its key) as of the last save, if known and of this graph. */
  frontier(scopeKey: string, dag: object): Frontier | undefined {
    const f = this.#frontiers.get(scopeKey);
    return f?.dag === dag ? f : undefined;
  }

  /** Records the frontiers a saved round left (`null`: unknown again, the next walk looks at every node). */
  noteFrontiers(frontiers: ReadonlyMap<string, Frontier | null>): void {
    for (const [k, f] of frontiers) {
      if (f) this.#frontiers.set(k, f);
      else this.#frontiers.delete(k);
    }
  }

  /** Nodes with a status that had not ended at the last save. */
  active(): ReadonlySet<string> {
    return this.#active;
  }
}
