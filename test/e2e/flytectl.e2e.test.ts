/**
 * Flyte's own `flytectl` (v0.9.8, built from the Go module proxy by `npm run flyte-check`) against
 * a real sandbox over gRPC on its one port, with the config file `start` writes: projects, `register files` of a package (with its code
 * uploaded through DataProxy's signed URL), get task/workflow/launch plan, create an execution from
 * a launch plan and from a task with an exec file, follow it, read its details, relaunch it; and
 * the package `pyflyte package` writes, registered by flytectl and run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, runCli } from '../support/cli.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const FLYTECTL = path.join(ROOT, '.build', 'flytectl');
const haveFlytectl = fs.existsSync(FLYTECTL);
if (!haveFlytectl) {
  if (process.env.CI) throw new Error(`${FLYTECTL} is missing in CI: .ci/run runs npm run flyte-check (which builds it) before the tests`);
  console.warn('skipping the flytectl suite: .build/flytectl does not exist (npm run flyte-check builds it; it needs Go)');
}

const P = ['-p', 'flytesnacks', '-d', 'development'];
const VENV_BIN = path.join(ROOT, '.build', 'pyflyte-venv', 'bin');
const havePyflyte = fs.existsSync(path.join(VENV_BIN, 'pyflyte'));

describe.skipIf(!haveFlytectl)('flytectl against the sandbox (gRPC)', () => {
  let sbx: TestSandbox;
  let dir: string;
  let config: string;
  const flytectl = async (args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> => {
    const r = await execa(FLYTECTL, ['--config', config, ...args], { reject: false, timeout: 120_000, env: { HOME: dir } });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await flytectl([...args, '-o', 'json']);
    if (r.exitCode !== 0) throw new Error(`flytectl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
    return JSON.parse(r.stdout) as T;
  };
  const phaseOf = async (name: string): Promise<string> => (await json<{ closure?: { phase?: string } }>(['get', 'execution', ...P, name])).closure?.phase ?? '';
  const waitEnded = async (name: string): Promise<string> => {
    for (let i = 0; i < 600; i++) {
      const phase = await phaseOf(name);
      if (['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'].includes(phase)) return phase;
      await new Promise((r) => setTimeout(r, 200));
    }
    return 'still running';
  };
  const createFrom = async (execFile: string): Promise<string> => {
    const r = await flytectl(['create', 'execution', ...P, '--execFile', execFile]);
    expect(r.exitCode, r.stderr).toBe(0);
    const name = /name:"([^"]+)"/.exec(r.stdout)?.[1];
    expect(name).toBeDefined();
    return name!;
  };

  beforeAll(async () => {
    // Python tasks (the pyflyte package below) run in flytekit's venv, as a user's activated one.
    sbx = await startTestSandbox({ launcher: 'process', name: 'flytectl', env: { ...(process.env as Record<string, string>), PATH: `${VENV_BIN}:${process.env.PATH ?? ''}` } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-flytectl-'));
    // The config `start` writes for Flyte's clients, used as it is.
    config = path.join(sbx.dataDir, 'flyte-config.yaml');
    expect(fs.readFileSync(config, 'utf8')).toContain(`endpoint: dns:///localhost:${new URL(sbx.url).port}`);
  });
  afterAll(async () => {
    await sbx?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('get project lists the sandbox projects', async () => {
    const projects = await json<{ id?: string }[] | { id?: string }>(['get', 'project']);
    const ids = (Array.isArray(projects) ? projects : [projects]).map((p) => p.id);
    expect(ids).toContain('flytesnacks');
  });

  test('register files of a package uploads its code and registers every entity; again, it is tolerated as already there', async () => {
    const pkg = path.join(dir, 'pkg.tgz');
    const made = await runCli('source', ['package', '-o', pkg, 'examples/basic_workflow.ts'], { cwd: ROOT });
    expect(made.exitCode, made.stderr).toBe(0);
    const r = await flytectl(['register', 'files', pkg, '--archive', ...P, '--version', 'v1']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.match(/\| Success +\|/g)?.length).toBe(4);
    const again = await flytectl(['register', 'files', pkg, '--archive', ...P, '--version', 'v1']);
    expect(again.exitCode, again.stderr).toBe(0);
    // The uploaded code bundle is where the task now points.
    const task = await json<{ closure?: { compiledTask?: { template?: { container?: { args?: string[] } } } } }>(['get', 'task', ...P, 'examples.basic_workflow.t1', '--latest']);
    const args = task.closure?.compiledTask?.template?.container?.args ?? [];
    const bundle = args[args.indexOf('--bundle') + 1] ?? '';
    expect(bundle).toMatch(/^file:\/\/.*\/uploads\/flytesnacks\/development\/[0-9a-f]{32}\/fast[0-9a-f]+\.tar\.gz$/);
    expect(fs.existsSync(new URL(bundle).pathname)).toBe(true);
    const wf = await json<{ id?: { name?: string } }>(['get', 'workflow', ...P, 'examples.basic_workflow.my_wf', '--latest']);
    expect(wf.id?.name).toBe('examples.basic_workflow.my_wf');
  });

  test('create execution from a launch plan exec file: it runs; get --details shows the nodes; relaunch runs again', async () => {
    const execFile = path.join(dir, 'lp-exec.yaml');
    const g = await flytectl(['get', 'launchplan', ...P, 'examples.basic_workflow.my_wf', '--latest', '--execFile', execFile]);
    expect(g.exitCode, g.stderr).toBe(0);
    const text = fs.readFileSync(execFile, 'utf8');
    expect(text).toMatch(/workflow: examples\.basic_workflow\.my_wf/);
    fs.writeFileSync(execFile, text.replace(/^(\s*)a: 0$/m, '$1a: 50').replace(/^(\s*)b: ""$/m, '$1b: hello'));
    const name = await createFrom(execFile);
    expect(await waitEnded(name)).toBe('SUCCEEDED');
    const details = await flytectl(['get', 'execution', ...P, name, '--details', '-o', 'yaml']);
    expect(details.exitCode, details.stderr).toBe(0);
    expect(details.stdout).toContain('n0');
    expect(details.stdout).toContain('n1');
    const relaunch = await flytectl(['create', 'execution', ...P, '--relaunch', name]);
    expect(relaunch.exitCode, relaunch.stderr).toBe(0);
    const again = /name:"([^"]+)"/.exec(relaunch.stdout)?.[1] ?? '';
    expect(again).not.toBe(name);
    expect(await waitEnded(again)).toBe('SUCCEEDED');
  });

  test('create execution of a single task from its exec file', async () => {
    const execFile = path.join(dir, 'task-exec.yaml');
    const g = await flytectl(['get', 'task', ...P, 'examples.basic_workflow.t1', '--latest', '--execFile', execFile]);
    expect(g.exitCode, g.stderr).toBe(0);
    fs.writeFileSync(execFile, fs.readFileSync(execFile, 'utf8').replace(/^(\s*)a: 0$/m, '$1a: 4'));
    const name = await createFrom(execFile);
    expect(await waitEnded(name)).toBe('SUCCEEDED');
  });

  test.skipIf(!havePyflyte)('register files of what `pyflyte package` writes, then run its workflow from an exec file', async () => {
    const pkg = path.join(dir, 'flyte-package.tgz');
    const made = await execa(path.join(VENV_BIN, 'pyflyte'), ['--pkgs', 'flyte_examples', 'package', '--fast', '-o', pkg, '-f'], {
      cwd: path.join(ROOT, 'test', 'fixtures', 'python'),
      env: { PATH: `${VENV_BIN}:${process.env.PATH ?? ''}`, HOME: dir, PYTHONDONTWRITEBYTECODE: '1' },
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(made.exitCode, String(made.all)).toBe(0);
    const r = await flytectl(['register', 'files', pkg, '--archive', ...P, '--version', 'pk1']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\| Failed/);
    const execFile = path.join(dir, 'py-exec.yaml');
    const g = await flytectl(['get', 'launchplan', ...P, 'flyte_examples.my_wf', '--version', 'pk1', '--execFile', execFile]);
    expect(g.exitCode, g.stderr).toBe(0);
    fs.writeFileSync(execFile, fs.readFileSync(execFile, 'utf8').replace(/^(\s*)a: 3$/m, '$1a: 5'));
    const name = await createFrom(execFile);
    expect(await waitEnded(name)).toBe('SUCCEEDED');
    const out = await sbx.cli(['get', 'execution', name, '--json']);
    expect(JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}').outputs).toEqual({ o0: 'hi-7' });
  });

  test('a missing entity is a clear NotFound, not an authentication prompt', async () => {
    const r = await flytectl(['get', 'launchplan', ...P, 'no.such.plan', '--version', 'v9']);
    expect(r.exitCode).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/NotFound.*SBX_ADMIN_LAUNCH_PLAN_NOT_FOUND/s);
  });
});
