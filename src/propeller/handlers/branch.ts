/**
 * Branch nodes (`branch_node`, Flyte `nodes/branch`): cases are evaluated in order over the
 * branch node's own inputs; the first true case's node runs as a child of the branch (unique id
 * `<branch>-<attempt>-<case node>`, bindings resolved in the enclosing workflow), the other case
 * nodes are returned to the node executor to be marked SKIPPED (reported as skipped children of the branch), and the taken node's
 * outputs become the branch's outputs. When no case matches: the else node, else the declared
 * error, else `MalformedBranchUserError`.
 * Conditions are evaluated by `core/conditions.ts`, shared with local execution.
 */
import { BranchEvaluationError, evaluateCondition } from '../../core/conditions.ts';
import type { flyteidl } from '../../core/idl.ts';
import { executionError, EXECUTION_ERROR_CODES } from '../errors.ts';
import { uniqueNodeId } from '../ids.ts';
import { Transition } from './handler.ts';
import type { Common, NodeContext, NodeHandler } from './handler.ts';
import { copyOutputsTo } from './simple.ts';

function caseNodes(ie: flyteidl.core.IIfElseBlock): flyteidl.core.INode[] {
  const out: flyteidl.core.INode[] = [];
  if (ie.case?.thenNode) out.push(ie.case.thenNode);
  for (const c of ie.other ?? []) if (c.thenNode) out.push(c.thenNode);
  if (ie.elseNode) out.push(ie.elseNode);
  return out;
}

function childUid(ctx: NodeContext, nodeId: string): string {
  return uniqueNodeId({ uniqueId: ctx.uniqueId, attempt: ctx.attempt }, nodeId);
}

/** The case nodes other than `takenId` (all of them when none was taken), to be marked SKIPPED. */
function skipped(ctx: NodeContext, ie: flyteidl.core.IIfElseBlock, takenId: string | undefined): NonNullable<Common['skip']> {
  return caseNodes(ie)
    .filter((n) => n.id !== takenId)
    .map((node) => ({ uniqueId: childUid(ctx, node.id ?? ''), node }));
}

/** The branch node handler. */
export const branchHandler: NodeHandler = {
  countsForParallelism: false,
  async handle(ctx) {
    const ie = ctx.node.branchNode?.ifElse;
    if (!ie) return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.MALFORMED_BRANCH, `branch node ${ctx.node.id} has no if/else`));
    let takenId = ctx.status.branchTaken;
    const patch: { branchTaken?: string } = {};
    const skip: NonNullable<Common['skip']> = [];
    if (!takenId) {
      const inputs = await ctx.exec.readLiteralMap(ctx.inputsUri);
      let taken: flyteidl.core.INode | undefined;
      try {
        for (const c of [ie.case, ...(ie.other ?? [])]) {
          if (c && evaluateCondition(c.condition, inputs)) {
            taken = c.thenNode ?? undefined;
            break;
          }
        }
      } catch (e) {
        if (!(e instanceof BranchEvaluationError)) throw e;
        return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.MALFORMED_BRANCH, `branch ${ctx.node.id}: ${e.message}`));
      }
      taken ??= ie.elseNode ?? undefined;
      if (!taken) {
        const msg = ie.error?.message || `no branch of ${ctx.node.id} matched and it has no else`;
        return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.MALFORMED_BRANCH, msg), { skip: skipped(ctx, ie, undefined) });
      }
      takenId = taken.id ?? '';
      patch.branchTaken = takenId;
      skip.push(...skipped(ctx, ie, takenId));
    }
    const node = caseNodes(ie).find((n) => n.id === takenId);
    if (!node) return Transition.failure(executionError('SYSTEM', EXECUTION_ERROR_CODES.RUNTIME, `branch ${ctx.node.id} lost its case node ${takenId}`));
    const st = await ctx.exec.executeNode(ctx.scope, node, childUid(ctx, takenId), ctx.uniqueId);
    switch (st.phase) {
      case 'SUCCEEDED':
      case 'RECOVERED':
        return Transition.success(await copyOutputsTo(ctx, st.outputsUri), { patch, skip });
      case 'FAILED':
      case 'TIMED_OUT':
      case 'ABORTED':
        return Transition.failure(st.error ?? executionError('USER', EXECUTION_ERROR_CODES.RUNTIME, `branch case ${takenId} ${st.phase}`), { patch, skip });
      case 'SKIPPED':
        return Transition.success(await copyOutputsTo(ctx, undefined), { patch, skip });
      default:
        return Transition.running({ patch, skip });
    }
  },
  async abort(ctx, reason) {
    const ie = ctx.node.branchNode?.ifElse;
    const takenId = ctx.status.branchTaken;
    const node = ie && takenId ? caseNodes(ie).find((n) => n.id === takenId) : undefined;
    if (node) await ctx.exec.abortNode(ctx.scope, node, childUid(ctx, node.id ?? ''), reason);
    return {};
  },
};
