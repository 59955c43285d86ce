/**
 * Branch nodes (`branch_node`, Flyte `nodes/branch`): cases are evaluated in order over the
 * branch node's own inputs; the first true case's node runs as a child of the branch (unique id
 * `<branch>-<attempt>-<case node>`, bindings resolved in the enclosing workflow), the other case
 * nodes are marked SKIPPED, and the taken node's outputs become the branch's outputs. When no
 * case matches: the else node, else the declared error, else `MalformedBranchUserError`.
 */
import type { flyteidl } from '../../core/idl.ts';
import { int64ToBigInt } from '../../core/idl.ts';
import { executionError, EXECUTION_ERROR_CODES } from '../errors.ts';
import { uniqueNodeId } from '../ids.ts';
import { durationToMs } from '../literals.ts';
import { Transition } from './handler.ts';
import type { NodeContext, NodeHandler } from './handler.ts';
import { copyOutputsTo } from './simple.ts';

type Lit = flyteidl.core.ILiteral;

/** A condition could not be evaluated (unknown input, incomparable values). */
export class BranchEvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BranchEvaluationError';
  }
}

type Comparable = { t: 'num'; v: number } | { t: 'int'; v: bigint } | { t: 'str'; v: string } | { t: 'bool'; v: boolean } | { t: 'none' };

function primitiveValue(p: flyteidl.core.IPrimitive): Comparable {
  if (p.integer !== undefined && p.integer !== null) return { t: 'int', v: int64ToBigInt(p.integer) };
  if (p.floatValue !== undefined && p.floatValue !== null) return { t: 'num', v: p.floatValue };
  if (p.stringValue !== undefined && p.stringValue !== null) return { t: 'str', v: p.stringValue };
  if (p.boolean !== undefined && p.boolean !== null) return { t: 'bool', v: p.boolean };
  if (p.datetime) return { t: 'num', v: Number(int64ToBigInt(p.datetime.seconds)) * 1000 + (p.datetime.nanos ?? 0) / 1e6 };
  if (p.duration) return { t: 'num', v: durationToMs(p.duration) ?? 0 };
  return { t: 'none' };
}

function literalValue(l: Lit | null | undefined, what: string): Comparable {
  const s = l?.scalar;
  if (!s) throw new BranchEvaluationError(`${what} is not a scalar value`);
  if (s.union) return literalValue(s.union.value, what);
  if (s.noneType) return { t: 'none' };
  if (s.primitive) return primitiveValue(s.primitive);
  throw new BranchEvaluationError(`${what} is not a primitive value`);
}

function operandValue(op: flyteidl.core.IOperand | null | undefined, inputs: flyteidl.core.ILiteralMap): Comparable {
  if (!op) throw new BranchEvaluationError('a comparison has no operand');
  if (op.var !== undefined && op.var !== null && op.var !== '') {
    const lit = inputs.literals?.[op.var];
    if (!lit) throw new BranchEvaluationError(`branch input ${op.var} does not exist`);
    return literalValue(lit, `branch input ${op.var}`);
  }
  if (op.primitive) return primitiveValue(op.primitive);
  if (op.scalar) return literalValue({ scalar: op.scalar }, 'a constant');
  throw new BranchEvaluationError('an operand has no value');
}

function compare(a: Comparable, b: Comparable): number | undefined {
  if (a.t === 'none' || b.t === 'none') return a.t === b.t ? 0 : undefined;
  if ((a.t === 'int' || a.t === 'num') && (b.t === 'int' || b.t === 'num')) {
    if (a.t === 'int' && b.t === 'int') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    const x = Number(a.v);
    const y = Number(b.v);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.t !== b.t) throw new BranchEvaluationError(`cannot compare a ${a.t} with a ${b.t}`);
  const x = a.v as string | boolean;
  const y = b.v as string | boolean;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Evaluates a boolean expression over the branch inputs. */
export function evaluate(expr: flyteidl.core.IBooleanExpression | null | undefined, inputs: flyteidl.core.ILiteralMap): boolean {
  if (!expr) throw new BranchEvaluationError('a case has no condition');
  if (expr.conjunction) {
    const c = expr.conjunction;
    const left = evaluate(c.leftExpression, inputs);
    if ((c.operator ?? 0) === 0) return left && evaluate(c.rightExpression, inputs);
    return left || evaluate(c.rightExpression, inputs);
  }
  const cmp = expr.comparison;
  if (!cmp) throw new BranchEvaluationError('an expression is neither a comparison nor a conjunction');
  const r = compare(operandValue(cmp.leftValue, inputs), operandValue(cmp.rightValue, inputs));
  switch (cmp.operator ?? 0) {
    case 0:
      return r === 0;
    case 1:
      return r !== 0;
    case 2:
      return r !== undefined && r > 0;
    case 3:
      return r !== undefined && r >= 0;
    case 4:
      return r !== undefined && r < 0;
    case 5:
      return r !== undefined && r <= 0;
    default:
      throw new BranchEvaluationError(`unknown comparison operator ${cmp.operator}`);
  }
}

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

/** The branch node handler. */
export const branchHandler: NodeHandler = {
  countsForParallelism: false,
  async handle(ctx) {
    const ie = ctx.node.branchNode?.ifElse;
    if (!ie) return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.MALFORMED_BRANCH, `branch node ${ctx.node.id} has no if/else`));
    let takenId = ctx.status.branchTaken;
    const patch: { branchTaken?: string } = {};
    if (!takenId) {
      const inputs = await ctx.exec.readLiteralMap(ctx.inputsUri);
      let taken: flyteidl.core.INode | undefined;
      try {
        for (const c of [ie.case, ...(ie.other ?? [])]) {
          if (c && evaluate(c.condition, inputs)) {
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
        return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.MALFORMED_BRANCH, msg));
      }
      takenId = taken.id ?? '';
      patch.branchTaken = takenId;
      for (const n of caseNodes(ie)) {
        if (n.id !== takenId) ctx.exec.markSkipped(childUid(ctx, n.id ?? ''), n, ctx.uniqueId);
      }
    }
    const node = caseNodes(ie).find((n) => n.id === takenId);
    if (!node) return Transition.failure(executionError('SYSTEM', EXECUTION_ERROR_CODES.RUNTIME, `branch ${ctx.node.id} lost its case node ${takenId}`));
    const st = await ctx.exec.executeNode(ctx.scope, node, childUid(ctx, takenId), ctx.uniqueId);
    switch (st.phase) {
      case 'SUCCEEDED':
      case 'RECOVERED':
        return Transition.success(await copyOutputsTo(ctx, st.outputsUri), { patch });
      case 'FAILED':
      case 'TIMED_OUT':
      case 'ABORTED':
        return Transition.failure(st.error ?? executionError('USER', EXECUTION_ERROR_CODES.RUNTIME, `branch case ${takenId} ${st.phase}`), { patch });
      case 'SKIPPED':
        return Transition.success(await copyOutputsTo(ctx, undefined), { patch });
      default:
        return Transition.running({ patch });
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
