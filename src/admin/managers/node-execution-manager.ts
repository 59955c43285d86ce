/** Node and task execution queries and data (flyteadmin `node_execution_manager.go`, `task_execution_manager.go`). */
import type { flyteidl } from '../../core/idl.ts';
import { NodePhases, TaskPhases } from '../../core/phases.ts';
import { canonicalBytes, formatId, fromBlob, msToDuration, msToTimestamp, type ExecutionKey } from '../codec.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import { nextToken, type ListParams } from '../repositories/list-query.ts';
import type { NodeExecutionRow } from '../repositories/node-execution-repository.ts';
import type { TaskExecutionKey, TaskExecutionRow } from '../repositories/task-execution-repository.ts';
import { flyteDataUrls } from './download-manager.ts';
import { readLiteralMap, urlBlob } from './execution-views.ts';
import { ResourceType } from './task-manager.ts';

function timing(row: { created_at: number; updated_at: number; started_at: number | null; duration_ms: number | null }, terminal: boolean, now: number) {
  return {
    createdAt: msToTimestamp(row.created_at),
    updatedAt: msToTimestamp(row.updated_at),
    ...(row.started_at !== null ? { startedAt: msToTimestamp(row.started_at) } : {}),
    ...(row.duration_ms !== null
      ? { duration: msToDuration(row.duration_ms) }
      : row.started_at !== null && !terminal
        ? { duration: msToDuration(Math.max(0, now - row.started_at)) }
        : {}),
  };
}

/** Builds the `admin.NodeExecution` of a row. */
export function toNodeExecution(row: NodeExecutionRow, now: number): flyteidl.admin.INodeExecution {
  const closure: flyteidl.admin.INodeExecutionClosure = {
    phase: NodePhases.toNumber(row.phase),
    ...timing(row, NodePhases.isTerminal(row.phase), now),
    deckUri: row.deck_uri,
    dynamicJobSpecUri: row.dynamic_job_spec_uri,
  };
  const error = fromBlob<flyteidl.core.IExecutionError>('flyteidl.core.ExecutionError', row.error);
  if (error) closure.error = error;
  else if (row.output_uri) closure.outputUri = row.output_uri;
  const child = fromBlob<flyteidl.core.IWorkflowExecutionIdentifier>('flyteidl.core.WorkflowExecutionIdentifier', row.child_execution);
  if (child) closure.workflowNodeMetadata = { executionId: child };
  else {
    const tnm = fromBlob<flyteidl.admin.ITaskNodeMetadata>('flyteidl.admin.TaskNodeMetadata', row.task_node_metadata);
    if (tnm) closure.taskNodeMetadata = tnm;
  }
  return {
    id: { nodeId: row.node_id, executionId: { project: row.project, domain: row.domain, name: row.execution_name } },
    inputUri: row.input_uri,
    closure,
    metadata: {
      retryGroup: row.retry_group,
      isParentNode: row.is_parent === 1,
      specNodeId: row.spec_node_id,
      isDynamic: row.is_dynamic === 1,
      isArray: row.is_array === 1,
      isEager: row.is_eager === 1,
    },
  };
}

/** Builds the `admin.TaskExecution` of a row. */
export function toTaskExecution(row: TaskExecutionRow, isParent: boolean, now: number): flyteidl.admin.ITaskExecution {
  const logs = fromBlob<flyteidl.event.ITaskExecutionEvent>('flyteidl.event.TaskExecutionEvent', row.logs)?.logs ?? [];
  const closure: flyteidl.admin.ITaskExecutionClosure = {
    phase: TaskPhases.toNumber(row.phase),
    logs,
    ...timing(row, TaskPhases.isTerminal(row.phase), now),
    reason: row.reason,
    taskType: row.task_type,
    eventVersion: row.event_version,
  };
  const error = fromBlob<flyteidl.core.IExecutionError>('flyteidl.core.ExecutionError', row.error);
  if (error) closure.error = error;
  else if (row.output_uri) closure.outputUri = row.output_uri;
  if (row.custom_info) closure.customInfo = JSON.parse(row.custom_info) as NonNullable<flyteidl.admin.ITaskExecutionClosure['customInfo']>;
  const metadata = fromBlob<flyteidl.event.ITaskExecutionMetadata>('flyteidl.event.TaskExecutionMetadata', row.metadata);
  if (metadata) closure.metadata = metadata;
  return {
    id: {
      taskId: { resourceType: ResourceType.TASK, project: row.task_project, domain: row.task_domain, name: row.task_name, version: row.task_version },
      nodeExecutionId: { nodeId: row.node_id, executionId: { project: row.project, domain: row.domain, name: row.execution_name } },
      retryAttempt: row.retry_attempt,
    },
    inputUri: row.input_uri,
    closure,
    isParent,
  };
}

function taskExecutionIdBytes(key: TaskExecutionKey): Buffer {
  return canonicalBytes('flyteidl.core.TaskExecutionIdentifier', {
    taskId: { resourceType: ResourceType.TASK, ...key.task },
    nodeExecutionId: { nodeId: key.nodeId, executionId: key.exec },
    retryAttempt: key.retryAttempt,
  });
}

/** Reads node and task executions. */
export class NodeExecutionManager {
  readonly #ctx: AdminContext;
  constructor(ctx: AdminContext) {
    this.#ctx = ctx;
  }

  #requireExecution(exec: ExecutionKey): void {
    if (!this.#ctx.repos.executions.get(exec)) throw adminError('SBX_ADMIN_EXECUTION_NOT_FOUND', `execution ${formatId(exec)} not found`);
  }

  getRow(exec: ExecutionKey, nodeId: string): NodeExecutionRow {
    const row = this.#ctx.repos.nodeExecutions.get(exec, nodeId);
    if (!row) {
      this.#requireExecution(exec);
      throw adminError('SBX_ADMIN_NODE_EXECUTION_NOT_FOUND', `node execution ${nodeId} of ${formatId(exec)} not found`);
    }
    return row;
  }

  get(exec: ExecutionKey, nodeId: string): flyteidl.admin.INodeExecution {
    return toNodeExecution(this.getRow(exec, nodeId), this.#ctx.clock.now());
  }

  /** Top-level node executions, or the children of `uniqueParentId`. */
  list(exec: ExecutionKey, uniqueParentId: string | undefined, params: ListParams): flyteidl.admin.INodeExecutionList {
    this.#requireExecution(exec);
    const rows = this.#ctx.repos.nodeExecutions.list(exec, uniqueParentId, params);
    const now = this.#ctx.clock.now();
    return { nodeExecutions: rows.map((r) => toNodeExecution(r, now)), token: nextToken(params.offset, params.limit, rows.length) };
  }

  /** Node executions launched by one task execution (children of a dynamic task attempt). */
  listForTask(key: TaskExecutionKey, params: ListParams): flyteidl.admin.INodeExecutionList {
    this.getTaskRow(key);
    const rows = this.#ctx.repos.nodeExecutions.listForParentTask(key.exec, taskExecutionIdBytes(key), params);
    const now = this.#ctx.clock.now();
    return { nodeExecutions: rows.map((r) => toNodeExecution(r, now)), token: nextToken(params.offset, params.limit, rows.length) };
  }

  async getData(exec: ExecutionKey, nodeId: string): Promise<flyteidl.admin.INodeExecutionGetDataResponse> {
    const row = this.getRow(exec, nodeId);
    const [fullInputs, fullOutputs] = await Promise.all([readLiteralMap(this.#ctx.dataStore, row.input_uri), readLiteralMap(this.#ctx.dataStore, row.output_uri)]);
    const dyn = fromBlob<flyteidl.event.IDynamicWorkflowNodeMetadata>('flyteidl.event.DynamicWorkflowNodeMetadata', row.dynamic_workflow);
    const inputs = urlBlob(row.input_uri);
    const outputs = urlBlob(row.output_uri);
    return {
      fullInputs,
      fullOutputs,
      ...(inputs ? { inputs } : {}),
      ...(outputs ? { outputs } : {}),
      ...(dyn ? { dynamicWorkflow: dyn } : {}),
      flyteUrls: flyteDataUrls(exec, nodeId, undefined, !!row.deck_uri),
    };
  }

  /** The compiled sub-workflow of a dynamic node (empty if the node has none). */
  dynamicWorkflow(exec: ExecutionKey, nodeId: string): flyteidl.admin.IDynamicNodeWorkflowResponse {
    const row = this.getRow(exec, nodeId);
    const dyn = fromBlob<flyteidl.event.IDynamicWorkflowNodeMetadata>('flyteidl.event.DynamicWorkflowNodeMetadata', row.dynamic_workflow);
    return dyn?.compiledWorkflow ? { compiledWorkflow: dyn.compiledWorkflow } : {};
  }

  getTaskRow(key: TaskExecutionKey): TaskExecutionRow {
    const row = this.#ctx.repos.taskExecutions.get(key);
    if (!row) {
      this.getRow(key.exec, key.nodeId);
      throw adminError(
        'SBX_ADMIN_TASK_EXECUTION_NOT_FOUND',
        `task execution ${formatId(key.task)} attempt ${key.retryAttempt} of node ${key.nodeId} in ${formatId(key.exec)} not found`,
      );
    }
    return row;
  }

  /** The row of one attempt of a node, whichever task it ran. */
  attemptRow(exec: ExecutionKey, nodeId: string, retryAttempt: number): TaskExecutionRow {
    this.getRow(exec, nodeId);
    const row = this.#ctx.repos.taskExecutions.list(exec, nodeId, { limit: 10_000, offset: 0, filters: '', sortDirection: 'ASCENDING' }).find((r) => r.retry_attempt === retryAttempt);
    if (!row) throw adminError('SBX_ADMIN_TASK_EXECUTION_NOT_FOUND', `attempt ${retryAttempt} of node ${nodeId} in ${formatId(exec)} not found`);
    return row;
  }

  #isParent(key: TaskExecutionKey): boolean {
    return this.#ctx.repos.nodeExecutions.listForParentTask(key.exec, taskExecutionIdBytes(key), { limit: 1, offset: 0, filters: '', sortDirection: 'ASCENDING' }).length > 0;
  }

  getTask(key: TaskExecutionKey): flyteidl.admin.ITaskExecution {
    return toTaskExecution(this.getTaskRow(key), this.#isParent(key), this.#ctx.clock.now());
  }

  listTasks(exec: ExecutionKey, nodeId: string, params: ListParams): flyteidl.admin.ITaskExecutionList {
    this.getRow(exec, nodeId);
    const rows = this.#ctx.repos.taskExecutions.list(exec, nodeId, params);
    const now = this.#ctx.clock.now();
    return {
      taskExecutions: rows.map((r) =>
        toTaskExecution(
          r,
          this.#isParent({ exec, nodeId, task: { project: r.task_project, domain: r.task_domain, name: r.task_name, version: r.task_version }, retryAttempt: r.retry_attempt }),
          now,
        ),
      ),
      token: nextToken(params.offset, params.limit, rows.length),
    };
  }

  async getTaskData(key: TaskExecutionKey): Promise<flyteidl.admin.ITaskExecutionGetDataResponse> {
    const row = this.getTaskRow(key);
    const [fullInputs, fullOutputs] = await Promise.all([readLiteralMap(this.#ctx.dataStore, row.input_uri), readLiteralMap(this.#ctx.dataStore, row.output_uri)]);
    const inputs = urlBlob(row.input_uri);
    const outputs = urlBlob(row.output_uri);
    return { fullInputs, fullOutputs, ...(inputs ? { inputs } : {}), ...(outputs ? { outputs } : {}), flyteUrls: flyteDataUrls(key.exec, key.nodeId, key.retryAttempt) };
  }

  /** Logs recorded for an attempt (from its task events). */
  taskLogs(key: TaskExecutionKey): { logs: flyteidl.core.ITaskLog[]; terminal: boolean } {
    const row = this.getTaskRow(key);
    const logs = fromBlob<flyteidl.event.ITaskExecutionEvent>('flyteidl.event.TaskExecutionEvent', row.logs)?.logs ?? [];
    return { logs, terminal: TaskPhases.isTerminal(row.phase) };
  }
}
