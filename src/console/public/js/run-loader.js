// Loads everything the execution page shows and keeps it fresh: the execution, its workflow's
// compiled closure, node executions (and, recursively, the children of parent nodes: dynamic,
// branch, sub-workflow, map), dynamic workflows, attempts (task executions) and the child
// executions of eager nodes. Terminal things are fetched once more after they end, then cached.
// The API is injected so that this runs (and is tested) without a browser.

import { isTerminal, phaseName } from './format.js';
import { buildGraph, emptyRunState } from './graph.js';

// Only a guard against a runaway walk: Flyte nests as deep as a workflow recurses (a merge sort of
// 16 numbers puts branch cases 10 levels down), and every level must be read to show what ran.
const MAX_DEPTH = 64;

function entityKey(id) {
  return `${id.project}/${id.domain}/${id.name}/${id.version}`;
}

function isEagerTemplate(t) {
  return Boolean(t?.metadata?.is_eager);
}

/**
 * Child executions of an eager execution: those labelled `eager-exec=<name>` and those whose
 * parent node execution is in this execution (both, deduplicated).
 */
export async function listEagerChildren(api, id) {
  const byTag = api.listExecutions(id.project, id.domain, { filters: `eq(execution_tag.key,eager-exec)+eq(execution_tag.value,${id.name})`, sortDir: 'ASCENDING', limit: 500 });
  const byParent = api.listExecutions(id.project, id.domain, { filters: `eq(parent_name,${id.name})`, sortDir: 'ASCENDING', limit: 500 }).catch(() => ({ executions: [] }));
  const [a, b] = await Promise.all([byTag, byParent]);
  const seen = new Map();
  for (const e of [...(a.executions ?? []), ...(b.executions ?? [])]) if (e.id?.name && !seen.has(e.id.name)) seen.set(e.id.name, e);
  return [...seen.values()];
}

/** Creates a loader for one execution. `refresh()` resolves to a snapshot (see below). */
export function createRunLoader(api, id) {
  let exec;
  let workflow;
  let data;
  let dataTerminal = false;
  const run = emptyRunState();
  const doneChildren = new Set();
  const doneTasks = new Set();
  const dynamicMissing = new Map();
  let eagerDone = false;
  let closureTasks = [];

  const fetchTasks = async (ne) => {
    const key = ne.id.node_id;
    if (doneTasks.has(key)) return;
    const phase = phaseName(ne.closure?.phase, 'node');
    if (phase === 'UNDEFINED' || (ne.id.node_id === 'start-node' || ne.id.node_id === 'end-node')) return;
    const list = await api.listTaskExecutions(id, key).catch(() => undefined);
    if (!list) return;
    const attempts = (list.task_executions ?? []).sort((x, y) => (x.id?.retry_attempt ?? 0) - (y.id?.retry_attempt ?? 0));
    if (attempts.length > 0 || isTerminal(phase)) run.tasks.set(key, attempts);
    if (isTerminal(phase)) doneTasks.add(key);
  };

  // Task templates and node specs known so far (the workflow's closure and dynamic workflows).
  const templates = new Map();
  const specNodes = new Map();
  const learn = (closure) => {
    for (const t of closure?.tasks ?? []) if (t.template?.id) templates.set(entityKey(t.template.id), t.template);
    for (const n of closure?.primary?.template?.nodes ?? []) if (!specNodes.has(n.id)) specNodes.set(n.id, n);
    for (const w of closure?.sub_workflows ?? []) for (const n of w.template?.nodes ?? []) if (!specNodes.has(n.id)) specNodes.set(n.id, n);
  };
  const templateOf = (ne) => {
    const spec = specNodes.get(ne.metadata?.spec_node_id || ne.id.node_id);
    const ref = spec?.task_node?.reference_id;
    return ref ? templates.get(entityKey(ref)) : undefined;
  };
  const isDynamic = (ne) => ne.metadata?.is_dynamic || (ne.closure?.dynamic_job_spec_uri ?? '') !== '' || templateOf(ne)?.type === 'dynamic-task';
  const isParent = (ne) => ne.metadata?.is_parent_node || ne.metadata?.is_array || isDynamic(ne);

  const fetchChildren = async (ne, depth) => {
    const key = ne.id.node_id;
    const phase = phaseName(ne.closure?.phase, 'node');
    let kids = run.children.get(key) ?? [];
    if (!doneChildren.has(key)) {
      const list = await api.listNodeExecutions(id, key).catch(() => undefined);
      if (list) {
        kids = list.node_executions ?? [];
        run.children.set(key, kids);
        if (isTerminal(phase)) doneChildren.add(key);
      }
    }
    const hasClosure = run.dynamic.has(key);
    if ((isDynamic(ne) || (kids.length > 0 && specNodes.get(ne.metadata?.spec_node_id || key)?.task_node)) && !hasClosure && !ne.metadata?.is_array) {
      // The dynamic workflow exists once the task has written its futures; ask again later if not.
      // Once terminal without a dynamic workflow, stop asking.
      if (!(isTerminal(phase) && dynamicMissing.get(key) === phase)) {
        const dyn = await api.dynamicWorkflow(id, key).catch(() => undefined);
        if (dyn?.compiled_workflow?.primary) {
          run.dynamic.set(key, dyn.compiled_workflow);
          learn(dyn.compiled_workflow);
        } else dynamicMissing.set(key, phase);
      }
    }
    await Promise.all(kids.map((k) => visit(k, depth + 1)));
  };

  const visit = async (ne, depth) => {
    const jobs = [fetchTasks(ne)];
    if (depth < MAX_DEPTH && isParent(ne)) jobs.push(fetchChildren(ne, depth));
    await Promise.all(jobs);
  };

  /**
   * Fetches what changed. Resolves to `{ exec, workflow, data, run, graph, phase, finished, live }`
   * where `live` is false once the execution and everything under it is terminal.
   */
  async function refresh() {
    exec = await api.getExecution(id);
    const phase = phaseName(exec.closure?.phase);
    if (!workflow && exec.closure?.workflow_id?.name) {
      workflow = await api.getEntity('WORKFLOW', exec.closure.workflow_id).catch(() => undefined);
      closureTasks = workflow?.closure?.compiled_workflow?.tasks ?? [];
      learn(workflow?.closure?.compiled_workflow);
    }
    const top = await api.listNodeExecutions(id);
    run.nodes = new Map((top.node_executions ?? []).map((ne) => [ne.id.node_id, ne]));
    await Promise.all([...run.nodes.values()].map((ne) => visit(ne, 0)));

    // Eager tasks may sit at the top or inside a dynamic workflow.
    const hasEager = [...templates.values()].some(isEagerTemplate);
    if (hasEager && !eagerDone) {
      const kids = await listEagerChildren(api, id).catch(() => undefined);
      if (kids) {
        const eagerNodes = (workflow?.closure?.compiled_workflow?.primary?.template?.nodes ?? []).filter((n) =>
          closureTasks.some((t) => isEagerTemplate(t.template) && t.template.id?.name === n.task_node?.reference_id?.name),
        );
        const byNode = new Map();
        for (const k of kids) {
          const nodeId = k.spec?.metadata?.parent_node_execution?.node_id || eagerNodes[0]?.id;
          if (!nodeId) continue;
          if (!byNode.has(nodeId)) byNode.set(nodeId, []);
          byNode.get(nodeId).push(k);
        }
        run.eager = byNode;
        const allDone = kids.every((k) => isTerminal(phaseName(k.closure?.phase)));
        if (isTerminal(phase) && allDone) eagerDone = true;
      }
    }

    if (!dataTerminal) {
      data = await api.getExecutionData(id).catch(() => data);
      if (isTerminal(phase)) dataTerminal = true;
    }
    run.finished = isTerminal(phase);
    const graph = workflow?.closure?.compiled_workflow ? buildGraph(workflow.closure.compiled_workflow, run) : { nodes: [], edges: [] };
    const childrenLive = [...run.eager.values()].flat().some((k) => !isTerminal(phaseName(k.closure?.phase)));
    return { exec, workflow, data, run, graph, phase, finished: run.finished, live: !run.finished || childrenLive || !dataTerminal };
  }

  return { refresh };
}
