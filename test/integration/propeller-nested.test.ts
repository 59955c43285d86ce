/**
 * Propeller nested nodes: inline sub-workflows, launch-plan nodes (child executions) and branch
 * nodes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { flyteidl } from '../../src/core/idl.ts';
import { childExecutionName, uniqueNodeId } from '../../src/propeller/index.ts';
import { closure, createHarness, lit, promise, taskNode, taskTemplate, T, workflowTemplate, bind } from '../support/fake-propeller-harness.ts';
import type { Harness } from '../support/fake-propeller-harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const inc = taskTemplate('inc', { x: T.INT }, { o0: T.INT });
const double = taskTemplate('double', { x: T.INT }, { o0: T.INT });

function scriptArithmetic(): void {
  h.launcher.script(/./, { exitCode: 0 });
  h.task(/./, ({ x }, spec) => ({
    outputs: { o0: lit.int(spec.env.FLYTE_INTERNAL_TASK_NAME === 'double' ? (x as number) * 2 : (x as number) + 1) },
  }));
}

const sub = workflowTemplate(
  'sub',
  [taskNode('n0', inc, { x: promise('', 'y') }), taskNode('n1', double, { x: promise('n0', 'o0') })],
  { inputs: { y: T.INT }, outputs: { r: T.INT }, outputBindings: { r: promise('n1', 'o0') } },
);

describe('sub-workflow nodes', () => {
  it('runs the sub-workflow inline and copies its outputs up', async () => {
    scriptArithmetic();
    const parent = workflowTemplate(
      'parent',
      [
        { id: 's0', workflowNode: { subWorkflowRef: sub.id }, inputs: bind({ y: promise('', 'a') }) },
        taskNode('n9', inc, { x: promise('s0', 'r') }),
      ],
      { inputs: { a: T.INT }, outputs: { o0: T.INT }, outputBindings: { o0: promise('n9', 'o0') } },
    );
    const r = await h.run(closure(parent, [inc, double], [sub]), { a: lit.int(4) });
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 11 });
    const childId = uniqueNodeId({ uniqueId: 's0', attempt: 0 }, 'n1');
    expect(childId).toBe('s0-0-n1');
    const childEvent = h.sink.nodeEvents.find((e) => e.id?.nodeId === childId && e.phase === 3)!;
    expect(childEvent.parentNodeMetadata?.nodeId).toBe('s0');
    expect(childEvent.specNodeId).toBe('n1');
    const parentEvent = h.sink.nodeEvents.find((e) => e.id?.nodeId === 's0' && e.phase === 3)!;
    expect(parentEvent.isParent).toBe(true);
    expect(h.sink.nodePhases(r.name, 's0')).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
  });

  it('fails the parent node with the sub-workflow error', async () => {
    h.task(/./, () => ({ error: { code: 'SubBoom', message: 'inner failed' } }));
    const parent = workflowTemplate('parent', [{ id: 's0', workflowNode: { subWorkflowRef: sub.id }, inputs: bind({ y: promise('', 'a') }) }], {
      inputs: { a: T.INT },
    });
    const r = await h.run(closure(parent, [inc, double], [sub]), { a: lit.int(4) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('SubBoom');
    expect(h.sink.nodePhases(r.name, 's0').at(-1)).toBe('FAILED');
  });
});

describe('launch-plan nodes', () => {
  it('creates a named child execution, waits for it and takes its outputs', async () => {
    scriptArithmetic();
    h.children.launchPlans.set('sub_lp', closure(sub, [inc, double]));
    const parent = workflowTemplate(
      'parent',
      [{ id: 'l0', workflowNode: { launchplanRef: { resourceType: 3, project: 'flytesnacks', domain: 'development', name: 'sub_lp', version: 'v1' } }, inputs: bind({ y: promise('', 'a') }) }],
      { inputs: { a: T.INT }, outputs: { o0: T.INT }, outputBindings: { o0: promise('l0', 'r') } },
    );
    const r = await h.run(closure(parent, []), { a: lit.int(1) }, { name: 'parentexec' });
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 4 });
    const child = childExecutionName('parentexec', 'l0', 0);
    expect(child).toBe('parentexec-l0-0');
    expect(h.children.created).toEqual([child]);
    expect(h.sink.workflowPhase(child)).toBe('SUCCEEDED');
    const ev = h.sink.nodeEvents.find((e) => e.id?.nodeId === 'l0' && e.phase === 2)!;
    expect(ev.workflowNodeMetadata?.executionId?.name).toBe(child);
  });

  it('hashes long child names to 20 characters and aborts children on abort', async () => {
    h.task(/./, () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    h.children.launchPlans.set('sub_lp', closure(sub, [inc, double]));
    const parent = workflowTemplate('parent', [{ id: 'l0', workflowNode: { launchplanRef: { name: 'sub_lp' } }, inputs: bind({ y: promise('', 'a') }) }], {
      inputs: { a: T.INT },
    });
    const name = await h.launch(closure(parent, []), { a: lit.int(1) }, { name: 'a-rather-long-execution-name' });
    const child = childExecutionName(name, 'l0', 0);
    expect(child).toMatch(/^f[a-z1-6]{13}$/);
    for (let i = 0; i < 1000 && h.launcher.launched.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await h.propeller.abort({ project: 'flytesnacks', domain: 'development', name }, 'stop');
    expect((await h.sink.waitForTerminal(name)).phase).toBe(7);
    expect((await h.sink.waitForTerminal(child)).phase).toBe(7);
    expect(h.children.terminated).toEqual([child]);
  });
});

describe('branch nodes', () => {
  const gt = (v: string, n: number): flyteidl.core.IBooleanExpression => ({
    comparison: { operator: 2, leftValue: { var: v }, rightValue: { primitive: { integer: String(n) } } },
  });
  const branchWf = (withElse: boolean) =>
    workflowTemplate(
      'br',
      [
        {
          id: 'b0',
          inputs: bind({ x: promise('', 'a') }),
          branchNode: {
            ifElse: {
              case: { condition: gt('x', 10), thenNode: taskNode('big', double, { x: promise('', 'a') }) },
              other: [{ condition: { conjunction: { operator: 0, leftExpression: gt('x', 5), rightExpression: gt('x', 6) } }, thenNode: taskNode('mid', inc, { x: promise('', 'a') }) }],
              ...(withElse ? { elseNode: taskNode('small', inc, { x: promise('', 'a') }) } : { error: { failedNodeId: 'b0', message: 'x too small' } }),
            },
          },
        },
      ],
      { inputs: { a: T.INT }, outputs: { o0: T.INT }, outputBindings: { o0: promise('b0', 'o0') } },
    );

  it('takes the first matching case, skips the others and returns its outputs', async () => {
    scriptArithmetic();
    const r = await h.run(closure(branchWf(true), [inc, double]), { a: lit.int(20) });
    expect(r.outputs).toEqual({ o0: 40 });
    const r2 = await h.run(closure(branchWf(true), [inc, double]), { a: lit.int(7) });
    expect(r2.outputs).toEqual({ o0: 8 });
    const r3 = await h.run(closure(branchWf(true), [inc, double]), { a: lit.int(1) });
    expect(r3.outputs).toEqual({ o0: 2 });
    const taken = h.sink.nodeEvents.find((e) => e.id?.executionId?.name === r.name && e.specNodeId === 'big' && e.phase === 3)!;
    expect(taken.parentNodeMetadata?.nodeId).toBe('b0');
    expect(h.launcher.launched.filter((s) => s.labels['tflyte.execution'] === r.name)).toHaveLength(1);
    // The untaken cases are reported SKIPPED as children of the branch.
    const skipped = h.sink.nodeEvents.filter((e) => e.id?.executionId?.name === r.name && e.phase === 7);
    expect(skipped.map((e) => [e.id?.nodeId, e.parentNodeMetadata?.nodeId])).toEqual([
      ['b0-0-mid', 'b0'],
      ['b0-0-small', 'b0'],
    ]);
  });

  it('fails with the declared error when nothing matches', async () => {
    scriptArithmetic();
    const r = await h.run(closure(branchWf(false), [inc, double]), { a: lit.int(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.message).toBe('x too small');
    expect(h.launcher.launched).toHaveLength(0);
    expect(h.sink.nodePhases(r.name, 'b0-0-big')).toEqual(['SKIPPED']);
    expect(h.sink.nodePhases(r.name, 'b0-0-mid')).toEqual(['SKIPPED']);
  });
});
