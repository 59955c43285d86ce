/**
 * In-memory {@link WorkflowStateStore} that behaves like admin's SQLite adapter: heads and node
 * statuses are stored as JSON text (so anything not JSON-serialisable is lost exactly as it would
 * be), saves are version-checked and all-or-nothing, and `listActive` returns the keys last saved
 * with `active = true`.
 */
import type { StateChange, StoredState, WorkflowStateStore } from '../../src/propeller/index.ts';

/** The fake store; share one instance between two propellers to simulate a restart. */
export class InMemoryWorkflowStateStore implements WorkflowStateStore {
  readonly #rows = new Map<string, { json: string; nodes: Map<string, string>; version: number; active: boolean }>();
  /** Number of successful saves (for assertions). */
  saves = 0;

  async load(key: string): Promise<StoredState | undefined> {
    const row = this.#rows.get(key);
    if (!row) return undefined;
    return { head: JSON.parse(row.json) as unknown, nodes: Object.fromEntries([...row.nodes].map(([uid, j]) => [uid, JSON.parse(j) as unknown])), version: row.version };
  }

  async save(key: string, change: StateChange, expectedVersion: number, active: boolean): Promise<boolean> {
    const row = this.#rows.get(key);
    const current = row?.version ?? 0;
    if (current !== expectedVersion) return false;
    const nodes = new Map(row?.nodes ?? []);
    for (const [uid, st] of Object.entries(change.nodes)) nodes.set(uid, JSON.stringify(st));
    this.#rows.set(key, { json: JSON.stringify(change.head), nodes, version: current + 1, active });
    this.saves++;
    return true;
  }

  async listActive(): Promise<string[]> {
    return [...this.#rows.entries()].filter(([, r]) => r.active).map(([k]) => k);
  }

  /** Unique ids of the node statuses stored apart from the head. */
  nodeRows(key: string): string[] {
    return [...(this.#rows.get(key)?.nodes.keys() ?? [])];
  }

  /** Rewrites an execution as versions before node rows stored it: every node status inside the head. */
  inlineNodes(key: string): void {
    const row = this.#rows.get(key);
    if (!row) throw new Error(`no state for ${key}`);
    this.#rows.set(key, { ...row, json: JSON.stringify(this.peek(key)), nodes: new Map() });
  }

  /** The stored document (head with its node statuses, parsed), for assertions. */
  peek(key: string): unknown {
    const row = this.#rows.get(key);
    if (!row) return undefined;
    const head = JSON.parse(row.json) as { status: { nodes: Record<string, unknown> } };
    for (const [uid, j] of row.nodes) head.status.nodes[uid] = JSON.parse(j) as unknown;
    return head;
  }
}
