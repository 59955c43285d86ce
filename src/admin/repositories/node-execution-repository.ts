/** SQL for node executions (created on the first node event, updated by later ones). */
import { CACHE_STATUSES, NodePhases, type NodePhase } from '../../core/phases.ts';
import type { ExecutionKey } from '../codec.ts';
import type { AdminDb } from '../db/open-db.ts';
import { buildListSql, type ListParams, type ListSpec } from './list-query.ts';
import { withSqliteErrors } from './sqlite-errors.ts';

/**
 * A `node_executions` row. Blobs: `parent_task` = `core.TaskExecutionIdentifier`, `error` =
 * `core.ExecutionError`, `task_node_metadata` = `admin.TaskNodeMetadata`, `child_execution` =
 * `core.WorkflowExecutionIdentifier`, `dynamic_workflow` = `event.DynamicWorkflowNodeMetadata`,
 * `target_entity` = `core.Identifier`.
 */
export interface NodeExecutionRow {
  project: string;
  domain: string;
  execution_name: string;
  node_id: string;
  phase: NodePhase;
  parent_node_id: string | null;
  parent_task: Buffer | null;
  retry_group: string;
  spec_node_id: string;
  node_name: string;
  is_parent: number;
  is_dynamic: number;
  is_array: number;
  is_eager: number;
  input_uri: string;
  output_uri: string | null;
  error: Buffer | null;
  deck_uri: string;
  cache_status: string | null;
  task_node_metadata: Buffer | null;
  child_execution: Buffer | null;
  dynamic_workflow: Buffer | null;
  dynamic_job_spec_uri: string;
  target_entity: Buffer | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  duration_ms: number | null;
  last_event_at: number;
}

/** Columns an update may change (everything but the key). */
export type NodeExecutionPatch = Partial<Omit<NodeExecutionRow, 'project' | 'domain' | 'execution_name' | 'node_id' | 'created_at'>>;

const NODE_LIST: ListSpec = {
  fields: {
    node_id: { column: 'node_id', kind: 'text' },
    phase: { column: 'phase', kind: 'text', values: NodePhases.byNumber },
    spec_node_id: { column: 'spec_node_id', kind: 'text' },
    retry_group: { column: 'retry_group', kind: 'text' },
    cache_status: { column: 'cache_status', kind: 'text', values: CACHE_STATUSES },
    is_parent: { column: 'is_parent', kind: 'bool' },
    is_dynamic: { column: 'is_dynamic', kind: 'bool' },
    created_at: { column: 'created_at', kind: 'time' },
    updated_at: { column: 'updated_at', kind: 'time' },
    started_at: { column: 'started_at', kind: 'time' },
    duration: { column: 'duration_ms / 1000.0', kind: 'number' },
  },
  prefixes: ['node_execution'],
  defaultSortKey: 'created_at',
  tieBreaker: 'node_id',
};

/** Node executions of workflow executions. */
export class NodeExecutionRepository {
  readonly #db: AdminDb;
  constructor(db: AdminDb) {
    this.#db = db;
  }

  get(exec: ExecutionKey, nodeId: string): NodeExecutionRow | undefined {
    return this.#db
      .prepare('SELECT * FROM node_executions WHERE project = ? AND domain = ? AND execution_name = ? AND node_id = ?')
      .get(exec.project, exec.domain, exec.name, nodeId) as NodeExecutionRow | undefined;
  }

  insert(row: NodeExecutionRow): void {
    const cols = Object.keys(row);
    withSqliteErrors(`node execution ${row.node_id}`, () =>
      this.#db.prepare(`INSERT INTO node_executions (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row),
    );
  }

  update(exec: ExecutionKey, nodeId: string, patch: NodeExecutionPatch): void {
    const cols = Object.keys(patch);
    if (cols.length === 0) return;
    this.#db
      .prepare(
        `UPDATE node_executions SET ${cols.map((c) => `${c} = @${c}`).join(', ')} WHERE project = @k_project AND domain = @k_domain AND execution_name = @k_name AND node_id = @k_node`,
      )
      .run({ ...patch, k_project: exec.project, k_domain: exec.domain, k_name: exec.name, k_node: nodeId });
  }

  /**
   * A page of node executions: the top-level ones (no parent) unless `parentNodeId` is given,
   * then that node's children.
   */
  list(exec: ExecutionKey, parentNodeId: string | undefined, params: ListParams): NodeExecutionRow[] {
    const q = buildListSql(NODE_LIST, params);
    const where = [
      'project = ?',
      'domain = ?',
      'execution_name = ?',
      parentNodeId === undefined ? 'parent_node_id IS NULL' : 'parent_node_id = ?',
      ...q.where,
    ];
    const args = [exec.project, exec.domain, exec.name, ...(parentNodeId === undefined ? [] : [parentNodeId]), ...q.params];
    return this.#db
      .prepare(`SELECT * FROM node_executions WHERE ${where.join(' AND ')} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`)
      .all(...args, params.limit, params.offset) as NodeExecutionRow[];
  }

  /** Children launched by one task execution (dynamic parents): rows whose `parent_task` matches. */
  listForParentTask(exec: ExecutionKey, parentTask: Buffer, params: ListParams): NodeExecutionRow[] {
    const q = buildListSql(NODE_LIST, params);
    const where = ['project = ?', 'domain = ?', 'execution_name = ?', 'parent_task = ?', ...q.where];
    return this.#db
      .prepare(`SELECT * FROM node_executions WHERE ${where.join(' AND ')} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`)
      .all(exec.project, exec.domain, exec.name, parentTask, ...q.params, params.limit, params.offset) as NodeExecutionRow[];
  }
}
