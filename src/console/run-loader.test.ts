/**
 * The execution page's loader against a scripted API: it follows parents down to their children,
 * reads dynamic workflows once they exist, finds eager child executions, and stops asking for
 * what has ended.
 */
import { beforeAll, describe, expect, test } from 'vitest';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- browser modules have no type declarations
let loaderMod: Any;

beforeAll(async () => {
  loaderMod = await import('./public/js/run-loader.js' as string);
});

const id = { project: 'p', domain: 'd', name: 'e1' };
const taskId = (name: string) => ({ resource_type: 'TASK', project: 'p', domain: 'd', name, version: 'v' });
const ne = (nodeId: string, phase: string, metadata: Record<string, unknown> = {}) => ({ id: { node_id: nodeId, execution_id: id }, closure: { phase }, metadata: { spec_node_id: nodeId, ...metadata } });

/** A fake API over mutable state, counting calls by method. */
function fakeApi(state: Any) {
  const calls: Record<string, number> = {};
  const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
  const api = {
    getExecution: async () => (count('getExecution'), { id, closure: { phase: state.phase, workflow_id: { project: 'p', domain: 'd', name: 'wf', version: 'v' } } }),
    getEntity: async () => (count('getEntity'), { closure: { compiled_workflow: state.closure } }),
    listNodeExecutions: async (_id: Any, parent?: string) => (count(`nodes:${parent ?? ''}`), { node_executions: parent ? (state.children[parent] ?? []) : state.top }),
    listTaskExecutions: async (_id: Any, node: string) => (count(`tasks:${node}`), { task_executions: state.tasks[node] ?? [] }),
    dynamicWorkflow: async (_id: Any, node: string) => {
      count(`dynamic:${node}`);
      if (!state.dynamic[node]) throw Object.assign(new Error('not found'), { status: 404 });
      return { compiled_workflow: state.dynamic[node] };
    },
    listExecutions: async (_p: string, _d: string, q: Any) => (count(`executions:${q.filters}`), { executions: q.filters.includes('eager-exec') ? state.eager : [] }),
    getExecutionData: async () => (count('data'), { full_inputs: { literals: {} } }),
  };
  return { api, calls };
}

describe('createRunLoader', () => {
  test('a running dynamic node: children and its dynamic workflow appear as they exist', async () => {
    const closure = {
      primary: { template: { nodes: [{ id: 'n0', task_node: { reference_id: taskId('dyn') } }] } },
      tasks: [{ template: { id: taskId('dyn'), type: 'dynamic-task', metadata: {} } }],
    };
    const state: Any = { phase: 'RUNNING', closure, top: [ne('n0', 'RUNNING')], children: {}, tasks: { n0: [{ id: { retry_attempt: 0 }, closure: { phase: 'RUNNING' } }] }, dynamic: {}, eager: [] };
    const { api, calls } = fakeApi(state);
    const loader = loaderMod.createRunLoader(api, id);

    let snap = await loader.refresh();
    expect(snap.live).toBe(true);
    expect(snap.graph.nodes[0].kind).toBe('dynamic');
    expect(snap.graph.nodes[0].graph).toBeUndefined();

    // The task wrote its futures: children run, the dynamic workflow is readable.
    state.top = [ne('n0', 'DYNAMIC_RUNNING', { is_parent_node: true, is_dynamic: true })];
    state.children.n0 = [ne('n0-0-dn0', 'RUNNING', { spec_node_id: 'dn0' })];
    state.dynamic.n0 = { primary: { template: { nodes: [{ id: 'dn0', task_node: { reference_id: taskId('t') } }] } }, tasks: [] };
    snap = await loader.refresh();
    expect(snap.graph.nodes[0].graph.nodes.map((n: Any) => [n.uniqueId, n.phase])).toEqual([['n0-0-dn0', 'RUNNING']]);

    // Everything ends: one more read of each, then nothing.
    state.phase = 'SUCCEEDED';
    state.top = [ne('n0', 'SUCCEEDED', { is_parent_node: true, is_dynamic: true })];
    state.children.n0 = [ne('n0-0-dn0', 'SUCCEEDED', { spec_node_id: 'dn0' })];
    snap = await loader.refresh();
    expect(snap.live).toBe(false);
    const before = { ...calls };
    snap = await loader.refresh();
    expect(calls['nodes:n0']).toBe(before['nodes:n0']);
    expect(calls['tasks:n0']).toBe(before['tasks:n0']);
    expect(calls['dynamic:n0']).toBe(before['dynamic:n0']);
    expect(calls['data']).toBe(before['data']);
    expect(snap.graph.nodes[0].graph.nodes[0].phase).toBe('SUCCEEDED');
  });

  test('a recursion 12 levels deep, with ids Flyte shortens (f…), shows every case that ran', async () => {
    // Level i: a dynamic node whose workflow is a branch; its `if` case runs the next dynamic level.
    const depth = 12;
    const branch = {
      id: 'n0',
      branch_node: { if_else: { case: { condition: {}, then_node: { id: 'n1', task_node: { reference_id: taskId('dyn') } } }, else_node: { id: 'n2', task_node: { reference_id: taskId('leaf') } } } },
    };
    const tasks = [
      { template: { id: taskId('dyn'), type: 'dynamic-task', metadata: {} } },
      { template: { id: taskId('leaf'), type: 'python-task', metadata: {} } },
    ];
    const closure = { primary: { template: { nodes: [{ id: 'top', task_node: { reference_id: taskId('dyn') } }] } }, tasks };
    const children: Record<string, Any[]> = {};
    const dynamic: Record<string, Any> = {};
    let parent = 'top';
    for (let i = 0; i < depth; i++) {
      const b = `fb${i}`; // shortened ids, as Flyte's FixedLengthUniqueIDForParts makes them
      const next = `fs${i}`;
      dynamic[parent] = { primary: { template: { nodes: [branch] } }, tasks };
      children[parent] = [ne(b, 'SUCCEEDED', { spec_node_id: 'n0', is_parent_node: true })];
      children[b] = [ne(next, 'SUCCEEDED', { spec_node_id: 'n1', is_parent_node: i < depth - 1, is_dynamic: i < depth - 1 }), ne(`fk${i}`, 'SKIPPED', { spec_node_id: 'n2' })];
      parent = next;
    }
    const top = [ne('top', 'SUCCEEDED', { is_parent_node: true, is_dynamic: true })];
    const state: Any = { phase: 'SUCCEEDED', closure, top, children, tasks: {}, dynamic, eager: [] };
    const snap = await loaderMod.createRunLoader(fakeApi(state).api, id).refresh();
    const graphMod: Any = await import('./public/js/graph.js' as string);
    const all = [...graphMod.walkGraph(snap.graph)].map(({ node }: Any) => node);
    const branches = all.filter((n: Any) => n.kind === 'branch');
    expect(branches).toHaveLength(depth);
    for (const b of branches) expect(b.cases.map((c: Any) => c.state)).toEqual(['taken', 'skipped']);
    expect(all.filter((n: Any) => n.phase === 'NOT_RUN')).toEqual([]);
  });

  test('eager child executions are grouped under their parent node', async () => {
    const closure = {
      primary: { template: { nodes: [{ id: 'eg', task_node: { reference_id: taskId('eg') } }] } },
      tasks: [{ template: { id: taskId('eg'), type: 'container', metadata: { is_eager: true } } }],
    };
    const child = (name: string, phase: string) => ({ id: { ...id, name }, spec: { metadata: { parent_node_execution: { node_id: 'eg', execution_id: id } } }, closure: { phase } });
    const state: Any = { phase: 'RUNNING', closure, top: [ne('eg', 'RUNNING')], children: {}, tasks: {}, dynamic: {}, eager: [child('c1', 'SUCCEEDED'), child('c2', 'RUNNING')] };
    const { api } = fakeApi(state);
    const snap = await loaderMod.createRunLoader(api, id).refresh();
    const eg = snap.graph.nodes[0];
    expect(eg.kind).toBe('eager');
    expect(eg.executions.map((e: Any) => [e.id.name, e.phase])).toEqual([
      ['c1', 'SUCCEEDED'],
      ['c2', 'RUNNING'],
    ]);
  });

  test('listEagerChildren queries the eager-exec label and the parent, without duplicates', async () => {
    const seen: string[] = [];
    const e = (name: string) => ({ id: { ...id, name } });
    const api = {
      listExecutions: async (_p: string, _d: string, q: Any) => {
        seen.push(q.filters);
        return { executions: q.filters.includes('eager-exec') ? [e('a'), e('b')] : [e('b'), e('c')] };
      },
    };
    const kids = await loaderMod.listEagerChildren(api, id);
    expect(kids.map((k: Any) => k.id.name)).toEqual(['a', 'b', 'c']);
    expect(seen).toEqual(['eq(execution_tag.key,eager-exec)+eq(execution_tag.value,e1)', 'eq(parent_name,e1)']);
  });
});
