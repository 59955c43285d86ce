/**
 * In-memory {@link WorkflowStateStore} that behaves like admin's SQLite adapter: documents are
 * stored as JSON text (so anything not JSON-serialisable is lost exactly as it would be), saves
 * are version-checked, and `listActive` returns the keys last saved with `active = true`.
 */
import type { WorkflowStateStore } from '../../src/propeller/index.ts';

/** The fake store; share one instance between two propellers to simulate a restart. */
export class InMemoryWorkflowStateStore implements WorkflowStateStore {
  readonly #rows = new Map<string, { json: string; version: number; active: boolean }>();
  /** Number of successful saves (for assertions). */
  saves = 0;

  async load(key: string): Promise<{ state: unknown; version: number } | undefined> {
    const row = this.#rows.get(key);
    return row ? { state: JSON.parse(row.json) as unknown, version: row.version } : undefined;
  }

  async save(key: string, state: unknown, expectedVersion: number, active: boolean): Promise<boolean> {
    const row = this.#rows.get(key);
    const current = row?.version ?? 0;
    if (current !== expectedVersion) return false;
    this.#rows.set(key, { json: JSON.stringify(state), version: current + 1, active });
    this.saves++;
    return true;
  }

  async listActive(): Promise<string[]> {
    return [...this.#rows.entries()].filter(([, r]) => r.active).map(([k]) => k);
  }

  /** The stored document (parsed), for assertions. */
  peek(key: string): unknown {
    const row = this.#rows.get(key);
    return row ? JSON.parse(row.json) : undefined;
  }
}
