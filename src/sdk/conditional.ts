/**
 * `conditional(name)`: Flyte branch nodes in workflow and dynamic bodies.
 *
 *     conditional('terminal_case')
 *       .if_(numbers_count.lte(run_local_at_count)).then(sort_locally({ numbers }))
 *       .else_().then(merge_sort_remotely({ numbers, run_local_at_count }))
 *
 * A call passed to `then` has already added its node to the workflow; the conditional takes that
 * node out of the workflow and makes it the case's `then_node`, so it runs only when the case is
 * taken. The result of the last `then` is the branch node's outputs (those all cases share).
 */
import type { flyteidl } from '../core/idl.ts';
import { CompileCode } from '../core/diagnostics.ts';
import { literalTypeToString } from '../core/types.ts';
import type { BuiltNode, WorkflowBuilder } from './builder.ts';
import { currentBuilder } from './context.ts';
import { entityName, type EntityDef } from './entities.ts';
import { Condition, NodeOutput } from './promise.ts';

/** A `fail("message")` for the else case: the execution fails with that message. */
export class BranchFailure {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** Fails the execution when the branch reaches it (only in `.else_().then(fail(…))`). */
export function fail(message: string): BranchFailure {
  if (typeof message !== 'string' || message === '') throw new TypeError('fail(message): message must be a non-empty string');
  return new BranchFailure(message);
}

interface Case {
  condition?: Condition;
  node?: BuiltNode;
  failure?: BranchFailure;
}

function firstOutput(result: unknown): NodeOutput | undefined {
  if (result instanceof NodeOutput) return result;
  if (Array.isArray(result)) return result.find((x): x is NodeOutput => x instanceof NodeOutput);
  if (typeof result === 'object' && result !== null) {
    return Object.values(result).find((x): x is NodeOutput => x instanceof NodeOutput);
  }
  return undefined;
}

/** A conditional being built. Methods must be chained in Flyte's order. */
export class ConditionalBuilder {
  readonly name: string;
  private readonly builder: WorkflowBuilder;
  private readonly cases: Case[] = [];
  private pending: Case | undefined;
  private elseCase: Case | undefined;
  private inElse = false;
  private done = false;

  constructor(name: string, builder: WorkflowBuilder) {
    this.name = name;
    this.builder = builder;
  }

  /** The first case. */
  if_(condition: Condition): this {
    return this.addCase(condition, 'if_');
  }

  /** A further case, tried when the earlier ones are false. */
  elif_(condition: Condition): this {
    return this.addCase(condition, 'elif_');
  }

  /** The case taken when no condition holds. */
  else_(): this {
    if (this.pending || this.cases.length === 0) throw new TypeError(`conditional ${this.name}: else_() must follow if_(…).then(…)`);
    this.inElse = true;
    return this;
  }

  private addCase(condition: Condition, what: string): this {
    if (this.done) throw new TypeError(`conditional ${this.name}: ${what}() after the conditional ended`);
    if (this.pending) throw new TypeError(`conditional ${this.name}: ${what}() must follow .then(…)`);
    if (!(condition instanceof Condition)) {
      throw new TypeError(
        `conditional ${this.name}: ${what}() takes a comparison of promises such as x.gt(3) or flag.isTrue(), not a plain value`,
      );
    }
    this.pending = { condition };
    return this;
  }

  /**
   * What the current case runs: the result of one call (its node moves into the branch) or, after
   * `else_()`, `fail("message")`. After `else_().then(…)` returns the branch's outputs; before,
   * returns the builder for the next `elif_`/`else_`.
   */
  then(result: unknown): this & Record<string, never> {
    if (this.done) throw new TypeError(`conditional ${this.name}: then() after the conditional ended`);
    const target: Case | undefined = this.inElse ? { } : this.pending;
    if (!target) throw new TypeError(`conditional ${this.name}: then() must follow if_(…), elif_(…) or else_()`);
    if (result instanceof BranchFailure) {
      if (!this.inElse) throw new TypeError(`conditional ${this.name}: fail() is only allowed in the else case`);
      target.failure = result;
    } else {
      const out = firstOutput(result);
      const node = out ? this.builder.takeNode(out.nodeId) : undefined;
      if (!node) {
        throw new TypeError(
          `conditional ${this.name}: then() takes the result of a single task, workflow or launch plan call made in its argument`,
        );
      }
      target.node = node;
    }
    if (this.inElse) {
      this.elseCase = target;
      this.done = true;
      return this.finish() as this & Record<string, never>;
    }
    this.cases.push(target);
    this.pending = undefined;
    return this as this & Record<string, never>;
  }

  /** Builds the branch node and returns promises of its outputs. */
  private finish(): unknown {
    const b = this.builder;
    const nodeId = b.nextNodeId();
    const upstream = new Set<string>();
    const inputs: flyteidl.core.IBinding[] = [];
    let operandIndex = 0;
    const rename = new Map<string, string>();
    const renameExpr = (e: flyteidl.core.IBooleanExpression): flyteidl.core.IBooleanExpression => {
      if (e.conjunction) {
        return {
          conjunction: {
            operator: e.conjunction.operator ?? 0,
            leftExpression: renameExpr(e.conjunction.leftExpression ?? {}),
            rightExpression: renameExpr(e.conjunction.rightExpression ?? {}),
          },
        };
      }
      const c = e.comparison ?? {};
      const op = (o: flyteidl.core.IOperand | null | undefined): flyteidl.core.IOperand =>
        o?.var ? { var: rename.get(o.var) ?? o.var } : (o ?? {});
      return { comparison: { operator: c.operator ?? 0, leftValue: op(c.leftValue), rightValue: op(c.rightValue) } };
    };
    const bindCondition = (cond: Condition): flyteidl.core.IBooleanExpression => {
      for (const [placeholder, operand] of cond.operands) {
        const varName = `.${this.name}.c${operandIndex++}`;
        rename.set(placeholder, varName);
        const lt = operand.literalType;
        const simple = lt.simple ?? (lt.unionType ? undefined : -1);
        if (simple === undefined || simple === -1 || simple === 9 || simple === 0) {
          b.report(
            CompileCode.InvalidBranch,
            `conditional ${this.name}: cannot compare a value of type ${literalTypeToString(lt)}; conditions compare ints, floats, strings, booleans, datetimes and durations`,
            nodeId,
          );
        }
        const bd = b.bind(operand, { literalType: () => lt, toString: () => literalTypeToString(lt) } as never, { node: nodeId, input: varName, what: `conditional ${this.name}` }, upstream);
        if (bd) inputs.push({ var: varName, binding: bd });
      }
      return renameExpr(cond.expr);
    };
    const thenNodes: BuiltNode[] = [];
    const toCase = (c: Case): flyteidl.core.IIfBlock => {
      thenNodes.push(c.node as BuiltNode);
      return { condition: bindCondition(c.condition as Condition), thenNode: (c.node as BuiltNode).node };
    };
    const [first, ...others] = this.cases;
    const ifElse: flyteidl.core.IIfElseBlock = { case: toCase(first as Case), other: others.map(toCase) };
    if (this.elseCase?.failure) ifElse.error = { failedNodeId: nodeId, message: this.elseCase.failure.message };
    else if (this.elseCase?.node) {
      ifElse.elseNode = this.elseCase.node.node;
      thenNodes.push(this.elseCase.node);
    }
    // The branch waits for everything its cases read.
    for (const n of thenNodes) for (const u of n.node.upstreamNodeIds ?? []) upstream.add(u);
    const node: flyteidl.core.INode = {
      id: nodeId,
      metadata: { name: this.name },
      inputs,
      upstreamNodeIds: [...upstream],
      branchNode: { ifElse },
    };
    // Outputs: those every case's entity declares (the else case may be a failure).
    const defs = thenNodes.map((n) => n.def);
    const firstDef = defs[0] as EntityDef;
    const common = new Map([...firstDef.iface.outputs].filter(([k]) => defs.every((d) => d.iface.outputs.has(k))));
    for (const d of defs) {
      for (const [k, t] of common) {
        const other = d.iface.outputs.get(k);
        if (other && other.toString() !== t.toString()) {
          b.report(
            CompileCode.InvalidBranch,
            `conditional ${this.name}: output "${k}" is ${t.toString()} in ${entityName(firstDef)} but ${other.toString()} in ${entityName(d)}`,
            nodeId,
          );
        }
      }
    }
    const branchDef: EntityDef = {
      kind: 'task',
      fallbackName: this.name,
      iface: { inputs: new Map(), outputs: common, outputShape: firstDef.iface.outputShape },
      defaults: {},
    };
    b.addBuiltNode({ node, def: branchDef }, thenNodes);
    return b.outputsOf(nodeId, branchDef);
  }
}

/** Starts a conditional (a Flyte branch node) in a workflow or dynamic body. */
export function conditional(name: string): ConditionalBuilder {
  const b = currentBuilder();
  if (!b) throw new TypeError(`conditional("${name}") can only be used inside a workflow or dynamic body`);
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new TypeError('conditional(name): name must be letters, digits, _ . or -');
  }
  return new ConditionalBuilder(name, b);
}
