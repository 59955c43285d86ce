/**
 * Builders of the flyteidl `event` messages propeller sends (reference §5 "Events"). Node ids in
 * events are unique ids; nested nodes carry `parent_node_metadata`.
 */
import type { flyteidl } from '../core/idl.ts';
import { NodePhases, TaskPhases, WorkflowPhases } from '../core/phases.ts';
import type { NodePhase, TaskPhase, WorkflowPhase } from '../core/phases.ts';
import type { EventInfo } from './handlers/handler.ts';
import { toTimestamp } from './literals.ts';
import type { NodeStatus } from './state.ts';

/** Version of the event format: unique ids + parent metadata (Flyte `EventVersion2`). */
export const EVENT_VERSION = 2;

type ExecId = { project: string; domain: string; name: string };

/** A workflow event. */
export function workflowEvent(
  executionId: ExecId,
  producerId: string,
  phase: WorkflowPhase,
  now: number,
  result: { outputUri?: string; error?: flyteidl.core.IExecutionError } = {},
): flyteidl.event.IWorkflowExecutionEvent {
  return {
    executionId,
    producerId,
    phase: WorkflowPhases.toNumber(phase),
    occurredAt: toTimestamp(now),
    ...(result.outputUri ? { outputUri: result.outputUri } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
}

/** A node event for `status` entering `phase`. */
export function nodeEvent(
  executionId: ExecId,
  producerId: string,
  uniqueId: string,
  node: flyteidl.core.INode,
  status: NodeStatus,
  phase: NodePhase,
  now: number,
  targetEntity: flyteidl.core.IIdentifier | undefined,
  info: EventInfo = {},
  parentTask?: flyteidl.core.ITaskExecutionIdentifier,
): flyteidl.event.INodeExecutionEvent {
  const ev: flyteidl.event.INodeExecutionEvent = {
    id: { nodeId: uniqueId, executionId },
    producerId,
    phase: NodePhases.toNumber(phase),
    occurredAt: toTimestamp(now),
    reportedAt: toTimestamp(now),
    specNodeId: node.id ?? uniqueId,
    nodeName: node.metadata?.name || node.id || uniqueId,
    retryGroup: String(status.attempts),
    eventVersion: EVENT_VERSION,
    // An array node is not a parent in Flyte (flytekit's FlyteRemote reads its items as task
    // executions then); the sandbox records its items as child node executions all the same.
    isParent: status.kind === 'subworkflow' || status.kind === 'branch' || status.dynamic !== undefined,
    ...(status.dynamic !== undefined ? { isDynamic: true } : {}),
    ...(status.kind === 'array' ? { isArray: true } : {}),
  };
  if (status.inputsUri) ev.inputUri = status.inputsUri;
  if (phase === 'SUCCEEDED' && status.outputsUri) ev.outputUri = status.outputsUri;
  if ((phase === 'FAILED' || phase === 'TIMED_OUT' || phase === 'FAILING') && status.error) ev.error = status.error;
  if (status.parentUniqueId) ev.parentNodeMetadata = { nodeId: status.parentUniqueId };
  if (parentTask) ev.parentTaskMetadata = { id: parentTask };
  if (targetEntity) ev.targetEntity = targetEntity;
  if (status.kind === 'task' || status.kind === 'item') {
    ev.taskNodeMetadata = {
      cacheStatus: status.cacheStatus ?? 0,
      ...(info.catalogKey ? { catalogKey: info.catalogKey } : {}),
      ...(info.dynamicWorkflow ? { dynamicWorkflow: info.dynamicWorkflow } : {}),
    };
  } else if (status.kind === 'launchplan' && status.child) {
    ev.workflowNodeMetadata = { executionId: status.child };
  }
  return ev;
}

/** A task (attempt) event. */
export function taskEvent(p: {
  executionId: ExecId;
  producerId: string;
  uniqueId: string;
  taskId: flyteidl.core.IIdentifier;
  taskType: string;
  attempt: number;
  phase: TaskPhase;
  phaseVersion: number;
  now: number;
  inputUri?: string;
  outputUri?: string;
  error?: flyteidl.core.IExecutionError;
  logs?: flyteidl.core.ITaskLog[];
  reason?: string;
  generatedName?: string;
  /** The warm container that ran the attempt (a reusable container): its name, as Flyte's external resource. */
  ranIn?: string;
}): flyteidl.event.ITaskExecutionEvent {
  return {
    taskId: p.taskId,
    parentNodeExecutionId: { nodeId: p.uniqueId, executionId: p.executionId },
    retryAttempt: p.attempt,
    phase: TaskPhases.toNumber(p.phase),
    phaseVersion: p.phaseVersion,
    producerId: p.producerId,
    occurredAt: toTimestamp(p.now),
    reportedAt: toTimestamp(p.now),
    taskType: p.taskType,
    eventVersion: EVENT_VERSION,
    ...(p.logs && p.logs.length > 0 ? { logs: p.logs } : {}),
    ...(p.inputUri ? { inputUri: p.inputUri } : {}),
    ...(p.outputUri ? { outputUri: p.outputUri } : {}),
    ...(p.error ? { error: p.error } : {}),
    ...(p.reason ? { reasons: [{ reason: p.reason, occurredAt: toTimestamp(p.now) }] } : {}),
    ...(p.generatedName || p.ranIn
      ? {
          metadata: {
            ...(p.generatedName ? { generatedName: p.generatedName } : {}),
            pluginIdentifier: 'container',
            ...(p.ranIn ? { externalResources: [{ externalId: p.ranIn, index: 0, retryAttempt: p.attempt, phase: TaskPhases.toNumber(p.phase) }] } : {}),
          },
        }
      : {}),
  };
}
