/** SQL for workflow executions and their labels ("execution tags", filterable). */
import { WorkflowPhases, type WorkflowPhase } from '../../core/phases.ts';
import type { ExecutionKey } from '../codec.ts';
import type { AdminDb } from '../db/open-db.ts';
import { buildListSql, type ListParams, type ListSpec } from './list-query.ts';
import { withSqliteErrors } from './sqlite-errors.ts';

/** An `executions` row (`spec` = `admin.ExecutionSpec`, `error` = `core.ExecutionError`). */
export interface ExecutionRow {
  project: string;
  domain: string;
  name: string;
  phase: WorkflowPhase;
  launch_plan_project: string;
  launch_plan_domain: string;
  launch_plan_name: string;
  launch_plan_version: string;
  workflow_project: string;
  workflow_domain: string;
  workflow_name: string;
  workflow_version: string;
  task_name: string | null;
  mode: string;
  nesting: number;
  parent_project: string | null;
  parent_domain: string | null;
  parent_name: string | null;
  parent_node_id: string | null;
  spec: Buffer;
  inputs_uri: string;
  user_inputs_uri: string;
  outputs_uri: string | null;
  error: Buffer | null;
  error_code: string | null;
  abort_cause: string | null;
  abort_principal: string | null;
  state: 'EXECUTION_ACTIVE' | 'EXECUTION_ARCHIVED';
  created_at: number;
  updated_at: number;
  started_at: number | null;
  duration_ms: number | null;
}

/** Columns an update may change. */
export type ExecutionPatch = Partial<
  Pick<ExecutionRow, 'phase' | 'outputs_uri' | 'error' | 'error_code' | 'abort_cause' | 'abort_principal' | 'state' | 'updated_at' | 'started_at' | 'duration_ms'>
>;

const EXECUTION_LIST: ListSpec = {
  fields: {
    project: { column: 'e.project', kind: 'text' },
    domain: { column: 'e.domain', kind: 'text' },
    name: { column: 'e.name', kind: 'text' },
    phase: { column: 'e.phase', kind: 'text', values: WorkflowPhases.byNumber },
    mode: { column: 'e.mode', kind: 'text' },
    state: { column: 'e.state', kind: 'text', values: ['EXECUTION_ACTIVE', 'EXECUTION_ARCHIVED'] },
    created_at: { column: 'e.created_at', kind: 'time' },
    execution_created_at: { column: 'e.created_at', kind: 'time' },
    updated_at: { column: 'e.updated_at', kind: 'time' },
    execution_updated_at: { column: 'e.updated_at', kind: 'time' },
    started_at: { column: 'e.started_at', kind: 'time' },
    duration: { column: 'e.duration_ms / 1000.0', kind: 'number' },
    error_code: { column: 'e.error_code', kind: 'text' },
    nesting: { column: 'e.nesting', kind: 'number' },
    'workflow.project': { column: 'e.workflow_project', kind: 'text' },
    'workflow.domain': { column: 'e.workflow_domain', kind: 'text' },
    'workflow.name': { column: 'e.workflow_name', kind: 'text' },
    'workflow.version': { column: 'e.workflow_version', kind: 'text' },
    'launch_plan.name': { column: 'e.launch_plan_name', kind: 'text' },
    'launch_plan.version': { column: 'e.launch_plan_version', kind: 'text' },
    'task.name': { column: 'e.task_name', kind: 'text' },
    parent_project: { column: 'e.parent_project', kind: 'text' },
    parent_domain: { column: 'e.parent_domain', kind: 'text' },
    parent_name: { column: 'e.parent_name', kind: 'text' },
    parent_node_id: { column: 'e.parent_node_id', kind: 'text' },
    'execution_tag.key': { column: 't.key', kind: 'text', tag: 'key' },
    'execution_tag.value': { column: 't.value', kind: 'text', tag: 'value' },
  },
  tagJoin: 't.project = e.project AND t.domain = e.domain AND t.name = e.name',
  prefixes: ['execution'],
  defaultSortKey: 'created_at',
  tieBreaker: 'e.name',
};

/** Executions and their tags. */
export class ExecutionRepository {
  readonly #db: AdminDb;
  constructor(db: AdminDb) {
    this.#db = db;
  }

  get(key: ExecutionKey): ExecutionRow | undefined {
    return this.#db
      .prepare('SELECT * FROM executions WHERE project = ? AND domain = ? AND name = ?')
      .get(key.project, key.domain, key.name) as ExecutionRow | undefined;
  }

  /** Inserts an execution and its labels as tags. Call inside a transaction. */
  insert(row: ExecutionRow, tags: Record<string, string>): void {
    const cols = Object.keys(row);
    withSqliteErrors(`execution ${row.project}/${row.domain}/${row.name}`, () => {
      this.#db.prepare(`INSERT INTO executions (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
      const addTag = this.#db.prepare('INSERT INTO execution_tags (project, domain, name, key, value) VALUES (?, ?, ?, ?, ?)');
      for (const [k, v] of Object.entries(tags)) addTag.run(row.project, row.domain, row.name, k, v);
    });
  }

  /** Updates the given columns. */
  update(key: ExecutionKey, patch: ExecutionPatch): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    this.#db
      .prepare(`UPDATE executions SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE project = @k_project AND domain = @k_domain AND name = @k_name`)
      .run({ ...patch, k_project: key.project, k_domain: key.domain, k_name: key.name });
  }

  tags(key: ExecutionKey): Record<string, string> {
    const rows = this.#db
      .prepare('SELECT key, value FROM execution_tags WHERE project = ? AND domain = ? AND name = ? ORDER BY key')
      .all(key.project, key.domain, key.name) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /** A page of executions of a project/domain. */
  list(project: string, domain: string, params: ListParams): ExecutionRow[] {
    const q = buildListSql(EXECUTION_LIST, params);
    const where = ['e.project = ?', 'e.domain = ?', ...q.where];
    return this.#db
      .prepare(`SELECT e.* FROM executions e WHERE ${where.join(' AND ')} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`)
      .all(project, domain, ...q.params, params.limit, params.offset) as ExecutionRow[];
  }
}
