/**
 * The console's graph model (compiled closure + run state → nodes with phases, branch cases,
 * dynamic children, map items, eager child executions), its layout and the timeline rows. The
 * fixtures are trimmed copies of what the sandbox's REST API answers.
 */
import { beforeAll, describe, expect, test } from 'vitest';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- browser modules have no type declarations
let graph: Any;
let layout: Any;
let timeline: Any;

beforeAll(async () => {
  // Loaded by path so TypeScript does not look for declarations of the browser modules.
  graph = await import('./public/js/graph.js' as string);
  layout = await import('./public/js/layout.js' as string);
  timeline = await import('./public/js/timeline.js' as string);
});

const taskId = (name: string) => ({ resource_type: 'TASK', project: 'p', domain: 'd', name, version: 'v1' });
const promise = (node: string, v: string) => ({ promise: { node_id: node, var: v } });
const taskNode = (id: string, task: string, inputs: Array<[string, string, string]> = []) => ({
  id,
  metadata: { name: task },
  inputs: inputs.map(([v, n, o]) => ({ var: v, binding: promise(n, o) })),
  task_node: { reference_id: taskId(task) },
});
const tpl = (name: string, type = 'container', extra: Record<string, unknown> = {}) => ({ template: { id: taskId(name), type, metadata: { ...extra }, interface: {} } });
const ne = (nodeId: string, phase: string, extra: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  id: { node_id: nodeId, execution_id: { project: 'p', domain: 'd', name: 'e1' } },
  closure: { phase, started_at: '2024-01-01T00:00:00Z', duration: '1s', ...extra },
  metadata: { spec_node_id: nodeId, retry_group: '0', ...metadata },
});
const run = (over: Record<string, unknown> = {}) => ({ ...graph.emptyRunState(), ...over });

/** basic_workflow.my_wf: start → n0 → n1 → end, and start → n1 (input b). */
const myWf = {
  primary: {
    template: {
      nodes: [{ id: 'start-node' }, taskNode('n0', 'examples.basic_workflow.t1', [['a', 'start-node', 'a']]), taskNode('n1', 'examples.basic_workflow.t2', [['a', 'n0', 'c'], ['b', 'start-node', 'b']]), { id: 'end-node' }],
      outputs: [{ var: 'o0', binding: promise('n0', 't1_int_output') }, { var: 'o1', binding: promise('n1', 'o0') }],
    },
    connections: { upstream: { n0: { ids: ['start-node'] }, n1: { ids: ['n0'] }, 'end-node': { ids: ['n0', 'n1'] } } },
  },
  tasks: [tpl('examples.basic_workflow.t1'), tpl('examples.basic_workflow.t2')],
};

describe('buildGraph', () => {
  test('a static workflow: nodes with labels and phases, edges from connections and bindings', () => {
    const nodes = new Map([
      ['start-node', ne('start-node', 'SUCCEEDED')],
      ['n0', ne('n0', 'SUCCEEDED')],
      ['n1', ne('n1', 'RUNNING')],
    ]);
    const g = graph.buildGraph(myWf, run({ nodes }));
    expect(g.nodes.map((n: Any) => [n.id, n.kind, n.label, n.phase])).toEqual([
      ['start-node', 'start', 'start', 'SUCCEEDED'],
      ['n0', 'task', 't1', 'SUCCEEDED'],
      ['n1', 'task', 't2', 'RUNNING'],
      ['end-node', 'end', 'end', 'UNDEFINED'],
    ]);
    const edges = g.edges.map((e: Any) => `${e.from}->${e.to}`).sort();
    expect(edges).toEqual(['n0->end-node', 'n0->n1', 'n1->end-node', 'start-node->n0', 'start-node->n1']);
  });

  test('nodes never reached by a finished execution are NOT_RUN', () => {
    const g = graph.buildGraph(myWf, run({ nodes: new Map([['n0', ne('n0', 'FAILED')]]), finished: true }));
    expect(g.nodes.find((n: Any) => n.id === 'n1').phase).toBe('NOT_RUN');
  });

  test('a branch node lists its cases with conditions, marking the taken one and the skipped ones', () => {
    const wf = {
      primary: {
        template: {
          nodes: [
            { id: 'start-node' },
            {
              id: 'n2',
              metadata: { name: 'size' },
              inputs: [{ var: '.size.c0', binding: promise('start-node', 'x') }, { var: '.size.c1', binding: promise('start-node', 'x') }],
              branch_node: {
                if_else: {
                  case: { condition: { comparison: { operator: 'LT', left_value: { var: '.size.c0' }, right_value: { primitive: { integer: '10' } } } }, then_node: taskNode('n0', 'describe_small') },
                  other: [{ condition: { comparison: { operator: 'GTE', left_value: { var: '.size.c1' }, right_value: { primitive: { integer: '10' } } } }, then_node: taskNode('n1', 'describe_large') }],
                  error: { failed_node_id: 'n2', message: 'x must be below 1000' },
                },
              },
            },
            { id: 'end-node' },
          ],
        },
        connections: { upstream: { n2: { ids: ['start-node'] }, 'end-node': { ids: ['n2'] } } },
      },
      tasks: [tpl('describe_small'), tpl('describe_large')],
    };
    const state = run({
      nodes: new Map([['n2', ne('n2', 'SUCCEEDED', {}, { is_parent_node: true })]]),
      children: new Map([['n2', [ne('n2-0-n1', 'SUCCEEDED', {}, { spec_node_id: 'n1' }), ne('n2-0-n0', 'SKIPPED', {}, { spec_node_id: 'n0' })]]]),
    });
    const b = graph.buildGraph(wf, state).nodes.find((n: Any) => n.id === 'n2');
    expect(b.kind).toBe('branch');
    expect(b.cases.map((c: Any) => [c.label, c.condition, c.node?.label ?? c.error, c.state])).toEqual([
      ['if', 'x < 10', 'describe_small', 'skipped'],
      ['elif', 'x >= 10', 'describe_large', 'taken'],
      ['else', '', 'x must be below 1000', 'skipped'],
    ]);
    expect(b.cases[1].node.uniqueId).toBe('n2-0-n1');
    // A failed branch that ran no case took its error case.
    const failed = graph.buildGraph(wf, run({ nodes: new Map([['n2', ne('n2', 'FAILED')]]), finished: true })).nodes.find((n: Any) => n.id === 'n2');
    expect(failed.cases.map((c: Any) => c.state)).toEqual(['skipped', 'skipped', 'taken']);
  });

  test('a dynamic node shows the graph it built, with the children that ran so far', () => {
    const wf = {
      primary: { template: { nodes: [{ id: 'start-node' }, taskNode('n0', 'count_characters'), { id: 'end-node' }] }, connections: { upstream: { n0: { ids: ['start-node'] }, 'end-node': { ids: ['n0'] } } } },
      tasks: [tpl('count_characters', 'dynamic-task')],
    };
    const dyn = {
      primary: {
        template: { nodes: [{ id: 'start-node' }, taskNode('dn0', 'return_index'), taskNode('dn1', 'update_list', [['list_index', 'dn0', 'o0']]), { id: 'end-node' }] },
        connections: { upstream: { dn0: { ids: ['start-node'] }, dn1: { ids: ['dn0'] }, 'end-node': { ids: ['dn1'] } } },
      },
      tasks: [tpl('return_index'), tpl('update_list')],
    };
    const state = run({
      nodes: new Map([['n0', ne('n0', 'DYNAMIC_RUNNING', {}, { is_parent_node: true, is_dynamic: true })]]),
      children: new Map([['n0', [ne('n0-0-dn0', 'SUCCEEDED', {}, { spec_node_id: 'dn0' }), ne('n0-0-dn1', 'RUNNING', {}, { spec_node_id: 'dn1' })]]]),
      dynamic: new Map([['n0', dyn]]),
    });
    const n0 = graph.buildGraph(wf, state).nodes.find((n: Any) => n.id === 'n0');
    expect(n0.kind).toBe('dynamic');
    const inner = n0.graph.nodes.map((n: Any) => [n.uniqueId, n.label, n.phase]);
    expect(inner).toContainEqual(['n0-0-dn0', 'return_index', 'SUCCEEDED']);
    expect(inner).toContainEqual(['n0-0-dn1', 'update_list', 'RUNNING']);
    // Edges inside use the children's unique ids.
    expect(n0.graph.edges.map((e: Any) => `${e.from}->${e.to}`)).toContain('n0-0-dn0->n0-0-dn1');
    expect(graph.findNode(graph.buildGraph(wf, state), 'n0-0-dn1').label).toBe('update_list');
  });

  test('children of a dynamic node show before its dynamic workflow can be read', () => {
    const wf = { primary: { template: { nodes: [taskNode('n0', 'dyn')] } }, tasks: [tpl('dyn', 'dynamic-task')] };
    const state = run({ nodes: new Map([['n0', ne('n0', 'RUNNING', {}, { is_parent_node: true })]]), children: new Map([['n0', [ne('n0-0-dn0', 'QUEUED', {}, { spec_node_id: 'dn0' })]]]) });
    const n0 = graph.buildGraph(wf, state).nodes[0];
    expect(n0.graph.nodes.map((n: Any) => [n.uniqueId, n.phase])).toEqual([['n0-0-dn0', 'QUEUED']]);
  });

  test('a map node lists its items in order with their phases', () => {
    const wf = { primary: { template: { nodes: [{ id: 'n0', metadata: { name: 'map' }, array_node: { node: taskNode('n0-sub', 'halve_even') } }] } }, tasks: [tpl('halve_even')] };
    const state = run({
      nodes: new Map([['n0', ne('n0', 'SUCCEEDED', {}, { is_array: true, is_parent_node: true })]]),
      children: new Map([['n0', [ne('n0-0-n0-1', 'SUCCEEDED'), ne('n0-0-n0-0', 'FAILED')]]]),
    });
    const n0 = graph.buildGraph(wf, state).nodes[0];
    expect(n0.kind).toBe('array');
    expect(n0.label).toBe('halve_even');
    expect(n0.items.map((i: Any) => [i.index, i.phase])).toEqual([
      [0, 'FAILED'],
      [1, 'SUCCEEDED'],
    ]);
  });

  test('map items fall back to the external resources of the attempt', () => {
    const wf = { primary: { template: { nodes: [{ id: 'n0', array_node: { node: taskNode('x', 'sq') } }] } }, tasks: [] };
    const attempt = { id: { retry_attempt: 0 }, closure: { phase: 'RUNNING', metadata: { external_resources: [{ index: 1, phase: 'RUNNING' }, { index: 0, phase: 'SUCCEEDED' }] } } };
    const n0 = graph.buildGraph(wf, run({ nodes: new Map([['n0', ne('n0', 'RUNNING')]]), tasks: new Map([['n0', [attempt]]]) })).nodes[0];
    expect(n0.items.map((i: Any) => [i.index, i.phase])).toEqual([
      [0, 'SUCCEEDED'],
      [1, 'RUNNING'],
    ]);
  });

  test('an eager node carries its child executions', () => {
    const wf = { primary: { template: { nodes: [taskNode('simple', 'simple_eager')] } }, tasks: [tpl('simple_eager', 'container', { is_eager: true })] };
    const child = { id: { project: 'p', domain: 'd', name: 'e-simple-abc' }, spec: { launch_plan: { name: '.flytegen.examples.eager_workflows.add_one' } }, closure: { phase: 'SUCCEEDED' } };
    const n = graph.buildGraph(wf, run({ nodes: new Map([['simple', ne('simple', 'RUNNING')]]), eager: new Map([['simple', [child]]]) })).nodes[0];
    expect(n.kind).toBe('eager');
    expect(n.executions).toEqual([{ id: child.id, phase: 'SUCCEEDED', label: 'add_one', closure: child.closure }]);
  });
});

describe('conditionText', () => {
  test('conjunctions nest with parentheses and operands name their bindings', () => {
    const names = new Map([['.c0', 'x'], ['.c1', 'n0.y']]);
    const expr = {
      conjunction: {
        operator: 'AND',
        left_expression: { comparison: { operator: 'GTE', left_value: { var: '.c0' }, right_value: { primitive: { integer: '1' } } } },
        right_expression: { conjunction: { operator: 'OR', left_expression: { comparison: { operator: 'EQ', left_value: { var: '.c1' }, right_value: { scalar: { primitive: { string_value: 'a' } } } } }, right_expression: { comparison: { operator: 'NEQ', left_value: { var: '.c0' }, right_value: { primitive: { boolean: true } } } } } },
      },
    };
    expect(graph.conditionText(expr, names)).toBe('x >= 1 and (n0.y == "a" or x != true)');
  });
});

describe('layoutGraph', () => {
  const measure = () => ({ w: 100, h: 40 });

  test('ranks go left to right, nothing overlaps, end-node is last', () => {
    const g = graph.buildGraph(myWf, run());
    const l = layout.layoutGraph(g, measure);
    const at = (k: string) => l.nodes.find((n: Any) => n.key === k);
    expect(at('start-node').x).toBeLessThan(at('n0').x);
    expect(at('n0').x).toBeLessThan(at('n1').x);
    expect(at('n1').x).toBeLessThan(at('end-node').x);
    for (const a of l.nodes)
      for (const b of l.nodes) {
        if (a === b) continue;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${a.key} overlaps ${b.key}`).toBe(false);
      }
    expect(l.width).toBeGreaterThan(0);
    // start-node → n1 skips a rank, so it bends through a dummy point.
    expect(l.edges.find((e: Any) => e.from === 'start-node' && e.to === 'n1').points.length).toBe(3);
  });

  test('a nested graph sizes its parent node', () => {
    const inner = { nodes: [{ key: 'a' }, { key: 'b' }], edges: [{ from: 'a', to: 'b' }] };
    const l = layout.layoutGraph({ nodes: [{ key: 'p', graph: inner }], edges: [] }, (_n: Any, innerLayout: Any) => (innerLayout ? { w: innerLayout.width + 20, h: innerLayout.height + 20 } : { w: 100, h: 40 }));
    expect(l.nodes[0].inner.nodes).toHaveLength(2);
    expect(l.nodes[0].w).toBe(l.nodes[0].inner.width + 20);
  });

  test('edgePath draws curves through every point', () => {
    expect(layout.edgePath([[0, 0], [50, 10], [100, 10]])).toMatch(/^M0\.0,0\.0 C.* C.* 100\.0,10\.0$/);
  });
});

describe('timelineRows', () => {
  test('one bar per attempt, children indented, skipped nodes left out', () => {
    const nodes = new Map([
      ['n0', ne('n0', 'SUCCEEDED', { started_at: '2024-01-01T00:00:00Z', duration: '3s' })],
      ['n1', ne('n1', 'SKIPPED')],
    ]);
    const attempts = [
      { id: { retry_attempt: 0 }, closure: { phase: 'FAILED', started_at: '2024-01-01T00:00:00Z', duration: '1s' } },
      { id: { retry_attempt: 1 }, closure: { phase: 'SUCCEEDED', started_at: '2024-01-01T00:00:01.500Z', duration: '1.5s' } },
    ];
    const state = run({ nodes, tasks: new Map([['n0', attempts]]), finished: true });
    const rows = timeline.timelineRows(graph.buildGraph(myWf, state), state, Date.parse('2024-01-01T00:01:00Z'));
    expect(rows.map((r: Any) => r.key)).toEqual(['n0']);
    expect(rows[0].bars.map((b: Any) => [b.phase, b.end - b.start])).toEqual([
      ['FAILED', 1000],
      ['SUCCEEDED', 1500],
    ]);
  });
});
