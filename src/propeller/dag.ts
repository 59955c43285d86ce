/**
 * The graph view of one (sub-)workflow template that rounds walk: nodes by id, upstream sets and
 * a topological order starting at `start-node` and ending at `end-node`. Built once per template
 * and cached. Works with compiled closures (which carry `start-node`, `end-node` and
 * `connections`) and, defensively, with bare templates (synthesising both from bindings and
 * `upstream_node_ids`, as Flyte's compiler does).
 */
import type { flyteidl } from '../core/idl.ts';
import { BadClosureError } from './errors.ts';
import { START_NODE } from '../core/vocabulary.ts';

type INode = flyteidl.core.INode;

export { START_NODE };
/** Id of the node whose inputs are the workflow outputs. */
export const END_NODE = 'end-node';

/** Graph of one workflow template. */
export interface Dag {
  readonly template: flyteidl.core.IWorkflowTemplate;
  readonly nodes: ReadonlyMap<string, INode>;
  /** Upstream node ids of each node (start-node has none). */
  readonly upstream: ReadonlyMap<string, readonly string[]>;
  /** Downstream node ids of each node. */
  readonly downstream: ReadonlyMap<string, readonly string[]>;
  /** Every node, each after all its upstream nodes; start-node first, end-node last. */
  readonly order: readonly string[];
}

/** Node ids a binding reads from (`""` means start-node, as flytekit writes it). */
export function promiseNodeIds(b: flyteidl.core.IBindingData | null | undefined, out: Set<string>): void {
  if (!b) return;
  if (b.promise) out.add(b.promise.nodeId ? b.promise.nodeId : START_NODE);
  for (const x of b.collection?.bindings ?? []) promiseNodeIds(x, out);
  for (const x of Object.values(b.map?.bindings ?? {})) promiseNodeIds(x, out);
}

/** Every upstream reference of a node, including those of nodes nested in a branch. */
function referencedNodes(n: INode, out: Set<string>): void {
  for (const b of n.inputs ?? []) promiseNodeIds(b.binding, out);
  for (const u of n.upstreamNodeIds ?? []) out.add(u === '' ? START_NODE : u);
  const ie = n.branchNode?.ifElse;
  if (ie) {
    const inner = [ie.case?.thenNode, ...(ie.other ?? []).map((c) => c.thenNode), ie.elseNode];
    for (const x of inner) if (x) referencedNodes(x, out);
  }
}

/** Builds the {@link Dag} of a template; `connections` from the compiled closure when present. */
export function buildDag(
  template: flyteidl.core.IWorkflowTemplate,
  connections?: flyteidl.core.IConnectionSet | null,
): Dag {
  const nodes = new Map<string, INode>();
  for (const n of template.nodes ?? []) {
    if (!n.id) throw new BadClosureError('a node has no id');
    nodes.set(n.id, n);
  }
  if (!nodes.has(START_NODE)) nodes.set(START_NODE, { id: START_NODE });
  if (!nodes.has(END_NODE)) nodes.set(END_NODE, { id: END_NODE, inputs: template.outputs ?? [] });

  const up = new Map<string, Set<string>>();
  for (const id of nodes.keys()) up.set(id, new Set());
  for (const [id, n] of nodes) {
    if (id === START_NODE) continue;
    const s = up.get(id)!;
    for (const u of connections?.upstream?.[id]?.ids ?? []) s.add(u === '' ? START_NODE : u);
    referencedNodes(n, s);
    s.delete(id);
  }
  for (const [id, s] of up) {
    for (const u of s) {
      if (!nodes.has(u)) throw new BadClosureError(`node ${id} depends on unknown node ${u}`);
    }
  }
  const down = new Map<string, Set<string>>();
  for (const id of nodes.keys()) down.set(id, new Set());
  for (const [id, s] of up) for (const u of s) down.get(u)!.add(id);

  // Roots hang off start-node; leaves feed end-node (the compiler's execution edges).
  for (const [id, s] of up) {
    if (id !== START_NODE && id !== END_NODE && s.size === 0) {
      s.add(START_NODE);
      down.get(START_NODE)!.add(id);
    }
  }
  for (const [id, d] of down) {
    if (id !== END_NODE && d.size === 0) {
      up.get(END_NODE)!.add(id);
      d.add(END_NODE);
    }
  }

  if (up.get(END_NODE)!.size === 0) {
    up.get(END_NODE)!.add(START_NODE);
    down.get(START_NODE)!.add(END_NODE);
  }

  // Kahn's algorithm, ties in template order so walks are deterministic.
  const indeg = new Map<string, number>();
  for (const [id, s] of up) indeg.set(id, s.size);
  const ready = [...nodes.keys()].filter((id) => indeg.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const d of down.get(id)!) {
      const left = indeg.get(d)! - 1;
      indeg.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (order.length !== nodes.size) {
    const stuck = [...nodes.keys()].filter((id) => !order.includes(id));
    throw new BadClosureError(`workflow ${template.id?.name ?? ''} has a cycle through ${stuck.join(', ')}`);
  }
  const freeze = (m: Map<string, Set<string>>): Map<string, readonly string[]> =>
    new Map([...m].map(([k, v]) => [k, [...v]]));
  return { template, nodes, upstream: freeze(up), downstream: freeze(down), order };
}

const topoIndex = new WeakMap<Dag, Map<string, number>>();

/** The downstream nodes of `ended`, each once, in topological order. */
export function downstreamOf(dag: Dag, ended: readonly string[]): string[] {
  if (ended.length === 0) return [];
  let index = topoIndex.get(dag);
  if (!index) {
    index = new Map(dag.order.map((id, i) => [id, i]));
    topoIndex.set(dag, index);
  }
  const next = new Set<string>();
  for (const id of ended) for (const d of dag.downstream.get(id) ?? []) next.add(d);
  return [...next].sort((a, b) => index.get(a)! - index.get(b)!);
}
