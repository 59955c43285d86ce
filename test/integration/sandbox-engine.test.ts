/**
 * The sandbox engine end to end with real parts: sub-workflows, launch plans with fixed and
 * default inputs (also as child executions), retries (USER errors use the retry budget,
 * NonRetryableError does not), timeouts, terminate, caching, files from the command line, a
 * restart of the sandbox in the middle of an execution that then completes without re-running
 * the running task, and raw containers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { ensureShellImage } from '../support/shell-image.ts';

const FIXTURE = 'test/fixtures/sandbox/features.ts';
const P = { project: 'flytesnacks', domain: 'development' };
const markers = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-markers-'));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`, { cause: last });
}

function phaseOf(e: { closure?: { phase?: unknown } | null }): string {
  const names = ['UNDEFINED', 'QUEUED', 'RUNNING', 'SUCCEEDING', 'SUCCEEDED', 'FAILING', 'FAILED', 'ABORTED', 'TIMED_OUT', 'ABORTING'];
  const p = e.closure?.phase;
  return typeof p === 'number' ? (names[p] ?? String(p)) : String(p);
}

afterAll(() => fs.rmSync(markers, { recursive: true, force: true }));

/**
 * What must hold whatever runs the tasks (no host files involved): registered for each launcher,
 * with that launcher's sandbox.
 */
function launcherIndependentTests(get: () => TestSandbox): void {
  let sbx: TestSandbox;
  beforeAll(() => {
    sbx = get();
  });

  test('sub-workflows run inline and their outputs flow on', async () => {
    const r = await sbx.run(FIXTURE, 'outer', ['--a', '1']);
    expect(r.phase).toBe('SUCCEEDED');
    // inner(1) = 1 + (1 + 1) = 3; inner(3) = 3 + 4 = 7
    expect(r.outputs).toEqual({ o0: 3, o1: 7 });
  });

  test('a launch plan applies its fixed and default inputs, and refuses to override a fixed one', async () => {
    const r = await sbx.run(FIXTURE, 'sum3_lp', ['--c', '1']);
    expect(r.outputs).toEqual({ o0: 111 });
    const r2 = await sbx.run(FIXTURE, 'sum3_lp', ['--c', '1', '--b', '0']);
    expect(r2.outputs).toEqual({ o0: 101 });
    const bad = await sbx.cli(['run', '--remote', FIXTURE, 'sum3_lp', '--a', '1', '--c', '1']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('unknown input --a');
  });

  test('a launch-plan node runs as a child execution linked to its parent', async () => {
    const r = await sbx.run(FIXTURE, 'calls_lp', ['--c', '5']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 115 });
    const list = await sbx.client.listExecutions(P.project, P.domain, { limit: 100 });
    const child = (list.executions ?? []).find((e) => e.spec?.metadata?.parentNodeExecution?.executionId?.name === r.execution);
    expect(child, 'child execution of the launch-plan node').toBeDefined();
    expect(phaseOf(child ?? {})).toBe('SUCCEEDED');
  });

  test('a failing task is retried (USER budget) and succeeds on the third attempt', async () => {
    const r = await sbx.run(FIXTURE, 'flaky_wf', ['--succeed_on', '2']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 2 });
    const attempts = await sbx.client.listTaskExecutions({ ...P, name: r.execution }, 'n0');
    expect((attempts.taskExecutions ?? []).map((a) => a.id?.retryAttempt ?? 0).sort()).toEqual([0, 1, 2]);
  });

  test('retries are exhausted with the original error in the execution error', async () => {
    const r = await sbx.run(FIXTURE, 'flaky_wf', ['--succeed_on', '9']);
    expect(r.phase).toBe('FAILED');
    expect(r.exitCode).toBe(1);
    expect(r.error?.code).toContain('RetriesExhausted');
    expect(r.error?.message).toContain('attempt 2 fails on purpose');
  });

  test('NonRetryableError fails at once', async () => {
    const r = await sbx.run(FIXTURE, 'gives_up');
    expect(r.phase).toBe('FAILED');
    expect(r.error?.message).toContain('cannot work with this input');
    const nodes = await sbx.client.listNodeExecutions({ ...P, name: r.execution });
    const node = (nodes.nodeExecutions ?? []).find((n) => !['start-node', 'end-node'].includes(n.id?.nodeId ?? ''));
    const attempts = await sbx.client.listTaskExecutions({ ...P, name: r.execution }, node?.id?.nodeId ?? '');
    expect(attempts.taskExecutions ?? []).toHaveLength(1);
  });

  test('a task running past its timeout fails', async () => {
    const r = await sbx.run(FIXTURE, 'sleepy', ['--ms', '10000']);
    expect(r.phase).not.toBe('SUCCEEDED');
    expect(JSON.stringify(r.error)).toMatch(/Timeout|timed out/i);
  });
}

describe('sandbox engine (process launcher)', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'process', name: 'engine' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  launcherIndependentTests(() => sbx);

  test('terminate aborts a running execution and kills its task', async () => {
    const marker = path.join(markers, 'terminate.txt');
    const started = await sbx.cli(['run', '--remote', '--json', FIXTURE, 'slow_chain', '--ms', '30000', '--marker', marker]);
    const name = (JSON.parse(started.stdout.trim().split('\n').pop() ?? '{}') as { execution: string }).execution;
    await waitFor('the task to run', async () => {
      const n = await sbx.client.listNodeExecutions({ ...P, name });
      return (n.nodeExecutions ?? []).some((x) => x.id?.nodeId === 'n0' && [2].includes(Number(x.closure?.phase))) ? true : undefined;
    });
    await sbx.client.terminateExecution({ ...P, name }, 'test says stop');
    const e = await waitFor('ABORTED', async () => {
      const x = await sbx.client.getExecution({ ...P, name });
      return phaseOf(x) === 'ABORTED' ? x : undefined;
    });
    expect(e.closure?.abortMetadata?.cause).toBe('test says stop');
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('a cached task is a MISS then a HIT (task not run again), shown by the API and the CLI', async () => {
    const marker = path.join(markers, 'cache.txt');
    const r1 = await sbx.run(FIXTURE, 'cached_wf', ['--x', '7', '--marker', marker]);
    const r2 = await sbx.run(FIXTURE, 'cached_wf', ['--x', '7', '--marker', marker]);
    expect(r1.outputs).toEqual({ o0: 49 });
    expect(r2.outputs).toEqual({ o0: 49 });
    expect(fs.readFileSync(marker, 'utf8').trim().split('\n')).toHaveLength(1);
    const n1 = await sbx.client.getNodeExecution({ ...P, name: r1.execution }, 'n0');
    const n2 = await sbx.client.getNodeExecution({ ...P, name: r2.execution }, 'n0');
    expect(n1.closure?.taskNodeMetadata?.cacheStatus).toBe(3);
    expect(n2.closure?.taskNodeMetadata?.cacheStatus).toBe(2);
    const shown = await sbx.cli(['get', 'execution', r2.execution]);
    expect(shown.stdout).toMatch(/n0\s+SUCCEEDED\s+\S+\s+HIT/);
  });

  test('a file given on the command line is uploaded; a returned file is stored as a blob', async () => {
    const f = path.join(markers, 'lines.txt');
    fs.writeFileSync(f, 'a\nb\nc\n');
    const r = await sbx.run(FIXTURE, 'count_lines', ['--f', f]);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs.o0).toBe(3);
    const out = String(r.outputs.o1);
    expect(out.startsWith(`file://${fs.realpathSync(sbx.dataDir)}`) || out.startsWith(`file://${sbx.dataDir}`)).toBe(true);
    expect(fs.readFileSync(new URL(out), 'utf8')).toBe('3');
  });

  test('bad inputs are rejected before anything runs', async () => {
    const r = await sbx.cli(['run', '--remote', FIXTURE, 'outer', '--a', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('expected int, got "x"');
  });
});

const dockerOk = await dockerSandboxAvailable();

describe.skipIf(!dockerOk)('sandbox engine (Docker launcher)', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    await ensureShellImage();
    sbx = await startTestSandbox({ launcher: 'docker', name: 'engine-docker' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  launcherIndependentTests(() => sbx);

  test('a restart in the middle of an execution re-adopts the running container and completes', async () => {
    // The container has its own /tmp: the marker is written there, and the log tells how often it ran.
    const marker = '/tmp/restart.txt';
    const started = await sbx.cli(['run', '--remote', '--json', FIXTURE, 'slow_chain', '--ms', '4000', '--marker', marker]);
    const name = (JSON.parse(started.stdout.trim().split('\n').pop() ?? '{}') as { execution: string }).execution;
    await waitFor('the container to run', async () => {
      const ps = await execa('docker', ['ps', '--filter', `label=tflyte.execution=${name}`, '--format', '{{.Names}}']);
      return ps.stdout.trim() ? true : undefined;
    });
    await sbx.stop();
    const during = await execa('docker', ['ps', '--filter', `label=tflyte.execution=${name}`, '--format', '{{.Names}}']);
    expect(during.stdout.trim(), 'the task container keeps running while the sandbox is down').not.toBe('');
    await sbx.restart();
    const e = await waitFor('SUCCEEDED', async () => {
      const x = await sbx.client.getExecution({ ...P, name });
      return ['SUCCEEDED', 'FAILED'].includes(phaseOf(x)) ? x : undefined;
    }, 120_000);
    expect(phaseOf(e), JSON.stringify(e.closure?.error)).toBe('SUCCEEDED');
    const logs = await sbx.cli(['logs', name, '--node', 'n0']);
    expect(logs.stdout.match(/slow_marker ran/g) ?? [], 'the task ran exactly once').toHaveLength(1);
    const attempts = await sbx.client.listTaskExecutions({ ...P, name }, 'n0');
    expect(attempts.taskExecutions ?? []).toHaveLength(1);
    const left = await execa('docker', ['ps', '-a', '--filter', `label=tflyte.execution=${name}`, '--format', '{{.Names}}']);
    expect(left.stdout.trim()).toBe('');
  });

  test('a task with its own image runs in that image, with the runtime mounted into it', async () => {
    const r = await sbx.run(FIXTURE, 'in_shell_image', ['--x', '5']);
    expect(r.phase, r.stderr).toBe('SUCCEEDED');
    // The image's own files, not the runtime image's; the runtime started from the mount (through
    // the mounted dynamic loader, which is what Node reports as its executable).
    expect(r.outputs).toEqual({ o0: 'sh:true runtime-image:false exec:/opt/tflyte/lib/ld-linux-x86-64.so.2 x:15' });
    const [template] = (await sbx.client.listTasks('flytesnacks', 'development', 'test.fixtures.sandbox.features.in_shell_image')).tasks ?? [];
    expect(template?.closure?.compiledTask?.template?.container?.image).toBe('tflyte-test-shell:2');
  });

  test('a raw container task (a shell script in a local image) reads and writes files', async () => {
    const r = await sbx.run(FIXTURE, 'shell_wf', ['--a', '41']);
    expect(r.phase, JSON.stringify(r.error)).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 42 });
  });

  test('sub-workflow tasks leave no containers behind and their logs are readable', async () => {
    const r = await sbx.run(FIXTURE, 'outer', ['--a', '2']);
    expect(r.outputs).toEqual({ o0: 5, o1: 11 });
    const left = await execa('docker', ['ps', '-a', '--filter', `label=tflyte.execution=${r.execution}`, '--format', '{{.Names}}']);
    expect(left.stdout.trim()).toBe('');
    const logs = await sbx.cli(['logs', r.execution]);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toMatch(/=== n0-0-n\d attempt 0 \(test\.fixtures\.sandbox\.features\.add\) ===/);
  });
});
