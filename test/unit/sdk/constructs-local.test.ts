/**
 * Dynamic workflows, conditionals, map tasks and eager workflows run locally (in-process) give
 * the seed examples' results, and their error cases say what went wrong.
 */
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadUserModule } from '../../../src/sdk/internal.ts';
import { conditional, dynamic, EagerException, eager, map, task, t, workflow } from 'tflyte';
import * as dyn from '../../../examples/dynamic_workflow.ts';
import * as cm from '../../../examples/conditional_map.ts';
import * as eg from '../../../examples/eager_workflows.ts';
import { CompileError } from '../../../src/core/errors.ts';

beforeAll(async () => {
  // Discovery names the examples' entities as the CLI would (examples.<file>.<export>).
  const root = path.resolve(import.meta.dirname, '../../..');
  for (const f of ['dynamic_workflow.ts', 'conditional_map.ts', 'eager_workflows.ts']) {
    await loadUserModule(path.join(root, 'examples', f), root);
  }
});

describe('dynamic', () => {
  test('count_characters through wf: wf(s1="Pear", s2="Earth") → 3', async () => {
    expect(await dyn.wf({ s1: 'Pear', s2: 'Earth' })).toBe(3);
    expect(await dyn.count_characters({ s1: 'abc', s2: 'cab' })).toBe(3);
  });

  test('merge sort recurses through a conditional and a dynamic', async () => {
    const numbers = [1813, 3105, 3260, 2634, 383, 7037, 3291, 2403, 315, 7164];
    expect(await dyn.merge_sort({ numbers, numbers_count: 10 })).toEqual([...numbers].sort((a, b) => a - b));
    expect(await dyn.merge_sort({ numbers: [3, 1, 2], numbers_count: 3, run_local_at_count: 1 })).toEqual([1, 2, 3]);
  });

  test('a dynamic that builds no nodes returns its plain values', async () => {
    const constant = dynamic({ inputs: { x: t.int }, outputs: t.list(t.int) }, ({ x }) => [x, x + 1]);
    expect(await constant({ x: 4 })).toEqual([4, 5]);
  });

  test('dynamic in dynamic, and a dynamic calling a workflow', async () => {
    const inc = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
    const twice = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => inc({ x: inc({ x }) }));
    const inner = dynamic({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => {
      let acc: unknown = 0;
      for (let i = 0; i < n; i++) acc = twice({ x: acc as number });
      return acc;
    });
    const outer = dynamic({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => inner({ n: n * 2 }));
    expect(await outer({ n: 2 })).toBe(8);
  });

  test('reading a promise inside a dynamic body says to pass it to a task', async () => {
    const inc = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
    const bad = dynamic({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
      const y = inc({ x });
      // @ts-expect-error deliberately reading a promise
      return y * 2;
    });
    const err = await bad({ x: 1 }).then(() => undefined, (e: unknown) => e);
    expect(String(err)).toContain('in a dynamic workflow, task outputs are promises');
    expect(String(err)).toContain('Pass it to a task instead');
  });
});

describe('conditional', () => {
  test('each path is taken by its condition; fail() fails with its message', async () => {
    expect(await cm.classify({ x: 3 })).toBe('3 is small');
    expect(await cm.classify({ x: 50 })).toBe('50 is large');
    await expect(cm.classify({ x: 5000 })).rejects.toThrow('x must be below 1000');
  });

  test('branch outputs are usable downstream and conditions compare node outputs', async () => {
    const inc = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
    const neg = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => -x);
    const wf = workflow({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => {
      const a1 = inc({ x: a });
      const picked = conditional('pick').if_(a1.gt(b)).then(inc({ x: a1 })).else_().then(neg({ x: b }));
      return inc({ x: picked as never });
    });
    expect(await wf({ a: 5, b: 1 })).toBe(8);
    expect(await wf({ a: 0, b: 7 })).toBe(-6);
  });

  test('comparing a struct is a compile error naming the conditional', () => {
    const mk = task({ inputs: {}, outputs: t.struct({ a: t.int }) }, () => ({ a: 1 }));
    const one = task({ inputs: {}, outputs: t.int }, () => 1);
    const wf = workflow({ inputs: {}, outputs: t.int }, () => {
      const s = mk({});
      return conditional('bad').if_(s.eq(1)).then(one({})).else_().then(one({}));
    });
    return expect(wf({})).rejects.toSatisfy((e: unknown) => e instanceof CompileError && /conditional bad: cannot compare a value of type struct/.test(e.message));
  });
});

describe('map', () => {
  test('maps over a list with bounded concurrency', async () => {
    expect(await cm.sum_of_squares({ xs: [1, 2, 3] })).toBe(14);
    let running = 0;
    let peak = 0;
    const slow = task({ inputs: { x: t.int, k: t.int }, outputs: t.int }, async ({ x, k }) => {
      running++;
      peak = Math.max(peak, running);
      // The first items wait for a second to overlap them (5 s at most, when none would): the
      // peak does not depend on how fast the engine starts items.
      for (const until = Date.now() + 5_000; peak < 2 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5));
      running--;
      return x * k;
    });
    const wf = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, ({ xs }) => map(slow, { concurrency: 2 })({ x: xs, k: 10 }));
    expect(await wf({ xs: [1, 2, 3, 4, 5] })).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });

  test('failed items leave null slots when the success ratio is met, and fail the map when not', async () => {
    expect(await cm.halve_some({ xs: [2, 3, 4, 6] })).toEqual([1, null, 2, 3]);
    await expect(cm.halve_some({ xs: [1, 3, 4] })).rejects.toThrow('2 of 3 items failed, so at most 1 can succeed but 2 must (min success ratio 0.5)');
  });
});

describe('eager', () => {
  test.each([
    ['simple_eager_workflow', 10, 22],
    ['simple_eager_workflow', -5, -1],
    ['another_eager_workflow', 3, 6],
    ['eager_workflow_with_conditionals', 150, 100],
    ['eager_workflow_with_conditionals', 10, 22],
    ['eager_workflow_with_for_loop', 5, 30],
    ['eager_workflow_with_static_subworkflow', 3, 8],
    ['nested_eager_workflow', 3, 8],
    ['eager_workflow_with_exception', 0, -1],
    ['eager_workflow_with_exception', 5, 5],
  ] as const)('%s(x=%i) → %i', async (name, x, expected) => {
    expect(await (eg[name] as unknown as (i: { x: number }) => Promise<number>)({ x })).toBe(expected);
  });

  test('Promise.all runs calls concurrently', async () => {
    let running = 0;
    let peak = 0;
    const slow = task({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      running++;
      peak = Math.max(peak, running);
      // Each call waits until all six are running at once (or gives up after 5 s, when calls
      // were not concurrent): the peak does not depend on how fast the engine starts them.
      for (const until = Date.now() + 5_000; running < 6 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5));
      running--;
      return x;
    });
    const par = eager({ inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
      const xs = await Promise.all(Array.from({ length: n }, (_v, i) => slow({ x: i })));
      return xs.reduce((a, b) => a + b, 0);
    });
    expect(await par({ n: 6 })).toBe(15);
    expect(peak).toBe(6);
  });

  test('a failed call throws an EagerException carrying the original error', async () => {
    const caught = eager({ inputs: {}, outputs: t.str }, async () => {
      try {
        await eg.raises_exc({ x: -1 });
        return 'no error';
      } catch (e) {
        if (!(e instanceof EagerException)) return 'wrong type';
        return `${e.errorName}|${e.errorMessage}|${e.kind}|${e.entity}`;
      }
    });
    expect(await caught({})).toBe('TypeError|some exception|USER|examples.eager_workflows.raises_exc');
  });

  test('an uncaught failure fails the eager workflow with the message', async () => {
    const uncaught = eager({ inputs: {}, outputs: t.int }, async () => await eg.raises_exc({ x: 0 }));
    await expect(uncaught({})).rejects.toThrow('some exception');
  });

  test('an eager workflow cannot be called from a static workflow', async () => {
    const wf = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => eg.simple_eager_workflow({ x }));
    await expect(wf({ x: 1 })).rejects.toThrow(/eager workflow .*simple_eager_workflow cannot be called from a static or dynamic workflow/);
  });
});
