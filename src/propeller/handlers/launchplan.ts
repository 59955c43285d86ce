/**
 * Launch-plan nodes (`workflow_node.launchplan_ref`, Flyte `nodes/subworkflow/launchplan.go`):
 * a child execution created through {@link ChildExecutionPort} with the deterministic name
 * `<parent exec>-<node unique id>-<attempt>` (hashed to `f…` beyond 20 characters; creating an
 * existing name is success). A child run by this propeller wakes the parent when it ends; a
 * slow fallback poll covers children run elsewhere.
 */
import type { flyteidl } from '../../core/idl.ts';
import { WorkflowPhases } from '../../core/phases.ts';
import { isSandboxError } from '../../core/errors.ts';
import { executionError, EXECUTION_ERROR_CODES } from '../errors.ts';
import { childExecutionName } from '../ids.ts';
import { Transition } from './handler.ts';
import type { NodeHandler } from './handler.ts';
import { copyOutputsTo } from './simple.ts';

/** The launch-plan node handler. */
export const launchPlanHandler: NodeHandler = {
  countsForParallelism: true,
  async handle(ctx) {
    const { exec } = ctx;
    const lp = ctx.node.workflowNode?.launchplanRef;
    let child = ctx.status.child;
    const patch: { child?: { project: string; domain: string; name: string } } = {};
    if (!child) {
      if (exec.request.nesting + 1 > exec.config.maxNesting) {
        return Transition.failure(
          executionError('USER', EXECUTION_ERROR_CODES.MAX_NESTING, `launch plan nesting deeper than ${exec.config.maxNesting} at node ${ctx.node.id}`),
        );
      }
      const name = childExecutionName(exec.request.id.name, ctx.uniqueId, ctx.attempt);
      const inputs = await exec.readLiteralMap(ctx.inputsUri);
      const parentNodeExecution: flyteidl.core.INodeExecutionIdentifier = { nodeId: ctx.uniqueId, executionId: exec.executionId };
      try {
        await exec.deps.children.createChild({
          launchPlan: lp ?? {},
          name,
          project: exec.request.id.project,
          domain: exec.request.id.domain,
          inputs,
          parentNodeExecution,
          nesting: exec.request.nesting + 1,
        });
      } catch (e) {
        if (isSandboxError(e) && e.kind === 'USER') {
          return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.CHILD_EXECUTION, `cannot launch ${lp?.name}: ${e.message}`));
        }
        throw e;
      }
      child = { project: exec.request.id.project, domain: exec.request.id.domain, name };
      patch.child = child;
    }
    const status = await exec.deps.children.getStatus(child);
    const phase = status ? WorkflowPhases.fromNumber(status.phase) : undefined;
    switch (phase) {
      case 'SUCCEEDED':
        return Transition.success(await copyOutputsTo(ctx, status?.outputsUri), { patch });
      case 'FAILED':
        return Transition.failure(
          status?.error ?? executionError('USER', EXECUTION_ERROR_CODES.CHILD_EXECUTION, `child execution ${child.name} failed`),
          { patch },
        );
      case 'ABORTED':
        return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.CHILD_EXECUTION, `child execution ${child.name} was aborted`), { patch });
      case 'TIMED_OUT':
        return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.CHILD_EXECUTION, `child execution ${child.name} timed out`), { patch });
      default:
        exec.wakeAt(`child-poll:${ctx.uniqueId}:${ctx.attempt}`, exec.now + exec.config.childPollIntervalMs);
        return Transition.running({ patch });
    }
  },
  async abort(ctx, reason) {
    const child = ctx.status.child;
    if (child) {
      try {
        await ctx.exec.deps.children.terminate(child, reason);
      } catch (e) {
        ctx.exec.deps.logger.warn('terminate of child execution failed', { child: child.name, error: (e as Error).message });
      }
    }
    return {};
  },
};
