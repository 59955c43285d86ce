// The execution graph model: a compiled workflow (the closure admin stores) joined with what has
// run so far (node executions, their children, dynamic workflows, eager child executions), as a
// tree of plain objects the graph view lays out and draws. Pure (unit-tested in Node).

import { phaseName, shortName } from './format.js';
import { typeToString } from './literals.js';

/**
 * What is known about an execution's nodes, keyed by unique node id (the id admin lists them by:
 * `n0` at the top, `n2-0-n0` for children).
 * @typedef {object} RunState
 * @property {Map<string, object>} nodes top-level node executions by node id
 * @property {Map<string, object[]>} children child node executions by parent unique id
 * @property {Map<string, object>} dynamic compiled dynamic workflow closures by parent unique id
 * @property {Map<string, object[]>} eager child executions of eager nodes by unique id
 * @property {Map<string, object[]>} tasks task executions (attempts) by unique id
 * @property {boolean} finished the execution is terminal (pending nodes will never run)
 */

/** An empty run state (for entity pages: a workflow's static graph). */
export function emptyRunState() {
  return { nodes: new Map(), children: new Map(), dynamic: new Map(), eager: new Map(), tasks: new Map(), finished: false };
}

function idKey(id) {
  return id ? `${id.project}/${id.domain}/${id.name}/${id.version}` : '';
}

const OPS = { EQ: '==', NEQ: '!=', GT: '>', GTE: '>=', LT: '<', LTE: '<=' };

function literalText(p) {
  if (!p) return '?';
  if (p.integer !== undefined) return String(p.integer);
  if (p.float_value !== undefined) return String(p.float_value);
  if (p.string_value !== undefined) return JSON.stringify(p.string_value);
  if (p.boolean !== undefined) return String(p.boolean);
  if (p.datetime !== undefined) return p.datetime;
  if (p.duration !== undefined) return p.duration;
  return '?';
}

function operandText(o, varNames) {
  if (!o) return '?';
  if (o.var !== undefined) return varNames.get(o.var) ?? o.var;
  if (o.primitive) return literalText(o.primitive);
  if (o.scalar) return o.scalar.primitive ? literalText(o.scalar.primitive) : o.scalar.none_type ? 'None' : '?';
  return '?';
}

/** A branch condition as text, with branch inputs replaced by what they are bound to: `x < 10 and y`. */
export function conditionText(expr, varNames = new Map()) {
  if (!expr) return '';
  if (expr.comparison) {
    const c = expr.comparison;
    return `${operandText(c.left_value, varNames)} ${OPS[c.operator ?? 'EQ'] ?? c.operator} ${operandText(c.right_value, varNames)}`;
  }
  if (expr.conjunction) {
    const c = expr.conjunction;
    const op = c.operator === 'OR' ? 'or' : 'and';
    const side = (e) => (e?.conjunction && e.conjunction.operator !== c.operator ? `(${conditionText(e, varNames)})` : conditionText(e, varNames));
    return `${side(c.left_expression)} ${op} ${side(c.right_expression)}`;
  }
  return '';
}

function bindingSource(b) {
  const p = b?.binding?.promise;
  if (!p) return undefined;
  return p.node_id === 'start-node' || p.node_id === '' ? p.var : `${p.node_id}.${p.var}`;
}

/** Index of the templates a closure carries. */
function indexClosure(closure) {
  const tasks = new Map();
  for (const t of closure?.tasks ?? []) if (t.template?.id) tasks.set(idKey(t.template.id), t.template);
  const subs = new Map();
  for (const w of closure?.sub_workflows ?? []) if (w.template?.id) subs.set(idKey(w.template.id), w);
  return { tasks, subs };
}

function mergeIndex(a, b) {
  return { tasks: new Map([...a.tasks, ...b.tasks]), subs: new Map([...a.subs, ...b.subs]) };
}

/** The node executions of one scope by spec node id: the top level, or the children of a parent (latest retry group). */
function scopeExecutions(state, parentUniqueId) {
  const out = new Map();
  if (parentUniqueId === undefined) {
    for (const [id, ne] of state.nodes) if (!state.childIds?.has(id)) out.set(id, ne);
    return out;
  }
  const kids = state.children.get(parentUniqueId) ?? [];
  const groups = kids.map((k) => Number(k.metadata?.retry_group ?? 0));
  const latest = groups.length ? Math.max(...groups) : 0;
  for (const k of kids) {
    if (Number(k.metadata?.retry_group ?? 0) !== latest) continue;
    const spec = k.metadata?.spec_node_id || k.id?.node_id;
    out.set(spec, k);
  }
  return out;
}

function nodeKind(node, template, exec) {
  if (node.id === 'start-node') return 'start';
  if (node.id === 'end-node') return 'end';
  if (node.branch_node) return 'branch';
  if (node.array_node) return 'array';
  if (node.gate_node) return 'gate';
  if (node.workflow_node) return node.workflow_node.launchplan_ref ? 'launchplan' : 'subworkflow';
  if (node.task_node) {
    if (template?.metadata?.is_eager || exec?.metadata?.is_eager) return 'eager';
    if (template?.type === 'dynamic-task' || exec?.metadata?.is_dynamic) return 'dynamic';
    return 'task';
  }
  return 'task';
}

function nodeLabel(node, kind, template) {
  if (kind === 'start') return 'start';
  if (kind === 'end') return 'end';
  if (node.task_node?.reference_id) return shortName(node.task_node.reference_id.name);
  if (node.workflow_node) {
    const ref = node.workflow_node.launchplan_ref ?? node.workflow_node.sub_workflow_ref;
    if (ref) return shortName(ref.name);
  }
  if (node.array_node?.node?.task_node?.reference_id) return mapLabel(node.array_node.node.task_node.reference_id.name);
  return node.metadata?.name || template?.id?.name || node.id;
}

/**
 * A map node by what it maps: `map_square_2ad07d4d-arraynode` (the registered array-node task,
 * named like flytekit's map tasks) reads `map_square`.
 */
export function mapLabel(taskName) {
  return shortName(taskName).replace(/-arraynode$/, '').replace(/_[0-9a-f]{8}$/, '');
}

function phaseOf(exec, state) {
  if (exec) return phaseName(exec.closure?.phase, 'node');
  return state.finished ? 'NOT_RUN' : 'UNDEFINED';
}

/**
 * Items of a map (array) node: its child node executions (each also a graph node, for the panel,
 * the timeline and the nodes table), else the external resources of its attempts.
 */
function arrayItems(uniqueId, state, parent) {
  const kids = state.children.get(uniqueId) ?? [];
  if (kids.length > 0) {
    const num = (ne) => {
      const m = /(\d+)$/.exec(ne.id?.node_id ?? '');
      return m ? Number(m[1]) : 0;
    };
    return [...kids]
      .sort((a, b) => num(a) - num(b))
      .map((ne) => {
        const phase = phaseName(ne.closure?.phase, 'node');
        const id = ne.id?.node_id;
        const node = { key: id, id: ne.metadata?.spec_node_id || id, uniqueId: id, kind: 'task', label: `${parent.label}[${num(ne)}]`, phase, exec: ne, node: parent.node.array_node?.node ?? {}, taskTemplate: parent.taskTemplate, retries: Number(ne.metadata?.retry_group ?? 0) };
        return { index: num(ne), phase, uniqueId: id, node };
      });
  }
  const attempts = state.tasks.get(uniqueId) ?? [];
  const last = attempts[attempts.length - 1];
  const res = last?.closure?.metadata?.external_resources ?? [];
  const byIndex = new Map();
  for (const r of res) byIndex.set(Number(r.index ?? 0), { index: Number(r.index ?? 0), phase: phaseName(r.phase, 'task') });
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

function eagerExecutions(uniqueId, state) {
  return (state.eager.get(uniqueId) ?? []).map((e) => ({
    id: e.id,
    phase: phaseName(e.closure?.phase),
    label: shortName(e.spec?.launch_plan?.name ?? e.closure?.workflow_id?.name ?? e.id?.name),
    closure: e.closure,
  }));
}

/**
 * Builds the graph of one workflow template. `scope` is undefined for the top level, else the
 * unique id of the parent node whose children fill this graph.
 */
function buildScope(wf, index, state, scope) {
  const template = wf?.template ?? {};
  const execs = scopeExecutions(state, scope);
  const nodes = [];
  const ids = new Set();
  for (const node of template.nodes ?? []) {
    ids.add(node.id);
    nodes.push(buildNode(node, index, state, execs, scope));
  }
  // A dynamic workflow's closure may lack start/end nodes; children may exist before the closure.
  if (scope !== undefined) {
    for (const [spec, ne] of execs) {
      if (ids.has(spec)) continue;
      ids.add(spec);
      nodes.push(buildNode({ id: spec, metadata: { name: spec } }, index, state, execs, scope, ne));
    }
  }
  // Edges connect node keys (unique ids: `n0-0-dn1` inside a dynamic node), found by spec id.
  const keyById = new Map(nodes.map((n) => [n.id, n.key]));
  const edges = [];
  const seen = new Set();
  const add = (fromId, toId) => {
    const from = keyById.get(fromId);
    const to = keyById.get(toId);
    const k = `${from}->${to}`;
    if (from === undefined || to === undefined || from === to || seen.has(k)) return;
    seen.add(k);
    edges.push({ from, to });
  };
  const up = wf?.connections?.upstream ?? {};
  for (const [to, list] of Object.entries(up)) for (const from of list?.ids ?? []) add(from, to);
  for (const node of template.nodes ?? []) {
    for (const from of node.upstream_node_ids ?? []) add(from, node.id);
    for (const b of node.inputs ?? []) collectPromises(b.binding, (from) => add(from, node.id));
  }
  for (const b of template.outputs ?? []) collectPromises(b.binding, (from) => add(from, 'end-node'));
  // Without connections, hang roots off start-node and leaves onto end-node so the graph reads left to right.
  if (ids.has('start-node')) {
    const hasIn = new Set(edges.map((e) => e.to));
    for (const n of nodes) if (n.id !== 'start-node' && n.id !== 'end-node' && !hasIn.has(n.key)) add('start-node', n.id);
  }
  if (ids.has('end-node')) {
    const hasOut = new Set(edges.map((e) => e.from));
    for (const n of nodes) if (n.id !== 'end-node' && n.id !== 'start-node' && !hasOut.has(n.key)) add(n.id, 'end-node');
  }
  return { nodes, edges };
}

function collectPromises(bd, fn) {
  if (!bd) return;
  if (bd.promise) fn(bd.promise.node_id || 'start-node');
  for (const b of bd.collection?.bindings ?? []) collectPromises(b, fn);
  for (const b of Object.values(bd.map?.bindings ?? {})) collectPromises(b, fn);
}

function buildNode(node, index, state, execs, scope, execOverride) {
  const exec = execOverride ?? execs.get(node.id);
  const uniqueId = exec?.id?.node_id ?? (scope === undefined ? node.id : `${scope}-0-${node.id}`);
  const template = node.task_node?.reference_id ? index.tasks.get(idKey(node.task_node.reference_id)) : undefined;
  const kind = nodeKind(node, template, exec);
  const g = {
    key: uniqueId,
    id: node.id,
    uniqueId,
    kind,
    label: nodeLabel(node, kind, template),
    phase: phaseOf(exec, state),
    exec,
    node,
    taskTemplate: template,
    retries: Number(exec?.metadata?.retry_group ?? 0),
  };
  if (kind === 'branch') {
    g.cases = branchCases(node, index, state, uniqueId, g.phase);
    // Show what a taken dynamic or sub-workflow case ran, inside the branch node.
    const taken = g.cases.find((c) => c.state === 'taken' && c.node?.graph);
    if (taken) {
      g.graph = taken.node.graph;
      g.graphOwner = taken.node.uniqueId;
    }
  }
  if (kind === 'array') {
    const sub = node.array_node?.node?.task_node?.reference_id;
    if (sub) g.taskTemplate = index.tasks.get(idKey(sub));
    g.items = arrayItems(uniqueId, state, g);
  }
  if (kind === 'eager') g.executions = eagerExecutions(uniqueId, state);
  if (kind === 'launchplan') {
    const child = exec?.closure?.workflow_node_metadata?.execution_id;
    if (child?.name) g.childExecution = child;
  }
  if (kind === 'subworkflow') {
    const ref = node.workflow_node.sub_workflow_ref;
    const sub = index.subs.get(idKey(ref));
    if (sub) g.graph = buildScope(sub, index, state, uniqueId);
  }
  if (kind === 'dynamic' || (exec?.metadata?.is_parent_node && kind === 'task')) {
    const dyn = state.dynamic.get(uniqueId);
    const kids = state.children.get(uniqueId) ?? [];
    if (dyn || kids.length > 0) {
      if (kind === 'task') g.kind = 'dynamic';
      const wf = dyn?.primary ?? { template: { nodes: [] } };
      g.graph = buildScope(wf, dyn ? mergeIndex(index, indexClosure(dyn)) : index, state, uniqueId);
    }
  }
  return g;
}

function branchCases(node, index, state, uniqueId, branchPhase) {
  const ie = node.branch_node?.if_else ?? {};
  const varNames = new Map();
  for (const b of node.inputs ?? []) {
    const src = bindingSource(b);
    if (src) varNames.set(b.var, src);
  }
  const execs = scopeExecutions(state, uniqueId);
  const done = branchPhase !== 'UNDEFINED' && branchPhase !== 'QUEUED' && branchPhase !== 'RUNNING';
  const cases = [];
  const push = (label, condition, thenNode, error) => {
    const child = thenNode ? buildNode(thenNode, index, state, execs, uniqueId) : undefined;
    // Admin may record the cases not taken as SKIPPED node executions.
    const taken = child?.exec !== undefined && child.phase !== 'SKIPPED';
    cases.push({ label, condition, node: child, error, state: taken ? 'taken' : done || state.finished ? 'skipped' : 'pending' });
  };
  if (ie.case) push('if', conditionText(ie.case.condition, varNames), ie.case.then_node);
  for (const c of ie.other ?? []) push('elif', conditionText(c.condition, varNames), c.then_node);
  if (ie.else_node) push('else', '', ie.else_node);
  else if (ie.error) push('else', '', undefined, ie.error.message || 'fail');
  // A failed branch that ran no case took the error case.
  if (!cases.some((c) => c.state === 'taken') && (branchPhase === 'FAILED' || branchPhase === 'FAILING')) {
    const err = cases.find((c) => c.error !== undefined);
    if (err) err.state = 'taken';
  }
  return cases;
}

/**
 * Builds the graph of an execution from its workflow's compiled closure (`compiled_workflow` of
 * `GET /workflows/...`) and a {@link RunState}. Node phases are node-execution phases, or
 * `UNDEFINED` (not reached yet) / `NOT_RUN` (the execution ended without reaching it).
 */
export function buildGraph(compiled, state = emptyRunState()) {
  const st = { ...state, childIds: new Set([...state.children.values()].flat().map((ne) => ne.id?.node_id)) };
  return buildScope(compiled?.primary, indexClosure(compiled), st, undefined);
}

/** Every node of a graph and its nested graphs and branch cases, depth first. */
export function* walkGraph(graph, depth = 0) {
  for (const n of graph?.nodes ?? []) {
    yield { node: n, depth };
    for (const c of n.cases ?? []) if (c.node) yield { node: c.node, depth: depth + 1 };
    for (const it of n.items ?? []) if (it.node) yield { node: it.node, depth: depth + 1 };
    if (n.graph) yield* walkGraph(n.graph, depth + 1);
  }
}

/** Finds a node (or branch case node) by unique id anywhere in a graph. */
export function findNode(graph, uniqueId) {
  for (const { node } of walkGraph(graph)) if (node.uniqueId === uniqueId) return node;
  return undefined;
}

/** The unique ids of nodes that have children to fetch (parents: dynamic, branch, subworkflow, array). */
export function parentIds(nodeExecutions) {
  return nodeExecutions.filter((ne) => ne.metadata?.is_parent_node || ne.metadata?.is_dynamic || ne.metadata?.is_array || (ne.closure?.dynamic_job_spec_uri ?? '') !== '').map((ne) => ne.id.node_id);
}

/** One-line description of an interface variable map: "a: int, b: str". */
export function interfaceText(vars) {
  return Object.entries(vars?.variables ?? {})
    .map(([k, v]) => `${k}: ${typeToString(v.type)}`)
    .join(', ');
}
