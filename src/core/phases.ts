/**
 * Phases of the three execution lifecycles, exactly as Flyte's IDL names and numbers them
 * (`core/execution.proto`), with terminal sets from flyteadmin (`pkg/common/executions.go`) and
 * the transition rules admin enforces when it records events (style P5). Stored and served as
 * UPPER_SNAKE names; the numbers are only for protobuf messages.
 */
import { InvalidTransitionError } from './errors.ts';

/** Code of the error raised for any change out of a terminal phase. */
export const ALREADY_TERMINAL_CODE = 'SBX_ADMIN_ALREADY_TERMINAL';
/** Code of the error raised for any other transition the tables forbid. */
export const INVALID_TRANSITION_CODE = 'SBX_ADMIN_INVALID_TRANSITION';

/**
 * Workflow execution phases.
 * - UNDEFINED: created by admin, not yet picked up by propeller.
 * - QUEUED: accepted by propeller, waiting to run.
 * - RUNNING: nodes are being executed (propeller's first event).
 * - SUCCEEDING: all nodes done, outputs being gathered.
 * - SUCCEEDED*: outputs written.
 * - FAILING: a node failed; running nodes are being aborted / failure node runs.
 * - FAILED*: the execution failed (closure carries the error).
 * - ABORTING: terminate was requested; propeller is aborting nodes.
 * - ABORTED*: terminated by a user or a parent.
 * - TIMED_OUT*: the workflow deadline passed.
 * (* terminal)
 */
export const WorkflowPhase = {
  UNDEFINED: 'UNDEFINED',
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDING: 'SUCCEEDING',
  SUCCEEDED: 'SUCCEEDED',
  FAILING: 'FAILING',
  FAILED: 'FAILED',
  ABORTED: 'ABORTED',
  TIMED_OUT: 'TIMED_OUT',
  ABORTING: 'ABORTING',
} as const;
/** See {@link WorkflowPhase}. */
export type WorkflowPhase = (typeof WorkflowPhase)[keyof typeof WorkflowPhase];

/**
 * Node execution phases.
 * - UNDEFINED / QUEUED: not started / inputs resolved and waiting for a slot.
 * - RUNNING: the node's handler is working (task attempt, sub-workflow, child execution, …).
 * - DYNAMIC_RUNNING: a dynamic node's generated sub-workflow is running.
 * - SUCCEEDED*, FAILED*, ABORTED*, TIMED_OUT*: done.
 * - FAILING: the node failed and is cleaning up (e.g. aborting children).
 * - SKIPPED*: an upstream node failed / the branch was not taken.
 * - RECOVERED*: outputs copied from the execution being recovered.
 * (* terminal)
 */
export const NodePhase = {
  UNDEFINED: 'UNDEFINED',
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILING: 'FAILING',
  FAILED: 'FAILED',
  ABORTED: 'ABORTED',
  SKIPPED: 'SKIPPED',
  TIMED_OUT: 'TIMED_OUT',
  DYNAMIC_RUNNING: 'DYNAMIC_RUNNING',
  RECOVERED: 'RECOVERED',
} as const;
/** See {@link NodePhase}. */
export type NodePhase = (typeof NodePhase)[keyof typeof NodePhase];

/**
 * Task execution (one attempt) phases.
 * - UNDEFINED, QUEUED, WAITING_FOR_RESOURCES, INITIALIZING: before the container runs.
 * - RUNNING: the container runs; same-phase updates bump `phase_version` (e.g. new logs).
 * - SUCCEEDED*, FAILED*, ABORTED*: the attempt ended. A retryable failure is reported as FAILED
 *   for that attempt (as flytepropeller v1.16 does) and the next attempt gets a new row.
 * - RETRYABLE_FAILED: in the IDL, not emitted by v1.16 propeller; accepted, not terminal.
 * (* terminal)
 */
export const TaskPhase = {
  UNDEFINED: 'UNDEFINED',
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  ABORTED: 'ABORTED',
  FAILED: 'FAILED',
  INITIALIZING: 'INITIALIZING',
  WAITING_FOR_RESOURCES: 'WAITING_FOR_RESOURCES',
  RETRYABLE_FAILED: 'RETRYABLE_FAILED',
} as const;
/** See {@link TaskPhase}. */
export type TaskPhase = (typeof TaskPhase)[keyof typeof TaskPhase];

/**
 * Everything known about one lifecycle: its phases in IDL number order, terminal set and
 * transition table. The table lists, for each phase, the *other* phases it may move to; a repeat
 * of the same phase is not a transition (callers treat it as "already recorded").
 */
export interface PhaseModel<P extends string> {
  /** `workflow`, `node` or `task`: used in error messages. */
  readonly subject: string;
  /** Phases indexed by their IDL enum number. */
  readonly byNumber: readonly P[];
  readonly terminal: ReadonlySet<P>;
  readonly transitions: Readonly<Record<P, readonly P[]>>;
  /** True if `value` is one of the phase names. */
  isPhase(value: unknown): value is P;
  isTerminal(phase: P): boolean;
  /** The IDL enum number of a phase. */
  toNumber(phase: P): number;
  /** The phase for an IDL enum number; undefined for an unknown number. */
  fromNumber(n: number): P | undefined;
  /** True if `from → to` is allowed (`from === to` is not a transition: false). */
  canTransition(from: P, to: P): boolean;
  /**
   * Throws {@link InvalidTransitionError} unless `from → to` is allowed: code
   * `SBX_ADMIN_ALREADY_TERMINAL` when `from` is terminal, else `SBX_ADMIN_INVALID_TRANSITION`.
   * `what` names the record in the message (e.g. `execution p/d/a1b2`).
   */
  assertTransition(from: P, to: P, what?: string): void;
}

function definePhaseModel<P extends string>(
  subject: string,
  byNumber: readonly P[],
  terminal: readonly P[],
  transitions: Record<P, readonly P[]>,
): PhaseModel<P> {
  const terminalSet = new Set<P>(terminal);
  const names = new Set<string>(byNumber);
  const model: PhaseModel<P> = {
    subject,
    byNumber,
    terminal: terminalSet,
    transitions,
    isPhase: (value: unknown): value is P => typeof value === 'string' && names.has(value),
    isTerminal: (phase) => terminalSet.has(phase),
    toNumber: (phase) => byNumber.indexOf(phase),
    fromNumber: (n) => byNumber[n],
    canTransition: (from, to) => from !== to && transitions[from].includes(to),
    assertTransition(from, to, what) {
      if (model.canTransition(from, to)) return;
      const who = what ?? subject;
      if (terminalSet.has(from)) {
        throw new InvalidTransitionError(
          ALREADY_TERMINAL_CODE,
          `${who} is already in terminal phase ${from}; cannot move to ${to}`,
          { details: { currentPhase: from, requestedPhase: to } },
        );
      }
      throw new InvalidTransitionError(INVALID_TRANSITION_CODE, `${who} cannot move from ${from} to ${to}`, {
        details: { currentPhase: from, requestedPhase: to },
      });
    },
  };
  return model;
}

const W = WorkflowPhase;
const W_TERMINAL = [W.SUCCEEDED, W.FAILED, W.ABORTED, W.TIMED_OUT] as const;
const W_ACTIVE_TARGETS = [W.RUNNING, W.SUCCEEDING, W.FAILING, W.ABORTING, ...W_TERMINAL] as const;
const without = <P>(list: readonly P[], ...drop: P[]): P[] => list.filter((p) => !drop.includes(p));

/**
 * Workflow rules (flyteadmin `CreateWorkflowEvent`): nothing leaves a terminal phase; RUNNING and
 * later never go back to QUEUED/UNDEFINED; ABORTING only ends in a terminal phase.
 */
export const WorkflowPhases: PhaseModel<WorkflowPhase> = definePhaseModel(
  'workflow execution',
  [W.UNDEFINED, W.QUEUED, W.RUNNING, W.SUCCEEDING, W.SUCCEEDED, W.FAILING, W.FAILED, W.ABORTED, W.TIMED_OUT, W.ABORTING],
  W_TERMINAL,
  {
    UNDEFINED: [W.QUEUED, ...W_ACTIVE_TARGETS],
    QUEUED: [...W_ACTIVE_TARGETS],
    RUNNING: without(W_ACTIVE_TARGETS, W.RUNNING),
    SUCCEEDING: without(W_ACTIVE_TARGETS, W.RUNNING, W.SUCCEEDING),
    FAILING: without(W_ACTIVE_TARGETS, W.RUNNING, W.SUCCEEDING, W.FAILING),
    ABORTING: [...W_TERMINAL],
    SUCCEEDED: [],
    FAILED: [],
    ABORTED: [],
    TIMED_OUT: [],
  },
);

const N = NodePhase;
const N_TERMINAL = [N.SUCCEEDED, N.FAILED, N.ABORTED, N.SKIPPED, N.TIMED_OUT, N.RECOVERED] as const;
const N_AFTER_START = [N.RUNNING, N.DYNAMIC_RUNNING, N.FAILING, ...N_TERMINAL] as const;

/**
 * Node rules (flyteadmin node event handling): nothing leaves a terminal phase; a started node
 * never goes back to QUEUED/UNDEFINED; RUNNING ⇄ DYNAMIC_RUNNING is allowed (a dynamic parent
 * reports both); FAILING only ends.
 */
export const NodePhases: PhaseModel<NodePhase> = definePhaseModel(
  'node execution',
  [N.UNDEFINED, N.QUEUED, N.RUNNING, N.SUCCEEDED, N.FAILING, N.FAILED, N.ABORTED, N.SKIPPED, N.TIMED_OUT, N.DYNAMIC_RUNNING, N.RECOVERED],
  N_TERMINAL,
  {
    UNDEFINED: [N.QUEUED, ...N_AFTER_START],
    QUEUED: [...N_AFTER_START],
    RUNNING: without(N_AFTER_START, N.RUNNING),
    DYNAMIC_RUNNING: without(N_AFTER_START, N.DYNAMIC_RUNNING),
    FAILING: [N.FAILED, N.ABORTED, N.TIMED_OUT],
    SUCCEEDED: [],
    FAILED: [],
    ABORTED: [],
    SKIPPED: [],
    TIMED_OUT: [],
    RECOVERED: [],
  },
);

const T = TaskPhase;
const T_TERMINAL = [T.SUCCEEDED, T.ABORTED, T.FAILED] as const;
const T_PRE_RUN = [T.QUEUED, T.WAITING_FOR_RESOURCES, T.INITIALIZING] as const;

/**
 * Task attempt rules: nothing leaves a terminal phase; the pre-run phases (QUEUED,
 * WAITING_FOR_RESOURCES, INITIALIZING) may follow each other in any order, but once RUNNING an
 * attempt never goes back to them.
 */
export const TaskPhases: PhaseModel<TaskPhase> = definePhaseModel(
  'task execution',
  [T.UNDEFINED, T.QUEUED, T.RUNNING, T.SUCCEEDED, T.ABORTED, T.FAILED, T.INITIALIZING, T.WAITING_FOR_RESOURCES, T.RETRYABLE_FAILED],
  T_TERMINAL,
  {
    UNDEFINED: [...T_PRE_RUN, T.RUNNING, T.RETRYABLE_FAILED, ...T_TERMINAL],
    QUEUED: [T.WAITING_FOR_RESOURCES, T.INITIALIZING, T.RUNNING, T.RETRYABLE_FAILED, ...T_TERMINAL],
    WAITING_FOR_RESOURCES: [T.QUEUED, T.INITIALIZING, T.RUNNING, T.RETRYABLE_FAILED, ...T_TERMINAL],
    INITIALIZING: [T.QUEUED, T.WAITING_FOR_RESOURCES, T.RUNNING, T.RETRYABLE_FAILED, ...T_TERMINAL],
    RUNNING: [T.RETRYABLE_FAILED, ...T_TERMINAL],
    RETRYABLE_FAILED: [...T_TERMINAL],
    SUCCEEDED: [],
    ABORTED: [],
    FAILED: [],
  },
);

/** True for SUCCEEDED, FAILED, ABORTED, TIMED_OUT. */
export function isTerminalWorkflowPhase(p: WorkflowPhase): boolean {
  return WorkflowPhases.isTerminal(p);
}
/** True for SUCCEEDED, FAILED, ABORTED, SKIPPED, TIMED_OUT, RECOVERED. */
export function isTerminalNodePhase(p: NodePhase): boolean {
  return NodePhases.isTerminal(p);
}
/** True for SUCCEEDED, FAILED, ABORTED. */
export function isTerminalTaskPhase(p: TaskPhase): boolean {
  return TaskPhases.isTerminal(p);
}

/**
 * `core.CatalogCacheStatus` names by IDL number (DISABLED=0 … EVICTED=7), stored as names.
 */
export const CACHE_STATUSES = [
  'CACHE_DISABLED',
  'CACHE_MISS',
  'CACHE_HIT',
  'CACHE_POPULATED',
  'CACHE_LOOKUP_FAILURE',
  'CACHE_PUT_FAILURE',
  'CACHE_SKIPPED',
  'CACHE_EVICTED',
] as const;
/** See {@link CACHE_STATUSES}. */
export type CacheStatus = (typeof CACHE_STATUSES)[number];
