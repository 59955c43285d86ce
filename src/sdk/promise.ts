/**
 * Node outputs inside workflow and dynamic bodies: Flyte's "promises". They stand for a value that
 * exists only at run time, so they can be passed to other calls, compared for conditionals and
 * indexed (attribute paths), but never read.
 */
import type { flyteidl } from '../core/idl.ts';
import { descriptorFromLiteralType, type TypeDescriptor } from '../core/types.ts';

/** An element of an attribute path into a list (number) or a map/struct (string). */
export type AttrPathElement = string | number;

/** Thrown when a workflow body tries to read the value of a node output. */
export class PromiseReadError extends Error {
  constructor(what: string) {
    super(
      `${what} is a promise of a value computed at run time: a workflow body only wires calls together, ` +
        'so it cannot read, compare with operators or print it. Pass it to a task instead, use ' +
        '.eq()/.gt()/… with conditional(), or use a dynamic or eager workflow to work with real values.',
    );
    this.name = 'PromiseReadError';
  }
}

let operandCounter = 0;

const COMPARE_OPS = { eq: 0, ne: 1, gt: 2, gte: 3, lt: 4, lte: 5 } as const;

/** A comparison or a conjunction of comparisons, for `conditional().if_(…)`. */
export class Condition {
  /** @internal */
  readonly expr: flyteidl.core.IBooleanExpression;
  /** @internal node outputs the condition reads, by the placeholder var naming them in `expr` */
  readonly operands: ReadonlyMap<string, NodeOutput>;
  constructor(expr: flyteidl.core.IBooleanExpression, operands: ReadonlyMap<string, NodeOutput>) {
    this.expr = expr;
    this.operands = operands;
  }
  /** Both conditions hold. */
  and(other: Condition): Condition {
    return new Condition(
      { conjunction: { operator: 0, leftExpression: this.expr, rightExpression: other.expr } },
      new Map([...this.operands, ...other.operands]),
    );
  }
  /** Either condition holds. */
  or(other: Condition): Condition {
    return new Condition(
      { conjunction: { operator: 1, leftExpression: this.expr, rightExpression: other.expr } },
      new Map([...this.operands, ...other.operands]),
    );
  }
  valueOf(): never {
    throw new PromiseReadError('A condition');
  }
}

/** Describes the node output an operand stands for, for messages. */
function label(o: NodeOutput): string {
  const base = o.nodeId === '' ? `workflow input "${o.varName}"` : `output "${o.varName}" of node ${o.nodeId}`;
  return o.attrPath.length === 0 ? base : `${base}${o.attrPath.map((p) => `[${JSON.stringify(p)}]`).join('')}`;
}

/**
 * A promise of a node output (or a workflow input, `nodeId === ''`). Created by the SDK; users
 * pass it around. Reading it (`+x`, `${x}`, `if (x)`, `await x`, JSON) throws {@link PromiseReadError}.
 */
export class NodeOutput {
  readonly nodeId: string;
  readonly varName: string;
  readonly attrPath: readonly AttrPathElement[];
  readonly literalType: flyteidl.core.ILiteralType;
  /** @internal the builder that created it, to catch promises used across workflows */
  readonly owner: object;

  constructor(
    owner: object,
    nodeId: string,
    varName: string,
    literalType: flyteidl.core.ILiteralType,
    attrPath: readonly AttrPathElement[] = [],
  ) {
    this.owner = owner;
    this.nodeId = nodeId;
    this.varName = varName;
    this.literalType = literalType;
    this.attrPath = attrPath;
  }

  /** The type descriptor of the value this promise stands for. */
  get type(): TypeDescriptor {
    return descriptorFromLiteralType(this.literalType);
  }

  /** A promise of one element/field of this output (Flyte attribute path). */
  at(key: AttrPathElement): NodeOutput {
    const lt = this.literalType;
    let inner: flyteidl.core.ILiteralType | undefined;
    if (typeof key === 'number' && lt.collectionType) inner = lt.collectionType;
    else if (typeof key === 'string' && lt.mapValueType) inner = lt.mapValueType;
    else if (typeof key === 'string' && lt.structure?.dataclassType?.[key]) inner = lt.structure.dataclassType[key];
    else if (typeof key === 'string' && lt.simple === 9) inner = { simple: 9 };
    if (!inner) {
      throw new TypeError(`cannot index ${label(this)} of type ${this.type.toString()} with ${JSON.stringify(key)}`);
    }
    return wrapOutput(new NodeOutput(this.owner, this.nodeId, this.varName, inner, [...this.attrPath, key]));
  }

  eq(other: unknown): Condition {
    return this.compare('eq', other);
  }
  ne(other: unknown): Condition {
    return this.compare('ne', other);
  }
  gt(other: unknown): Condition {
    return this.compare('gt', other);
  }
  gte(other: unknown): Condition {
    return this.compare('gte', other);
  }
  lt(other: unknown): Condition {
    return this.compare('lt', other);
  }
  lte(other: unknown): Condition {
    return this.compare('lte', other);
  }
  /** The boolean output is true. */
  isTrue(): Condition {
    return this.compare('eq', true);
  }
  /** The boolean output is false. */
  isFalse(): Condition {
    return this.compare('eq', false);
  }

  private compare(op: keyof typeof COMPARE_OPS, other: unknown): Condition {
    const operands = new Map<string, NodeOutput>();
    const leftVar = `$op${operandCounter++}`;
    operands.set(leftVar, this);
    let right: flyteidl.core.IOperand;
    if (other instanceof NodeOutput) {
      const rightVar = `$op${operandCounter++}`;
      operands.set(rightVar, other);
      right = { var: rightVar };
    } else {
      right = { primitive: toPrimitive(other, `${label(this)}.${op}()`) };
    }
    return new Condition(
      { comparison: { operator: COMPARE_OPS[op], leftValue: { var: leftVar }, rightValue: right } },
      operands,
    );
  }

  valueOf(): never {
    throw new PromiseReadError(label(this));
  }
  toString(): string {
    throw new PromiseReadError(label(this));
  }
  toJSON(): never {
    throw new PromiseReadError(label(this));
  }
  [Symbol.toPrimitive](): never {
    throw new PromiseReadError(label(this));
  }
  [Symbol.iterator](): never {
    throw new PromiseReadError(`${label(this)} (iterated)`);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `NodeOutput(${label(this)})`;
  }
}

// `await promise` in a workflow body is a mistake we must catch, but a `then` in the class type
// would make TypeScript treat every call result as a broken thenable; so it is added at run time.
Object.defineProperty(NodeOutput.prototype, 'then', {
  value(this: NodeOutput): never {
    throw new PromiseReadError(`${label(this)} (awaited)`);
  },
  enumerable: false,
});

/** The comparable primitive of a constant in a condition. */
export function toPrimitive(v: unknown, where: string): flyteidl.core.IPrimitive {
  if (typeof v === 'number') return Number.isInteger(v) ? { integer: v } : { floatValue: v };
  if (typeof v === 'bigint') return { integer: v.toString() };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolean: v };
  if (v instanceof Date) {
    const ms = v.getTime();
    return { datetime: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 } };
  }
  throw new TypeError(`${where}: can only compare with a number, string, boolean, Date or another output`);
}

/**
 * Wraps a node output so that struct fields and list indices read as attribute paths
 * (`out.a`, `out[0]`), like flytekit's promise attribute access.
 */
export function wrapOutput(o: NodeOutput): NodeOutput {
  const lt = o.literalType;
  const fields = lt.structure?.dataclassType;
  if (!lt.collectionType && !fields) return o;
  return new Proxy(o, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target)) {
        if (lt.collectionType && /^\d+$/.test(key)) return target.at(Number(key));
        if (fields && key in fields) return target.at(key);
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/** True if a JS value (possibly nested in arrays/objects) contains a node output. */
export function containsOutput(v: unknown): boolean {
  if (v instanceof NodeOutput) return true;
  if (Array.isArray(v)) return v.some(containsOutput);
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v).some(containsOutput);
  }
  return false;
}
