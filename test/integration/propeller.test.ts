/**
 * Propeller over fakes (style P12/P13): hand-written closures run through the real engine with a
 * scripted launcher, a temp-dir DataStore, an in-memory state store and a recording event sink.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { flyteidl } from '../../src/core/idl.ts';
import {
  closure, createHarness, lit, promise, taskNode, taskTemplate, T, workflowTemplate,
} from '../support/fake-propeller-harness.ts';
import type { Harness } from '../support/fake-propeller-harness.ts';
import { eventually } from '../support/eventually.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const add = taskTemplate('add', { a: T.INT, b: T.INT }, { o0: T.INT });
const inc = taskTemplate('inc', { x: T.INT }, { o0: T.INT });

describe('static workflows', () => {
  it('runs a linear chain and passes outputs downstream', async () => {
    // Given a chain n0 → n1 → n2 over the workflow input a
    h.task('n0', ({ x }) => ({ outputs: { o0: lit.int((x as number) + 1) } }));
    h.task('n1', ({ x }) => ({ outputs: { o0: lit.int((x as number) * 10) } }));
    h.task('n2', ({ a, b }) => ({ outputs: { o0: lit.int((a as number) + (b as number)) } }));
    const wf = workflowTemplate(
      'chain',
      [
        taskNode('n0', inc, { x: promise('', 'a') }),
        taskNode('n1', inc, { x: promise('n0', 'o0') }),
        taskNode('n2', add, { a: promise('n1', 'o0'), b: promise('', 'a') }),
      ],
      { inputs: { a: T.INT }, outputs: { o0: T.INT }, outputBindings: { o0: promise('n2', 'o0') } },
    );
    // When it runs with a = 4
    const r = await h.run(closure(wf, [add, inc]), { a: lit.int(4) });
    // Then ((4+1)*10)+4 = 54 and every node went QUEUED → RUNNING → SUCCEEDED
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 54 });
    for (const n of ['n0', 'n1', 'n2']) expect(h.sink.nodePhases(r.name, n)).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(h.sink.taskPhases(r.name, 'n1')).toEqual(['0:QUEUED', '0:RUNNING', '0:SUCCEEDED']);
    expect(h.sink.workflowEvents.filter((e) => e.executionId?.name === r.name).map((e) => e.phase)).toEqual([2, 3, 4]);
    expect(h.sink.violations).toEqual([]);
  });

  it('renders templates, env, labels, resources and the runtime command into the launch spec', async () => {
    const t = taskTemplate('t', { x: T.INT }, { o0: T.INT }, { env: { MY: 'v' }, limits: { cpu: '500m', mem: '512Mi' } });
    h.task('n0', () => ({ outputs: { o0: lit.int(1) } }));
    const wf = workflowTemplate('one', [taskNode('n0', t, { x: promise('', 'a') })], { inputs: { a: T.INT } });
    const r = await h.run(closure(wf, [t]), { a: lit.int(1) });
    expect(r.phase).toBe('SUCCEEDED');
    const spec = h.launcher.launched[0]!;
    expect(spec.key).toBe(`${r.name}-n0-0`);
    expect(spec.command.slice(0, 3)).toEqual(['node', '/opt/tflyte/main.ts', 'execute']);
    expect(spec.command.join(' ')).not.toContain('{{');
    expect(spec.command[spec.command.indexOf('--inputs') + 1]).toMatch(/\/n0\/data\/inputs\.pb$/);
    expect(spec.command[spec.command.indexOf('--output-prefix') + 1]).toMatch(/\/n0\/data\/0$/);
    expect(spec.command[spec.command.indexOf('--prev-checkpoint') + 1]).toBe('');
    expect(spec.labels).toMatchObject({ 'tflyte.execution': r.name, 'tflyte.node': 'n0', 'tflyte.attempt': '0', 'tflyte.project': 'flytesnacks', 'tflyte.domain': 'development' });
    expect(spec.resources).toEqual({ cpu: 0.5, memoryBytes: 512 * 1024 * 1024 });
    expect(spec.env).toMatchObject({
      MY: 'v',
      EXEC_ENV: 'yes',
      FLYTE_INTERNAL_EXECUTION_ID: r.name,
      FLYTE_INTERNAL_TASK_NAME: 't',
      FLYTE_INTERNAL_TASK_VERSION: 'v1',
      FLYTE_ATTEMPT_NUMBER: '0',
    });
    // Only eager tasks reach the admin; a task mounts its own areas, never the whole store.
    expect(spec.env).not.toHaveProperty('TFLYTE_ADMIN_URL');
    expect(spec.adminUrl).toBeUndefined();
    expect(spec.mounts.some((m) => m.hostPath === h.data.rootPath)).toBe(false);
    expect(spec.mounts[0]).toMatchObject({ readOnly: false });
    expect(spec.mounts[0]?.hostPath).toMatch(/\/n0\/data\/0$/);
    expect(spec.mounts.filter((m) => m.readOnly).map((m) => m.hostPath)).toContainEqual(expect.stringMatching(/\/n0\/data\/inputs\.pb$/));
    expect(spec.logPath).toBe(`${h.dir}/logs/${spec.key}.log`);
    const running = h.sink.taskEvents.find((e) => e.phase === 2)!;
    expect(running.logs).toEqual([{ uri: `file://${spec.logPath}`, name: 'stdout/stderr' }]);
  });
});

/** Polls `fn` until it returns truthy (no timing assertion: the test timeout is the limit). */

const fanNodes = (n: number, t: flyteidl.core.ITaskTemplate): flyteidl.core.INode[] =>
  Array.from({ length: n }, (_, i) => taskNode(`p${i}`, t, { x: promise('', 'a') }));

describe('graph shapes and parallelism', () => {
  it('runs a diamond: both middle nodes start in the same round after the root', async () => {
    h.task('top', ({ x }) => ({ outputs: { o0: lit.int(x as number) } }));
    h.task('left', ({ x }) => ({ outputs: { o0: lit.int((x as number) + 1) } }));
    h.task('right', ({ x }) => ({ outputs: { o0: lit.int((x as number) + 2) } }));
    h.task('join', ({ a, b }) => ({ outputs: { o0: lit.int((a as number) * (b as number)) } }));
    const wf = workflowTemplate(
      'diamond',
      [
        taskNode('top', inc, { x: promise('', 'a') }),
        taskNode('left', inc, { x: promise('top', 'o0') }),
        taskNode('right', inc, { x: promise('top', 'o0') }),
        taskNode('join', add, { a: promise('left', 'o0'), b: promise('right', 'o0') }),
      ],
      { inputs: { a: T.INT }, outputs: { o0: T.INT }, outputBindings: { o0: promise('join', 'o0') } },
    );
    const r = await h.run(closure(wf, [add, inc]), { a: lit.int(3) });
    expect(r.outputs).toEqual({ o0: 20 });
    const order = h.launcher.launched.map((s) => s.labels['tflyte.node']);
    expect(order[0]).toBe('top');
    expect(new Set(order.slice(1, 3))).toEqual(new Set(['left', 'right']));
    expect(order[3]).toBe('join');
  });

  it('bounds parallel fan-out by max parallelism and starts waiting nodes as slots free', async () => {
    h.task(/-p\d-\d+$/, () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    const wf = workflowTemplate('fan', fanNodes(4, inc), { inputs: { a: T.INT } });
    const name = await h.launch(closure(wf, [inc]), { a: lit.int(1) }, { maxParallelism: 2 });
    await eventually(() => h.launcher.launched.length === 2, 'two launches');
    await h.propeller.idle();
    expect(h.launcher.launched.length).toBe(2);
    h.launcher.finish(h.launcher.launched[0]!.key, { exitCode: 0 });
    await eventually(() => h.launcher.launched.length === 3, 'third launch');
    for (const s of [...h.launcher.launched]) if (h.launcher.isRunning(s.key)) h.launcher.finish(s.key, { exitCode: 0 });
    await eventually(() => h.launcher.launched.length === 4, 'fourth launch');
    h.launcher.finish(h.launcher.launched[3]!.key, { exitCode: 0 });
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(4);
  });

  it('runs unbounded fan-out all at once when max parallelism is 0', async () => {
    h.task(/-p\d-\d+$/, () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    const wf = workflowTemplate('fan0', fanNodes(5, inc), { inputs: { a: T.INT } });
    const name = await h.launch(closure(wf, [inc]), { a: lit.int(1) });
    await eventually(() => h.launcher.launched.length === 5, 'five launches');
    for (const s of h.launcher.launched) h.launcher.finish(s.key, { exitCode: 0 });
    expect((await h.sink.waitForTerminal(name)).phase).toBe(4);
  });
});

describe('bindings', () => {
  it('resolves attribute paths into lists, maps and structs, plus collection, map and union bindings', async () => {
    const src = taskTemplate('src', {}, {});
    src.interface!.outputs = {
      variables: {
        l: { type: { collectionType: { simple: T.INT } } },
        m: { type: { mapValueType: { simple: T.INT } } },
        s: { type: { simple: 9 } },
      },
    };
    const sink = taskTemplate('sink', { a: T.INT, b: T.INT, c: T.INT }, { o0: T.INT });
    sink.interface!.inputs!.variables!.all = { type: { collectionType: { simple: T.INT } } };
    sink.interface!.inputs!.variables!.named = { type: { mapValueType: { simple: T.INT } } };
    sink.interface!.inputs!.variables!.u = { type: { unionType: { variants: [{ simple: T.INT }, { simple: T.STR }] } } };
    const { jsToStruct } = await import('../../src/core/idl.ts');
    h.task('n0', () => ({
      outputs: {
        l: lit.list([lit.int(10), lit.int(20), lit.int(30)]),
        m: lit.map({ k: lit.int(7) }),
        s: { scalar: { generic: jsToStruct({ x: { y: 5 } }) } },
      },
    }));
    let seen: Record<string, unknown> = {};
    h.task('n1', (inputs) => {
      seen = inputs;
      return { outputs: { o0: lit.int(0) } };
    });
    const wf = workflowTemplate(
      'attrs',
      [
        taskNode('n0', src, {}),
        taskNode('n1', sink, {
          a: promise('n0', 'l', [1]),
          b: promise('n0', 'm', ['k']),
          c: promise('n0', 's', ['x', 'y']),
          all: { collection: { bindings: [promise('n0', 'l', [0]), { scalar: lit.int(99).scalar! }] } },
          named: { map: { bindings: { first: promise('n0', 'l', [2]) } } },
          u: { ...{ scalar: lit.int(3).scalar! }, union: { targetType: { simple: T.INT } } },
        }),
      ],
    );
    const r = await h.run(closure(wf, [src, sink]));
    expect(r.phase).toBe('SUCCEEDED');
    expect(seen).toEqual({ a: 20, b: 7, c: 5, all: [10, 99], named: { first: 30 }, u: 3 });
  });

  it('fails the node with BindingResolutionFailure when an attribute path is out of range', async () => {
    const src = taskTemplate('src', {}, {});
    src.interface!.outputs = { variables: { l: { type: { collectionType: { simple: T.INT } } } } };
    h.task('n0', () => ({ outputs: { l: lit.list([lit.int(1)]) } }));
    const wf = workflowTemplate('bad', [taskNode('n0', src, {}), taskNode('n1', inc, { x: promise('n0', 'l', [5]) })]);
    const r = await h.run(closure(wf, [src, inc]));
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('BindingResolutionFailure');
    expect(r.error?.message).toContain('out of range');
    expect(h.launcher.launched.map((s) => s.labels['tflyte.node'])).toEqual(['n0']);
  });
});
