/**
 * Sub-workflow nodes (`workflow_node.sub_workflow_ref`, Flyte `nodes/subworkflow`): the
 * sub-workflow runs inline in this execution, in its own scope whose node ids are
 * `<this unique id>-<attempt>-<id>` and whose start-node outputs are this node's inputs. On
 * success the sub end-node outputs are copied up; on failure the sub-nodes still running are
 * aborted and this node fails with the sub-workflow's error (not retried).
 */
import { Transition } from './handler.ts';
import type { NodeContext, NodeHandler, Scope } from './handler.ts';
import { copyOutputsTo } from './simple.ts';

function scopeOf(ctx: NodeContext): Scope {
  const dag = ctx.exec.findSubWorkflow(ctx.scope, ctx.node.workflowNode?.subWorkflowRef);
  return ctx.exec.subScope(ctx.scope, dag, { uniqueId: ctx.uniqueId, attempt: ctx.attempt }, ctx.inputsUri);
}

/** The sub-workflow node handler. */
export const subWorkflowHandler: NodeHandler = {
  countsForParallelism: false,
  async handle(ctx) {
    const scope = scopeOf(ctx);
    const out = await ctx.exec.walk(scope);
    switch (out.phase) {
      case 'RUNNING':
        return Transition.running();
      case 'SUCCEEDED':
        return Transition.success(await copyOutputsTo(ctx, out.outputsUri));
      case 'FAILED':
        await ctx.exec.abortScope(scope, 'sub-workflow failed');
        return Transition.failure(out.error);
    }
  },
  async abort(ctx, reason) {
    await ctx.exec.abortScope(scopeOf(ctx), reason);
    return {};
  },
};
