/**
 * Propeller caching and crash recovery: cache HIT/MISS/POPULATED, serialized cache
 * reservations, restart over the same store (re-adopting running attempts), and fault points.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closure, createHarness, lit, promise, taskNode, taskTemplate, T, workflowTemplate } from '../support/fake-propeller-harness.ts';
import type { Harness } from '../support/fake-propeller-harness.ts';
import type { ExecutionDocument } from '../../src/propeller/state.ts';
import { eventually } from '../support/eventually.ts';
import { decode, encode, type flyteidl } from '../../src/core/idl.ts';
import { executionPrefix } from '../../src/storage/index.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.cleanup();
});


function oneTask(t = taskTemplate('t', { x: T.INT }, { o0: T.INT })) {
  const wf = workflowTemplate('w', [taskNode('n0', t, { x: promise('', 'a') })], {
    inputs: { a: T.INT },
    outputs: { o0: T.INT },
    outputBindings: { o0: promise('n0', 'o0') },
  });
  return closure(wf, [t]);
}

const cacheStatusOf = (h: Harness, name: string) =>
  h.sink.nodeEvents.find((e) => e.id?.executionId?.name === name && e.id?.nodeId === 'n0' && e.phase === 3)?.taskNodeMetadata?.cacheStatus;

describe('caching', () => {
  const cached = taskTemplate('sq', { x: T.INT }, { o0: T.INT }, { cache: { version: '1' } });

  it('MISS then POPULATED, then HIT without running the task, MISS for other inputs', async () => {
    h.task('n0', ({ x }) => ({ outputs: { o0: lit.int((x as number) ** 2) } }));
    const r1 = await h.run(oneTask(cached), { a: lit.int(3) });
    expect(r1.outputs).toEqual({ o0: 9 });
    expect(cacheStatusOf(h, r1.name)).toBe(3);
    const r2 = await h.run(oneTask(cached), { a: lit.int(3) });
    expect(r2.outputs).toEqual({ o0: 9 });
    expect(cacheStatusOf(h, r2.name)).toBe(2);
    expect(h.launcher.launched).toHaveLength(1);
    expect(h.sink.taskPhases(r2.name, 'n0')).toEqual([]);
    const hitEvent = h.sink.nodeEvents.find((e) => e.id?.executionId?.name === r2.name && e.id?.nodeId === 'n0' && e.phase === 3);
    expect(hitEvent?.taskNodeMetadata?.catalogKey?.datasetId?.name).toBe('flyte_task-sq');
    const r3 = await h.run(oneTask(cached), { a: lit.int(4) });
    expect(r3.outputs).toEqual({ o0: 16 });
    expect(h.launcher.launched).toHaveLength(2);
    // A new cache version is a new dataset: MISS again.
    const v2 = taskTemplate('sq', { x: T.INT }, { o0: T.INT }, { cache: { version: '2' } });
    await h.run(oneTask(v2), { a: lit.int(3) });
    expect(h.launcher.launched).toHaveLength(3);
  });

  it('serializes identical cacheable runs: the second waits QUEUED, then hits the cache', async () => {
    const serial = taskTemplate('sq', { x: T.INT }, { o0: T.INT }, { cache: { version: '1', serialize: true } });
    h.task('n0', ({ x }) => ({ outputs: { o0: lit.int((x as number) ** 2) } }), { hold: true });
    const first = await h.launch(oneTask(serial), { a: lit.int(5) });
    await eventually(() => h.launcher.launched.length === 1, 'first launch');
    const second = await h.launch(oneTask(serial), { a: lit.int(5) });
    await eventually(() => h.sink.nodePhase(second, 'n0') === 'QUEUED', 'second queued');
    await h.propeller.idle();
    expect(h.launcher.launched).toHaveLength(1);
    h.launcher.finish(h.launcher.launched[0]!.key, { exitCode: 0 });
    expect((await h.sink.waitForTerminal(first)).phase).toBe(4);
    const ev = await h.sink.waitForTerminal(second);
    expect(ev.phase).toBe(4);
    expect(await h.outputsOf(second)).toEqual({ o0: 25 });
    expect(cacheStatusOf(h, second)).toBe(2);
    expect(h.launcher.launched).toHaveLength(1);
  });
});

describe('restart and fault points', () => {
  it('a new propeller over the same store resumes and re-adopts a running attempt', async () => {
    h.task('n0', () => ({ outputs: { o0: lit.int(42) } }), { hold: true });
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.sink.nodePhase(name, 'n0') === 'RUNNING', 'running');
    await h.restart();
    await h.propeller.idle();
    expect(h.launcher.launched).toHaveLength(1);
    h.launcher.finish(h.launcher.launched[0]!.key, { exitCode: 0 });
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(4);
    expect(await h.outputsOf(name)).toEqual({ o0: 42 });
    expect(h.launcher.launched).toHaveLength(1);
    expect(await h.store.listActive()).toEqual([]);
  });

  it('stores the closure bytes it is given and runs the decoded closure it got with them; a restart reads them back', async () => {
    const bytes = encode('flyteidl.core.CompiledWorkflowClosure', oneTask());
    const given = decode<flyteidl.core.ICompiledWorkflowClosure>('flyteidl.core.CompiledWorkflowClosure', bytes);
    const reads: string[] = [];
    const read = h.data.read.bind(h.data);
    h.data.read = (uri: string) => (reads.push(uri), read(uri));
    h.task('n0', () => ({ outputs: { o0: lit.int(5) } }), { hold: true });
    const name = await h.launch(given, { a: lit.int(1) }, { closureBytes: bytes });
    await eventually(() => h.sink.nodePhase(name, 'n0') === 'RUNNING', 'running');
    const closureUri = h.data.join(executionPrefix(h.data, { project: 'flytesnacks', domain: 'development', name }), '_propeller', 'closure.pb');
    expect(Buffer.from(await read(closureUri))).toEqual(Buffer.from(bytes));
    expect(reads.filter((u) => u === closureUri)).toEqual([]);
    await h.restart();
    await h.propeller.idle();
    h.launcher.finish(h.launcher.launched[0]!.key, { exitCode: 0 });
    expect((await h.sink.waitForTerminal(name)).phase).toBe(4);
    expect(await h.outputsOf(name)).toEqual({ o0: 5 });
    expect(reads.filter((u) => u === closureUri)).toHaveLength(1);
  });

  it('a document an earlier version saved whole (node statuses in its head) resumes; its first save stores every node apart', async () => {
    h.task('n0', () => ({ outputs: { o0: lit.int(7) } }), { hold: true });
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    const key = `flytesnacks/development/${name}`;
    await eventually(() => h.sink.nodePhase(name, 'n0') === 'RUNNING', 'running');
    await h.propeller.stop();
    h.store.inlineNodes(key);
    expect(h.store.nodeRows(key)).toEqual([]);
    await h.restart();
    await h.propeller.idle();
    h.launcher.finish(h.launcher.launched[0]!.key, { exitCode: 0 });
    expect((await h.sink.waitForTerminal(name)).phase).toBe(4);
    expect(await h.outputsOf(name)).toEqual({ o0: 7 });
    expect(h.store.nodeRows(key).sort()).toEqual(['end-node', 'n0', 'start-node']);
    expect(h.launcher.launched).toHaveLength(1);
  });

  it('after a restart of the process launcher (attempt gone), finished outputs count as success', async () => {
    h.task('n0', () => ({ outputs: { o0: lit.int(8) } }), { hold: true });
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.sink.nodePhase(name, 'n0') === 'RUNNING', 'running');
    await h.propeller.stop();
    h.launcher.forgetAll();
    await h.restart();
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(4);
    expect(await h.outputsOf(name)).toEqual({ o0: 8 });
  });

  it('a lost attempt without outputs is retried as a SYSTEM failure', async () => {
    h.task('n0', (_i, spec) => (spec.env.FLYTE_ATTEMPT_NUMBER === '0' ? { nothing: true } : { outputs: { o0: lit.int(2) } }), { hold: true });
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.sink.nodePhase(name, 'n0') === 'RUNNING', 'running');
    await h.propeller.stop();
    h.launcher.forgetAll();
    await h.restart();
    await eventually(() => h.launcher.launched.length === 2, 'second attempt');
    h.launcher.finish(h.launcher.launched[1]!.key, { exitCode: 0 });
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(4);
    const failed = h.sink.taskEvents.find((e) => e.phase === 5);
    expect(failed?.error).toMatchObject({ code: 'AttemptLost', kind: 2 });
  });

  it('a crash between launch and persist relaunches with the same key (adopted, not run twice)', async () => {
    h.task('n0', () => ({ outputs: { o0: lit.int(5) } }), { hold: true });
    h.propeller.faultPoints.arm('after-launch-before-persist');
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.propeller.faultPoints.fired('after-launch-before-persist') === 1, 'fault fired');
    await h.propeller.idle();
    // The launch happened but the round that did it was never saved.
    expect(h.launcher.launched).toHaveLength(1);
    const doc = h.store.peek(`flytesnacks/development/${name}`) as ExecutionDocument;
    expect(doc.status.nodes.n0).toBeUndefined();
    await h.restart();
    await eventually(() => h.sink.nodePhase(name, 'n0') === 'RUNNING', 'running after restart');
    expect(h.launcher.launched).toHaveLength(1);
    h.launcher.finish(h.launcher.launched[0]!.key, { exitCode: 0 });
    expect((await h.sink.waitForTerminal(name)).phase).toBe(4);
  });

  it('a crash between persist and events re-sends the saved events on resume', async () => {
    h.task('n0', () => ({ outputs: { o0: lit.int(5) } }));
    h.propeller.faultPoints.arm('after-persist-before-events');
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.propeller.faultPoints.fired('after-persist-before-events') === 1, 'fault fired');
    await h.propeller.idle();
    expect(h.sink.workflowPhase(name)).toBeUndefined();
    await h.restart();
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(4);
    expect(h.sink.nodePhases(name, 'n0')).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(h.launcher.launched).toHaveLength(1);
  });
});
