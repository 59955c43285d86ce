/**
 * Evaluation of Flyte branch conditions (`BooleanExpression`) over a branch node's inputs; shared
 * by propeller's branch handler and local execution so both take the same path.
 */
import { int64ToBigInt, type flyteidl } from './idl.ts';

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
  if (p.duration) return { t: 'num', v: Number(int64ToBigInt(p.duration.seconds)) * 1000 + (p.duration.nanos ?? 0) / 1e6 };
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
export function evaluateCondition(expr: flyteidl.core.IBooleanExpression | null | undefined, inputs: flyteidl.core.ILiteralMap): boolean {
  if (!expr) throw new BranchEvaluationError('a case has no condition');
  if (expr.conjunction) {
    const c = expr.conjunction;
    const left = evaluateCondition(c.leftExpression, inputs);
    if ((c.operator ?? 0) === 0) return left && evaluateCondition(c.rightExpression, inputs);
    return left || evaluateCondition(c.rightExpression, inputs);
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
