/** SQL for task executions: one row per attempt (`retry_attempt`) of a task node. */
import { TaskPhases, type TaskPhase } from '../../core/phases.ts';
import type { ExecutionKey } from '../codec.ts';
import type { AdminDb } from '../db/open-db.ts';
import { buildListSql, type ListParams, type ListSpec } from './list-query.ts';
import { withSqliteErrors } from './sqlite-errors.ts';

/** Identity of one task attempt. */
export interface TaskExecutionKey {
  exec: ExecutionKey;
  nodeId: string;
  task: { project: string; domain: string; name: string; version: string };
  retryAttempt: number;
}

/**
 * A `task_executions` row. Blobs: `error` = `core.ExecutionError`, `logs` = `core.TaskLog`s
 * wrapped in `event.TaskExecutionEvent` (field `logs` only), `metadata` =
 * `event.TaskExecutionMetadata`; `custom_info` is JSON text.
 */
export interface TaskExecutionRow {
  project: string;
  domain: string;
  execution_name: string;
  node_id: string;
  task_project: string;
  task_domain: string;
  task_name: string;
  task_version: string;
  retry_attempt: number;
  phase: TaskPhase;
  phase_version: number;
  input_uri: string;
  output_uri: string | null;
  error: Buffer | null;
  logs: Buffer | null;
  custom_info: string | null;
  reason: string;
  task_type: string;
  metadata: Buffer | null;
  event_version: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  duration_ms: number | null;
}

/** Columns an update may change. */
export type TaskExecutionPatch = Partial<
  Pick<TaskExecutionRow, 'phase' | 'phase_version' | 'input_uri' | 'output_uri' | 'error' | 'logs' | 'custom_info' | 'reason' | 'task_type' | 'metadata' | 'event_version' | 'updated_at' | 'started_at' | 'duration_ms'>
>;

const TASK_LIST: ListSpec = {
  fields: {
    phase: { column: 'phase', kind: 'text', values: TaskPhases.byNumber },
    retry_attempt: { column: 'retry_attempt', kind: 'number' },
    'task.name': { column: 'task_name', kind: 'text' },
    'task.version': { column: 'task_version', kind: 'text' },
    created_at: { column: 'created_at', kind: 'time' },
    updated_at: { column: 'updated_at', kind: 'time' },
    started_at: { column: 'started_at', kind: 'time' },
  },
  prefixes: ['task_execution'],
  defaultSortKey: 'retry_attempt',
  tieBreaker: 'task_name, task_version',
};

const KEY_WHERE =
  'project = ? AND domain = ? AND execution_name = ? AND node_id = ? AND task_project = ? AND task_domain = ? AND task_name = ? AND task_version = ? AND retry_attempt = ?';

function keyArgs(k: TaskExecutionKey): unknown[] {
  return [k.exec.project, k.exec.domain, k.exec.name, k.nodeId, k.task.project, k.task.domain, k.task.name, k.task.version, k.retryAttempt];
}

/** Task attempts. */
export class TaskExecutionRepository {
  readonly #db: AdminDb;
  constructor(db: AdminDb) {
    this.#db = db;
  }

  get(key: TaskExecutionKey): TaskExecutionRow | undefined {
    return this.#db.prepare(`SELECT * FROM task_executions WHERE ${KEY_WHERE}`).get(...keyArgs(key)) as TaskExecutionRow | undefined;
  }

  insert(row: TaskExecutionRow): void {
    const cols = Object.keys(row);
    withSqliteErrors(`task execution ${row.node_id}/${row.task_name}/${row.retry_attempt}`, () =>
      this.#db.prepare(`INSERT INTO task_executions (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row),
    );
  }

  update(key: TaskExecutionKey, patch: TaskExecutionPatch): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    const sets = cols.map((c) => `${c} = ?`).join(', ');
    this.#db.prepare(`UPDATE task_executions SET ${sets} WHERE ${KEY_WHERE}`).run(...cols.map((c) => (patch as Record<string, unknown>)[c]), ...keyArgs(key));
  }

  /** Attempts of one node execution, oldest first by default. */
  list(exec: ExecutionKey, nodeId: string, params: ListParams): TaskExecutionRow[] {
    const q = buildListSql(TASK_LIST, params);
    const where = ['project = ?', 'domain = ?', 'execution_name = ?', 'node_id = ?', ...q.where];
    return this.#db
      .prepare(`SELECT * FROM task_executions WHERE ${where.join(' AND ')} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`)
      .all(exec.project, exec.domain, exec.name, nodeId, ...q.params, params.limit, params.offset) as TaskExecutionRow[];
  }
}
