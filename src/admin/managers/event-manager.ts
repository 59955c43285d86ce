/**
 * Records propeller's events (flyteadmin `CreateWorkflowEvent`, `CreateNodeEvent`,
 * `CreateTaskEvent`). Used by both the HTTP events routes and the in-process event sink.
 *
 * Rules (style P8): a repeated event for the current phase is "already recorded" and succeeds
 * (new details such as logs or a newer `phase_version` are merged); a change the phase tables
 * forbid is rejected with `SBX_ADMIN_ALREADY_TERMINAL` (out of a terminal phase) or
 * `SBX_ADMIN_INVALID_TRANSITION`. Node and task rows are created on their first event; a task
 * event needs its node execution to exist.
 */
import nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, type flyteidl } from '../../core/idl.ts';
import { CACHE_STATUSES, NodePhases, TaskPhases, WorkflowPhases, type NodePhase, type WorkflowPhase } from '../../core/phases.ts';
import { canonicalBytes, formatId, fromBlob, timestampToMs, toBlob, type ExecutionKey } from '../codec.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import { assertInStore } from './execution-views.ts';
import type { NodeExecutionPatch, NodeExecutionRow } from '../repositories/node-execution-repository.ts';
import type { TaskExecutionKey, TaskExecutionPatch, TaskExecutionRow } from '../repositories/task-execution-repository.ts';
import { requireIdentifier, requirePart } from '../validation/identifiers.ts';

function requireExecKey(id: flyteidl.core.IWorkflowExecutionIdentifier | null | undefined, path: string): ExecutionKey {
  if (!id) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} is required`, { path });
  return {
    project: requirePart(id.project, `${path}.project`),
    domain: requirePart(id.domain, `${path}.domain`),
    name: requirePart(id.name, `${path}.name`),
  };
}

function requireNodeId(nodeId: string | null | undefined, path: string): string {
  if (!nodeId) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} is required`, { path });
  if (nodeId.length > 255 || /[/\\\0]/.test(nodeId) || nodeId === '.' || nodeId === '..') throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} must not contain "/" or "\\" and be at most 255 characters`, { path });
  return nodeId;
}

function phaseOf<P extends string>(model: { fromNumber(n: number): P | undefined }, n: number | null | undefined, path: string): P {
  const p = model.fromNumber(Number(n ?? 0));
  if (p === undefined) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} ${String(n)} is not a known phase`, { path });
  return p;
}

const RUNNING_NODE_PHASES: readonly NodePhase[] = ['RUNNING', 'DYNAMIC_RUNNING', 'FAILING'];

function mergeLogs(old: flyteidl.core.ITaskLog[], incoming: flyteidl.core.ITaskLog[]): flyteidl.core.ITaskLog[] {
  const out = [...old];
  for (const l of incoming) {
    const i = out.findIndex((o) => o.uri === l.uri && o.name === l.name);
    if (i >= 0) out[i] = l;
    else out.push(l);
  }
  return out;
}

/** Told after a workflow event changed an execution's phase (committed). Must not throw. */
export type ExecutionPhaseListener = (key: ExecutionKey, phase: WorkflowPhase) => void;

/** Applies workflow, node and task events to the DB. */
export class EventManager {
  readonly #ctx: AdminContext;
  readonly #onExecutionPhase: ExecutionPhaseListener | undefined;
  constructor(ctx: AdminContext, onExecutionPhase?: ExecutionPhaseListener) {
    this.#ctx = ctx;
    this.#onExecutionPhase = onExecutionPhase;
  }

  /** Inline data in an event (`output_data`, `input_data`) is offloaded to the store, as flyteadmin does. */
  async #offload(key: ExecutionKey, parts: string[], map: flyteidl.core.ILiteralMap | null | undefined): Promise<string | undefined> {
    if (!map) return undefined;
    const ds = this.#ctx.dataStore;
    const uri = ds.join(this.#ctx.options.metadataPrefix, key.project, key.domain, key.name, '_admin', ...parts);
    await ds.write(uri, encode('flyteidl.core.LiteralMap', map));
    return uri;
  }

  async workflowEvent(ev: flyteidl.event.IWorkflowExecutionEvent, path = 'event'): Promise<void> {
    const ctx = this.#ctx;
    const key = requireExecKey(ev.executionId, `${path}.execution_id`);
    const phase = phaseOf(WorkflowPhases, ev.phase, `${path}.phase`);
    const occurred = timestampToMs(ev.occurredAt) ?? ctx.clock.now();
    if (!ctx.repos.executions.get(key)) throw adminError('SBX_ADMIN_EXECUTION_NOT_FOUND', `execution ${formatId(key)} not found`, { path: `${path}.execution_id` });
    const offloaded = await this.#offload(key, ['outputs.pb'], ev.outputData);
    const changed = ctx.tx(() => {
      const row = ctx.repos.executions.get(key);
      if (!row) throw adminError('SBX_ADMIN_EXECUTION_NOT_FOUND', `execution ${formatId(key)} not found`, { path: `${path}.execution_id` });
      if (row.phase === phase) return false;
      WorkflowPhases.assertTransition(row.phase, phase, `execution ${formatId(key)}`);
      const now = ctx.clock.now();
      const startedAt = row.started_at ?? (phase === 'QUEUED' ? null : occurred);
      const patch: Parameters<typeof ctx.repos.executions.update>[1] = { phase, updated_at: now, started_at: startedAt };
      if (WorkflowPhases.isTerminal(phase)) patch.duration_ms = Math.max(0, occurred - (startedAt ?? row.created_at));
      const outputsUri = ev.outputUri || offloaded;
      if (outputsUri) patch.outputs_uri = outputsUri;
      if (ev.error) {
        patch.error = toBlob('flyteidl.core.ExecutionError', ev.error);
        patch.error_code = ev.error.code ?? '';
      }
      ctx.repos.executions.update(key, patch);
      return true;
    });
    if (changed) this.#onExecutionPhase?.(key, phase);
  }

  async nodeEvent(ev: flyteidl.event.INodeExecutionEvent, path = 'event'): Promise<void> {
    const ctx = this.#ctx;
    const key = requireExecKey(ev.id?.executionId, `${path}.id.execution_id`);
    const nodeId = requireNodeId(ev.id?.nodeId, `${path}.id.node_id`);
    const phase = phaseOf(NodePhases, ev.phase, `${path}.phase`);
    const occurred = timestampToMs(ev.occurredAt) ?? ctx.clock.now();
    if (!ctx.repos.executions.get(key)) throw adminError('SBX_ADMIN_EXECUTION_NOT_FOUND', `execution ${formatId(key)} not found`, { path: `${path}.id.execution_id` });
    const outputUri = ev.outputUri || (await this.#offload(key, ['nodes', nodeId, 'outputs.pb'], ev.outputData));
    const inputUri = ev.inputUri || (await this.#offload(key, ['nodes', nodeId, 'inputs.pb'], ev.inputData));

    const tnm = ev.taskNodeMetadata;
    const details: NodeExecutionPatch = {};
    if (inputUri) details.input_uri = inputUri;
    if (outputUri) details.output_uri = outputUri;
    if (ev.error) details.error = toBlob('flyteidl.core.ExecutionError', ev.error);
    if (ev.deckUri) details.deck_uri = ev.deckUri;
    if (ev.retryGroup) details.retry_group = ev.retryGroup;
    if (ev.specNodeId) details.spec_node_id = ev.specNodeId;
    if (ev.nodeName) details.node_name = ev.nodeName;
    if (ev.targetEntity) details.target_entity = toBlob('flyteidl.core.Identifier', ev.targetEntity);
    if (ev.workflowNodeMetadata?.executionId) details.child_execution = toBlob('flyteidl.core.WorkflowExecutionIdentifier', ev.workflowNodeMetadata.executionId);
    if (tnm) {
      details.cache_status = CACHE_STATUSES[Number(tnm.cacheStatus ?? 0)] ?? null;
      details.task_node_metadata = toBlob('flyteidl.admin.TaskNodeMetadata', {
        cacheStatus: tnm.cacheStatus ?? 0,
        ...(tnm.catalogKey ? { catalogKey: tnm.catalogKey } : {}),
        ...(tnm.checkpointUri ? { checkpointUri: tnm.checkpointUri } : {}),
      });
      if (tnm.dynamicWorkflow) {
        details.dynamic_workflow = toBlob('flyteidl.event.DynamicWorkflowNodeMetadata', tnm.dynamicWorkflow);
        if (tnm.dynamicWorkflow.dynamicJobSpecUri) details.dynamic_job_spec_uri = tnm.dynamicWorkflow.dynamicJobSpecUri;
      }
    }

    ctx.tx(() => {
      const now = ctx.clock.now();
      const existing = ctx.repos.nodeExecutions.get(key, nodeId);
      if (!existing) {
        const parentNodeId = ev.parentNodeMetadata?.nodeId || null;
        const started = phase === 'QUEUED' || phase === 'UNDEFINED' ? null : occurred;
        const row: NodeExecutionRow = {
          project: key.project,
          domain: key.domain,
          execution_name: key.name,
          node_id: nodeId,
          phase,
          parent_node_id: parentNodeId,
          parent_task: ev.parentTaskMetadata?.id ? canonicalBytes('flyteidl.core.TaskExecutionIdentifier', ev.parentTaskMetadata.id) : null,
          retry_group: '',
          spec_node_id: '',
          node_name: '',
          is_parent: ev.isParent ? 1 : 0,
          is_dynamic: ev.isDynamic ? 1 : 0,
          is_array: ev.isArray ? 1 : 0,
          is_eager: ev.isEager ? 1 : 0,
          input_uri: '',
          output_uri: null,
          error: null,
          deck_uri: '',
          cache_status: null,
          task_node_metadata: null,
          child_execution: null,
          dynamic_workflow: null,
          dynamic_job_spec_uri: '',
          target_entity: null,
          created_at: now,
          updated_at: now,
          started_at: started,
          duration_ms: NodePhases.isTerminal(phase) ? 0 : null,
          last_event_at: occurred,
          ...details,
        } as NodeExecutionRow;
        ctx.repos.nodeExecutions.insert(row);
        const parent = parentNodeId ? ctx.repos.nodeExecutions.get(key, parentNodeId) : undefined;
        // Items of an array node are its children here, but Flyte never marks an array node a parent.
        if (parentNodeId && parent && parent.is_array !== 1) ctx.repos.nodeExecutions.update(key, parentNodeId, { is_parent: 1 });
        return;
      }
      const flags: NodeExecutionPatch = {};
      if (ev.isParent) flags.is_parent = 1;
      if (ev.isDynamic) flags.is_dynamic = 1;
      if (ev.isArray) flags.is_array = 1;
      if (ev.isEager) flags.is_eager = 1;
      if (existing.phase === phase) {
        // Already recorded: keep new details (a repeated DYNAMIC_RUNNING may carry the closure).
        ctx.repos.nodeExecutions.update(key, nodeId, { ...details, ...flags, updated_at: now, last_event_at: occurred });
        return;
      }
      NodePhases.assertTransition(existing.phase, phase, `node execution ${nodeId} of ${formatId(key)}`);
      const patch: NodeExecutionPatch = { ...details, ...flags, phase, updated_at: now, last_event_at: occurred };
      const started = existing.started_at ?? (RUNNING_NODE_PHASES.includes(phase) || NodePhases.isTerminal(phase) ? occurred : null);
      patch.started_at = started;
      if (NodePhases.isTerminal(phase)) patch.duration_ms = Math.max(0, occurred - (started ?? occurred));
      ctx.repos.nodeExecutions.update(key, nodeId, patch);
    });
  }

  /**
   * Like flyteadmin, a task event's data URIs must be in the blob store; and a `file://` log may
   * only be the attempt's own log file (any http(s) link is kept as a link), so a forged event can
   * neither make the log route serve another file nor replace the real log link.
   */
  #checkTaskEventUris(ev: flyteidl.event.ITaskExecutionEvent, attempt: { execution: string; nodeId: string; retryAttempt: number }, path: string): void {
    const ctx = this.#ctx;
    if (ev.outputUri) assertInStore(ctx.dataStore, ev.outputUri, `${path}.output_uri`);
    if (ev.inputUri) assertInStore(ctx.dataStore, ev.inputUri, `${path}.input_uri`);
    const logsRoot = nodePath.join(ctx.options.dataDir, 'logs');
    for (const [i, l] of (ev.logs ?? []).entries()) {
      const uri = l.uri ?? '';
      const where = `${path}.logs[${i}].uri`;
      let url: URL;
      try {
        url = new URL(uri);
      } catch {
        throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `log URI ${JSON.stringify(uri)} is not a URL`, { path: where });
      }
      if (url.protocol === 'http:' || url.protocol === 'https:') continue;
      if (url.protocol !== 'file:') throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `log URI ${uri} must be a file:// log of the attempt or an http(s) link`, { path: where });
      let p: string;
      try {
        p = nodePath.resolve(fileURLToPath(url));
      } catch {
        throw adminError('SBX_ADMIN_LOG_OUTSIDE_DATA_DIR', `log URI ${uri} is not a local path`, { path: where });
      }
      const own = ctx.options.attemptLogFile?.(attempt);
      const ok = own !== undefined ? p === nodePath.resolve(own) : p.startsWith(logsRoot + nodePath.sep);
      if (!ok) {
        throw adminError(
          'SBX_ADMIN_LOG_OUTSIDE_DATA_DIR',
          `log URI ${uri} is not the log file of attempt ${attempt.retryAttempt} of node ${attempt.nodeId}${own ? ` (${own})` : ` (under ${logsRoot})`}`,
          { path: where },
        );
      }
    }
  }

  async taskEvent(ev: flyteidl.event.ITaskExecutionEvent, path = 'event'): Promise<void> {
    const ctx = this.#ctx;
    const taskId = requireIdentifier(ev.taskId, `${path}.task_id`);
    const exec = requireExecKey(ev.parentNodeExecutionId?.executionId, `${path}.parent_node_execution_id.execution_id`);
    const nodeId = requireNodeId(ev.parentNodeExecutionId?.nodeId, `${path}.parent_node_execution_id.node_id`);
    const phase = phaseOf(TaskPhases, ev.phase, `${path}.phase`);
    const retryAttempt = Number(ev.retryAttempt ?? 0);
    const phaseVersion = Number(ev.phaseVersion ?? 0);
    const occurred = timestampToMs(ev.occurredAt) ?? ctx.clock.now();
    const key: TaskExecutionKey = { exec, nodeId, task: taskId, retryAttempt };
    if (!ctx.repos.executions.get(exec)) throw adminError('SBX_ADMIN_EXECUTION_NOT_FOUND', `execution ${formatId(exec)} not found`, { path: `${path}.parent_node_execution_id.execution_id` });
    this.#checkTaskEventUris(ev, { execution: exec.name, nodeId, retryAttempt }, path);
    const outputUri = ev.outputUri || (await this.#offload(exec, ['nodes', nodeId, String(retryAttempt), 'outputs.pb'], ev.outputData));
    const inputUri = ev.inputUri || (await this.#offload(exec, ['nodes', nodeId, 'inputs.pb'], ev.inputData));

    ctx.tx(() => {
      if (!ctx.repos.nodeExecutions.get(exec, nodeId)) {
        throw adminError('SBX_ADMIN_NODE_EXECUTION_NOT_FOUND', `node execution ${nodeId} of ${formatId(exec)} not found: send its node event before task events`, {
          path: `${path}.parent_node_execution_id.node_id`,
        });
      }
      const now = ctx.clock.now();
      const existing = ctx.repos.taskExecutions.get(key);
      const oldLogs = existing ? (fromBlob<flyteidl.event.ITaskExecutionEvent>('flyteidl.event.TaskExecutionEvent', existing.logs)?.logs ?? []) : [];
      const logs = mergeLogs(oldLogs, ev.logs ?? []);
      const details: TaskExecutionPatch = {
        phase_version: phaseVersion,
        updated_at: now,
        event_version: Number(ev.eventVersion ?? 0),
      };
      if (logs.length > 0) details.logs = toBlob('flyteidl.event.TaskExecutionEvent', { logs });
      if (inputUri) details.input_uri = inputUri;
      if (outputUri) details.output_uri = outputUri;
      if (ev.error) details.error = toBlob('flyteidl.core.ExecutionError', ev.error);
      if (ev.customInfo) details.custom_info = JSON.stringify(ev.customInfo);
      const reason = ev.reasons?.at(-1)?.reason || ev.reason;
      if (reason) details.reason = reason;
      if (ev.taskType) details.task_type = ev.taskType;
      if (ev.metadata) details.metadata = toBlob('flyteidl.event.TaskExecutionMetadata', ev.metadata);
      if (!existing) {
        const started = ['UNDEFINED', 'QUEUED', 'WAITING_FOR_RESOURCES', 'INITIALIZING'].includes(phase) ? null : occurred;
        const row: TaskExecutionRow = {
          project: exec.project,
          domain: exec.domain,
          execution_name: exec.name,
          node_id: nodeId,
          task_project: taskId.project,
          task_domain: taskId.domain,
          task_name: taskId.name,
          task_version: taskId.version,
          retry_attempt: retryAttempt,
          phase,
          phase_version: 0,
          input_uri: '',
          output_uri: null,
          error: null,
          logs: null,
          custom_info: null,
          reason: '',
          task_type: '',
          metadata: null,
          event_version: 0,
          created_at: now,
          updated_at: now,
          started_at: started,
          duration_ms: TaskPhases.isTerminal(phase) ? 0 : null,
          ...details,
        } as TaskExecutionRow;
        ctx.repos.taskExecutions.insert(row);
        return;
      }
      if (existing.phase === phase) {
        if (phaseVersion <= existing.phase_version && (ev.logs ?? []).length === 0) return;
        ctx.repos.taskExecutions.update(key, { ...details, phase_version: Math.max(phaseVersion, existing.phase_version) });
        return;
      }
      TaskPhases.assertTransition(existing.phase, phase, `task execution ${nodeId}/${taskId.name}/attempt ${retryAttempt} of ${formatId(exec)}`);
      const started = existing.started_at ?? (phase === 'RUNNING' || TaskPhases.isTerminal(phase) ? occurred : null);
      const patch: TaskExecutionPatch = { ...details, phase, started_at: started };
      if (TaskPhases.isTerminal(phase)) patch.duration_ms = Math.max(0, occurred - (started ?? occurred));
      ctx.repos.taskExecutions.update(key, patch);
    });
  }
}
