/** Local (in-process) execution: results, retries, failures, launch plans, input checking. */
import { describe, expect, test } from 'vitest';
import { launchPlan, NonRetryableError, task, TaskFailedError, t, workflow } from 'tflyte';
import { my_wf, t1 } from '../../../examples/basic_workflow.ts';
import { all_types_wf, dir_wf, file_wf } from '../../../examples/all_types.ts';

describe('examples run locally', () => {
  test('basic_workflow: my_wf(a=50, b="hello") → [52, "helloworld"]', async () => {
    expect(await my_wf({ a: 50, b: 'hello' })).toEqual([52, 'helloworld']);
    expect(await t1({ a: 1 })).toEqual({ t1_int_output: 3, c: 'world' });
  });

  test('all_types: every type round-trips through a task', async () => {
    const input = {
      i: 9007199254740991, f: 1.5, s: 'héllo', b: true, when: new Date('2024-05-01T10:00:00.123Z'), span: 90_000,
      nothing: null, ints: [1, -2, 3], scores: { a: 0.5 }, point: { x: 1, y: 2.5, label: 'p' },
      any_json: { k: [1, 'two', { three: null }] }, maybe: null, either: 'str', color: 'green' as const,
      nested: [{ a: [1, null] }],
    };
    expect(await all_types_wf(input)).toEqual(input);
    expect(await all_types_wf({ ...input, maybe: 'x', either: 7 })).toEqual({ ...input, maybe: 'x', either: 7 });
  });

  test('all_types: a file returned by one task is read by the next', async () => {
    expect(await file_wf({ text: 'hello file' })).toBe('hello file');
  });

  test('all_types: a directory returned by one task is listed by the next', async () => {
    expect(await dir_wf({ count: 3 })).toEqual(['part-0.txt: part 0', 'part-2.txt: part 2', 'sub/part-1.txt: part 1']);
  });
});

describe('retries and failures', () => {
  test('a task is retried locally until it succeeds', async () => {
    let calls = 0;
    const flaky = task({ inputs: { x: t.int }, outputs: t.int, retries: 2 }, ({ x }) => {
      calls++;
      if (calls < 3) throw new Error(`boom ${calls}`);
      return x;
    });
    expect(await flaky({ x: 4 })).toBe(4);
    expect(calls).toBe(3);
  });

  test('exhausted retries surface the task name and the original error', async () => {
    const bad = task({ name: 'always_fails', inputs: {}, outputs: t.int, retries: 1 }, () => {
      throw new RangeError('out of range!');
    });
    const wf = workflow({ inputs: {}, outputs: t.int }, () => bad({}));
    const err = await wf({}).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).task).toBe('always_fails');
    expect((err as Error).message).toBe('task always_fails failed after 2 attempts: RangeError: out of range!');
    expect((err as Error).cause).toBeInstanceOf(RangeError);
  });

  test('NonRetryableError skips the remaining retries', async () => {
    let calls = 0;
    const stop = task({ inputs: {}, outputs: t.int, retries: 5 }, () => {
      calls++;
      throw new NonRetryableError('give up');
    });
    await expect(stop({})).rejects.toThrow('failed after 1 attempt: NonRetryableError: give up');
    expect(calls).toBe(1);
  });

  test('a task returning the wrong type fails with the output path', async () => {
    const liar = task({ inputs: {}, outputs: t.int }, () => 'x' as unknown as number);
    await expect(liar({})).rejects.toThrow('outputs.o0: expected int, got "x"');
  });
});

describe('inputs', () => {
  test('missing, unknown and mistyped inputs are rejected before running', async () => {
    await expect(my_wf({ a: 1 } as never)).rejects.toThrow('missing input b (str)');
    await expect(my_wf({ a: 1, b: 'x', c: 2 } as never)).rejects.toThrow('unknown input c');
    await expect(my_wf({ a: 'one', b: 'x' } as never)).rejects.toThrow('inputs.a: expected int, got "one"');
  });

  test('workflow defaults and launch plans with default and fixed inputs', async () => {
    const add = task({ inputs: { x: t.int, y: t.int }, outputs: t.int }, ({ x, y }) => x + y);
    const wf = workflow({ inputs: { x: t.int, y: t.int }, outputs: t.int, defaults: { y: 100 } }, ({ x, y }) => add({ x, y }));
    expect(await wf({ x: 1 })).toBe(101);
    const lp = launchPlan(wf, { name: 'lp_fixed', fixed: { x: 5 }, defaults: { y: 7 } });
    expect(await lp({})).toBe(12);
    expect(await lp({ y: 1 })).toBe(6);
    await expect(lp({ x: 1 } as never)).rejects.toThrow('input "x" is fixed by the launch plan');
    const parent = workflow({ inputs: {}, outputs: t.int }, () => lp({ y: 10 }));
    expect(await parent({})).toBe(15);
  });

  test('calling with positional arguments explains the keyword-only rule', () => {
    expect(() => (t1 as unknown as (n: number) => unknown)(5)).toThrow('call it with one object of named inputs');
  });
});
