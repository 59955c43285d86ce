/**
 * `WorkflowStateStore` (propeller's port) in the admin SQLite file: one JSON document per
 * execution with an optimistic version. Admin stays the only writer of the DB file (style P8);
 * propeller writes through this adapter in the same process.
 */
import type { WorkflowStateStore } from '../../propeller/ports.ts';
import type { AdminDb } from '../db/open-db.ts';

/** Propeller's state documents in the `propeller_state` table. */
export class SqliteStateStore implements WorkflowStateStore {
  readonly #db: AdminDb;
  readonly #now: () => number;
  constructor(db: AdminDb, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async load(executionKey: string): Promise<{ state: unknown; version: number } | undefined> {
    const row = this.#db.prepare('SELECT state, version FROM propeller_state WHERE execution_key = ?').get(executionKey) as
      | { state: string; version: number }
      | undefined;
    return row ? { state: JSON.parse(row.state) as unknown, version: row.version } : undefined;
  }

  async save(executionKey: string, state: unknown, expectedVersion: number, active: boolean): Promise<boolean> {
    const json = JSON.stringify(state ?? null);
    const now = this.#now();
    if (expectedVersion === 0) {
      const r = this.#db
        .prepare('INSERT OR IGNORE INTO propeller_state (execution_key, state, version, active, updated_at) VALUES (?, ?, 1, ?, ?)')
        .run(executionKey, json, active ? 1 : 0, now);
      return r.changes === 1;
    }
    const r = this.#db
      .prepare('UPDATE propeller_state SET state = ?, version = version + 1, active = ?, updated_at = ? WHERE execution_key = ? AND version = ?')
      .run(json, active ? 1 : 0, now, executionKey, expectedVersion);
    return r.changes === 1;
  }

  async listActive(): Promise<string[]> {
    const rows = this.#db.prepare('SELECT execution_key FROM propeller_state WHERE active = 1 ORDER BY updated_at').all() as { execution_key: string }[];
    return rows.map((r) => r.execution_key);
  }
}
