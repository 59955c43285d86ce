/**
 * Propeller array nodes (map tasks) over fakes: one item per list element with its own inputs,
 * attempts and retries, a concurrency limit, the success ratio (NONE slots, early failure that
 * aborts the rest) and the items reported as child node executions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { flyteidl } from '../../src/core/idl.ts';
import { minSuccessesOf, planItems } from '../../src/propeller/handlers/array.ts';
import { bind, closure, createHarness, lit, promise, T, taskTemplate, workflowTemplate } from '../support/fake-propeller-harness.ts';
import type { Harness } from '../support/fake-propeller-harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  expect(h.sink.violations).toEqual([]);
  await h.cleanup();
});

const halve = taskTemplate('halve', { x: T.INT, k: T.INT }, { o0: T.INT });

/** A workflow mapping `halve` over input `xs` with `k` bound, outputs the list. */
function mapWf(an: Partial<flyteidl.core.IArrayNode> = {}, outputType: flyteidl.core.ILiteralType = { collectionType: { simple: T.INT } }) {
  const inputs = bind({ x: promise('', 'xs'), k: promise('', 'k') });
  const wf = workflowTemplate('mapwf', [{ id: 'n0', inputs, arrayNode: { node: { id: 'n0-0', taskNode: { referenceId: halve.id }, inputs }, boundInputs: ['k'], dataMode: 1, ...an } }], {
    inputs: { k: T.INT },
    outputBindings: { o0: promise('n0', 'o0') },
  });
  wf.interface!.inputs!.variables!.xs = { type: { collectionType: { simple: T.INT } } };
  wf.interface!.outputs = { variables: { o0: { type: outputType } } };
  return closure(wf, [halve]);
}

const xs = (...ns: number[]) => lit.list(ns.map(lit.int));

function halveEven(): void {
  h.task(/./, ({ x, k }) => ((x as number) % 2 === 0 ? { outputs: { o0: lit.int((x as number) / 2 + (k as number)) } } : { error: { code: 'USER:Odd', message: `${x} is odd\n  at stack` } }));
}

describe('array nodes', () => {
  it('runs one item per element with its own inputs.pb and lists the outputs; items are children of the array node', async () => {
    halveEven();
    const r = await h.run(mapWf(), { xs: xs(2, 4, 6), k: lit.int(100) });
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: [101, 102, 103] });
    const items = h.sink.nodeEvents.filter((e) => e.parentNodeMetadata?.nodeId === 'n0' && e.phase === 3);
    expect(items.map((e) => e.id?.nodeId).sort()).toEqual(['n0-0-0', 'n0-0-1', 'n0-0-2']);
    expect(items.map((e) => e.specNodeId).sort()).toEqual(['0', '1', '2']);
    expect(items.find((e) => e.id?.nodeId === 'n0-0-1')?.nodeName).toBe('halve[1]');
    const arr = h.sink.nodeEvents.find((e) => e.id?.nodeId === 'n0' && e.phase === 2)!;
    expect(arr.isArray).toBe(true);
    // As in Flyte: an array node is not a parent (FlyteRemote would look for a sub-workflow).
    expect(arr.isParent).toBe(false);
    expect(h.sink.taskPhases(r.name, 'n0-0-2')).toEqual(['0:QUEUED', '0:RUNNING', '0:SUCCEEDED']);
  });

  it('runs at most `parallelism` items at once, whatever the execution max parallelism', async () => {
    h.task(/./, ({ x }) => ({ outputs: { o0: lit.int(x as number) } }), { hold: true });
    const name = await h.launch(mapWf({ parallelism: 3 }), { xs: xs(1, 2, 3, 4, 5), k: lit.int(0) }, { maxParallelism: 1 });
    const running = async (): Promise<string[]> => {
      await h.propeller.idle();
      return h.launcher.launched.map((s) => s.key).filter((k) => h.launcher.isRunning(k)).sort();
    };
    expect(await running()).toEqual([`${name}-n0-0-0-0`, `${name}-n0-0-1-0`, `${name}-n0-0-2-0`]);
    h.launcher.finish(`${name}-n0-0-1-0`, { exitCode: 0 });
    for (let i = 0; i < 50 && h.launcher.launched.length < 4; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await running()).toEqual([`${name}-n0-0-0-0`, `${name}-n0-0-2-0`, `${name}-n0-0-3-0`]);
    for (const k of [0, 2, 3]) h.launcher.finish(`${name}-n0-0-${k}-0`, { exitCode: 0 });
    for (let i = 0; i < 50 && h.launcher.launched.length < 5; i++) await new Promise((r) => setTimeout(r, 5));
    h.launcher.finish(`${name}-n0-0-4-0`, { exitCode: 0 });
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(4);
    expect(await h.outputsOf(name)).toEqual({ o0: [1, 2, 3, 4, 5] });
  });

  it('retries each item on its own budget', async () => {
    let firstTry = true;
    h.task(/./, ({ x }) => {
      if (x === 3 && firstTry) {
        firstTry = false;
        return { error: { code: 'USER:Flaky', message: 'try again', recoverable: true } };
      }
      return { outputs: { o0: lit.int(x as number) } };
    });
    const c = mapWf();
    c.primary!.template!.nodes![0]!.arrayNode!.node!.metadata = { retries: { retries: 1 } };
    const r = await h.run(c, { xs: xs(1, 3), k: lit.int(0) });
    expect(r.outputs).toEqual({ o0: [1, 3] });
    expect(h.sink.taskPhases(r.name, 'n0-0-1')).toEqual(['0:QUEUED', '0:RUNNING', '0:FAILED', '1:QUEUED', '1:RUNNING', '1:SUCCEEDED']);
    expect(h.sink.taskPhases(r.name, 'n0-0-0')).toEqual(['0:QUEUED', '0:RUNNING', '0:SUCCEEDED']);
  });

  it('succeeds above the success ratio with NONE for the failed items', async () => {
    halveEven();
    const r = await h.run(mapWf({ minSuccessRatio: 0.5 }, { collectionType: { unionType: { variants: [{ simple: T.INT }, { simple: 0 }] } } }), {
      xs: xs(2, 3, 4, 6),
      k: lit.int(0),
    });
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: [1, null, 2, 3] });
    expect(h.sink.nodePhases(r.name, 'n0-0-1').at(-1)).toBe('FAILED');
  });

  it('fails as soon as the ratio is out of reach, aborting the items still running', async () => {
    h.task(/-n0-0-[01]-\d+$/, () => ({ error: { code: 'USER:Odd', message: 'odd\nstack' } }));
    h.task(/-n0-0-2-\d+$/, () => ({ outputs: { o0: lit.int(0) } }), { hold: true });
    const r = await h.run(mapWf({ minSuccessRatio: 0.5 }), { xs: xs(1, 3, 4), k: lit.int(0) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('ArrayNodeMinSuccessesNotMet');
    expect(r.error?.message).toBe(
      'map over halve (node n0): 2 of 3 items failed, so at most 1 can succeed but 2 must (min success ratio 0.5); first failures: [0] USER:Odd: odd; [1] USER:Odd: odd',
    );
    expect(h.sink.nodePhases(r.name, 'n0-0-2').at(-1)).toBe('ABORTED');
    expect(h.sink.taskPhases(r.name, 'n0-0-2').at(-1)).toBe('0:ABORTED');
  });

  it('rejects mapped inputs of different lengths, and maps an empty list to empty outputs', async () => {
    const inputs = bind({ x: promise('', 'xs'), k: promise('', 'ks') });
    const wf = workflowTemplate('bad', [{ id: 'n0', inputs, arrayNode: { node: { id: 'n0-0', taskNode: { referenceId: halve.id } } } }]);
    const r = await h.run(closure(wf, [halve]), { xs: xs(1, 2), ks: xs(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('ArrayNodeInputsInvalid');
    expect(r.error?.message).toBe('map node n0: the mapped inputs must be lists of one length, got x: 2, k: 1');

    const empty = await h.run(mapWf(), { xs: xs(), k: lit.int(1) });
    expect(empty.phase).toBe('SUCCEEDED');
    expect(empty.outputs).toEqual({ o0: [] });
    expect(h.launcher.launched).toHaveLength(0);
  });
});

describe('array node rules', () => {
  it('derives min successes like Flyte (float32 ratio, explicit count, default all)', () => {
    expect(minSuccessesOf({}, 4)).toBe(4);
    expect(minSuccessesOf({ minSuccessRatio: 0.5 }, 3)).toBe(2);
    expect(minSuccessesOf({ minSuccessRatio: 0.7 }, 10)).toBe(7);
    expect(minSuccessesOf({ minSuccesses: 2 }, 10)).toBe(2);
    expect(minSuccessesOf({ minSuccesses: 20 }, 10)).toBe(10);
  });

  it('gives a bound input to every item and treats no mapped input as one item', () => {
    const plan = planItems({ literals: { a: lit.int(1) } }, ['a']);
    if ('error' in plan) throw new Error(plan.error);
    expect(plan.n).toBe(1);
    expect(plan.inputsOf(0)).toEqual({ literals: { a: lit.int(1) } });
    expect(planItems({ literals: { a: lit.int(1) } }, [])).toEqual({
      error: 'input "a" is mapped, so it must be a list (inputs passed unchanged to every item are listed in bound_inputs)',
    });
  });
});
