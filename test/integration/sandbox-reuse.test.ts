/**
 * Reusable containers end to end in a real sandbox, with each launcher: tasks with `reuse` run in
 * warm containers (Docker) or warm worker processes (process launcher) that serve attempt after
 * attempt, and each attempt keeps its own variables, log, timeout, retries and data access.
 * A second sandbox turns reuse on for every task (`reuse: true` in config.yaml), eager ones included.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SANDBOX_LABEL, sandboxId } from '../../src/cli/serve.ts';
import { runCli } from '../support/cli.ts';
import { ensureShellImage } from '../support/shell-image.ts';
import { childrenOf, taskNodeOf, waitTerminal } from '../support/eager.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const FILE = 'test/fixtures/reuse/reuse.ts';
const launchers = [['process', true], ['docker', await dockerSandboxAvailable()]] as const;

/** The attempts of a node: attempt number, phase, the warm container named in its metadata, error. */
async function attempts(sbx: TestSandbox, execution: string, node = 'n0'): Promise<{ attempt: number; phase: number; ranIn?: string; error?: { code?: string | null; kind?: number | null; message?: string | null } }[]> {
  const r = await sbx.client.listTaskExecutions({ project: 'flytesnacks', domain: 'development', name: execution }, node, { limit: 10 });
  return (r.taskExecutions ?? [])
    .map((te) => ({
      attempt: te.id?.retryAttempt ?? 0,
      phase: Number(te.closure?.phase ?? 0),
      ...(te.closure?.metadata?.externalResources?.[0]?.externalId ? { ranIn: te.closure.metadata.externalResources[0].externalId } : {}),
      ...(te.closure?.error ? { error: te.closure.error } : {}),
    }))
    .sort((a, b) => a.attempt - b.attempt);
}

function attemptLog(sbx: TestSandbox, execution: string, node: string, attempt: number): string {
  return fs.readFileSync(path.join(sbx.dataDir, 'logs', 'tasks', `${execution}-${node}-${attempt}.log`), 'utf8');
}

/** Warm containers of a sandbox that Docker knows about. */
async function warmContainers(sbx: TestSandbox): Promise<string[]> {
  if (sbx.launcher !== 'docker') return [];
  const r = await execa('docker', ['ps', '-a', '--filter', 'label=tflyte.warm=1', '--filter', `label=${SANDBOX_LABEL}=${sandboxId(sbx.dataDir)}`, '--format', '{{.Names}}']);
  return r.stdout.split('\n').filter(Boolean);
}

describe.each(launchers)('reusable containers (%s launcher)', (launcher, available) => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    if (available) sbx = await startTestSandbox({ launcher, name: `reuse-${launcher}` });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test.skipIf(!available)('a chain runs in one warm container: modules load once, each attempt has its own log and node id', async () => {
    const r = await sbx.run(FILE, 'chain', ['--x', '1']);
    expect([r.phase, r.outputs]).toEqual(['SUCCEEDED', { o0: 5 }]);
    const ran = new Set<string | undefined>();
    for (const [i, node] of ['n0', 'n1', 'n2', 'n3'].entries()) {
      const [a] = await attempts(sbx, r.execution, node);
      ran.add(a?.ranIn);
      const log = attemptLog(sbx, r.execution, node, 0);
      // Only its own line: the worker's output between attempts goes nowhere near it.
      expect(log.trim().split('\n')).toHaveLength(1);
      expect(log).toMatch(new RegExp(`^step ${i + 1} attempt=0 node=${node} calls=\\d+ loads=1 `));
    }
    expect(ran.size).toBe(1);
    expect([...ran][0]).toMatch(/^tflyte-warm-[0-9a-f]{8}-[0-9a-f]{8}$/);
    // The CLI names the container of each attempt.
    const logs = await sbx.cli(['logs', r.execution]);
    expect(logs.stdout).toContain(`=== n0 attempt 0 (test.fixtures.reuse.reuse.step) in warm container ${[...ran][0]} ===`);
  });

  test.skipIf(!available)('a later execution reuses the process: module state survives between attempts', async () => {
    const r = await sbx.run(FILE, 'count_twice');
    expect(r.phase).toBe('SUCCEEDED');
    const { o0, o1 } = r.outputs as { o0: number; o1: number };
    expect(o0 % 1000).toBe(1);
    expect(o1).toBe(o0 + 1000);
    // Earlier attempts of the chain ran in this process too.
    expect(Math.floor(o0 / 1000)).toBeGreaterThan(1);
  });

  test.skipIf(!available)('retries: every attempt sees its own FLYTE_ATTEMPT_NUMBER', async () => {
    const r = await sbx.run(FILE, 'flaky_wf', ['--succeed_on', '2']);
    expect([r.phase, r.outputs]).toEqual(['SUCCEEDED', { o0: 2 }]);
    const as = await attempts(sbx, r.execution);
    expect(as.map((a) => a.attempt)).toEqual([0, 1, 2]);
    expect(as[0]?.error?.message).toMatch(/attempt 0 fails on purpose/);
    expect(as[1]?.error?.message).toMatch(/attempt 1 fails on purpose/);
    for (const a of as) expect(a.ranIn).toBeDefined();
  });

  test.skipIf(!available)('a timeout stops the attempt (its container goes) and later attempts still run warm', async () => {
    const r = await sbx.run(FILE, 'sleepy_wf', ['--ms', '30000']);
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toMatch(/TimeoutExpired/);
    const after = await sbx.run(FILE, 'chain', ['--x', '10']);
    expect([after.phase, after.outputs]).toEqual(['SUCCEEDED', { o0: 14 }]);
    expect((await attempts(sbx, after.execution))[0]?.ranIn).toBeDefined();
  });

  test.skipIf(!available)('a container that dies under an attempt fails only that attempt, as SYSTEM ContainerLost, retried', async () => {
    const r = await sbx.run(FILE, 'crashes_wf');
    expect([r.phase, r.outputs]).toEqual(['SUCCEEDED', { o0: 1 }]);
    const [lost, retried] = await attempts(sbx, r.execution);
    expect(lost?.error?.code).toBe('ContainerLost');
    // ExecutionError.ErrorKind SYSTEM = 2
    expect(lost?.error?.kind).toBe(2);
    expect(lost?.error?.message).toMatch(/the warm container tflyte-warm-\S+ ended \(exit code 70\) while running this attempt/);
    expect(attemptLog(sbx, r.execution, 'n0', 0)).toMatch(/\[tflyte-sandbox\] the warm container .* ended \(exit code 70\)/);
    expect(retried?.ranIn).toBeDefined();
    expect(retried?.ranIn).not.toBe(lost?.ranIn);
  });

  test.skipIf(!available)('files go both ways through the daemon: an input file in, a directory out, read by the next task', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-reuse-in-'));
    fs.writeFileSync(path.join(dir, 'in.txt'), 'hello warm');
    const r = await sbx.run(FILE, 'files_wf', ['--f', path.join(dir, 'in.txt')]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect([r.phase, r.outputs]).toEqual(['SUCCEEDED', { o0: 'HELLO WARM|10' }]);
  });

  test.skipIf(!available || launcher !== 'docker')('a warm container sees none of the store: another execution\'s data is out of reach', async () => {
    const first = await sbx.run(FILE, 'chain', ['--x', '1']);
    const outputs = path.join(sbx.dataDir, 'blobs');
    const found = fs.readdirSync(outputs, { recursive: true, withFileTypes: true }).find((e) => e.isFile() && e.name === 'outputs.pb' && path.join(e.parentPath, e.name).includes(first.execution));
    expect(found).toBeDefined();
    const uri = `file://${path.join((found as fs.Dirent).parentPath, 'outputs.pb')}`;
    const r = await sbx.run(FILE, 'snoop_wf', ['--uri', uri]);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs.o0).toMatch(/^refused: ENOENT/);
  });

  test.skipIf(!available || launcher !== 'docker')('a task in an image of its own (the runtime mounted in) runs warm too', async () => {
    await ensureShellImage();
    const r = await sbx.run(FILE, 'shell_twice', ['--x', '2']);
    expect(r.phase, r.error?.message ?? r.stderr).toBe('SUCCEEDED');
    const { o0, o1 } = r.outputs as { o0: string; o1: string };
    expect(o0).toMatch(/^sh:true calls:\d+ x:6$/);
    expect(o1).toMatch(/^sh:true calls:\d+ x:6$/);
    // The second call ran in the same process as the first.
    expect(Number(/calls:(\d+)/.exec(o1)?.[1])).toBe(Number(/calls:(\d+)/.exec(o0)?.[1]) + 1);
    const [a] = await attempts(sbx, r.execution, 'n0');
    const [b] = await attempts(sbx, r.execution, 'n1');
    expect(a?.ranIn).toMatch(/^tflyte-warm-/);
    expect(b?.ranIn).toBe(a?.ranIn);
  });

  test.skipIf(!available)('a restart loses the attempt that was running (retried after it) and removes the old daemon\'s warm containers', async () => {
    const started = await runCli(sbx.flavor, ['run', '--remote', '--json', '--data-dir', sbx.dataDir, FILE, 'nap_wf', '--ms', '1500']);
    const name = (JSON.parse(started.stdout.trim().split('\n').pop() ?? '{}') as { execution: string }).execution;
    expect(name, started.stderr).toMatch(/^a/);
    // Stopped while the attempt runs in its warm container.
    await expect.poll(async () => (await attempts(sbx, name).catch(() => []))[0]?.phase, { timeout: 60_000 }).toBe(2); // RUNNING
    await sbx.stop();
    expect(await warmContainers(sbx)).toEqual([]);
    await sbx.restart();
    const done = await waitTerminal(sbx.client, name);
    expect(done.closure?.phase).toBe(4); // SUCCEEDED
    const [lost, retried] = await attempts(sbx, name);
    expect(lost?.error?.code).toBe('AttemptLost');
    expect(retried?.ranIn).toBeDefined();
  });
});

describe.each(launchers)('reuse: true in config.yaml (%s launcher)', (launcher, available) => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    if (available) sbx = await startTestSandbox({ launcher, name: `reuse-all-${launcher}`, config: 'reuse: { replicas: 2, idleTtl: "2m" }\n' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test.skipIf(!available)('tasks without a reuse option run warm, and so do eager tasks and their children', async () => {
    const basic = await sbx.run('examples/basic_workflow.ts', 'my_wf', ['--a', '50', '--b', 'hello']);
    expect([basic.phase, basic.outputs]).toEqual(['SUCCEEDED', { o0: 52, o1: 'helloworld' }]);
    expect((await attempts(sbx, basic.execution, 'n0'))[0]?.ranIn).toBeDefined();
    expect((await attempts(sbx, basic.execution, 'n1'))[0]?.ranIn).toBeDefined();
    const eager = await sbx.run('examples/eager_workflows.ts', 'eager_workflow_with_for_loop', ['--x', '5']);
    expect([eager.phase, eager.outputs]).toEqual(['SUCCEEDED', { o0: 30 }]);
    const eagerNode = await taskNodeOf(sbx.client, eager.execution);
    expect((await attempts(sbx, eager.execution, eagerNode))[0]?.ranIn).toBeDefined();
    const [child] = await childrenOf(sbx.client, eager.execution, eagerNode);
    const childName = child?.id?.name as string;
    expect((await attempts(sbx, childName, await taskNodeOf(sbx.client, childName)))[0]?.ranIn).toBeDefined();
    // At most `replicas` warm containers per pool, whatever the fan-out.
    if (launcher === 'docker') expect((await warmContainers(sbx)).length).toBeLessThanOrEqual(4);
  });
});
