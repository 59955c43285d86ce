/**
 * Dynamic workflows end to end in a real sandbox: the seed's count_characters (`wf`) and merge
 * sort (recursion through a conditional), the compiled generated workflow served by admin,
 * children listed with their parent while and after they run, a failing child, launch plans and
 * dynamic nodes inside a generated workflow, and the nesting limit. The process launcher covers
 * the breadth; Docker runs the seed examples.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { flyteidl } from '../../src/core/idl.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const EXAMPLE = 'examples/dynamic_workflow.ts';
const NUMBERS = [1813, 3105, 3260, 2634, 383, 7037, 3291, 2403, 315, 7164];
const P = { project: 'flytesnacks', domain: 'development' };
/** `core.NodeExecution.Phase` numbers. */
const NODE = { RUNNING: 2, SUCCEEDED: 3, FAILED: 5, ABORTED: 6, DYNAMIC_RUNNING: 9 } as const;

/** Entities for the cases the seed examples do not cover (written to a temp dir: any file with only `tflyte` imports runs). */
const FIXTURE_SOURCE = `
import { dynamic, launchPlan, task, workflow, t } from 'tflyte';

export const slow_add = task({ inputs: { a: t.int, b: t.int, ms: t.int }, outputs: t.int }, async ({ a, b, ms }) => {
  await new Promise((r) => setTimeout(r, ms));
  return a + b;
});

export const boom = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  throw new Error('boom on ' + x);
});

/** n parallel children. */
export const fan = dynamic({ inputs: { n: t.int, ms: t.int }, outputs: t.list(t.int) }, ({ n, ms }) => {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(slow_add({ a: i, b: 1, ms }));
  return out;
});
export const fan_wf = workflow({ inputs: { n: t.int, ms: t.int }, outputs: t.list(t.int) }, ({ n, ms }) => fan({ n, ms }));

/** One child fails while the other still runs. */
export const fails_inside = dynamic({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  const slow = slow_add({ a: x, b: 1, ms: 60000 });
  boom({ x });
  return slow;
});
export const fails_wf = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => fails_inside({ x }));

export const add_wf = workflow({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => slow_add({ a, b, ms: 0 }));
export const add_lp = launchPlan(add_wf, { name: 'add_lp', fixed: { b: 100 } });

/** A launch plan and a dynamic node inside a generated workflow. */
export const nested = dynamic({ inputs: { n: t.int }, outputs: [t.int, t.list(t.int)] }, ({ n }) => [add_lp({ a: n }), fan({ n: 2, ms: 0 })]);
export const nested_wf = workflow({ inputs: { n: t.int }, outputs: [t.int, t.list(t.int)] }, ({ n }) => nested({ n }));

/** Recursion without a base case. */
export const recurse = dynamic({ inputs: { depth: t.int }, outputs: t.int }, ({ depth }): unknown => recurse({ depth: depth + 1 }));
`;

const fixtureDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-dyn-fixture-'));
const FIXTURE = path.join(fixtureDir, 'dyn_features.ts');
fs.writeFileSync(FIXTURE, FIXTURE_SOURCE);
afterAll(() => fs.rmSync(fixtureDir, { recursive: true, force: true }));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function children(sbx: TestSandbox, execution: string, parent: string): Promise<flyteidl.admin.INodeExecution[]> {
  const r = await sbx.client.listNodeExecutions({ ...P, name: execution }, { limit: 500, uniqueParentId: parent });
  return (r.nodeExecutions ?? []).filter((n) => !/end-node|start-node/.test(n.metadata?.specNodeId ?? ''));
}

describe('dynamic workflows in the sandbox (process launcher)', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'process', name: 'dynamic' });
    // A low nesting limit for the runaway recursion case (the seed's merge sort needs 1 level).
    await sbx.stop();
    fs.writeFileSync(path.join(sbx.dataDir, 'config.yaml'), 'maxNesting: 3\n');
    await sbx.restart();
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test('wf(s1="Pear", s2="Earth") → 3, with the generated workflow served by admin and its nodes as children', async () => {
    const r = await sbx.run(EXAMPLE, 'wf', ['--s1', 'Pear', '--s2', 'Earth']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 3 });
    const exec = { ...P, name: r.execution };
    const parent = await sbx.client.getNodeExecution(exec, 'n0');
    expect(parent.metadata?.isDynamic).toBe(true);
    expect(parent.metadata?.isParentNode).toBe(true);
    const dyn = await sbx.client.getDynamicWorkflow(exec, 'n0');
    const nodes = dyn.compiledWorkflow?.primary?.template?.nodes ?? [];
    // "Pear" and "Earth": one return_index + update_list pair per character, then derive_count.
    expect(nodes.filter((n) => n.id !== 'start-node' && n.id !== 'end-node')).toHaveLength(19);
    expect(new Set((dyn.compiledWorkflow?.tasks ?? []).map((t) => t.template?.id?.name))).toEqual(
      new Set(['examples.dynamic_workflow.return_index', 'examples.dynamic_workflow.update_list', 'examples.dynamic_workflow.derive_count']),
    );
    const kids = await children(sbx, r.execution, 'n0');
    expect(kids).toHaveLength(19);
    expect(kids.every((k) => k.closure?.phase === NODE.SUCCEEDED && k.id?.nodeId === `n0-0-${k.metadata?.specNodeId}`)).toBe(true);
  });

  test('merge_sort of the seed numbers → sorted (recursion through a conditional)', async () => {
    const r = await sbx.run(EXAMPLE, 'merge_sort', ['--numbers', JSON.stringify(NUMBERS), '--numbers_count', '10']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: [...NUMBERS].sort((a, b) => a - b) });
  });

  test('children are listed with their parent while they run and after', async () => {
    const launched = await sbx.cli(['run', '--remote', '--json', FIXTURE, 'fan_wf', '--n', '3', '--ms', '2500']);
    expect(launched.exitCode).toBe(0);
    const name = (JSON.parse(launched.stdout.trim().split('\n').pop() ?? '{}') as { execution: string }).execution;
    const exec = { ...P, name };
    const running = await waitFor('running children', async () => {
      const kids = await children(sbx, name, 'n0');
      return kids.filter((k) => k.closure?.phase === NODE.RUNNING).length === 3 ? kids : undefined;
    });
    expect(running.map((k) => k.id?.nodeId).sort()).toEqual(['n0-0-dn0', 'n0-0-dn1', 'n0-0-dn2']);
    expect((await sbx.client.getNodeExecution(exec, 'n0')).closure?.phase).toBe(NODE.DYNAMIC_RUNNING);
    const done = await waitFor('the execution to end', async () => {
      const e = await sbx.client.getExecution(exec);
      return [4, 6, 7].includes(Number(e.closure?.phase)) ? e : undefined;
    });
    expect(done.closure?.phase).toBe(4);
    const kids = await children(sbx, name, 'n0');
    expect(kids.map((k) => k.closure?.phase)).toEqual([NODE.SUCCEEDED, NODE.SUCCEEDED, NODE.SUCCEEDED]);
    expect((await sbx.client.getExecutionData(exec)).fullOutputs?.literals?.o0?.collection?.literals).toHaveLength(3);
  });

  test('a failing child fails the dynamic node with its error and aborts the other child', async () => {
    const r = await sbx.run(FIXTURE, 'fails_wf', ['--x', '2']);
    expect(r.phase).toBe('FAILED');
    expect(r.exitCode).not.toBe(0);
    expect(r.error?.message).toContain('boom on 2');
    const kids = await children(sbx, r.execution, 'n0');
    const byId = Object.fromEntries(kids.map((k) => [k.metadata?.specNodeId, k.closure?.phase]));
    expect(byId).toEqual({ dn0: NODE.ABORTED, dn1: NODE.FAILED });
    expect((await sbx.client.getNodeExecution({ ...P, name: r.execution }, 'n0')).closure?.phase).toBe(NODE.FAILED);
  });

  test('a generated workflow calls a launch plan (child execution) and another dynamic task', async () => {
    const r = await sbx.run(FIXTURE, 'nested_wf', ['--n', '1']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 101, o1: [1, 2] });
    const kids = await children(sbx, r.execution, 'n0');
    const lpNode = kids.find((k) => k.metadata?.specNodeId === 'dn0');
    expect(lpNode?.closure?.workflowNodeMetadata?.executionId?.name).toBeTruthy();
    const inner = kids.find((k) => k.metadata?.specNodeId === 'dn1')!;
    expect(inner.metadata?.isDynamic).toBe(true);
    expect(await children(sbx, r.execution, inner.id?.nodeId ?? '')).toHaveLength(2);
  });

  test('runaway recursion stops at maxNesting with a clear error', async () => {
    const r = await sbx.run(FIXTURE, 'recurse', ['--depth', '0']);
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('MaxNestingExceeded');
    expect(r.error?.message).toContain("nested 4 levels deep, above the sandbox's maxNesting of 3");
    expect(r.error?.message).toContain('base case');
  });
});

const docker = await dockerSandboxAvailable();

describe.skipIf(!docker)('dynamic workflows in the sandbox (Docker launcher)', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'docker', name: 'dynamic-docker' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test('wf(s1="Pear", s2="Earth") → 3 in containers', async () => {
    const r = await sbx.run(EXAMPLE, 'wf', ['--s1', 'Pear', '--s2', 'Earth']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 3 });
    expect(await children(sbx, r.execution, 'n0')).toHaveLength(19);
  });

  test('merge_sort of the seed numbers → sorted in containers', async () => {
    const r = await sbx.run(EXAMPLE, 'merge_sort', ['--numbers', JSON.stringify(NUMBERS), '--numbers_count', '10']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: [...NUMBERS].sort((a, b) => a - b) });
  });
});
