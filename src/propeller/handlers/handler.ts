/**
 * The node handler contract (Flyte `nodes/interfaces/handler.go`, style P6): a handler decides,
 * the executor applies. `handle` returns a {@link HandlerResult}; it never writes node status,
 * never sends events and never saves state. Everything it wants remembered goes in `patch`, every
 * task event it wants sent goes in `taskEvents`, and side effects that must wait until the
 * outcome is saved (cleanup, releasing a cache reservation) go through `ctx.exec.afterPersist`.
 *
 * Idempotency: a round may be repeated after a crash at any point, so `handle` and `abort` must
 * be safe to call again with the same persisted status (launch with the same deterministic key,
 * create children with the same name, abort of a gone attempt is success).
 */
import type { flyteidl } from '../../core/idl.ts';
import type { AttemptExit } from '../../launcher/launcher.ts';
import type { CacheReservations } from '../catalog.ts';
import type { TaskSlots } from '../task-slots.ts';
import type { ClosureIndex } from '../closure-index.ts';
import type { Dag } from '../dag.ts';
import type { PropellerDeps, ResolvedPropellerConfig } from '../deps.ts';
import type { ExecutionRequest } from '../ports.ts';
import type { NodeKind, NodeStatus } from '../state.ts';

/**
 * An attempt's exit as propeller saw it arrive: with `storageFull` when it ended non-zero while the
 * data disk was full (the task could not write; the sandbox's failure, judged when it happened
 * rather than when a later round reads the exit).
 */
export type ObservedExit = AttemptExit & { storageFull?: string };

/** A (sub-)workflow being walked: its graph and how its node ids map to unique ids. */
export interface Scope {
  readonly dag: Dag;
  /** The closure its task and sub-workflow references resolve in (a dynamic node brings its own). */
  readonly closure: ClosureIndex;
  /** Set below a sub-workflow/branch/dynamic parent. */
  readonly parent?: { uniqueId: string; attempt: number };
  /** Set on the scope a dynamic node runs: its direct children report this task attempt as parent. */
  readonly parentTask?: flyteidl.core.ITaskExecutionIdentifier;
  /** Dynamic nodes enclosing this scope (0 at the top); bounded by `maxNesting`. */
  readonly depth: number;
  /** URI of this scope's inputs (start-node outputs). */
  readonly inputsUri: string;
  /** `WorkflowMetadata.OnFailurePolicy`: 0 FAIL_IMMEDIATELY, 1 FAIL_AFTER_EXECUTABLE_NODES_COMPLETE. */
  readonly onFailure: number;
  /** Unique id of a node of this scope. */
  uniqueId(nodeId: string): string;
}

/** Outcome of walking a scope in one round. */
export type ScopeOutcome =
  | { phase: 'RUNNING' }
  | { phase: 'SUCCEEDED'; outputsUri: string }
  | { phase: 'FAILED'; error: flyteidl.core.IExecutionError; timedOut: boolean };

/** Execution-wide services a handler may use during one round. */
/** {@link PropellerDeps} without what only the executor may touch (state store, event sink). */
export type HandlerDeps = Required<Pick<PropellerDeps, 'catalog'>> & Omit<PropellerDeps, 'store' | 'events'>;

export interface ExecContext {
  readonly request: ExecutionRequest;
  /**
   * The engine's services a node may use. Not the state store nor the event sink: a handler
   * decides (returns a {@link HandlerResult}); the node executor applies, saves and reports.
   */
  readonly deps: HandlerDeps;
  readonly config: ResolvedPropellerConfig;
  readonly reservations: CacheReservations;
  /** The machine's room for running tasks, shared by all executions. */
  readonly taskSlots: TaskSlots;
  /** Time of this round (epoch ms): what deadlines and wake-ups are reckoned from. */
  readonly now: number;
  /**
   * The time now (epoch ms), for an event's `occurred_at`: an event records when it happened (an
   * attempt launched, its outcome seen), not when its round began — a round that first finishes
   * one node and then launches the next would date the launch before the finish.
   */
  eventTime(): number;
  readonly executionId: { project: string; domain: string; name: string };
  /** Reads a LiteralMap document, cached for the round. */
  readLiteralMap(uri: string): Promise<flyteidl.core.ILiteralMap>;
  /** Records a literal map this round wrote at `uri`, so reading it back costs nothing. */
  primeLiteralMap(uri: string, map: flyteidl.core.ILiteralMap): void;
  /** Task template by id, from the scope's closure (throws `SBX_PROPELLER_BAD_CLOSURE` if absent). */
  findTask(scope: Scope, id: flyteidl.core.IIdentifier | null | undefined): flyteidl.core.ITaskTemplate;
  /** Sub-workflow graph by id, from the scope's closure. */
  findSubWorkflow(scope: Scope, id: flyteidl.core.IIdentifier | null | undefined): Dag;
  /** The graph of a compiled workflow (cached by object identity). */
  dagOf(wf: flyteidl.core.ICompiledWorkflow): Dag;
  /** Reads a compiled closure document (a dynamic node's), cached across rounds by URI. */
  readClosure(uri: string): Promise<flyteidl.core.ICompiledWorkflowClosure>;
  /** The exit of an attempt, if its `launcher.wait` has resolved in this process. */
  exitOf(key: string): ObservedExit | undefined;
  /** When this process began waiting for `key` (the engine of an attempt, disk space), recorded now if not yet. */
  waitingSince(key: string): number;
  /** Makes sure something waits for this attempt's exit and requests a round when it comes. */
  watchAttempt(key: string): void;
  /** Requests a round at `atMs` (deduplicated by `id`). */
  wakeAt(id: string, atMs: number): void;
  /** Requests a round for this execution; the same function object for the whole execution. */
  readonly wakeSoon: () => void;
  /** Runs `fn` once this round's state is saved (never if the round dies before). */
  afterPersist(fn: () => Promise<void> | void): void;
  /** Walks a nested scope (sub-workflow, generated workflow of a dynamic node), handling its ready nodes together. */
  walk(scope: Scope): Promise<ScopeOutcome>;
  /** Aborts every started, non-terminal node of a scope (and their children). */
  abortScope(scope: Scope, reason: string): Promise<void>;
  /**
   * Runs one node (branch case, map item) to its next state; returns its status. `opts.inputs`
   * replaces binding resolution (map items get their element); `opts.kind` overrides the handler.
   */
  executeNode(
    scope: Scope,
    node: flyteidl.core.INode,
    uniqueId: string,
    parentUniqueId: string | undefined,
    opts?: ExecuteNodeOptions,
  ): Promise<NodeStatus>;
  /** Aborts one node (branch case) if started and not terminal. */
  abortNode(scope: Scope, node: flyteidl.core.INode, uniqueId: string, reason: string): Promise<void>;
  /** Current status of a node by unique id. */
  statusOf(uniqueId: string): NodeStatus | undefined;
  /**
   * Builds the scope of a graph run by the node `parent` inside scope `from`: a sub-workflow
   * (same closure) or a dynamic node's generated workflow (`extra.closure`, `extra.parentTask`,
   * one more level of `depth`).
   */
  subScope(
    from: Scope,
    dag: Dag,
    parent: { uniqueId: string; attempt: number },
    inputsUri: string,
    extra?: { closure?: ClosureIndex; parentTask?: flyteidl.core.ITaskExecutionIdentifier; depth?: number },
  ): Scope;
}

/** Options of {@link ExecContext.executeNode}. */
export interface ExecuteNodeOptions {
  /** The node's inputs, written as its `inputs.pb` instead of resolving its bindings. */
  inputs?: () => flyteidl.core.ILiteralMap;
  /** Handler kind to use instead of the node's own (map items: `item`). */
  kind?: NodeKind;
}

/** What a handler sees of one node. */
export interface NodeContext {
  readonly exec: ExecContext;
  readonly scope: Scope;
  readonly node: flyteidl.core.INode;
  readonly kind: NodeKind;
  readonly uniqueId: string;
  /** Persisted status as of the start of this call (read-only: return a patch to change it). */
  readonly status: Readonly<NodeStatus>;
  /** Current attempt (0-based). */
  readonly attempt: number;
  /** `<metadata prefix>/<unique id>/data`. */
  readonly dataDir: string;
  /** The node's `inputs.pb`. */
  readonly inputsUri: string;
}

/** Node-status fields a handler may change (the executor copies them over). */
export type StatusPatch = Partial<
  Pick<NodeStatus, 'task' | 'child' | 'cacheStatus' | 'reservationKey' | 'branchTaken' | 'attemptStartedAt' | 'dynamic' | 'arraySize'>
>;

/** Extra node-event metadata a handler supplies. */
export interface EventInfo {
  catalogKey?: flyteidl.core.ICatalogMetadata;
  /** The compiled workflow of a dynamic node (sent with DYNAMIC_RUNNING; admin stores it). */
  dynamicWorkflow?: flyteidl.event.IDynamicWorkflowNodeMetadata;
}

/** What every handler result may carry besides its phase. */
export interface Common {
  patch?: StatusPatch;
  /**
   * Child nodes of this node that will never run (a branch's cases not taken): the node executor
   * marks them SKIPPED, children of this node.
   */
  skip?: Array<{ uniqueId: string; node: flyteidl.core.INode }>;
  taskEvents?: flyteidl.event.ITaskExecutionEvent[];
  info?: EventInfo;
}

/** A handler's decision (Flyte `handler.Transition`/`PhaseInfo`). */
export type HandlerResult =
  | (Common & { phase: 'QUEUED' })
  | (Common & { phase: 'RUNNING' })
  | (Common & { phase: 'DYNAMIC_RUNNING' })
  | (Common & { phase: 'SUCCESS'; outputsUri?: string })
  | (Common & { phase: 'RETRYABLE_FAILURE'; error: flyteidl.core.IExecutionError })
  | (Common & { phase: 'FAILURE'; error: flyteidl.core.IExecutionError });

/** Named constructors for {@link HandlerResult}s. */
export const Transition = {
  queued: (c: Common = {}): HandlerResult => ({ ...c, phase: 'QUEUED' }),
  running: (c: Common = {}): HandlerResult => ({ ...c, phase: 'RUNNING' }),
  /** A dynamic node's generated workflow is running (node phase DYNAMIC_RUNNING). */
  dynamicRunning: (c: Common = {}): HandlerResult => ({ ...c, phase: 'DYNAMIC_RUNNING' }),
  success: (outputsUri: string | undefined, c: Common = {}): HandlerResult => ({
    ...c,
    phase: 'SUCCESS',
    ...(outputsUri !== undefined ? { outputsUri } : {}),
  }),
  retryableFailure: (error: flyteidl.core.IExecutionError, c: Common = {}): HandlerResult => ({
    ...c,
    phase: 'RETRYABLE_FAILURE',
    error,
  }),
  failure: (error: flyteidl.core.IExecutionError, c: Common = {}): HandlerResult => ({ ...c, phase: 'FAILURE', error }),
};

/** Result of aborting a node: task events to send (e.g. ABORTED for the running attempt). */
export interface AbortResult {
  taskEvents?: flyteidl.event.ITaskExecutionEvent[];
}

/** One handler per node kind. */
export interface NodeHandler {
  /** Whether the node counts against max parallelism (task, launch plan, array). */
  readonly countsForParallelism: boolean;
  /** Decides the node's next state; called for QUEUED and RUNNING nodes, possibly repeatedly. */
  handle(ctx: NodeContext): Promise<HandlerResult>;
  /** Stops what the node started (attempt, child execution, sub-nodes). Idempotent. */
  abort(ctx: NodeContext, reason: string): Promise<AbortResult>;
}
