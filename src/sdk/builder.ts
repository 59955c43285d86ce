/**
 * Builds a Flyte `WorkflowTemplate` by running a workflow (or dynamic) body once: every entity
 * call adds a node whose inputs are bound from promises or constants; problems are collected as
 * diagnostics naming the node, the input and both types.
 */
import type { flyteidl } from '../core/idl.ts';
import { descriptorFromLiteralType as descriptorFromType, isCastable, literalTypeToString, type TypeDescriptor } from '../core/types.ts';
import { CompileCode, type Diagnostic } from '../core/diagnostics.ts';
import { ENTITY, entityName, shortName, type EntityDef, type LaunchPlanDef, type TaskDef } from './entities.ts';
import { describe } from './interface.ts';
import { containsOutput, NodeOutput, wrapOutput, type AttrPathElement } from './promise.ts';
import { arrayNodeTask, mapsOver, type MapDef } from './map.ts';
import { t as types } from '../core/types.ts';
import { START_NODE } from '../core/vocabulary.ts';

const tList = (d: TypeDescriptor): TypeDescriptor => types.list(d);

export { START_NODE };
export const END_NODE = 'end-node';

/** Gives entities their Flyte identifiers (project, domain and version come from settings). */
export type IdOf = (def: EntityDef) => flyteidl.core.IIdentifier;

/** Converts a literal into the equivalent binding data (constants in a binding). */
export function literalToBindingData(lit: flyteidl.core.ILiteral): flyteidl.core.IBindingData {
  if (lit.collection) return { collection: { bindings: (lit.collection.literals ?? []).map(literalToBindingData) } };
  if (lit.map) {
    const bindings: Record<string, flyteidl.core.IBindingData> = {};
    for (const [k, v] of Object.entries(lit.map.literals ?? {})) bindings[k] = literalToBindingData(v);
    return { map: { bindings } };
  }
  return { scalar: lit.scalar ?? {} };
}

function isOptionalType(lt: flyteidl.core.ILiteralType): boolean {
  return (lt.unionType?.variants ?? []).some((v) => v.simple === 0 && !v.collectionType && !v.mapValueType);
}

function nodeOutputLabel(o: NodeOutput): string {
  const path = o.attrPath.map((p) => `[${JSON.stringify(p)}]`).join('');
  return o.nodeId === START_NODE ? `workflow input "${o.varName}"${path}` : `output "${o.varName}"${path} of node ${o.nodeId}`;
}

/** A node being built, with the entity it calls. */
export interface BuiltNode {
  node: flyteidl.core.INode;
  def: EntityDef;
}

/** Accumulates nodes and diagnostics while a body runs. */
export class WorkflowBuilder {
  readonly owner: string;
  readonly nodes: BuiltNode[] = [];
  readonly diagnostics: Diagnostic[] = [];
  /** Entities referenced by nodes, by name. */
  readonly references = new Map<string, EntityDef>();
  /** Nodes living inside branch nodes (not top-level), with their entities. */
  readonly nested: BuiltNode[] = [];
  private readonly idOf: IdOf;
  private readonly prefix: string;
  private counter = 0;

  constructor(owner: string, idOf: IdOf, nodePrefix = 'n') {
    this.owner = owner;
    this.idOf = idOf;
    this.prefix = nodePrefix;
  }

  /** Promises of the workflow's inputs (Flyte binds them from the start node). */
  inputPromises(inputs: ReadonlyMap<string, TypeDescriptor>): Record<string, NodeOutput> {
    const out: Record<string, NodeOutput> = {};
    for (const [name, d] of inputs) out[name] = wrapOutput(new NodeOutput(this, START_NODE, name, d.literalType()));
    return out;
  }

  /** Records a diagnostic. */
  report(code: string, message: string, ...path: string[]): void {
    this.diagnostics.push({ code, message, path: [this.owner, ...path].join('/') });
  }

  /** Allocates the next node id (`n0`, `n1`, … ; `dn0`… inside dynamic bodies). */
  nextNodeId(): string {
    return `${this.prefix}${this.counter++}`;
  }

  /**
   * Binds a value to a variable of type `lt`: a promise (type-checked), a list or map holding
   * promises, or a constant converted by the descriptor. Returns undefined after reporting.
   */
  bind(
    value: unknown,
    desc: TypeDescriptor,
    where: { node: string; input: string; what: string },
    upstream: Set<string>,
  ): flyteidl.core.IBindingData | undefined {
    const lt = desc.literalType();
    if (value instanceof NodeOutput) {
      if (value.owner !== this) {
        this.report(
          CompileCode.ForeignPromise,
          `${where.what}: ${nodeOutputLabel(value)} belongs to another workflow body; pass values between workflows through their inputs`,
          where.node,
          where.input,
        );
        return undefined;
      }
      if (!isCastable(value.literalType, lt)) {
        this.report(
          CompileCode.MismatchingTypes,
          `${where.what} expects ${literalTypeToString(lt)}, got ${literalTypeToString(value.literalType)} from ${nodeOutputLabel(value)}`,
          where.node,
          where.input,
        );
        return undefined;
      }
      if (value.nodeId !== START_NODE) upstream.add(value.nodeId);
      const promise: flyteidl.core.IOutputReference = { nodeId: value.nodeId, var: value.varName };
      if (value.attrPath.length > 0) {
        promise.attrPath = value.attrPath.map((p: AttrPathElement) =>
          typeof p === 'number' ? { intValue: p } : { stringValue: p },
        );
      }
      return { promise };
    }
    if (containsOutput(value)) {
      if (Array.isArray(value) && lt.collectionType) {
        const itemDesc = descriptorOfItem(desc, lt.collectionType);
        const bindings: flyteidl.core.IBindingData[] = [];
        let ok = true;
        value.forEach((v, i) => {
          const b = this.bind(v, itemDesc, { ...where, what: `${where.what}[${i}]` }, upstream);
          if (b) bindings.push(b);
          else ok = false;
        });
        return ok ? { collection: { bindings } } : undefined;
      }
      if (!Array.isArray(value) && typeof value === 'object' && value !== null && lt.mapValueType) {
        const itemDesc = descriptorOfItem(desc, lt.mapValueType);
        const bindings: Record<string, flyteidl.core.IBindingData> = {};
        let ok = true;
        for (const [k, v] of Object.entries(value)) {
          const b = this.bind(v, itemDesc, { ...where, what: `${where.what}[${JSON.stringify(k)}]` }, upstream);
          if (b) bindings[k] = b;
          else ok = false;
        }
        return ok ? { map: { bindings } } : undefined;
      }
      this.report(
        CompileCode.PromiseRead,
        `${where.what} expects ${literalTypeToString(lt)}: promises can only be combined into lists or maps of that type`,
        where.node,
        where.input,
      );
      return undefined;
    }
    try {
      return literalToBindingData(desc.toLiteral(value, where.what));
    } catch (e) {
      this.report(CompileCode.InvalidValue, e instanceof Error ? e.message : String(e), where.node, where.input);
      return undefined;
    }
  }

  /**
   * Binds call inputs against an interface: every declared input once (defaults and optional
   * inputs may be omitted), nothing extra. Reports every problem found.
   */
  bindInputs(
    nodeId: string,
    callee: string,
    declared: ReadonlyMap<string, TypeDescriptor>,
    given: Record<string, unknown>,
    defaults: Record<string, unknown>,
    upstream: Set<string>,
  ): flyteidl.core.IBinding[] {
    const bindings: flyteidl.core.IBinding[] = [];
    for (const name of Object.keys(given)) {
      if (!declared.has(name)) {
        const known = [...declared].map(([n, d]) => `${n}: ${d.toString()}`).join(', ') || 'none';
        this.report(
          CompileCode.UnknownInput,
          `node ${nodeId} (${callee}): unknown input "${name}" (declared inputs: ${known})`,
          nodeId,
          name,
        );
      }
    }
    for (const [name, desc] of declared) {
      let value: unknown;
      if (name in given && given[name] !== undefined) value = given[name];
      else if (name in defaults) value = defaults[name];
      else if (isOptionalType(desc.literalType())) value = null;
      else {
        this.report(
          CompileCode.MissingInput,
          `node ${nodeId} (${callee}): missing input "${name}" of type ${desc.toString()}`,
          nodeId,
          name,
        );
        continue;
      }
      const b = this.bind(value, desc, { node: nodeId, input: name, what: `node ${nodeId} (${callee}): input "${name}"` }, upstream);
      if (b) bindings.push({ var: name, binding: b });
    }
    return bindings;
  }

  /** Adds a node calling `def` and returns promises of its outputs, shaped like the declaration. */
  addCall(def: EntityDef, given: Record<string, unknown>): unknown {
    const nodeId = this.nextNodeId();
    const callee = shortName(def);
    const upstream = new Set<string>();
    let declared = def.iface.inputs;
    let defaults = def.defaults;
    if (def.kind === 'launchPlan') {
      const lp = def as LaunchPlanDef;
      for (const name of Object.keys(lp.fixed)) {
        if (name in given) {
          this.report(
            CompileCode.UnknownInput,
            `node ${nodeId} (${callee}): input "${name}" is fixed by the launch plan and cannot be passed`,
            nodeId,
            name,
          );
        }
      }
      declared = new Map([...declared].filter(([n]) => !(n in lp.fixed)));
      defaults = { ...lp.workflow[ENTITY].defaults, ...def.defaults };
    }
    if (def.kind === 'eager') {
      this.report(
        CompileCode.EagerInWorkflow,
        `node ${nodeId}: eager workflow ${entityName(def)} cannot be called from a static or dynamic workflow (as in Flyte); call it from another eager workflow or run it directly`,
        nodeId,
      );
    }
    if (def.kind === 'map') return this.addMapCall(nodeId, def as MapDef, given, upstream);
    const bindings = this.bindInputs(nodeId, callee, declared, given, defaults, upstream);
    const node: flyteidl.core.INode = {
      id: nodeId,
      metadata: { name: callee },
      inputs: bindings,
      upstreamNodeIds: [...upstream],
    };
    const id = this.idOf(def);
    if (def.kind === 'workflow') node.workflowNode = { subWorkflowRef: id };
    else if (def.kind === 'launchPlan') node.workflowNode = { launchplanRef: id };
    else {
      const task = def as TaskDef;
      node.taskNode = { referenceId: id };
      const md = node.metadata as flyteidl.core.INodeMetadata;
      if (task.options.retries) md.retries = { retries: task.options.retries };
      if (task.options.interruptible !== undefined) md.interruptible = task.options.interruptible;
    }
    this.nodes.push({ node, def });
    this.references.set(entityName(def), def);
    return this.outputsOf(nodeId, def);
  }

  /**
   * A map call becomes a Flyte array node: inputs given as lists of the task's input type are
   * mapped, the others are bound as they are (`boundInputs`).
   */
  private addMapCall(nodeId: string, def: MapDef, given: Record<string, unknown>, upstream: Set<string>): unknown {
    const task = def.task;
    const callee = `map(${shortName(task)})`;
    const declared = new Map<string, TypeDescriptor>();
    const bound: string[] = [];
    for (const [name, d] of task.iface.inputs) {
      const v = given[name];
      const lt = d.literalType();
      let mapped: boolean;
      if (v instanceof NodeOutput) mapped = !isCastable(v.literalType, lt) && !!v.literalType.collectionType;
      else mapped = mapsOver(d, v);
      if (mapped) declared.set(name, tList(d));
      else {
        declared.set(name, d);
        if (name in given) bound.push(name);
      }
    }
    const bindings = this.bindInputs(nodeId, callee, declared, given, {}, upstream);
    // The sub-node references the list-typed variant of the task (Flyte 1.16 takes the array
    // node's interface from it as is); each item still runs the task itself.
    const variant = arrayNodeTask(task, declared, def.minSuccessRatio < 1);
    const taskId = this.idOf(variant);
    const sub: flyteidl.core.INode = {
      id: `${nodeId}-0`,
      metadata: { name: shortName(task), ...(task.options.retries ? { retries: { retries: task.options.retries } } : {}) },
      inputs: bindings,
      taskNode: { referenceId: taskId },
    };
    const node: flyteidl.core.INode = {
      id: nodeId,
      metadata: { name: callee },
      inputs: bindings,
      upstreamNodeIds: [...upstream],
      arrayNode: {
        node: sub,
        ...(def.concurrency !== undefined ? { parallelism: def.concurrency } : {}),
        ...(def.minSuccessRatio < 1 ? { minSuccessRatio: def.minSuccessRatio } : {}),
        boundInputs: bound,
        dataMode: 1,
        isOriginalSubNodeInterface: { value: false },
      },
    };
    const nodeDef: MapDef = { ...def, iface: { ...def.iface, inputs: declared } };
    this.nodes.push({ node, def: nodeDef });
    this.references.set(entityName(variant), variant);
    return this.outputsOf(nodeId, nodeDef);
  }

  /** Removes a just-added node (a conditional moves it into a branch); undefined if unknown. */
  takeNode(nodeId: string): BuiltNode | undefined {
    const i = this.nodes.findIndex((n) => n.node.id === nodeId);
    if (i < 0) return undefined;
    const [n] = this.nodes.splice(i, 1);
    return n;
  }

  /** Adds a node built elsewhere (a branch node); `nested` are the nodes it contains. */
  addBuiltNode(n: BuiltNode, nested: BuiltNode[] = []): void {
    this.nodes.push(n);
    this.nested.push(...nested);
  }

  /** Promises for the outputs of a node, shaped like the entity's declaration. */
  outputsOf(nodeId: string, def: EntityDef): unknown {
    const promises = new Map<string, NodeOutput>();
    for (const [name, d] of def.iface.outputs) promises.set(name, wrapOutput(new NodeOutput(this, nodeId, name, d.literalType())));
    const shape = def.iface.outputShape;
    switch (shape.kind) {
      case 'none':
        return {};
      case 'single':
        return promises.get('o0');
      case 'tuple':
        return Array.from({ length: shape.length }, (_v, i) => promises.get(`o${i}`));
      case 'named':
        return Object.fromEntries(shape.names.map((n) => [n, promises.get(n)]));
    }
  }

  /** Binds what the body returned to the declared workflow outputs. */
  bindOutputs(def: EntityDef, returned: unknown): flyteidl.core.IBinding[] {
    const shape = def.iface.outputShape;
    const named = new Map<string, unknown>();
    const where = 'outputs';
    switch (shape.kind) {
      case 'none':
        if (returned !== undefined && !(typeof returned === 'object' && returned !== null && Object.keys(returned).length === 0)) {
          this.report(CompileCode.UnknownOutput, `the body returned ${describeReturned(returned)} but no outputs are declared`, where);
        }
        return [];
      case 'single':
        if (returned === undefined) {
          this.report(CompileCode.UnboundOutput, `output "o0" (${def.iface.outputs.get('o0')?.toString()}) is declared but the body returned nothing`, where, 'o0');
          return [];
        }
        named.set('o0', returned);
        break;
      case 'tuple':
        if (!Array.isArray(returned)) {
          this.report(CompileCode.UnboundOutput, `expected the body to return a tuple of ${shape.length} outputs, got ${describeReturned(returned)}`, where);
          return [];
        }
        returned.forEach((v, i) => {
          if (i >= shape.length) this.report(CompileCode.UnknownOutput, `the body returned ${returned.length} values but only ${shape.length} outputs are declared`, where, `o${i}`);
          else named.set(`o${i}`, v);
        });
        break;
      case 'named':
        if (typeof returned !== 'object' || returned === null || Array.isArray(returned) || returned instanceof NodeOutput) {
          this.report(CompileCode.UnboundOutput, `expected the body to return an object with outputs ${shape.names.join(', ')}, got ${describeReturned(returned)}`, where);
          return [];
        }
        for (const [k, v] of Object.entries(returned)) {
          if (!shape.names.includes(k)) this.report(CompileCode.UnknownOutput, `the body returned an undeclared output "${k}" (declared: ${shape.names.join(', ')})`, where, k);
          else named.set(k, v);
        }
        break;
    }
    const bindings: flyteidl.core.IBinding[] = [];
    for (const [name, desc] of def.iface.outputs) {
      if (!named.has(name) || named.get(name) === undefined) {
        this.report(CompileCode.UnboundOutput, `output "${name}" (${desc.toString()}) is declared but not bound by the body`, where, name);
        continue;
      }
      const b = this.bind(named.get(name), desc, { node: where, input: name, what: `output "${name}"` }, new Set());
      if (b) bindings.push({ var: name, binding: b });
    }
    return bindings;
  }
}

function describeReturned(v: unknown): string {
  if (v instanceof NodeOutput) return `a single promise (${nodeOutputLabel(v)})`;
  if (containsOutput(v)) return 'a structure of promises';
  return describe(v);
}

/** A descriptor for the element/value type of a list/map descriptor. */
function descriptorOfItem(desc: TypeDescriptor, itemType: flyteidl.core.ILiteralType): TypeDescriptor {
  const d = desc as TypeDescriptor & { item?: TypeDescriptor; value?: TypeDescriptor };
  return d.item ?? d.value ?? descriptorFromType(itemType);
}
