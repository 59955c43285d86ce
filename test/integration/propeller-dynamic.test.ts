/**
 * Propeller dynamic nodes over fakes: a task attempt that writes `futures.pb` turns its node into
 * a parent whose generated workflow is compiled, reported (DYNAMIC_RUNNING + closure) and run as
 * its children; failures, build errors, nesting limits, launch plans and restarts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { flyteidl } from '../../src/core/idl.ts';
import { encode } from '../../src/core/idl.ts';
import type { LaunchSpec } from '../../src/launcher/index.ts';
import { uniqueNodeId } from '../../src/propeller/index.ts';
import { bind, closure, createHarness, DOMAIN, lit, PROJECT, promise, T, taskNode, taskTemplate, workflowTemplate } from '../support/fake-propeller-harness.ts';
import type { Harness } from '../support/fake-propeller-harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  expect(h.sink.violations).toEqual([]);
  await h.cleanup();
});

const inc = taskTemplate('inc', { x: T.INT }, { o0: T.INT });
const double = taskTemplate('double', { x: T.INT }, { o0: T.INT });
const gen = taskTemplate('gen', { n: T.INT }, { o0: T.INT });

const scalar = (n: number): flyteidl.core.IBindingData => ({ scalar: { primitive: { integer: String(n) } } });

/** Scripts attempts whose key ends in `-<node>-<attempt>` to write a futures file built from their inputs. */
function futures(node: string, build: (inputs: Record<string, unknown>) => flyteidl.core.IDynamicJobSpec): void {
  h.task(node, () => ({ nothing: true }), {
    writeFiles: async (spec: LaunchSpec) => {
      const out = spec.command[spec.command.indexOf('--output-prefix') + 1]!;
      const inputsUri = spec.command[spec.command.indexOf('--inputs') + 1]!;
      const { decode } = await import('../../src/core/idl.ts');
      const m = decode<flyteidl.core.ILiteralMap>('flyteidl.core.LiteralMap', await h.data.read(inputsUri));
      const js = Object.fromEntries(Object.entries(m.literals ?? {}).map(([k, v]) => [k, Number(v.scalar?.primitive?.integer ?? 0)]));
      await h.data.write(h.data.join(out, 'futures.pb'), encode('flyteidl.core.DynamicJobSpec', build(js)));
    },
  });
}

function arithmetic(): void {
  h.task(/./, ({ x }, spec) => ({
    outputs: { o0: lit.int(spec.env.FLYTE_INTERNAL_TASK_NAME === 'double' ? (x as number) * 2 : (x as number) + 1) },
  }));
}

/** inc(n) then double: the generated workflow of `gen`. */
const incThenDouble = ({ n }: Record<string, unknown>): flyteidl.core.IDynamicJobSpec => ({
  nodes: [taskNode('dn0', inc, { x: scalar(n as number) }), taskNode('dn1', double, { x: promise('dn0', 'o0') })],
  outputs: bind({ o0: promise('dn1', 'o0') }),
  tasks: [inc, double],
  minSuccesses: '2',
});

const parentWf = (nodeId = 'n0') =>
  workflowTemplate('parent', [taskNode(nodeId, gen, { n: promise('', 'n') })], {
    inputs: { n: T.INT },
    outputs: { o0: T.INT },
    outputBindings: { o0: promise(nodeId, 'o0') },
  });

describe('dynamic nodes', () => {
  it('compiles and runs the generated workflow as children, reports it, and takes its outputs', async () => {
    arithmetic();
    futures('n0', incThenDouble);
    const r = await h.run(closure(parentWf(), [gen]), { n: lit.int(4) });
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 10 });
    expect(h.sink.nodePhases(r.name, 'n0')).toEqual(['QUEUED', 'RUNNING', 'DYNAMIC_RUNNING', 'SUCCEEDED']);
    // The parent task attempt itself succeeded (it produced the futures file).
    expect(h.sink.taskPhases(r.name, 'n0')).toEqual(['0:QUEUED', '0:RUNNING', '0:SUCCEEDED']);

    const dyn = h.sink.nodeEvents.find((e) => e.id?.nodeId === 'n0' && e.phase === 9)!;
    expect(dyn.isDynamic).toBe(true);
    expect(dyn.isParent).toBe(true);
    const compiled = dyn.taskNodeMetadata?.dynamicWorkflow?.compiledWorkflow;
    expect(compiled?.primary?.template?.nodes?.map((n) => n.id)).toEqual(['start-node', 'dn0', 'dn1', 'end-node']);
    expect(dyn.taskNodeMetadata?.dynamicWorkflow?.dynamicJobSpecUri).toMatch(/\/n0\/data\/0\/futures\.pb$/);

    const childId = uniqueNodeId({ uniqueId: 'n0', attempt: 0 }, 'dn1');
    expect(childId).toBe('n0-0-dn1');
    const child = h.sink.nodeEvents.find((e) => e.id?.nodeId === childId && e.phase === 3)!;
    expect(child.parentNodeMetadata?.nodeId).toBe('n0');
    expect(child.parentTaskMetadata?.id?.nodeExecutionId?.nodeId).toBe('n0');
    expect(child.parentTaskMetadata?.id?.taskId?.name).toBe('gen');
    expect(child.specNodeId).toBe('dn1');
    // Children ran only after the parent was reported DYNAMIC_RUNNING.
    const order = h.sink.nodeEvents.map((e) => `${e.id?.nodeId}:${e.phase}`);
    expect(order.indexOf('n0:9')).toBeLessThan(order.indexOf('n0-0-dn0:1'));
  });

  it('hashes the unique ids of children of long node ids', async () => {
    arithmetic();
    futures('averylongnodename', incThenDouble);
    const r = await h.run(closure(parentWf('averylongnodename'), [gen]), { n: lit.int(1) });
    expect(r.outputs).toEqual({ o0: 4 });
    const children = h.sink.nodeEvents.filter((e) => e.parentNodeMetadata?.nodeId === 'averylongnodename');
    expect(children.length).toBeGreaterThan(0);
    for (const c of children) expect(c.id?.nodeId).toMatch(/^f[a-z1-6]{7}$/);
  });

  it('fails the dynamic node when a child fails, aborting the children still running', async () => {
    h.task('dn0', () => ({ error: { code: 'USER:Boom', message: 'child exploded' } }));
    h.launcher.script(/-dn1-\d+$/, { exitCode: 0, hold: true });
    futures('n0', () => ({
      nodes: [taskNode('dn0', inc, { x: scalar(1) }), taskNode('dn1', double, { x: scalar(2) })],
      outputs: bind({ o0: promise('dn0', 'o0') }),
      tasks: [inc, double],
    }));
    const r = await h.run(closure(parentWf(), [gen]), { n: lit.int(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('USER:Boom');
    expect(r.error?.message).toBe('child exploded');
    expect(h.sink.nodePhases(r.name, 'n0').at(-1)).toBe('FAILED');
    expect(h.sink.nodePhases(r.name, 'n0-0-dn1').at(-1)).toBe('ABORTED');
    expect(h.sink.taskPhases(r.name, 'n0-0-dn1').at(-1)).toBe('0:ABORTED');
    expect(h.launcher.isRunning(`${r.name}-n0-0-dn1-0`)).toBe(false);
  });

  it('fails with DynamicWorkflowBuildFailed listing every problem of a generated workflow that does not compile', async () => {
    futures('n0', () => ({
      nodes: [taskNode('dn0', inc, { x: scalar(1) }), taskNode('dn1', double, { y: scalar(2) })],
      outputs: bind({ o0: promise('dn0', 'o0') }),
      tasks: [double],
    }));
    const r = await h.run(closure(parentWf(), [gen]), { n: lit.int(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('DynamicWorkflowBuildFailed');
    expect(r.error?.kind).toBe(1);
    expect(r.error?.message).toContain('dynamic workflow of node n0 (task gen)');
    expect(r.error?.message).toContain('task flytesnacks/development/inc/v1 is not registered or not included');
    expect(r.error?.message).toContain('node dn1: unknown input "y"');
    expect(h.sink.nodeEvents.some((e) => e.parentNodeMetadata?.nodeId === 'n0')).toBe(false);
  });

  it('runs a dynamic node inside a dynamic node, and stops recursion at maxNesting with a clear error', async () => {
    arithmetic();
    // gen → (dn0: gen2 → inc): ids nest to n0-0-dn0-0-dn0.
    const gen2 = taskTemplate('gen2', { n: T.INT }, { o0: T.INT });
    futures('n0', ({ n }) => ({ nodes: [taskNode('dn0', gen2, { n: scalar(n as number) })], outputs: bind({ o0: promise('dn0', 'o0') }), tasks: [gen2] }));
    futures('n0-0-dn0', ({ n }) => ({ nodes: [taskNode('dn0', inc, { x: scalar(n as number) })], outputs: bind({ o0: promise('dn0', 'o0') }), tasks: [inc] }));
    const r = await h.run(closure(parentWf(), [gen]), { n: lit.int(6) });
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 7 });
    const inner = uniqueNodeId({ uniqueId: 'n0-0-dn0', attempt: 0 }, 'dn0');
    expect(inner).toBe('n0-0-dn0-0-dn0');
    expect(h.sink.nodeEvents.find((e) => e.id?.nodeId === inner)?.parentNodeMetadata?.nodeId).toBe('n0-0-dn0');

    const h2 = await createHarness({ maxNesting: 2 });
    try {
      const rec = taskTemplate('rec', { n: T.INT }, { o0: T.INT });
      h2.task(/./, () => ({ nothing: true }), {
        writeFiles: async (spec) => {
          const out = spec.command[spec.command.indexOf('--output-prefix') + 1]!;
          const spec2 = { nodes: [taskNode('dn0', rec, { n: scalar(1) })], outputs: bind({ o0: promise('dn0', 'o0') }), tasks: [rec] };
          await h2.data.write(h2.data.join(out, 'futures.pb'), encode('flyteidl.core.DynamicJobSpec', spec2));
        },
      });
      const wf = workflowTemplate('recwf', [taskNode('n0', rec, { n: scalar(1) })], { outputs: { o0: T.INT }, outputBindings: { o0: promise('n0', 'o0') } });
      const r2 = await h2.run(closure(wf, [rec]));
      expect(r2.phase).toBe('FAILED');
      expect(r2.error?.code).toBe('MaxNestingExceeded');
      expect(r2.error?.message).toContain("nested 3 levels deep, above the sandbox's maxNesting of 2");
      expect(r2.error?.message).toContain('raise maxNesting');
      // Levels 1 and 2 ran their task, level 3 was refused after its task wrote the futures.
      expect(h2.launcher.launched).toHaveLength(3);
    } finally {
      await h2.cleanup();
    }
  });

  it('runs sub-workflows inline and launch plans as child executions from a generated workflow', async () => {
    arithmetic();
    const sub = workflowTemplate('sub', [taskNode('s0', inc, { x: promise('', 'y') })], {
      inputs: { y: T.INT },
      outputs: { r: T.INT },
      outputBindings: { r: promise('s0', 'o0') },
    });
    const lpId = { resourceType: 3, project: PROJECT, domain: DOMAIN, name: 'double_lp', version: 'v1' };
    const lpWf = workflowTemplate('lpwf', [taskNode('l0', double, { x: promise('', 'x') })], {
      inputs: { x: T.INT },
      outputs: { o0: T.INT },
      outputBindings: { o0: promise('l0', 'o0') },
    });
    h.children.launchPlans.set('double_lp', closure(lpWf, [double]));
    const asked: string[] = [];
    Object.assign(h.children, {
      getLaunchPlan: async (id: flyteidl.core.IIdentifier) => {
        asked.push(id.name ?? '');
        return id.name === 'double_lp' ? { id: lpId, interface: lpWf.interface, fixedInputs: { literals: {} } } : undefined;
      },
    });
    futures('n0', ({ n }) => ({
      nodes: [
        { id: 'dn0', workflowNode: { subWorkflowRef: sub.id }, inputs: bind({ y: scalar(n as number) }) },
        { id: 'dn1', workflowNode: { launchplanRef: lpId }, inputs: bind({ x: promise('dn0', 'r') }) },
      ],
      outputs: bind({ o0: promise('dn1', 'o0') }),
      tasks: [inc],
      subworkflows: [sub],
    }));
    const r = await h.run(closure(parentWf(), [gen]), { n: lit.int(2) }, { name: 'dynlp' });
    expect(r.error).toBeUndefined();
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 6 });
    expect(asked).toEqual(['double_lp']);
    expect(h.children.created).toHaveLength(1);
    // The sub-workflow's own node is a grandchild of the dynamic node.
    const sw = uniqueNodeId({ uniqueId: 'n0', attempt: 0 }, 'dn0');
    expect(h.sink.nodeEvents.find((e) => e.id?.nodeId === uniqueNodeId({ uniqueId: sw, attempt: 0 }, 's0'))?.parentNodeMetadata?.nodeId).toBe(sw);
  });

  it('resumes the generated workflow after a restart without running the parent task again', async () => {
    arithmetic();
    futures('n0', incThenDouble);
    h.task('dn1', ({ x }) => ({ outputs: { o0: lit.int((x as number) * 2) } }), { hold: true });
    const name = await h.launch(closure(parentWf(), [gen]), { n: lit.int(3) });
    for (let i = 0; i < 50 && !h.launcher.isRunning(`${name}-n0-0-dn1-0`); i++) await new Promise((r) => setTimeout(r, 10));
    await h.propeller.idle();
    expect(h.sink.nodePhase(name, 'n0')).toBe('DYNAMIC_RUNNING');
    await h.restart();
    h.launcher.finish(`${name}-n0-0-dn1-0`, { exitCode: 0 });
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(4);
    expect(await h.outputsOf(name)).toEqual({ o0: 8 });
    expect(h.launcher.launched.filter((s) => s.key === `${name}-n0-0`)).toHaveLength(1);
    // On resume the saved outbox is re-sent; the sink rejects the repeats as backward moves,
    // which propeller counts as recorded. Nothing else may be rejected.
    expect(h.sink.violations.every((v) => / cannot move from \w+ to QUEUED$/.test(v))).toBe(true);
    h.sink.violations.length = 0;
  });
});
