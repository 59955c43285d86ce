/**
 * The sandbox's lifecycle through the built binary, as users drive it: `start` (URLs, idempotent,
 * a taken port, config.yaml and flags), `status` (exit codes, --json), `stop`, `teardown`, two
 * sandboxes side by side through TFLYTE_HOME, `get executions`, `get execution`, `logs`, `--help`,
 * `run --remote` from another directory, and the fresh-clone evidence in Docker.
 *
 * Process-launcher sandboxes cover what does not need containers; one Docker sandbox covers the
 * rest. Docker tests skip with a printed reason when no engine answers (they fail under CI).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SANDBOX_LABEL, sandboxId } from '../../src/cli/serve.ts';
import { binaryAvailable, ROOT, runCli } from '../support/cli.ts';
import { dockerAvailable } from '../support/sandbox.ts';
import { freePort } from '../support/ports.ts';

const hasBinary = binaryAvailable();
const hasDocker = hasBinary && (await dockerAvailable());

/** The binary with `TFLYTE_HOME=home` (how users point commands at a sandbox). */
const cli = (home: string, args: string[], opts: { cwd?: string } = {}) =>
  runCli('binary', args, { env: { TFLYTE_HOME: home }, cwd: opts.cwd ?? ROOT, timeoutMs: 180_000 });

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;


const homes: string[] = [];
function newHome(name: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `tflyte-e2e-${name}-`));
  homes.push(d);
  return d;
}

function stateOf(home: string): { pid: number; port: number; url: string; launcher: string } {
  return JSON.parse(fs.readFileSync(path.join(home, 'sandbox.json'), 'utf8')) as { pid: number; port: number; url: string; launcher: string };
}

/** Whether the process runs (an exited daemon may linger as a zombie until init reaps it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

/** User code outside the repository: a cached task and a logging task, and a slow one. */
function writeUserFiles(dir: string): string {
  const file = path.join(dir, 'wf.ts');
  fs.writeFileSync(
    file,
    [
      "import { task, workflow, t } from 'tflyte';",
      "export const shout = task({ inputs: { s: t.str }, outputs: t.str, cache: { version: '1' } }, ({ s }) => { console.log(`shouting ${s}`); return s.toUpperCase(); });",
      'export const exclaim = task({ inputs: { s: t.str }, outputs: t.str }, ({ s }) => { console.log(`exclaiming ${s}`); return `${s}!`; });',
      'export const loud = workflow({ inputs: { s: t.str }, outputs: t.str }, ({ s }) => exclaim({ s: shout({ s }) }));',
      'export const slow = task({ inputs: { secs: t.int }, outputs: t.int }, async ({ secs }) => { await new Promise((r) => setTimeout(r, secs * 1000)); return secs; });',
      '',
    ].join('\n'),
  );
  return file;
}

afterAll(async () => {
  for (const h of homes) {
    if (fs.existsSync(path.join(h, 'sandbox.json'))) await cli(h, ['stop']);
    fs.rmSync(h, { recursive: true, force: true });
  }
});

describe.skipIf(!hasBinary)('--help', () => {
  test.each(['start', 'status', 'stop', 'teardown', 'register', 'get', 'get executions', 'get execution', 'logs', 'demo'])('%s --help prints its usage and options', async (cmd) => {
    const words = cmd.split(' ');
    const r = await runCli('binary', [...words, '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Usage: tflyte-sandbox ${words.join(' ')}`);
    expect(r.stdout).toContain('Options:');
  });

  test('the top-level --help lists every command', async () => {
    const r = await runCli('binary', ['--help']);
    expect(r.exitCode).toBe(0);
    for (const c of ['run', 'start', 'status', 'stop', 'teardown', 'register', 'get', 'logs', 'demo']) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
  });

  test('run has --usage for itself and FILE ENTITY --help for the inputs of an entity', async () => {
    const own = await runCli('binary', ['run', '--usage']);
    expect(own.exitCode).toBe(0);
    expect(own.stdout).toContain('Usage: tflyte-sandbox run');
    expect(own.stdout).toContain('--remote');
    const entity = await runCli('binary', ['run', 'examples/basic_workflow.ts', 'my_wf', '--help']);
    expect(entity.exitCode).toBe(0);
    expect(entity.stdout).toContain('--a <int>');
    expect(entity.stdout).toContain('--b <str>');
  });
});

describe.skipIf(!hasBinary)('start, status, stop (process launcher)', () => {
  let home: string;
  let port: number;
  let pid: number;

  beforeAll(async () => {
    home = newHome('life');
    port = await freePort();
  });

  test('start prints the API and console URLs and answers /healthz', async () => {
    const r = await cli(home, ['start', '--port', String(port), '--launcher', 'process']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`API:      http://127.0.0.1:${port}/api/v1`);
    expect(r.stdout).toContain(`Console:  http://127.0.0.1:${port}/console`);
    expect(r.stdout).toContain(`Data dir: ${home}`);
    pid = stateOf(home).pid;
    expect(r.stdout).toContain(`sandbox started (pid ${pid}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).ok).toBe(true);
  });

  test('a second start says it already runs, with the same pid', async () => {
    const r = await cli(home, ['start']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`sandbox already running (pid ${pid}`);
    expect(r.stdout).toContain(`API:      http://127.0.0.1:${port}/api/v1`);
    expect(stateOf(home).pid).toBe(pid);
  });

  test('status exits 0 while it runs, in text and JSON', async () => {
    const text = await cli(home, ['status']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`sandbox running (pid ${pid}, healthy`);
    expect(text.stdout).toContain(`http://127.0.0.1:${port}/console`);
    const json = await cli(home, ['status', '--json']);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ running: true, healthy: true, pid, port, launcher: 'process', dataDir: home });
  });

  test('--data-dir finds the same sandbox as TFLYTE_HOME', async () => {
    const r = await runCli('binary', ['status', '--json', '--data-dir', home]);
    expect(JSON.parse(r.stdout)).toMatchObject({ running: true, pid });
  });

  test('stop stops it; then status exits 1, in text and JSON', async () => {
    const r = await cli(home, ['stop']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`sandbox stopped (pid ${pid})`);
    expect(alive(pid)).toBe(false);
    const text = await cli(home, ['status']);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain(`no sandbox running for ${home}`);
    const json = await cli(home, ['status', '--json']);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ running: false, healthy: false });
    const again = await cli(home, ['stop']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('no sandbox running');
  });

  test('a port another process holds is a clear error, and nothing keeps running', async () => {
    const taken = await freePort();
    const squatter = http.createServer((_q, s) => s.end('not a sandbox'));
    await new Promise<void>((r) => squatter.listen(taken, '127.0.0.1', () => r()));
    const other = newHome('taken');
    try {
      const r = await cli(other, ['start', '--port', String(taken), '--launcher', 'process']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`port ${taken} on 127.0.0.1 is taken by another process`);
      expect(r.stderr).toContain('tflyte-sandbox start --port 30081 — later starts of this data dir remember it');
      expect(fs.existsSync(path.join(other, 'sandbox.json'))).toBe(false);
      expect((await cli(other, ['status'])).exitCode).toBe(1);
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });

  test('config.yaml in the data dir is honoured, and flags override it', async () => {
    const cfgHome = newHome('config');
    const [fromFile, fromFlag] = [await freePort(), await freePort()];
    fs.writeFileSync(path.join(cfgHome, 'config.yaml'), `port: ${fromFile}\nlauncher: process\n`);
    const r1 = await cli(cfgHome, ['start']);
    expect(r1.exitCode, r1.stderr).toBe(0);
    expect(stateOf(cfgHome)).toMatchObject({ port: fromFile, launcher: 'process' });
    expect(r1.stdout).toContain(`http://127.0.0.1:${fromFile}/api/v1`);
    expect((await cli(cfgHome, ['stop'])).exitCode).toBe(0);

    const r2 = await cli(cfgHome, ['start', '--port', String(fromFlag)]);
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(stateOf(cfgHome)).toMatchObject({ port: fromFlag, launcher: 'process' });
    expect((await cli(cfgHome, ['stop'])).exitCode).toBe(0);

    fs.writeFileSync(path.join(cfgHome, 'config.yaml'), 'port: lots\n');
    const bad = await cli(cfgHome, ['start']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(`${path.join(cfgHome, 'config.yaml')}: port must be an integer`);
  });

  test('teardown --data --keep-images stops it, removes the data dir and leaves the images alone', async () => {
    const home2 = newHome('keep');
    expect((await cli(home2, ['start', '--port', String(await freePort()), '--launcher', 'process'])).exitCode).toBe(0);
    const pid2 = stateOf(home2).pid;
    const t = await cli(home2, ['teardown', '--data', '--keep-images']);
    expect(t.exitCode, t.stderr).toBe(0);
    expect(t.stdout).toContain('kept the runtime images (--keep-images)');
    expect(t.stdout).toMatch(/and 0 runtime image\(s\)|no Docker engine answers/);
    expect(t.stdout).toContain(`removed ${home2}`);
    expect(fs.existsSync(home2)).toBe(false);
    expect(alive(pid2)).toBe(false);
  });

  test('start writes a commented default config.yaml into a new data dir', async () => {
    const fresh = newHome('fresh');
    fs.rmSync(fresh, { recursive: true });
    const r = await cli(fresh, ['start', '--port', String(await freePort()), '--launcher', 'process']);
    expect(r.exitCode, r.stderr).toBe(0);
    const cfg = fs.readFileSync(path.join(fresh, 'config.yaml'), 'utf8');
    expect(cfg).toContain('# port: 30080');
    expect(cfg).toContain('# launcher: "docker"');
    expect((await cli(fresh, ['stop'])).exitCode).toBe(0);
  });

  test('the binary writes its SQLite addon once to TFLYTE_NATIVE_CACHE and loads it from there', async () => {
    const home = newHome('addon');
    const cache = newHome('addon-cache');
    const env = { TFLYTE_HOME: home, TFLYTE_NATIVE_CACHE: cache };
    const r = await runCli('binary', ['start', '--port', String(await freePort()), '--launcher', 'process'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const written = fs.readdirSync(cache, { recursive: true }).map(String).filter((f) => f.endsWith('better_sqlite3.node'));
    expect(written).toHaveLength(1);
    const original = fs.readFileSync(path.join(ROOT, 'node_modules/better-sqlite3/prebuilds/linux-x64.node'));
    const file = path.join(cache, written[0]!);
    expect(fs.readFileSync(file).equals(original)).toBe(true);
    // A second daemon reuses the file instead of writing it again.
    const before = fs.statSync(file).mtimeMs;
    expect((await runCli('binary', ['stop'], { env })).exitCode).toBe(0);
    expect((await runCli('binary', ['start', '--port', String(await freePort()), '--launcher', 'process'], { env })).exitCode).toBe(0);
    expect(fs.statSync(file).mtimeMs).toBe(before);
    expect(fs.readdirSync(cache, { recursive: true }).map(String).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect((await runCli('binary', ['stop'], { env })).exitCode).toBe(0);
  });

  test('an unwritable addon cache falls back to the temp dir', async () => {
    const home = newHome('addon-fallback');
    const env = { TFLYTE_HOME: home, TFLYTE_NATIVE_CACHE: '/dev/null/not-a-dir' };
    const r = await runCli('binary', ['start', '--port', String(await freePort()), '--launcher', 'process'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const fallback = path.join(os.tmpdir(), `tflyte-sandbox-${process.getuid?.() ?? 'user'}`);
    expect(fs.readdirSync(fallback, { recursive: true }).map(String).some((f) => f.endsWith('better_sqlite3.node'))).toBe(true);
    expect((await runCli('binary', ['stop'], { env })).exitCode).toBe(0);
  });
});

describe.skipIf(!hasDocker)('a Docker sandbox and a second one side by side', () => {
  let dockerHome: string;
  let processHome: string;
  let userDir: string;
  let dockerUrl: string;
  let processUrl: string;

  const execExists = async (url: string, name: string): Promise<boolean> =>
    (await fetch(`${url}/api/v1/executions/flytesnacks/development/${name}`)).status === 200;
  const containersOf = async (label: string): Promise<string[]> => {
    const r = await execa('docker', ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}'], { reject: false });
    return String(r.stdout).split('\n').filter(Boolean);
  };

  beforeAll(async () => {
    dockerHome = newHome('docker');
    processHome = newHome('second');
    userDir = newHome('user');
    writeUserFiles(userDir);
    const d = await cli(dockerHome, ['start', '--port', String(await freePort())]);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(stateOf(dockerHome).launcher).toBe('docker');
    dockerUrl = stateOf(dockerHome).url;
    const p = await cli(processHome, ['start', '--port', String(await freePort()), '--launcher', 'process']);
    expect(p.exitCode, p.stderr).toBe(0);
    processUrl = stateOf(processHome).url;
  });

  test('fresh-clone evidence: run --remote --wait --json basic_workflow my_wf, and no task container is left', async () => {
    const r = await cli(dockerHome, ['run', '--remote', '--wait', '--json', 'examples/basic_workflow.ts', 'my_wf', '--a', '50', '--b', 'hello']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = lastJson<{ execution: string; phase: string; outputs: unknown }>(r.stdout);
    expect(out.phase).toBe('SUCCEEDED');
    expect(out.outputs).toEqual({ o0: 52, o1: 'helloworld' });
    expect(await execExists(dockerUrl, out.execution)).toBe(true);
    expect(await containersOf(`tflyte.execution=${out.execution}`)).toEqual([]);
    // Nor any other container of this sandbox (labelled with a hash of its data dir).
    expect(await containersOf(`${SANDBOX_LABEL}=${sandboxId(dockerHome)}`)).toEqual([]);
  });

  test('run --remote --wait without --json prints the execution, its console URL, node progress and the outputs', async () => {
    const r = await cli(dockerHome, ['run', '--remote', '--wait', 'examples/basic_workflow.ts', 'my_wf', '--a', '2', '--b', 'yo']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const head = /^execution (\w+) of examples\.basic_workflow\.my_wf \(version (\S+)\)$/.exec(lines[0] ?? '');
    expect(head, r.stdout).not.toBeNull();
    expect(lines[1]?.trim()).toBe(`${dockerUrl}/console/projects/flytesnacks/domains/development/executions/${head![1]}`);
    // Each task node's phases, in order, with the time since the start.
    const progress = lines.filter((l) => /^\s+\d+\.\ds\s+n[01]\s/.test(l)).map((l) => l.trim().split(/\s+/).slice(1).join(' '));
    expect(progress.filter((p) => p.startsWith('n0'))).toEqual(expect.arrayContaining(['n0 SUCCEEDED']));
    expect(progress.filter((p) => p.startsWith('n1')).at(-1)).toBe('n1 SUCCEEDED');
    expect(progress.findIndex((p) => p === 'n0 SUCCEEDED')).toBeLessThan(progress.findIndex((p) => p === 'n1 SUCCEEDED'));
    expect(r.stdout).toMatch(/examples\.basic_workflow\.my_wf succeeded in \d+\.\ds/);
    expect(lines).toContain('  o0: 4');
    expect(lines).toContain('  o1: "yoworld"');
  });

  test('register FILE registers every entity of the file without running anything', async () => {
    const file = path.join(userDir, 'wf.ts');
    const before = (JSON.parse((await cli(dockerHome, ['get', 'executions', '--json'])).stdout) as unknown[]).length;
    const r = await cli(dockerHome, ['register', file], { cwd: userDir });
    expect(r.exitCode, r.stderr).toBe(0);
    const version = /registered .*wf\.ts as version (\S+):/.exec(r.stdout)?.[1];
    expect(version, r.stdout).toBeDefined();
    for (const line of ['  task         wf.shout', '  task         wf.exclaim', '  workflow     wf.loud', '  launch plan  wf.loud']) expect(r.stdout).toContain(line);
    for (const [route, name] of [['tasks', 'wf.shout'], ['workflows', 'wf.loud'], ['launch_plans', 'wf.loud']]) {
      expect((await fetch(`${dockerUrl}/api/v1/${route}/flytesnacks/development/${name}/${version}`)).status, `${route} ${name}`).toBe(200);
    }
    expect((JSON.parse((await cli(dockerHome, ['get', 'executions', '--json'])).stdout) as unknown[]).length).toBe(before);
    // Registering the same file again is a no-op that succeeds.
    expect((await cli(dockerHome, ['register', file], { cwd: userDir })).exitCode).toBe(0);
  });

  test('demo runs every example in the sandbox and points at the console', async () => {
    const { DEMO_RUNS } = await import('../../src/cli/commands/demo.ts');
    const r = await cli(processHome, ['demo']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const [file, entity] of DEMO_RUNS) expect(r.stdout).toContain(`$ tflyte-sandbox run --remote --wait examples/${file} ${entity}`);
    expect(r.stdout.match(/ succeeded in \d+\.\ds/g)).toHaveLength(DEMO_RUNS.length);
    expect(r.stdout).toContain(`Open the console: ${processUrl}/console`);
  });

  test('TFLYTE_HOME picks the sandbox: run --remote in the second one runs there, not in the first', async () => {
    const r = await cli(processHome, ['run', '--remote', '--wait', '--json', 'examples/basic_workflow.ts', 'my_wf', '--a', '1', '--b', 'x']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = lastJson<{ execution: string; phase: string; outputs: unknown }>(r.stdout);
    expect(out).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 3, o1: 'xworld' } });
    expect(await execExists(processUrl, out.execution)).toBe(true);
    expect(await execExists(dockerUrl, out.execution)).toBe(false);
    const listed = await cli(processHome, ['get', 'executions', '--json']);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((e) => e.name)).toContain(out.execution);
    const other = await cli(dockerHome, ['get', 'executions', '--json']);
    expect((JSON.parse(other.stdout) as { name: string }[]).map((e) => e.name)).not.toContain(out.execution);
  });

  test('run --remote from another working directory with an absolute file path', async () => {
    const r = await cli(dockerHome, ['run', '--remote', '--wait', '--json', path.join(ROOT, 'examples', 'basic_workflow.ts'), 'my_wf', '--a', '5', '--b', 'hi'], {
      cwd: os.tmpdir(),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 7, o1: 'hiworld' } });
  });

  test('get executions, get execution (node table with cache column) and logs [--node]', async () => {
    // User code outside the repository, run from its own directory, twice: the second run hits the cache.
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await cli(dockerHome, ['run', '--remote', '--wait', '--json', 'wf.ts', 'loud', '--s', 'hi'], { cwd: userDir });
      expect(r.exitCode, r.stderr).toBe(0);
      const out = lastJson<{ execution: string; phase: string; outputs: unknown }>(r.stdout);
      expect(out).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 'HI!' } });
      names.push(out.execution);
    }
    const [first, second] = names as [string, string];

    const list = await cli(dockerHome, ['get', 'executions']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+PHASE\s+WORKFLOW\s+STARTED\s+DURATION/m);
    expect(list.stdout).toMatch(new RegExp(`^${second}\\s+SUCCEEDED\\s+wf\\.loud`, 'm'));
    expect(list.stdout.indexOf(second)).toBeLessThan(list.stdout.indexOf(first));

    const one = await cli(dockerHome, ['get', 'execution', first]);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.stdout).toContain(`${first}  SUCCEEDED  wf.loud`);
    expect(one.stdout).toContain('inputs:  {"s":"hi"}');
    expect(one.stdout).toContain('outputs: {"o0":"HI!"}');
    expect(one.stdout).toMatch(/^NODE\s+PHASE\s+DURATION\s+CACHE\s+OUTPUTS$/m);
    expect(one.stdout).toMatch(/^n0\s+SUCCEEDED\s+\d+\.\d\ds\s+POPULATED\s+\{"o0":"HI"\}$/m);
    expect(one.stdout).toMatch(/^n1\s+SUCCEEDED\s+\d+\.\d\ds\s+-\s+\{"o0":"HI!"\}$/m);
    expect(one.stdout.indexOf('\nn0 ')).toBeLessThan(one.stdout.indexOf('\nn1 '));
    const cached = await cli(dockerHome, ['get', 'execution', second, '--json']);
    const doc = JSON.parse(cached.stdout) as { phase: string; nodes: { node: string; phase: string; cache: string; outputs: unknown }[] };
    expect(doc.phase).toBe('SUCCEEDED');
    expect(doc.nodes).toEqual([
      expect.objectContaining({ node: 'n0', phase: 'SUCCEEDED', cache: 'HIT', outputs: { o0: 'HI' } }),
      expect.objectContaining({ node: 'n1', phase: 'SUCCEEDED', cache: '-', outputs: { o0: 'HI!' } }),
    ]);

    const logs = await cli(dockerHome, ['logs', first]);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('=== n0 attempt 0 (wf.shout) ===\nshouting hi');
    expect(logs.stdout).toContain('=== n1 attempt 0 (wf.exclaim) ===\nexclaiming HI');
    const nodeLogs = await cli(dockerHome, ['logs', first, '--node', 'n1']);
    expect(nodeLogs.stdout).toContain('exclaiming HI');
    expect(nodeLogs.stdout).not.toContain('shouting');
    const noNode = await cli(dockerHome, ['logs', first, '--node', 'nope']);
    expect(noNode.exitCode).toBe(1);
    expect(noNode.stderr).toContain(`execution ${first} has no node nope (its nodes: n0, n1)`);
    for (const args of [['get', 'execution', 'nosuch'], ['logs', 'nosuch']]) {
      const missing = await cli(dockerHome, args);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toContain('no execution nosuch in project flytesnacks, domain development');
      expect(missing.stderr).not.toContain('    at ');
    }
  });

  test('teardown --data removes the running task containers and the data dir, keeping images another sandbox uses', async () => {
    const r = await cli(dockerHome, ['run', '--remote', '--json', 'wf.ts', 'slow', '--secs', '120'], { cwd: userDir });
    expect(r.exitCode, r.stderr).toBe(0);
    const { execution } = lastJson<{ execution: string }>(r.stdout);
    const label = `tflyte.execution=${execution}`;
    // Wait for its container (the test's timeout bounds this).
    while ((await containersOf(label)).length === 0) await sleep(100);
    expect((await execa('docker', ['image', 'inspect', 'tflyte-sandbox-runtime:0.1.0'], { reject: false })).exitCode).toBe(0);

    const t = await cli(dockerHome, ['teardown', '--data']);
    expect(t.exitCode, t.stderr).toBe(0);
    expect(t.stdout).toContain('removed 1 task container(s)');
    expect(t.stdout).toContain('kept the runtime images');
    expect(t.stdout).toContain(processHome);
    expect(t.stdout).toContain(`removed ${dockerHome}`);
    expect(await containersOf(label)).toEqual([]);
    expect(fs.existsSync(dockerHome)).toBe(false);
    expect((await execa('docker', ['image', 'inspect', 'tflyte-sandbox-runtime:0.1.0'], { reject: false })).exitCode).toBe(0);
    // The other sandbox still works.
    expect((await cli(processHome, ['status'])).exitCode).toBe(0);
  });
});
