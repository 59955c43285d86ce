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

/** The settled and active node ids of one execution. */
export class NodeIndex {
  readonly #settled = new Map<string, Settled>();
  readonly #active = new Set<string>();

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

  /** Nodes with a status that had not ended at the last save. */
  active(): ReadonlySet<string> {
    return this.#active;
  }
}
