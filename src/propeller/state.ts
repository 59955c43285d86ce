/**
 * Propeller's persisted state (Flyte: the FlyteWorkflow CRD status): one document per execution,
 * saved through {@link WorkflowStateStore} after every round with a version check — its head and
 * the node statuses the round changed.
 * Statuses are observed facts (`*Status`, style P3), never the authored spec.
 */
import type { flyteidl } from '../core/idl.ts';
import type { NodePhase, WorkflowPhase } from '../core/phases.ts';
import { BadClosureError } from './errors.ts';
import type { ExecutionRequest } from './ports.ts';

/**
 * Which handler runs a node. `item` is one element of a map (array node): a task run whose inputs
 * the array node supplies and which does not count against the execution's max parallelism.
 */
export type NodeKind = 'start' | 'end' | 'task' | 'subworkflow' | 'launchplan' | 'branch' | 'gate' | 'array' | 'item' | 'unknown';

/** State of the current task attempt of a task node (handler-owned, persisted by the executor). */
export interface TaskAttemptState {
  /** Attempt number this state belongs to. */
  attempt: number;
  /** Launcher key of the attempt. */
  key: string;
  /** Epoch ms when the attempt was launched. */
  launchedAt: number;
  /** Last task phase reported for this attempt, and its version. */
  phase: string;
  phaseVersion: number;
  logUri: string;
}

/** Everything propeller remembers about one node execution. */
export interface NodeStatus {
  phase: NodePhase;
  kind: NodeKind;
  /** Node id in its workflow template (`spec_node_id`). */
  nodeId: string;
  /** Unique id of the parent node (sub-workflow, branch) when nested. */
  parentUniqueId?: string;
  /** Current attempt, 0-based (Flyte `attempts`). */
  attempts: number;
  systemFailures: number;
  queuedAt?: number;
  startedAt?: number;
  stoppedAt?: number;
  /** When the current attempt started (per-attempt timeout). */
  attemptStartedAt?: number;
  inputsUri?: string;
  outputsUri?: string;
  error?: flyteidl.core.IExecutionError;
  /** `core.CatalogCacheStatus` number, once known. */
  cacheStatus?: number;
  /** The catalog key string while a cache reservation may be held. */
  reservationKey?: string;
  task?: TaskAttemptState;
  /** Launch-plan node: the child execution. */
  child?: { project: string; domain: string; name: string };
  /** Branch node: id of the case node taken. */
  branchTaken?: string;
  /**
   * Task node whose attempt `attempt` wrote `futures.pb`: the compiled workflow it generated
   * (`closureUri`, a `CompiledWorkflowClosure` document) runs as this node's children.
   */
  dynamic?: { attempt: number; closureUri: string };
  /** Array node: number of items (sub-node runs), once its inputs were read. */
  arraySize?: number;
}

/** An event waiting to be sent (the outbox survives a crash between save and send). */
export type OutboxEvent =
  | { type: 'workflow'; event: flyteidl.event.IWorkflowExecutionEvent }
  | { type: 'node'; event: flyteidl.event.INodeExecutionEvent }
  | { type: 'task'; event: flyteidl.event.ITaskExecutionEvent };

/** The mutable part of an execution's document. */
export interface ExecutionStatus {
  phase: WorkflowPhase;
  startedAt?: number;
  stoppedAt?: number;
  outputsUri?: string;
  error?: flyteidl.core.IExecutionError;
  /** Set by `abort(id, cause)`; the next round aborts. */
  abortCause?: string;
  /** Consecutive rounds that threw. */
  roundFailures: number;
  nodes: Record<string, NodeStatus>;
  outbox: OutboxEvent[];
}

/** The whole stored document. */
export interface ExecutionDocument {
  schemaVersion: 1;
  /** In memory always with its closure; stored without it when `closureUri` is set. */
  request: ExecutionRequest;
  /** Where the request's closure was written (a `CompiledWorkflowClosure` document). */
  closureUri?: string;
  status: ExecutionStatus;
}

/** A fresh document for a new execution (phase UNDEFINED, no nodes). */
export function newDocument(request: ExecutionRequest): ExecutionDocument {
  return { schemaVersion: 1, request, status: { phase: 'UNDEFINED', roundFailures: 0, nodes: {}, outbox: [] } };
}

/**
 * The document of a stored state: its head with the stored node statuses. (A head saved before
 * node statuses were stored apart still holds them; the stored ones are newer.)
 */
export function asDocument(stored: { head: unknown; nodes: Record<string, unknown> }, key: string): ExecutionDocument {
  const d = stored.head as Partial<ExecutionDocument> | undefined;
  if (!d || d.schemaVersion !== 1 || !d.request || !d.status || typeof d.status.nodes !== 'object') {
    throw new BadClosureError(`stored state of ${key} is not a propeller document`);
  }
  return { ...(d as ExecutionDocument), status: { ...d.status, nodes: { ...d.status.nodes, ...(stored.nodes as Record<string, NodeStatus>) } } };
}

/** The head of a document as stored: everything but the node statuses. */
export function documentHead(doc: ExecutionDocument): ExecutionDocument {
  return { ...doc, status: { ...doc.status, nodes: {} } };
}

/** The kind of a node from its target oneof. */
export function nodeKindOf(n: flyteidl.core.INode): NodeKind {
  if (n.id === 'start-node') return 'start';
  if (n.id === 'end-node') return 'end';
  if (n.taskNode) return 'task';
  if (n.workflowNode?.launchplanRef) return 'launchplan';
  if (n.workflowNode?.subWorkflowRef) return 'subworkflow';
  if (n.branchNode) return 'branch';
  if (n.gateNode) return 'gate';
  if (n.arrayNode) return 'array';
  return 'unknown';
}

/**
 * The status a round works on: a new `outbox`, the same `nodes`, which the round only reads (it
 * writes node statuses to a draft over them: see `StatusDraft`).
 */
export function roundStatus(s: ExecutionStatus): ExecutionStatus {
  return { ...s, outbox: [...s.outbox] };
}

/** The execution-level part of a status as text (everything but nodes and outbox), to detect changes. */
export function statusHead(s: ExecutionStatus): string {
  return JSON.stringify({ ...s, nodes: undefined, outbox: undefined });
}
