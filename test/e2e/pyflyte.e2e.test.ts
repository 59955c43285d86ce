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
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { chromium } from 'playwright-core';
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

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing in CI: .ci/run installs chromium (scripts/ci/install-chromium.sh)`);
  console.warn(`skipping the browser check of a Python run: ${CHROMIUM} is missing (apt-get install chromium)`);
}

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'python');
const FILE = 'flyte_examples.py';

/** workflow, its arguments, what flytekit's local run prints, what the sandbox's outputs are, and its file (default {@link FILE}). */
const CASES: [string, string[], string, unknown, string?][] = [
  ['my_wf', ['--a', '5', '--b', 'hi'], 'hi-7', 'hi-7'],
  ['dynamic_wf', ['--n', '4'], '14', 14],
  ['map_wf', ['--xs', '[1, 2, 3]'], '[1, 4, 9]', [1, 4, 9]],
  ['conditional_wf', ['--x', '5'], 'big 5', 'big 5'],
  ['conditional_wf', ['--x', '1'], 'small 1', 'small 1'],
  ['simple_eager_workflow', ['--x', '3'], '8', 8],
  // The rest of Flyte's eager guide: plain values, conditionals, gathered async tasks, static and eager sub-workflows, exceptions.
  ['another_eager_workflow', ['--x', '3'], '6', 6],
  ['eager_workflow_with_conditionals', ['--x', '3'], '8', 8],
  ['eager_workflow_with_conditionals', ['--x', '200'], '100', 100],
  ['eager_workflow_with_gather', ['--x', '3'], '12', 12],
  ['eager_workflow_with_static_subworkflow', ['--x', '3'], '8', 8],
  ['nested_eager_workflow', ['--x', '3'], '8', 8],
  ['eager_workflow_with_exception', ['--x', '5'], '5', 5],
  // Files between tasks, and from an eager body to a child (blobs under the sandbox's file:// store).
  ['file_wf', ['--text', 'hello'], 'hello', 'hello'],
  ['eager_passes_a_file', ['--text', 'hello'], 'hello', 'hello'],
  // Flyte's dynamic-workflow page: common characters, and merge sort recursing through a dynamic workflow and a conditional.
  ['dynamic_wf', ['--s1', 'Pear', '--s2', 'Earth'], '3', 3, 'dynamic_workflow.py'],
  ['merge_sort', ['--numbers', '[1813, 3105, 3260, 2634, 383, 7037, 3291, 2403, 315, 7164]', '--numbers_count', '10'], '[315, 383, 1813, 2403, 2634, 3105, 3260, 3291, 7037, 7164]', [315, 383, 1813, 2403, 2634, 3105, 3260, 3291, 7037, 7164], 'dynamic_workflow.py'],
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
async function runRemote(sbx: TestSandbox, wf: string, args: string[], remote: unknown, file = FILE): Promise<string> {
  // pyflyte polls every 30 s by default; the sandbox answers at once.
  const r = await pyflyte(sbx, ['run', '--remote', '--wait', '--poll-interval', '1', file, wf, ...args]);
  expect(r.exitCode, r.out).toBe(0);
  const name = /Execution (\S+) has succeeded/.exec(r.out)?.[1];
  expect(name, r.out).toBeDefined();
  const got = await sbx.cli(['get', 'execution', name!, '--json']);
  expect(got.exitCode, got.stderr).toBe(0);
  const shown = JSON.parse(got.stdout.trim().split('\n').pop() ?? '{}') as {
    phase?: string;
    outputs?: Record<string, unknown>;
    nodes?: { node: string; phase: string; outputs: unknown }[];
  };
  expect(shown.phase).toBe('SUCCEEDED');
  expect(shown.outputs).toEqual({ o0: remote });
  // Our CLI reads every node's data too (a dynamic node carries flytekit's compiled sub-workflow).
  for (const n of shown.nodes ?? []) if (n.phase === 'SUCCEEDED') expect(n.outputs, `outputs of node ${n.node}`).not.toBe('?');
  return name!;
}

const dockerAvailable = havePyflyte && (await dockerSandboxAvailable());

describe.skipIf(!dockerAvailable)('pyflyte run --remote, each Python task in its own container', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    // The suite checks the build itself: drop a flytekit image an earlier run built.
    const built = await execa('docker', ['images', '-q', '--filter', 'label=tflyte.sandbox.python-image'], { reject: false });
    const ids = String(built.stdout).split('\n').filter(Boolean);
    if (ids.length > 0) await execa('docker', ['rmi', '-f', ...new Set(ids)], { reject: false });
    sbx = await startTestSandbox({ launcher: 'docker', name: 'pyflyte-docker' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test.each(CASES)('%s %j in containers: the same result as flytekit locally', async (wf, args, _local, remote, file) => {
    const name = await runRemote(sbx, wf, args, remote, file);
    // The first attempt's log tells which image it ran in (the sandbox built it; nothing was pulled).
    const logs = await sbx.cli(['logs', name]);
    expect(logs.stdout).toMatch(/not present locally \(nothing is pulled\): running in tflyte-sandbox-flytekit:py3\.\d+-1\.16\.31/);
  }, 600_000);

  test("a task's own image, when present locally, is the one it runs in", async () => {
    // flytekit's default image, made present by tagging the built stand-in with its name.
    const built = String((await execa('docker', ['images', '-q', '--filter', 'label=tflyte.sandbox.python-image'])).stdout).split('\n')[0] ?? '';
    expect(built).not.toBe('');
    const py = String((await execa(path.join(VENV_BIN, 'python'), ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])).stdout).trim();
    const own = `cr.flyte.org/flyteorg/flytekit:py${py}-1.16.31`;
    const hadOwn = (await execa('docker', ['image', 'inspect', own], { reject: false })).exitCode === 0;
    if (!hadOwn) await execa('docker', ['tag', built, own]);
    try {
      const name = await runRemote(sbx, 'my_wf', ['--a', '5', '--b', 'hi'], 'hi-7');
      const logs = await sbx.cli(['logs', name]);
      expect(logs.stdout).not.toContain('not present locally');
    } finally {
      if (!hadOwn) await execa('docker', ['rmi', own], { reject: false });
    }
  });

  test('an eager workflow in a container catches a failed task as EagerException', async () => {
    await runRemote(sbx, 'eager_workflow_with_exception', ['--x', '0'], -1);
  });

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

  test.each(CASES)('%s %j: the same result as flytekit locally', async (wf, args, local, remote, file) => {
    const l = await pyflyte(sbx, ['run', file ?? FILE, wf, ...args]);
    expect(l.exitCode, l.out).toBe(0);
    expect(l.out.trim().split('\n').pop()).toBe(local);
    await runRemote(sbx, wf, args, remote, file);
  });

  test("an eager workflow catches a failed task as EagerException (flytekit's local run raises the task's own error instead)", async () => {
    const l = await pyflyte(sbx, ['run', FILE, 'eager_workflow_with_exception', '--x', '0']);
    expect(l.exitCode).not.toBe(0);
    expect(l.out).toContain('x must be > 0');
    await runRemote(sbx, 'eager_workflow_with_exception', ['--x', '0'], -1);
  });

  test('FlyteRemote from a script: fetch, execute a launch plan and a task, wait, outputs, node executions, terminate, relaunch', async () => {
    const version = `rc-${Date.now().toString(36)}`;
    const reg = await pyflyte(sbx, ['register', '--version', version, FILE]);
    expect(reg.exitCode, reg.out).toBe(0);
    const r = await execa(path.join(VENV_BIN, 'python'), ['remote_checks.py', version], { cwd: FIXTURES, env: env(sbx), extendEnv: false, reject: false, timeout: 300_000, all: true });
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(String(r.all).match(/^ok .*/gm)).toEqual([
      'ok fetch launch plan, workflow and task',
      'ok execute a launch plan, wait, inputs and outputs',
      'ok node executions and their outputs',
      'ok data by flyte:// URL',
      'ok execute a task',
      'ok fetch an execution',
      'ok terminate',
      'ok relaunch',
    ]);
  });

  test.skipIf(!haveChromium)('the console shows Python executions: graph, phases, inputs and outputs, task logs, eager children', async () => {
    const name = await runRemote(sbx, 'my_wf', ['--a', '5', '--b', 'hi'], 'hi-7');
    const eager = await runRemote(sbx, 'simple_eager_workflow', ['--x', '3'], 8);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      const execPage = (n: string, q = ''): string => `${sbx.url}/console/projects/flytesnacks/domains/development/executions/${n}${q}`;
      await page.goto(execPage(name));
      await page.waitForSelector('.gnode[data-node="n1"][data-phase="SUCCEEDED"]');
      expect(await page.locator('.exec-head .badge').getAttribute('data-phase')).toBe('SUCCEEDED');
      expect(await page.locator('.gnode[data-node="n0"] .gnode-title').innerText()).toBe('t1');
      expect(await page.locator('.gnode[data-node="n1"] .gnode-title').innerText()).toBe('t2');
      await page.click('#exec-tab-io');
      await page.waitForSelector('.io tr[data-name="o0"]');
      expect(await page.locator('.io tr[data-name="o0"] td').innerText()).toBe('"hi-7"');
      expect(await page.locator('.io tr[data-name="a"] td').innerText()).toBe('5');
      // The task's own output, in its node's logs.
      await page.goto(execPage(name, '?node=n0'));
      await page.waitForSelector('aside.panel[data-node="n0"]');
      await page.click('#node-tab-logs');
      await page.waitForFunction(() => /t1 got 5/.test(document.querySelector('pre.log')?.textContent ?? ''));
      // flytekit's eager children (labelled with the parent's name) are listed in the eager node.
      await page.goto(execPage(eager));
      await page.waitForFunction(() => document.querySelectorAll('.gnode[data-kind="eager"] .eager-row[data-phase="SUCCEEDED"]').length === 2);
      expect(await page.locator('.gnode[data-kind="eager"] .eager-label').allInnerTexts()).toEqual(expect.arrayContaining(['add_one', 'double']));
    } finally {
      await browser.close();
    }
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

  test('on 30080 (flytekit\'s sandbox default), pyflyte needs no config at all', async (ctx) => {
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer().once('error', () => resolve(false));
      probe.listen(30080, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (!free) {
      console.warn('skipping the zero-config check: port 30080 is taken on this machine');
      ctx.skip();
    }
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-pyflyte-home-'));
    const onDefault = await startTestSandbox({ launcher: 'process', name: 'pyflyte-30080', port: 30080, env: { ...(process.env as Record<string, string>), PATH: `${VENV_BIN}:${process.env.PATH ?? ''}` } });
    try {
      // No FLYTECTL_CONFIG, no FLYTE_PLATFORM_URL, an empty HOME (no ~/.flyte/config.yaml).
      const r = await execa(PYFLYTE, ['run', '--remote', '--wait', '--poll-interval', '1', FILE, 'my_wf'], {
        cwd: FIXTURES,
        env: { PATH: env(sbx).PATH!, HOME: home, PYTHONDONTWRITEBYTECODE: '1' },
        extendEnv: false,
        reject: false,
        timeout: 300_000,
        all: true,
      });
      expect(r.exitCode, String(r.all)).toBe(0);
      expect(String(r.all)).toMatch(/Execution \S+ has succeeded/);
      expect(String(r.all)).toContain('localhost:30080/console/projects/flytesnacks');
    } finally {
      await onDefault.destroy();
      fs.rmSync(home, { recursive: true, force: true });
    }
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
