/**
 * Python Flyte users' path: real flytekit (`.build/pyflyte-venv`, installed from PyPI by
 * scripts/ci/install-flytekit.sh) runs Flyte's getting-started shapes with `pyflyte run --remote
 * --wait` against a real sandbox (gRPC on its one port, fast registration through DataProxy) — and
 * each gives what flytekit's own local run gives, with the tasks run by the process launcher in
 * that Python, and again each in its own Docker container: in the image the sandbox builds itself
 * (flytekit's default image cannot be pulled), eager tasks reaching the admin's gRPC over the task
 * socket with their credential.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../support/cli.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const VENV_BIN = path.join(ROOT, '.build', 'pyflyte-venv', 'bin');
const PYFLYTE = path.join(VENV_BIN, 'pyflyte');
const havePyflyte = fs.existsSync(PYFLYTE);
if (!havePyflyte) {
  if (process.env.CI) throw new Error(`${PYFLYTE} is missing in CI: .ci/run runs scripts/ci/install-flytekit.sh before the tests`);
  console.warn('skipping the pyflyte suite: .build/pyflyte-venv does not exist (run scripts/ci/install-flytekit.sh; it needs Python 3 and PyPI)');
}

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'python');
const FILE = 'flyte_examples.py';

/** workflow, its arguments, what flytekit's local run prints, what the sandbox's outputs are. */
const CASES: [string, string[], string, unknown][] = [
  ['my_wf', ['--a', '5', '--b', 'hi'], 'hi-7', 'hi-7'],
  ['dynamic_wf', ['--n', '4'], '14', 14],
  ['map_wf', ['--xs', '[1, 2, 3]'], '[1, 4, 9]', [1, 4, 9]],
  ['conditional_wf', ['--x', '5'], 'big 5', 'big 5'],
  ['conditional_wf', ['--x', '1'], 'small 1', 'small 1'],
  ['simple_eager_workflow', ['--x', '3'], '8', 8],
];

const env = (sbx: TestSandbox): Record<string, string> => ({
  PATH: `${VENV_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  HOME: process.env.HOME ?? '/tmp',
  FLYTECTL_CONFIG: path.join(sbx.dataDir, 'flyte-config.yaml'),
  PYTHONDONTWRITEBYTECODE: '1',
});
const pyflyte = async (sbx: TestSandbox, args: string[]): Promise<{ exitCode: number; out: string }> => {
  const r = await execa(PYFLYTE, args, { cwd: FIXTURES, env: env(sbx), extendEnv: false, reject: false, timeout: 600_000, all: true });
  return { exitCode: r.exitCode ?? -1, out: String(r.all ?? '') };
};

/** Runs `wf` remotely and checks the execution the sandbox recorded; returns its name. */
async function runRemote(sbx: TestSandbox, wf: string, args: string[], remote: unknown): Promise<string> {
  // pyflyte polls every 30 s by default; the sandbox answers at once.
  const r = await pyflyte(sbx, ['run', '--remote', '--wait', '--poll-interval', '1', FILE, wf, ...args]);
  expect(r.exitCode, r.out).toBe(0);
  const name = /Execution (\S+) has succeeded/.exec(r.out)?.[1];
  expect(name, r.out).toBeDefined();
  const got = await sbx.cli(['get', 'execution', name!, '--json']);
  expect(got.exitCode, got.stderr).toBe(0);
  const shown = JSON.parse(got.stdout.trim().split('\n').pop() ?? '{}') as { phase?: string; outputs?: Record<string, unknown> };
  expect(shown.phase).toBe('SUCCEEDED');
  expect(shown.outputs).toEqual({ o0: remote });
  return name!;
}

const dockerAvailable = havePyflyte && (await dockerSandboxAvailable());

describe.skipIf(!dockerAvailable)('pyflyte run --remote, each Python task in its own container', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'docker', name: 'pyflyte-docker' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test.each(CASES)('%s %j in containers: the same result as flytekit locally', async (wf, args, _local, remote) => {
    const name = await runRemote(sbx, wf, args, remote);
    // The first attempt's log tells which image it ran in (the sandbox built it; nothing was pulled).
    const logs = await sbx.cli(['logs', name]);
    expect(logs.stdout).toMatch(/not present locally \(nothing is pulled\): running in tflyte-sandbox-flytekit:py3\.\d+-1\.16\.31/);
  }, 600_000);

  test('the image is built once, with its steps in the log of the attempt that waited for it', () => {
    const logs = fs.readdirSync(path.join(sbx.dataDir, 'logs', 'tasks')).map((f) => fs.readFileSync(path.join(sbx.dataDir, 'logs', 'tasks', f), 'utf8'));
    const builds = logs.filter((l) => l.includes('installing flytekit 1.16.31'));
    expect(builds.length).toBeGreaterThanOrEqual(1);
    expect(builds.join('')).toMatch(/image tflyte-sandbox-flytekit:\S+ ready in [\d.]+ s/);
    // Later attempts found it built.
    expect(logs.filter((l) => l.includes('running in tflyte-sandbox-flytekit')).length).toBeGreaterThan(builds.length);
  });
});

describe.skipIf(!havePyflyte)('pyflyte run --remote against the sandbox (process launcher)', () => {
  let sbx: TestSandbox;

  beforeAll(async () => {
    // The daemon's processes (the tasks) run with flytekit on PATH, as a user's activated venv.
    sbx = await startTestSandbox({ launcher: 'process', name: 'pyflyte', env: { ...(process.env as Record<string, string>), PATH: `${VENV_BIN}:${process.env.PATH ?? ''}` } });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test.each(CASES)('%s %j: the same result as flytekit locally', async (wf, args, local, remote) => {
    const l = await pyflyte(sbx, ['run', FILE, wf, ...args]);
    expect(l.exitCode, l.out).toBe(0);
    expect(l.out.trim().split('\n').pop()).toBe(local);
    await runRemote(sbx, wf, args, remote);
  });

  test('the console link pyflyte prints is a page of the sandbox console', async () => {
    const r = await pyflyte(sbx, ['run', '--remote', FILE, 'my_wf']);
    expect(r.exitCode, r.out).toBe(0);
    const link = /(http:\/\/\S+\/console\/projects\/flytesnacks\/domains\/development\/executions\/\S+)/.exec(r.out)?.[1];
    expect(link, r.out).toBeDefined();
    expect(new URL(link!).host).toBe(new URL(sbx.url).host);
    const page = await fetch(link!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<base href="/console/"');
  });

  test('on another port than 30080, the printed FLYTE_PLATFORM_URL is all pyflyte needs (no config file)', async () => {
    const port = new URL(sbx.url).port;
    const withUrl = await execa(PYFLYTE, ['run', '--remote', FILE, 'my_wf'], {
      cwd: FIXTURES,
      env: { PATH: env(sbx).PATH!, HOME: env(sbx).HOME!, FLYTE_PLATFORM_URL: `localhost:${port}`, FLYTE_PLATFORM_INSECURE: 'true' },
      extendEnv: false,
      reject: false,
      timeout: 300_000,
      all: true,
    });
    expect(withUrl.exitCode, String(withUrl.all)).toBe(0);
    expect(String(withUrl.all)).toContain(`:${port}/console/projects/flytesnacks`);
  });
});
