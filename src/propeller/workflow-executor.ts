/**
 * The workflow executor (flytepropeller's `workflow/executor.go`): moves an execution through its
 * phases — UNDEFINED/QUEUED → RUNNING → SUCCEEDING → SUCCEEDED, or FAILING → FAILED, or ABORTING →
 * ABORTED — one phase at a time, on a switch over the phase that refuses any phase it does not
 * know. What happens to the nodes is the node layer's (`WorkflowSteps`), not this one's.
 */
import type { flyteidl } from '../core/idl.ts';
import { IllegalStateError } from '../core/errors.ts';
import { WorkflowPhases, type WorkflowPhase } from '../core/phases.ts';
import { executionError, EXECUTION_ERROR_CODES, PROPELLER_ERROR_CODES } from './errors.ts';
import type { ScopeOutcome } from './handlers/handler.ts';
import type { ExecutionStatus } from './state.ts';

/** What the workflow executor asks of the round it runs in. */
export interface WorkflowSteps {
  /** The execution's status (phase, times, outputs, error), changed in place. */
  readonly status: ExecutionStatus;
  /** The round's clock reading. */
  readonly now: number;
  readonly executionName: string;
  /** Records a phase change and its event. */
  setPhase(to: WorkflowPhase, result?: { outputUri?: string; error?: flyteidl.core.IExecutionError }): void;
  /** Advances the top-level nodes as far as they go in this round; their outcome. */
  advanceNodes(): Promise<ScopeOutcome>;
  /** Aborts every node still running. */
  abortNodes(cause: string): Promise<void>;
}

/** Moves the workflow through as many phases as this round allows. */
export async function advanceWorkflow(wf: WorkflowSteps): Promise<void> {
  const s = wf.status;
  // An abort request overrides whatever the execution was doing, short of having ended.
  if (s.abortCause !== undefined && !WorkflowPhases.isTerminal(s.phase) && s.phase !== 'ABORTING') wf.setPhase('ABORTING');
  for (;;) {
    const phase: WorkflowPhase = s.phase;
    switch (phase) {
      case 'SUCCEEDED':
      case 'FAILED':
      case 'ABORTED':
      case 'TIMED_OUT':
        return;
      case 'UNDEFINED':
      case 'QUEUED':
        s.startedAt = wf.now;
        wf.setPhase('RUNNING');
        break;
      case 'RUNNING': {
        const outcome = await wf.advanceNodes();
        if (outcome.phase === 'SUCCEEDED') {
          s.outputsUri = outcome.outputsUri;
          wf.setPhase('SUCCEEDING');
        } else if (outcome.phase === 'FAILED') {
          s.error = outcome.error;
          wf.setPhase('FAILING', { error: outcome.error });
        } else return;
        break;
      }
      case 'SUCCEEDING':
        s.stoppedAt = wf.now;
        wf.setPhase('SUCCEEDED', s.outputsUri ? { outputUri: s.outputsUri } : {});
        break;
      case 'FAILING':
        await wf.abortNodes('workflow failed');
        s.stoppedAt = wf.now;
        wf.setPhase('FAILED', { error: s.error ?? executionError('SYSTEM', EXECUTION_ERROR_CODES.RUNTIME, 'unknown failure') });
        break;
      case 'ABORTING':
        await wf.abortNodes(s.abortCause ?? 'aborted');
        s.stoppedAt = wf.now;
        wf.setPhase('ABORTED');
        break;
      default: {
        const unknown: never = phase;
        throw new IllegalStateError(PROPELLER_ERROR_CODES.BAD_STATE, `execution ${wf.executionName} is in an unknown phase ${String(unknown)}`);
      }
    }
  }
}

/** Fails the execution outright (a round that keeps breaking): FAILING, then FAILED. */
export function failWorkflow(wf: Pick<WorkflowSteps, 'status' | 'now' | 'setPhase'>, error: flyteidl.core.IExecutionError): void {
  const s = wf.status;
  if (WorkflowPhases.isTerminal(s.phase)) return;
  s.error = error;
  s.stoppedAt = wf.now;
  if (s.phase !== 'FAILING') wf.setPhase('FAILING', { error });
  wf.setPhase('FAILED', { error });
}
