/**
 * `WorkflowStateStore` (propeller's port) in the admin SQLite file: per execution, the document
 * head in `propeller_state` (with an optimistic version) and one row per node status in
 * `propeller_nodes`, written together in one transaction. Admin stays the only writer of the DB
 * file (style P8); propeller writes through this adapter in the same process.
 */
import type { StateChange, StoredState, WorkflowStateStore } from '../../propeller/ports.ts';
import type { AdminDb } from '../db/open-db.ts';

/** Propeller's state in the `propeller_state` and `propeller_nodes` tables. */
export class SqliteStateStore implements WorkflowStateStore {
  readonly #db: AdminDb;
  readonly #now: () => number;
  readonly #save: (key: string, change: StateChange, expectedVersion: number, active: boolean) => boolean;

  constructor(db: AdminDb, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    const insert = db.prepare('INSERT OR IGNORE INTO propeller_state (execution_key, state, version, active, updated_at) VALUES (?, ?, 1, ?, ?)');
    const update = db.prepare('UPDATE propeller_state SET state = ?, version = version + 1, active = ?, updated_at = ? WHERE execution_key = ? AND version = ?');
    const upsertNode = db.prepare(
      'INSERT INTO propeller_nodes (execution_key, unique_id, status) VALUES (?, ?, ?) ON CONFLICT (execution_key, unique_id) DO UPDATE SET status = excluded.status',
    );
    this.#save = db.transaction((key: string, change: StateChange, expectedVersion: number, active: boolean): boolean => {
      const head = JSON.stringify(change.head ?? null);
      const now = this.#now();
      const r = expectedVersion === 0 ? insert.run(key, head, active ? 1 : 0, now) : update.run(head, active ? 1 : 0, now, key, expectedVersion);
      if (r.changes !== 1) return false;
      for (const uid in change.nodes) upsertNode.run(key, uid, JSON.stringify(change.nodes[uid]));
      return true;
    });
  }

  async load(executionKey: string): Promise<StoredState | undefined> {
    const row = this.#db.prepare('SELECT state, version FROM propeller_state WHERE execution_key = ?').get(executionKey) as
      | { state: string; version: number }
      | undefined;
    if (!row) return undefined;
    const nodes: Record<string, unknown> = {};
    const rows = this.#db.prepare('SELECT unique_id, status FROM propeller_nodes WHERE execution_key = ?').all(executionKey) as { unique_id: string; status: string }[];
    for (const n of rows) nodes[n.unique_id] = JSON.parse(n.status) as unknown;
    return { head: JSON.parse(row.state) as unknown, nodes, version: row.version };
  }

  async save(executionKey: string, change: StateChange, expectedVersion: number, active: boolean): Promise<boolean> {
    return this.#save(executionKey, change, expectedVersion, active);
  }

  async listActive(): Promise<string[]> {
    const rows = this.#db.prepare('SELECT execution_key FROM propeller_state WHERE active = 1 ORDER BY updated_at').all() as { execution_key: string }[];
    return rows.map((r) => r.execution_key);
  }
}
