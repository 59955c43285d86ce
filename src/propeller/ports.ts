/**
 * Ports propeller owns. The composition root (cli `start`) wires admin's adapters into them, so
 * propeller never imports admin and admin never imports propeller (style P2).
 */
import type { flyteidl } from '../core/idl.ts';

/**
 * Where propeller reports what happened: Flyte's event messages, as flyteadmin receives them.
 * Calls for one execution are made in order. A sink must accept a repeated event for the same
 * phase (rounds are re-entrant) and may reject an illegal transition with an error whose
 * `code` is `SBX_ADMIN_ALREADY_TERMINAL`, which propeller ignores.
 */
export interface ExecutionEventSink {
  workflowEvent(ev: flyteidl.event.IWorkflowExecutionEvent): Promise<void>;
  nodeEvent(ev: flyteidl.event.INodeExecutionEvent): Promise<void>;
  taskEvent(ev: flyteidl.event.ITaskExecutionEvent): Promise<void>;
}

/** What admin hands propeller to run one execution (Flyte: the FlyteWorkflow CRD). */
export interface ExecutionRequest {
  id: { project: string; domain: string; name: string };
  /** The compiled closure of the workflow to run (a single-task execution gets a one-node workflow). */
  closure: flyteidl.core.ICompiledWorkflowClosure;
  /**
   * The closure's encoding, when the caller has it (admin: the stored workflow's); `closure` is
   * then exactly what decoding these bytes gives. Propeller stores them as its copy of the closure
   * and takes `closure` as what it would read back, instead of encoding and decoding it again.
   */
  closureBytes?: Uint8Array;
  /** URI of the merged inputs (`LiteralMap`, already written by admin). */
  inputsUri: string;
  /** Prefix under which propeller lays out node data: `<prefix>/<node>/data/<attempt>/…`. */
  metadataPrefix: string;
  /** Prefix for raw data (files and directories tasks produce). */
  rawOutputPrefix: string;
  /** 0 = unlimited. */
  maxParallelism: number;
  labels: Record<string, string>;
  envs: Record<string, string>;
  /** Set for child executions (launch-plan nodes, eager children). */
  parent?: { nodeExecutionId: { nodeId: string; executionId: { project: string; domain: string; name: string } } };
  nesting: number;
  /** Version of the task/workflow entities, for eager children launched from inside a task. */
  entityVersion?: string;
}

/** What propeller needs from admin to run launch-plan nodes (child executions) and compile dynamic workflows. */
export interface ChildExecutionPort {
  /**
   * Creates a child execution of a launch plan with the given inputs. Idempotent on `name`:
   * an existing execution with that name is returned, not created again.
   */
  createChild(req: {
    launchPlan: flyteidl.core.IIdentifier;
    name: string;
    project: string;
    domain: string;
    inputs: flyteidl.core.ILiteralMap;
    parentNodeExecution: flyteidl.core.INodeExecutionIdentifier;
    nesting: number;
  }): Promise<void>;
  /** Current phase (WorkflowExecution.Phase number), outputs URI and error of an execution. */
  getStatus(id: { project: string; domain: string; name: string }): Promise<{
    phase: number;
    outputsUri?: string;
    error?: flyteidl.core.IExecutionError;
  } | undefined>;
  terminate(id: { project: string; domain: string; name: string }, cause: string): Promise<void>;
  /**
   * A registered launch plan as the compiler sees it (id, interface, fixed inputs), or undefined
   * when no such version exists. Dynamic nodes compile their generated workflow with it when that
   * workflow calls launch plans; without this method such calls fail to compile ("not registered").
   */
  getLaunchPlan?(id: flyteidl.core.IIdentifier): Promise<flyteidl.core.ILaunchPlanTemplate | undefined>;
}

/**
 * What one save of an execution's state writes: the document without its node statuses (the
 * request without its closure, the workflow's phase, the event outbox — small, whatever the
 * graph's size) and the node statuses the round changed. So a save costs what the round did, not
 * what the execution did before it.
 */
export interface StateChange {
  /** The execution document with `status.nodes` empty. */
  head: unknown;
  /** Node statuses written by the round, by unique id (the others are as the store holds them). */
  nodes: Record<string, unknown>;
}

/** An execution's stored state: its document head and every node status saved for it. */
export interface StoredState {
  head: unknown;
  nodes: Record<string, unknown>;
  /** Increases by one on every save. */
  version: number;
}

/**
 * Propeller's own durable state (Flyte keeps it in the FlyteWorkflow CRD): per execution, a
 * document head and its node statuses, written after every round that changed them. Admin's
 * SQLite adapter implements it in the same DB file.
 */
export interface WorkflowStateStore {
  /** The stored state, or undefined. */
  load(executionKey: string): Promise<StoredState | undefined>;
  /**
   * Saves the head and the changed node statuses together (all or nothing) if the stored version
   * still equals `expectedVersion` (0 = must not exist yet); returns false on a version conflict,
   * leaving the stored state unchanged.
   */
  save(executionKey: string, change: StateChange, expectedVersion: number, active: boolean): Promise<boolean>;
  /** Keys of executions saved with `active = true` (not terminal): resumed on restart. */
  listActive(): Promise<string[]>;
}
