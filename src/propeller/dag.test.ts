import { describe, expect, it } from 'vitest';
import { buildDag, END_NODE, START_NODE } from './dag.ts';

const node = (id: string, from: string[] = []) => ({
  id,
  taskNode: {},
  inputs: from.map((f, i) => ({ var: `i${i}`, binding: { promise: { nodeId: f, var: 'o0' } } })),
});

describe('buildDag', () => {
  it('synthesises start/end nodes and orders nodes after their upstream', () => {
    const d = buildDag({ nodes: [node('c', ['a', 'b']), node('a', ['']), node('b', ['a'])], outputs: [] });
    expect(d.order[0]).toBe(START_NODE);
    expect(d.order.at(-1)).toBe(END_NODE);
    expect(d.order.indexOf('a')).toBeLessThan(d.order.indexOf('b'));
    expect(d.order.indexOf('b')).toBeLessThan(d.order.indexOf('c'));
    expect(d.upstream.get(END_NODE)).toEqual(['c']);
    expect(d.upstream.get('a')).toEqual([START_NODE]);
  });

  it('rejects cycles and unknown references', () => {
    expect(() => buildDag({ nodes: [node('a', ['b']), node('b', ['a'])] })).toThrow(/cycle/);
    expect(() => buildDag({ nodes: [node('a', ['zz'])] })).toThrow(/unknown node zz/);
  });
});
