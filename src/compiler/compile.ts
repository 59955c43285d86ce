/**
 * The workflow compiler: validates a `WorkflowTemplate` (with its sub-workflows, tasks and launch
 * plans) the way flytepropeller's compiler does, and produces a `CompiledWorkflowClosure` with
 * start/end nodes and connections. Never throws on the first problem: every problem becomes a
 * {@link Diagnostic}.
 */
import { CompileCode, type Diagnostic } from '../core/diagnostics.ts';
import type { flyteidl } from '../core/idl.ts';
import { descriptorFromLiteralType, isCastable, literalTypeToString } from '../core/index.ts';
import { START_NODE } from '../core/vocabulary.ts';

type ILiteralType = flyteidl.core.ILiteralType;
type IWorkflowTemplate = flyteidl.core.IWorkflowTemplate;
type INode = flyteidl.core.INode;

export { START_NODE };
export const END_NODE = 'end-node';

/** What to compile: the primary workflow and everything it references. */
export interface CompileInput {
  primary: IWorkflowTemplate;
  subWorkflows?: IWorkflowTemplate[];
  tasks: flyteidl.core.ITaskTemplate[];
  /** Interfaces of launch plans referenced by launch-plan nodes. */
  launchPlans?: flyteidl.core.ILaunchPlanTemplate[];
}

/** The compiled closure, or the diagnostics explaining why there is none. */
export interface CompileResult {
  closure?: flyteidl.core.ICompiledWorkflowClosure;
  diagnostics: Diagnostic[];
}

/** `project/domain/name/version` of an identifier: the key entities are matched by. */
export function idKey(id: flyteidl.core.IIdentifier | null | undefined): string {
  return `${id?.project ?? ''}/${id?.domain ?? ''}/${id?.name ?? ''}/${id?.version ?? ''}`;
}

interface Scope {
  report(code: string, message: string, ...path: string[]): void;
}

function variables(vm: flyteidl.core.IVariableMap | null | undefined): Map<string, ILiteralType> {
  const m = new Map<string, ILiteralType>();
  for (const [k, v] of Object.entries(vm?.variables ?? {})) m.set(k, v.type ?? {});
  return m;
}

/** Type of a value reached by following an attribute path, or undefined if the path is invalid. */
function followAttrPath(lt: ILiteralType, path: flyteidl.core.IPromiseAttribute[]): ILiteralType | undefined {
  let cur: ILiteralType | undefined = lt;
  for (const p of path) {
    if (!cur) return undefined;
    if (p.intValue !== undefined && p.intValue !== null) cur = cur.collectionType ?? undefined;
    else if (p.stringValue !== undefined && p.stringValue !== null) {
      const key: string = p.stringValue;
      if (cur.mapValueType) cur = cur.mapValueType;
      else if (cur.structure?.dataclassType?.[key]) cur = cur.structure.dataclassType[key];
      else if (cur.simple === 9) cur = { simple: 9 };
      else return undefined;
    } else return undefined;
  }
  return cur;
}

/** Turns a constant binding back into the literal it stands for (for type checking). */
function bindingToLiteral(b: flyteidl.core.IBindingData): flyteidl.core.ILiteral | undefined {
  if (b.scalar) return { scalar: b.scalar };
  if (b.collection) {
    const lits = (b.collection.bindings ?? []).map(bindingToLiteral);
    if (lits.some((l) => !l)) return undefined;
    return { collection: { literals: lits as flyteidl.core.ILiteral[] } };
  }
  if (b.map) {
    const literals: Record<string, flyteidl.core.ILiteral> = {};
    for (const [k, v] of Object.entries(b.map.bindings ?? {})) {
      const l = bindingToLiteral(v);
      if (!l) return undefined;
      literals[k] = l;
    }
    return { map: { literals } };
  }
  return undefined;
}

/** Node ids a binding reads from. */
function promiseSources(b: flyteidl.core.IBindingData, out: Set<string>): void {
  if (b.promise) out.add(b.promise.nodeId || START_NODE);
  for (const x of b.collection?.bindings ?? []) promiseSources(x, out);
  for (const x of Object.values(b.map?.bindings ?? {})) promiseSources(x, out);
}

class WorkflowCompiler {
  private readonly tasks = new Map<string, flyteidl.core.ITaskTemplate>();
  private readonly subs = new Map<string, IWorkflowTemplate>();
  private readonly lps = new Map<string, flyteidl.core.ILaunchPlanTemplate>();
  readonly diagnostics: Diagnostic[] = [];
  readonly usedTasks = new Set<string>();
  readonly usedSubs = new Set<string>();
  readonly usedLps = new Set<string>();

  constructor(input: CompileInput) {
    for (const t of input.tasks) this.tasks.set(idKey(t.id), t);
    for (const w of input.subWorkflows ?? []) this.subs.set(idKey(w.id), w);
    for (const l of input.launchPlans ?? []) this.lps.set(idKey(l.id), l);
  }

  scope(prefix: string): Scope {
    return {
      report: (code, message, ...path) => this.diagnostics.push({ code, message, path: [prefix, ...path].join('/') }),
    };
  }

  /** Interface of what a node runs, or undefined after reporting. */
  nodeInterface(node: INode, scope: Scope): flyteidl.core.ITypedInterface | undefined {
    const id = node.id ?? '';
    if (node.taskNode) {
      const key = idKey(node.taskNode.referenceId);
      const task = this.tasks.get(key);
      if (!task) {
        scope.report(CompileCode.UnknownEntity, `node ${id}: task ${key} is not registered or not included`, id);
        return undefined;
      }
      this.usedTasks.add(key);
      return task.interface ?? {};
    }
    if (node.workflowNode?.subWorkflowRef) {
      const key = idKey(node.workflowNode.subWorkflowRef);
      const wf = this.subs.get(key);
      if (!wf) {
        scope.report(CompileCode.UnknownEntity, `node ${id}: sub-workflow ${key} is not included`, id);
        return undefined;
      }
      this.usedSubs.add(key);
      return wf.interface ?? {};
    }
    if (node.workflowNode?.launchplanRef) {
      const key = idKey(node.workflowNode.launchplanRef);
      const lp = this.lps.get(key);
      if (!lp) {
        scope.report(CompileCode.UnknownEntity, `node ${id}: launch plan ${key} is not registered`, id);
        return undefined;
      }
      this.usedLps.add(key);
      return lp.interface ?? {};
    }
    if (node.branchNode) return this.branchInterface(node, scope);
    if (node.arrayNode) return this.arrayInterface(node, scope);
    scope.report(CompileCode.UnknownEntity, `node ${id}: it has no target (task, workflow, launch plan or branch)`, id);
    return undefined;
  }

  /**
   * An array node (map) takes its sub-node's inputs as lists, except `boundInputs`, and returns
   * each output as a list (of optionals when some runs may fail) — unless the sub-node's
   * interface is not the original task's (`is_original_sub_node_interface: false`), which is then
   * the array node's as is.
   */
  private arrayInterface(node: INode, scope: Scope): flyteidl.core.ITypedInterface | undefined {
    const an = node.arrayNode ?? {};
    const sub = an.node;
    if (!sub) {
      scope.report(CompileCode.UnknownEntity, `array node ${node.id} has no sub-node`, node.id ?? '');
      return undefined;
    }
    const iface = this.nodeInterface(sub, scope);
    if (!iface) return undefined;
    // Flyte 1.16: a sub-node whose task is already list-typed (flytekit's `-arraynode` task, and
    // ours) gives the array node its interface as is.
    if (an.isOriginalSubNodeInterface && !an.isOriginalSubNodeInterface.value) return iface;
    const bound = new Set(an.boundInputs ?? []);
    const partial = (an.minSuccessRatio ?? 1) < 1 || (an.minSuccesses !== undefined && an.minSuccesses !== null);
    const inputs: Record<string, flyteidl.core.IVariable> = {};
    for (const [k, t] of variables(iface.inputs)) inputs[k] = { type: bound.has(k) ? t : { collectionType: t } };
    const outputs: Record<string, flyteidl.core.IVariable> = {};
    for (const [k, t] of variables(iface.outputs)) {
      outputs[k] = { type: { collectionType: partial ? { unionType: { variants: [t, { simple: 0 }] } } : t } };
    }
    return { inputs: { variables: inputs }, outputs: { variables: outputs } };
  }

  /** A branch node's outputs are what every case's node outputs in common (Flyte's rule). */
  private branchInterface(node: INode, scope: Scope): flyteidl.core.ITypedInterface | undefined {
    const ifElse = node.branchNode?.ifElse;
    const id = node.id ?? '';
    if (!ifElse?.case?.thenNode || !ifElse.case.condition) {
      scope.report(CompileCode.InvalidBranch, `branch node ${id} has no if case`, id);
      return undefined;
    }
    const thenNodes = [ifElse.case.thenNode, ...(ifElse.other ?? []).map((c) => c.thenNode), ifElse.elseNode].filter(
      (n): n is INode => !!n,
    );
    let outputs: Map<string, ILiteralType> | undefined;
    for (const n of thenNodes) {
      const iface = this.nodeInterface(n, scope);
      if (!iface) return undefined;
      const outs = variables(iface.outputs);
      if (!outputs) outputs = outs;
      else for (const k of [...outputs.keys()]) if (!outs.has(k)) outputs.delete(k);
    }
    const vm: Record<string, flyteidl.core.IVariable> = {};
    for (const [k, v] of outputs ?? []) vm[k] = { type: v };
    // Inputs of a branch node are whatever its bindings carry (used by conditions).
    return { inputs: { variables: {} }, outputs: { variables: vm } };
  }

  /** Checks one binding against the type it must have. */
  checkBinding(
    b: flyteidl.core.IBindingData,
    expected: ILiteralType,
    outputsOf: (nodeId: string) => Map<string, ILiteralType> | undefined,
    scope: Scope,
    where: { node: string; input: string },
  ): void {
    const what = `node ${where.node}: input "${where.input}"`;
    if (b.promise) {
      const src = b.promise.nodeId || START_NODE;
      const outs = outputsOf(src);
      if (!outs) {
        scope.report(CompileCode.UnknownNode, `${what} reads node ${src}, which does not exist`, where.node, where.input);
        return;
      }
      const varName = b.promise.var ?? '';
      const t = outs.get(varName);
      if (!t) {
        const known = [...outs.keys()].join(', ') || 'none';
        scope.report(
          CompileCode.UnknownOutput,
          `${what} reads "${varName}" of node ${src}, which has no such ${src === START_NODE ? 'input' : 'output'} (has: ${known})`,
          where.node,
          where.input,
        );
        return;
      }
      const actual = followAttrPath(t, b.promise.attrPath ?? []);
      if (!actual) {
        scope.report(CompileCode.MismatchingTypes, `${what}: attribute path does not fit ${literalTypeToString(t)}`, where.node, where.input);
        return;
      }
      if (!isCastable(actual, expected)) {
        scope.report(
          CompileCode.MismatchingTypes,
          `${what} expects ${literalTypeToString(expected)}, got ${literalTypeToString(actual)} from "${varName}" of node ${src}`,
          where.node,
          where.input,
        );
      }
      return;
    }
    if (b.collection) {
      if (!expected.collectionType) {
        scope.report(CompileCode.MismatchingTypes, `${what} expects ${literalTypeToString(expected)}, got a list`, where.node, where.input);
        return;
      }
      for (const x of b.collection.bindings ?? []) this.checkBinding(x, expected.collectionType, outputsOf, scope, where);
      return;
    }
    if (b.map && !expected.simple) {
      if (!expected.mapValueType) {
        scope.report(CompileCode.MismatchingTypes, `${what} expects ${literalTypeToString(expected)}, got a map`, where.node, where.input);
        return;
      }
      for (const x of Object.values(b.map.bindings ?? {})) this.checkBinding(x, expected.mapValueType, outputsOf, scope, where);
      return;
    }
    const lit = bindingToLiteral(b);
    if (!lit) {
      scope.report(CompileCode.InvalidValue, `${what} has an empty binding`, where.node, where.input);
      return;
    }
    try {
      descriptorFromLiteralType(expected).fromLiteral(lit, what);
    } catch (e) {
      scope.report(CompileCode.InvalidValue, e instanceof Error ? e.message : String(e), where.node, where.input);
    }
  }

  compileWorkflow(template: IWorkflowTemplate): flyteidl.core.ICompiledWorkflow {
    const wfName = template.id?.name ?? 'workflow';
    const scope = this.scope(wfName);
    const nodes = (template.nodes ?? []).filter((n) => n.id !== START_NODE && n.id !== END_NODE);
    const byId = new Map<string, INode>();
    for (const n of nodes) {
      const id = n.id ?? '';
      if (!id) scope.report(CompileCode.UnknownNode, 'a node has no id');
      else if (byId.has(id)) scope.report(CompileCode.DuplicateNodeId, `node id ${id} is used twice`, id);
      byId.set(id, n);
    }
    const ifaces = new Map<string, flyteidl.core.ITypedInterface>();
    for (const n of nodes) {
      const iface = this.nodeInterface(n, scope);
      if (iface) ifaces.set(n.id ?? '', iface);
    }
    const wfInputs = variables(template.interface?.inputs);
    const outputsOf = (id: string): Map<string, ILiteralType> | undefined => {
      if (id === START_NODE) return wfInputs;
      const iface = ifaces.get(id);
      return iface ? variables(iface.outputs) : byId.has(id) ? new Map() : undefined;
    };
    const upstream = new Map<string, Set<string>>();
    for (const n of nodes) {
      const id = n.id ?? '';
      const deps = new Set<string>();
      const iface = ifaces.get(id);
      const inputs = iface ? variables(iface.inputs) : undefined;
      const bound = new Set<string>();
      for (const b of n.inputs ?? []) {
        const v = b.var ?? '';
        if (!b.binding) continue;
        promiseSources(b.binding, deps);
        if (!inputs || n.branchNode) continue;
        if (bound.has(v)) scope.report(CompileCode.UnknownInput, `node ${id}: input "${v}" is bound twice`, id, v);
        bound.add(v);
        const expected = inputs.get(v);
        if (!expected) {
          scope.report(CompileCode.UnknownInput, `node ${id}: unknown input "${v}" (declared: ${[...inputs.keys()].join(', ') || 'none'})`, id, v);
          continue;
        }
        this.checkBinding(b.binding, expected, outputsOf, scope, { node: id, input: v });
      }
      if (inputs && !n.branchNode) {
        for (const [v, lt] of inputs) {
          if (!bound.has(v)) scope.report(CompileCode.MissingInput, `node ${id}: missing input "${v}" of type ${literalTypeToString(lt)}`, id, v);
        }
      }
      for (const u of n.upstreamNodeIds ?? []) {
        if (u !== START_NODE && !byId.has(u)) scope.report(CompileCode.UnknownNode, `node ${id} depends on node ${u}, which does not exist`, id);
        deps.add(u);
      }
      deps.delete(START_NODE);
      upstream.set(id, deps);
    }
    // Workflow outputs.
    const wfOutputs = variables(template.interface?.outputs);
    const endDeps = new Set<string>();
    const boundOut = new Set<string>();
    for (const b of template.outputs ?? []) {
      const v = b.var ?? '';
      const expected = wfOutputs.get(v);
      if (!b.binding) continue;
      promiseSources(b.binding, endDeps);
      if (!expected) {
        scope.report(CompileCode.UnknownOutput, `workflow output "${v}" is not declared in the interface`, 'outputs', v);
        continue;
      }
      boundOut.add(v);
      this.checkBinding(b.binding, expected, outputsOf, scope, { node: END_NODE, input: v });
    }
    for (const [v, lt] of wfOutputs) {
      if (!boundOut.has(v)) scope.report(CompileCode.UnboundOutput, `workflow output "${v}" (${literalTypeToString(lt)}) is not bound`, 'outputs', v);
    }
    endDeps.delete(START_NODE);
    this.checkCycles(upstream, scope);
    // Connections: roots hang off start-node, leaves and output sources feed end-node.
    const hasDownstream = new Set<string>();
    for (const deps of upstream.values()) for (const d of deps) hasDownstream.add(d);
    const up: Record<string, { ids: string[] }> = {};
    const down: Record<string, { ids: string[] }> = {};
    const addEdge = (from: string, to: string): void => {
      (up[to] ??= { ids: [] }).ids.push(from);
      (down[from] ??= { ids: [] }).ids.push(to);
    };
    for (const [id, deps] of upstream) {
      if (deps.size === 0) addEdge(START_NODE, id);
      for (const d of [...deps].sort()) addEdge(d, id);
    }
    const endUp = new Set<string>(endDeps);
    for (const id of upstream.keys()) if (!hasDownstream.has(id)) endUp.add(id);
    if (endUp.size === 0) addEdge(START_NODE, END_NODE);
    for (const id of [...endUp].sort()) addEdge(id, END_NODE);
    const compiledNodes: INode[] = [
      { id: START_NODE },
      ...nodes.map((n) => ({ ...n, upstreamNodeIds: [...(upstream.get(n.id ?? '') ?? [])].sort() })),
      { id: END_NODE, inputs: template.outputs ?? [] },
    ];
    // Like Flyte's compiler, a missing side of the interface becomes an empty variable map.
    const iface = { inputs: template.interface?.inputs ?? { variables: {} }, outputs: template.interface?.outputs ?? { variables: {} } };
    return { template: { ...template, interface: { ...template.interface, ...iface }, nodes: compiledNodes }, connections: { upstream: up, downstream: down } };
  }

  private checkCycles(upstream: Map<string, Set<string>>, scope: Scope): void {
    const state = new Map<string, 1 | 2>();
    const visit = (id: string, stack: string[]): void => {
      const s = state.get(id);
      if (s === 2) return;
      if (s === 1) {
        const cycle = [...stack.slice(stack.indexOf(id)), id];
        scope.report(CompileCode.CycleDetected, `the nodes form a cycle: ${cycle.join(' -> ')}`, id);
        return;
      }
      state.set(id, 1);
      for (const d of upstream.get(id) ?? []) if (upstream.has(d)) visit(d, [...stack, id]);
      state.set(id, 2);
    };
    for (const id of upstream.keys()) visit(id, []);
  }
}

/**
 * Compiles a workflow and everything it references into Flyte's `CompiledWorkflowClosure`.
 * Sub-workflows are compiled too; only referenced tasks, sub-workflows and launch plans are kept.
 */
export function compileWorkflow(input: CompileInput): CompileResult {
  const c = new WorkflowCompiler(input);
  const primary = c.compileWorkflow(input.primary);
  const subWorkflows: flyteidl.core.ICompiledWorkflow[] = [];
  const done = new Set<string>();
  // Compile reachable sub-workflows (they may reference further sub-workflows).
  for (;;) {
    const next = [...c.usedSubs].find((k) => !done.has(k));
    if (next === undefined) break;
    done.add(next);
    const tpl = (input.subWorkflows ?? []).find((w) => idKey(w.id) === next);
    if (tpl) subWorkflows.push(c.compileWorkflow(tpl));
  }
  if (c.diagnostics.length > 0) return { diagnostics: c.diagnostics };
  return {
    diagnostics: [],
    closure: {
      primary,
      subWorkflows,
      tasks: input.tasks.filter((t) => c.usedTasks.has(idKey(t.id))).map((template) => ({ template })),
      launchPlans: (input.launchPlans ?? []).filter((l) => c.usedLps.has(idKey(l.id))).map((template) => ({ template })),
    },
  };
}
