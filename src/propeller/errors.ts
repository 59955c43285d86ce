/**
 * Propeller's error codes.
 *
 * Two kinds (style P9):
 * - {@link PROPELLER_ERROR_CODES}: thrown inside the engine (`SandboxError` subclasses).
 * - {@link EXECUTION_ERROR_CODES}: written as data into `core.ExecutionError.code` on node and
 *   workflow failures. Flyte's own codes are kept where Flyte has one (`RetriesExhausted|<code>`,
 *   `TimeoutExpired`, `OutputsNotFound`, …) so users and tools see familiar names.
 */
import type { flyteidl } from '../core/idl.ts';
import { IllegalStateError, SandboxError, ErrorCategory } from '../core/errors.ts';

/** Codes of errors thrown by propeller. Never reuse a released code. */
export const PROPELLER_ERROR_CODES = {
  /** A closure is malformed (unknown node reference, missing task or sub-workflow). */
  BAD_CLOSURE: 'SBX_PROPELLER_BAD_CLOSURE',
  /** A stored state document does not look like one propeller wrote. */
  BAD_STATE: 'SBX_PROPELLER_BAD_STATE',
  /** Propeller has been stopped. */
  STOPPED: 'SBX_PROPELLER_STOPPED',
  /** A test armed a fault point and it fired (never in production). */
  FAULT_INJECTED: 'SBX_PROPELLER_FAULT_INJECTED',
  /** The execution to abort is unknown to this propeller and its store. */
  EXECUTION_NOT_FOUND: 'SBX_PROPELLER_EXECUTION_NOT_FOUND',
} as const;

/** Codes written into `ExecutionError.code` (data, not thrown). */
export const EXECUTION_ERROR_CODES = {
  /** Retry budget exhausted; the full code is `RetriesExhausted|<last code>` (Flyte). */
  RETRIES_EXHAUSTED: 'RetriesExhausted',
  /** An attempt ran longer than the node's timeout (Flyte). */
  TIMEOUT_EXPIRED: 'TimeoutExpired',
  /** The node's active deadline (2× timeout) passed: node TIMED_OUT (Flyte: workflow fails `Timeout`). */
  TIMEOUT: 'Timeout',
  /** The task declared outputs but wrote no `outputs.pb` (Flyte). */
  OUTPUTS_NOT_FOUND: 'OutputsNotFound',
  /** The container exited non-zero without an error document. */
  NON_ZERO_EXIT: 'NonZeroExit',
  /** The container was OOM-killed. */
  OOM_KILLED: 'OOMKilled',
  /** The attempt vanished (e.g. the process launcher after a restart) and left no outputs. */
  ATTEMPT_LOST: 'AttemptLost',
  /** The reusable (warm) container running the attempt died under it (SYSTEM, retried within the system budget). */
  CONTAINER_LOST: 'ContainerLost',
  /** The attempt failed while the data dir's disk was full (a SYSTEM failure, retried within the system budget). */
  DISK_FULL: 'DiskFull',
  /** The launcher could not start the attempt. */
  LAUNCH_FAILED: 'LaunchFailed',
  /** A binding could not be resolved (missing upstream output, bad attribute path). */
  BINDING_RESOLUTION: 'BindingResolutionFailure',
  /** An attempt's outputs point outside its own directories (a link, a foreign URI) or exceed the size limit. */
  UNSAFE_OUTPUT: 'SBX_PROPELLER_UNSAFE_OUTPUT',
  /** A raw container's copilot inputs/outputs could not be handled, or it wrote `_ERROR`. */
  RAW_CONTAINER: 'RawContainerError',
  /** A task wrote `futures.pb` where a generated workflow cannot run (a map item). */
  DYNAMIC_UNSUPPORTED: 'SBX_PROPELLER_DYNAMIC_UNSUPPORTED',
  /** The node kind (gate, …) is not supported yet. */
  NODE_KIND_UNSUPPORTED: 'SBX_PROPELLER_NODE_KIND_UNSUPPORTED',
  /** A dynamic task's `futures.pb` is unreadable or its generated workflow does not compile (Flyte). */
  DYNAMIC_BUILD_FAILED: 'DynamicWorkflowBuildFailed',
  /** An array node's inputs are not lists of one length (or a bound input is missing). */
  ARRAY_INPUTS: 'ArrayNodeInputsInvalid',
  /** Too many items of an array node failed for its `min_successes` / `min_success_ratio`. */
  ARRAY_MIN_SUCCESSES: 'ArrayNodeMinSuccessesNotMet',
  /** No branch case matched and the branch declares no else (Flyte). */
  MALFORMED_BRANCH: 'MalformedBranchUserError',
  /** A child execution failed to launch or ended ABORTED/TIMED_OUT. */
  CHILD_EXECUTION: 'ChildExecutionFailure',
  /** Launch-plan or dynamic-workflow nesting deeper than `maxNesting`. */
  MAX_NESTING: 'MaxNestingExceeded',
  /** Too many consecutive rounds threw: the engine gives up on the execution. */
  ROUND_FAILED: 'SBX_PROPELLER_ROUND_FAILED',
  /** Propeller internal error surfaced on a node. */
  RUNTIME: 'RuntimeExecutionError',
} as const;

/** `core.ExecutionError.ErrorKind` numbers. */
export const ErrorKindNum = { UNKNOWN: 0, USER: 1, SYSTEM: 2 } as const;

/** Builds a `core.ExecutionError` plain object. */
export function executionError(
  kind: 'USER' | 'SYSTEM' | 'UNKNOWN',
  code: string,
  message: string,
  extra: { errorUri?: string } = {},
): flyteidl.core.IExecutionError {
  return { kind: ErrorKindNum[kind], code, message, ...(extra.errorUri ? { errorUri: extra.errorUri } : {}) };
}

/** A malformed closure or request (our compiler or admin handed us something impossible). */
export class BadClosureError extends IllegalStateError {
  constructor(message: string) {
    super(PROPELLER_ERROR_CODES.BAD_CLOSURE, message);
    this.name = 'BadClosureError';
  }
}

/** Thrown by an armed fault point; the round dies as if the process had crashed there. */
export class FaultInjectedError extends SandboxError {
  readonly point: string;
  constructor(point: string) {
    super(ErrorCategory.ILLEGAL_STATE, PROPELLER_ERROR_CODES.FAULT_INJECTED, `fault injected at ${point}`);
    this.name = 'FaultInjectedError';
    this.point = point;
  }
}
