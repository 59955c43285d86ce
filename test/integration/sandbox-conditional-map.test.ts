/**
 * Conditionals (branch nodes) and maps (array nodes) end to end in a real sandbox, with the
 * examples in examples/conditional_map.ts: classify takes each path (including `fail`), the
 * untaken case is reported SKIPPED; sum_of_squares maps then reduces; halve_some above and below
 * its success ratio, with each item visible as a child of the map node. Breadth on the process
 * launcher; one map and one branch in Docker.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { flyteidl } from '../../src/core/idl.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const EXAMPLE = 'examples/conditional_map.ts';
const P = { project: 'flytesnacks', domain: 'development' };
/** `core.NodeExecution.Phase` numbers. */
const NODE = { SUCCEEDED: 3, FAILED: 5, ABORTED: 6, SKIPPED: 7 } as const;

async function childPhases(sbx: TestSandbox, execution: string, parent: string): Promise<Record<string, number>> {
  const r = await sbx.client.listNodeExecutions({ ...P, name: execution }, { limit: 500, uniqueParentId: parent });
  return Object.fromEntries((r.nodeExecutions ?? []).map((n: flyteidl.admin.INodeExecution) => [n.metadata?.specNodeId ?? '', Number(n.closure?.phase)]));
}

/** The id of the (only) top-level branch or array node of an execution. */
async function topNode(sbx: TestSandbox, execution: string): Promise<string> {
  const r = await sbx.client.listNodeExecutions({ ...P, name: execution }, { limit: 100 });
  // A branch is a parent node; a map (array node) is not one in Flyte, but has its items as children here.
  const n = (r.nodeExecutions ?? []).find((x) => x.metadata?.isParentNode || x.metadata?.isArray);
  if (!n?.id?.nodeId) throw new Error(`execution ${execution} has no parent or array node`);
  return n.id.nodeId;
}

describe('conditionals and maps in the sandbox (process launcher)', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'process', name: 'cond-map' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test('classify takes the first path, reporting the other case SKIPPED', async () => {
    const r = await sbx.run(EXAMPLE, 'classify', ['--x', '3']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: '3 is small' });
    const branch = await topNode(sbx, r.execution);
    expect(Object.values(await childPhases(sbx, r.execution, branch)).sort()).toEqual([NODE.SUCCEEDED, NODE.SKIPPED]);
  });

  test('classify takes the elif path', async () => {
    const r = await sbx.run(EXAMPLE, 'classify', ['--x', '50']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: '50 is large' });
  });

  test('classify takes the else path: fail("msg") fails the execution with that message', async () => {
    const r = await sbx.run(EXAMPLE, 'classify', ['--x', '5000']);
    expect(r.phase).toBe('FAILED');
    expect(r.exitCode).not.toBe(0);
    expect(r.error?.message).toBe('x must be below 1000');
    const branch = await topNode(sbx, r.execution);
    expect(Object.values(await childPhases(sbx, r.execution, branch))).toEqual([NODE.SKIPPED, NODE.SKIPPED]);
  });

  test('sum_of_squares maps square over the list and feeds the list downstream', async () => {
    const r = await sbx.run(EXAMPLE, 'sum_of_squares', ['--xs', '[1,2,3,4,5]']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 55 });
    const map = await topNode(sbx, r.execution);
    expect(await childPhases(sbx, r.execution, map)).toEqual({ 0: 3, 1: 3, 2: 3, 3: 3, 4: 3 });
  });

  test('halve_some above its success ratio: null for the failed items, each item visible', async () => {
    const r = await sbx.run(EXAMPLE, 'halve_some', ['--xs', '[2,3,4,6]']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: [1, null, 2, 3] });
    const map = await topNode(sbx, r.execution);
    expect(await childPhases(sbx, r.execution, map)).toEqual({ 0: NODE.SUCCEEDED, 1: NODE.FAILED, 2: NODE.SUCCEEDED, 3: NODE.SUCCEEDED });
    const item = (await sbx.client.listNodeExecutions({ ...P, name: r.execution }, { limit: 10, uniqueParentId: map })).nodeExecutions?.find(
      (n) => n.metadata?.specNodeId === '1',
    );
    expect(item?.closure?.error?.message).toContain('RangeError: 3 is odd');
  });

  test('halve_some below its success ratio fails, naming the counts and the failures', async () => {
    const r = await sbx.run(EXAMPLE, 'halve_some', ['--xs', '[1,3,4]']);
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('ArrayNodeMinSuccessesNotMet');
    expect(r.error?.message).toMatch(/^map over examples\.conditional_map\.halve_even \(node n0\): 2 of 3 items failed, so at most 1 can succeed but 2 must \(min success ratio 0\.5\)/);
    expect(r.error?.message).toContain('RangeError: 1 is odd');
  });
});

const docker = await dockerSandboxAvailable();

describe.skipIf(!docker)('conditionals and maps in the sandbox (Docker launcher)', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'docker', name: 'cond-map-docker' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test('halve_some runs one container per item and reports the failed slot as null', async () => {
    const r = await sbx.run(EXAMPLE, 'halve_some', ['--xs', '[2,3,4,6]']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: [1, null, 2, 3] });
  });

  test('classify takes the elif path in containers', async () => {
    const r = await sbx.run(EXAMPLE, 'classify', ['--x', '50']);
    expect(r.outputs).toEqual({ o0: '50 is large' });
  });
});
