/**
 * Eager workflows beyond the seed examples, in a real sandbox with the process launcher (tasks
 * are host subprocesses, so a marker file in a temp dir is shared by attempts): a retried attempt
 * reuses the children that finished and re-runs the one that failed; a child failure caught with
 * its details or left uncaught; children never outlive their parent; the configured concurrency
 * bounds Promise.all; a killed eager task's retry adopts its running children; files, static
 * workflows and maps awaited from eager; clear errors for an unexported entity and for eager
 * called from a static or dynamic workflow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { childrenOf, lifetime, maxOverlap, PD, phaseName, taskNodeOf, until, waitTerminal } from '../support/eager.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const FILE = 'test/fixtures/eager/eager_features.ts';
const CONCURRENCY = 3;

let sbx: TestSandbox;
let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-eager-markers-'));
  sbx = await startTestSandbox({ launcher: 'process', name: 'eager-features' });
  // The sandbox's eager concurrency comes from its config file.
  await sbx.stop();
  fs.appendFileSync(path.join(sbx.dataDir, 'config.yaml'), `eagerConcurrency: ${CONCURRENCY}\n`);
  await sbx.restart();
});
afterAll(async () => {
  await sbx?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const names = (xs: { id?: { name?: string | null } | null }[]): string[] => xs.map((x) => x.id?.name ?? '');

describe('retries of an eager task', () => {
  test('a retried attempt attaches to the children that succeeded instead of running them again', async () => {
    const r = await sbx.run(FILE, 'eager_fails_once', ['--x', '1']);
    expect(r.phase, r.error?.message).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 2 + 12 });
    const node = await taskNodeOf(sbx.client, r.execution);
    const attempts = await sbx.client.listTaskExecutions({ ...PD, name: r.execution }, node);
    expect((attempts.taskExecutions ?? []).map((t) => Number(t.id?.retryAttempt ?? 0)).sort()).toEqual([0, 1]);
    // Two calls, two children: the second attempt ran none again.
    const kids = await childrenOf(sbx.client, r.execution);
    expect(kids).toHaveLength(2);
    expect(kids.every((k) => phaseName(k) === 'SUCCEEDED')).toBe(true);
    const log = await sbx.client.getTaskLog({ taskId: attempts.taskExecutions?.[0]?.id?.taskId ?? {}, nodeExecutionId: { nodeId: node, executionId: { ...PD, name: r.execution } }, retryAttempt: 1 });
    for (const k of kids) expect(log).toContain(`${k.id?.name}: attached to the existing execution`);
  });

  test('a child that failed in the first attempt runs again as <name>-r1; the one that succeeded is reused', async () => {
    const marker = path.join(tmp, 'fails-first-time');
    const r = await sbx.run(FILE, 'eager_retries_failed_child', ['--x', '1', '--marker', marker]);
    expect(r.phase, r.error?.message).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 3 });
    const kids = await childrenOf(sbx.client, r.execution);
    const byName = Object.fromEntries(kids.map((k) => [k.id?.name ?? '', phaseName(k)]));
    const failed = names(kids).find((n) => n.startsWith('e-fails-first-time-') && !n.endsWith('-r1')) as string;
    expect(byName).toEqual({ [names(kids).find((n) => n.startsWith('e-add-one-')) as string]: 'SUCCEEDED', [failed]: 'FAILED', [`${failed}-r1`]: 'SUCCEEDED' });
  });
});

describe('failures', () => {
  test('a caught child failure carries the child execution, the original error name, message and kind', async () => {
    const r = await sbx.run(FILE, 'eager_error_details', ['--x', '0']);
    expect(r.phase).toBe('SUCCEEDED');
    const details = JSON.parse(String(r.outputs.o0)) as Record<string, string>;
    const [child] = await childrenOf(sbx.client, r.execution);
    expect(details).toEqual({ entity: 'examples.eager_workflows.raises_exc', executionId: child?.id?.name, errorName: 'TypeError', errorMessage: 'some exception', kind: 'USER' });
  });

  test('uncaught, the eager task fails with the EagerException message naming the child and the error', async () => {
    const r = await sbx.run(FILE, 'eager_uncaught', ['--x', '0']);
    expect(r.phase).toBe('FAILED');
    expect(r.exitCode).not.toBe(0);
    const [child] = await childrenOf(sbx.client, r.execution);
    expect(r.error?.message).toContain(`EagerException: examples.eager_workflows.raises_exc (execution ${child?.id?.name}) failed: TypeError: some exception`);
  });

  test('a child left running when the eager task fails for good is terminated', async () => {
    const r = await sbx.run(FILE, 'eager_abandons_child', ['--ms', '300000']);
    expect(r.phase).toBe('FAILED');
    expect(r.error?.message).toContain('giving up while a child still runs');
    const slow = (await childrenOf(sbx.client, r.execution)).find((k) => k.spec?.launchPlan?.name?.endsWith('slow_add_one'));
    const done = await waitTerminal(sbx.client, slow?.id?.name ?? '');
    expect(phaseName(done)).toBe('ABORTED');
    expect(done.closure?.abortMetadata).toEqual({ cause: `parent execution ${r.execution} ended FAILED`, principal: 'parent' });
  });

  test('calling an entity that is not exported (so never registered) fails clearly, not as an EagerException', async () => {
    const r = await sbx.run(FILE, 'eager_calls_unexported', ['--x', '2']);
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toContain('SBX_EAGER_NOT_REGISTERED');
    expect(r.error?.message).toContain('not exported from its module');
  });

  test('an eager workflow called from a dynamic workflow fails the dynamic task with a compile error', async () => {
    const r = await sbx.run('test/fixtures/eager/eager_in_dynamic.ts', 'dynamic_calls_eager', ['--x', '1']);
    expect(r.phase).toBe('FAILED');
    expect(r.error?.message).toContain('SBX_COMPILE_EAGER_IN_WORKFLOW');
    expect(r.error?.message).toContain('cannot be called from a static or dynamic workflow');
  });

  test('an eager workflow called from a static workflow is a compile error at registration', async () => {
    const r = await sbx.cli(['run', '--remote', '--wait', 'test/fixtures/eager/eager_in_workflow.ts', 'static_calls_eager', '--x', '1']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('SBX_COMPILE_EAGER_IN_WORKFLOW');
    expect(r.stderr).toContain('cannot be called from a static or dynamic workflow');
  });
});

describe('the eager task killed', () => {
  test('the next attempt adopts the children still running (none starts twice); terminating then stops them', async () => {
    const started = await sbx.cli(['run', '--remote', '--json', FILE, 'eager_long', '--ms', '300000']);
    const name = (JSON.parse(started.stdout.trim().split('\n').pop() ?? '{}') as { execution: string }).execution;
    const kids = await until('both children run', async () => {
      const k = await childrenOf(sbx.client, name);
      return k.length === 2 && k.every((c) => phaseName(c) === 'RUNNING') ? k : undefined;
    });
    const node = await taskNodeOf(sbx.client, name);
    // The eager task is a subprocess whose command line names its execution's output prefix.
    const pids = await until('the eager task process is found', async () => {
      const ps = await execa('pgrep', ['-f', `execute .*/${name}/`], { reject: false });
      const found = ps.stdout.split('\n').filter(Boolean).map(Number);
      return found.length > 0 ? found : undefined;
    });
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const attempts = await until('a second attempt runs', async () => {
      const t = await sbx.client.listTaskExecutions({ ...PD, name }, node);
      return (t.taskExecutions ?? []).length >= 2 ? t.taskExecutions : undefined;
    });
    const second = attempts?.find((a) => Number(a.id?.retryAttempt ?? 0) === 1);
    expect(second?.id).toBeDefined();
    await until('the second attempt attached to both children', async () => {
      const log = await sbx.client.getTaskLog(second?.id ?? {}).catch(() => '');
      return kids.every((k) => log.includes(`${k.id?.name}: attached to the existing execution`));
    });
    expect(names(await childrenOf(sbx.client, name)).sort()).toEqual(names(kids).sort());
    await sbx.client.terminateExecution({ ...PD, name }, 'enough');
    for (const k of kids) expect(phaseName(await waitTerminal(sbx.client, k.id?.name ?? ''))).toBe('ABORTED');
  });
});

describe('concurrency', () => {
  test(`Promise.all of 7 slow calls runs at most ${CONCURRENCY} children at once (the sandbox's eagerConcurrency)`, async () => {
    const r = await sbx.run(FILE, 'eager_fan_out', ['--n', '7', '--ms', '1500']);
    expect(r.phase, r.error?.message).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 28 });
    const kids = await childrenOf(sbx.client, r.execution);
    expect(kids).toHaveLength(7);
    expect(maxOverlap(kids.map(lifetime))).toBe(CONCURRENCY);
  });
});

describe('composition', () => {
  test('files returned by one call are local paths in the body and inputs of the next', async () => {
    const r = await sbx.run(FILE, 'eager_files', ['--text', 'hello']);
    expect(r.phase, r.error?.message).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 'hello|hello' });
  });

  test('a static workflow awaited from eager runs through its default launch plan', async () => {
    const r = await sbx.run(FILE, 'eager_calls_workflow', ['--x', '1']);
    expect(r.outputs).toEqual({ o0: 30 });
    const [child] = await childrenOf(sbx.client, r.execution);
    expect(child?.spec?.launchPlan?.name).toBe('test.fixtures.eager.eager_features.twice_plus_one');
    const nodes = await sbx.client.listNodeExecutions({ ...PD, name: child?.id?.name ?? '' });
    expect((nodes.nodeExecutions ?? []).filter((n) => /^n\d$/.test(n.id?.nodeId ?? ''))).toHaveLength(2);
  });

  test('a map awaited from eager runs one child per element and returns the list', async () => {
    const r = await sbx.run(FILE, 'eager_map', ['--xs', '[1, 2, 3]']);
    expect(r.phase, r.error?.message).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: [2, 3, 4] });
    const kids = await childrenOf(sbx.client, r.execution);
    expect(kids).toHaveLength(3);
    expect(maxOverlap(kids.map(lifetime))).toBeLessThanOrEqual(2);
  });

  test('the API answers the children of the eager node while it runs', async () => {
    const started = await sbx.cli(['run', '--remote', '--json', FILE, 'eager_long', '--ms', '300000']);
    const name = (JSON.parse(started.stdout.trim().split('\n').pop() ?? '{}') as { execution: string }).execution;
    const node = await until('the eager node exists', async () => taskNodeOf(sbx.client, name).catch(() => undefined));
    const kids = await until('both children run', async () => {
      const k = await childrenOf(sbx.client, name, node);
      return k.length === 2 && k.every((c) => phaseName(c) === 'RUNNING') ? k : undefined;
    });
    expect(kids.map((k) => k.spec?.launchPlan?.name)).toEqual([
      '.flytegen.test.fixtures.eager.eager_features.slow_add_one',
      '.flytegen.test.fixtures.eager.eager_features.slow_add_one',
    ]);
    expect(await childrenOf(sbx.client, name, 'some-other-node')).toEqual([]);
    await sbx.client.terminateExecution({ ...PD, name }, 'done looking');
    expect(phaseName(await waitTerminal(sbx.client, name))).toBe('ABORTED');
  });
});
