/** Small texts and numbers the console shows: log line counts, map node labels, the fit zoom. */
import { beforeAll, describe, expect, test } from 'vitest';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- browser modules have no type declarations
let panel: Any;
let graph: Any;
let view: Any;

beforeAll(async () => {
  panel = await import('./public/js/views/node-panel.js' as string);
  graph = await import('./public/js/graph.js' as string);
  view = await import('./public/js/graph-view.js' as string);
});

describe('console texts', () => {
  test('a log says how many lines it has, and an empty one says it has no output', () => {
    expect(panel.lineCount('')).toBe('no output');
    expect(panel.lineCount('one\n')).toBe('1 line');
    expect(panel.lineCount('one')).toBe('1 line');
    expect(panel.lineCount('a\nb\nc\n')).toBe('3 lines');
  });

  test('a map node is named by the task it maps, not by its registered array-node variant', () => {
    expect(graph.mapLabel('examples.conditional_map.map_square_2ad07d4d-arraynode')).toBe('map_square');
    expect(graph.mapLabel('wf.map_sq')).toBe('map_sq');
  });

  test('"fit" shows all of a very wide graph: a 40-task chain fits into 1000 px', () => {
    const nodes = Array.from({ length: 40 }, (_, i) => ({ key: `n${i}`, id: `n${i}`, uniqueId: `n${i}`, kind: 'task', label: `task_${i}`, phase: 'SUCCEEDED' }));
    const edges = nodes.slice(1).map((n, i) => ({ from: `n${i}`, to: n.key }));
    const g = { nodes, edges };
    const zoom = view.fitZoom(g, 1000);
    expect(zoom).toBeLessThan(0.3);
    expect(zoom).toBeGreaterThanOrEqual(view.MIN_ZOOM);
    // A graph narrower than the box is never enlarged.
    expect(view.fitZoom({ nodes: nodes.slice(0, 1), edges: [] }, 1000)).toBe(1);
  });
});

describe('value types', () => {
  test("a map item's value shows its element type, a list shows the list type", async () => {
    const values: Any = await import('./public/js/values.js' as string);
    const listOfInt = { collection_type: { simple: 'INTEGER' } };
    expect(values.shownType(listOfInt, { scalar: { primitive: { integer: '2' } } })).toEqual({ simple: 'INTEGER' });
    expect(values.shownType(listOfInt, { collection: { literals: [] } })).toBe(listOfInt);
    expect(values.shownType({ simple: 'STRING' }, { scalar: {} })).toEqual({ simple: 'STRING' });
  });
});
