/**
 * `npm run chaos`: a bounded chaos suite on real parts — the built binary, real SQLite, a second
 * Docker engine of its own (scripts/chaos/second-dockerd.sh: own bridge, data root, socket) —
 * that injects the faults around the daemon and checks every execution still ends well:
 *
 * - engine: the Docker engine is killed (-9) while tasks run, then started again;
 * - daemon: the sandbox daemon is killed (-9) while tasks run, then started again;
 * - disk:   the data dir's disk (a small tmpfs) fills up while tasks run, then space is freed.
 *
 * It prints a table (executions, succeeded, failed, lost, duplicated, stuck, leftover
 * containers) and exits 1 on any loss, duplicate, hang or leftover container. Needs root (bridge,
 * tmpfs). Every wait is bounded; the suite stops by itself.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminClient } from '../../src/admin/client.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'dist', 'tflyte-sandbox');
const DOCKERD = path.join(ROOT, 'scripts', 'chaos', 'second-dockerd.sh');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'chaos', 'naps.ts');
const EXECUTIONS = Number(process.env.CHAOS_EXECUTIONS ?? 6);
const DEADLINE_MS = 180_000;
/** `CHAOS_ONLY=engine,disk` runs some scenarios; `CHAOS_KEEP=1` keeps the disk scenario's data dir. */
const ONLY = (process.env.CHAOS_ONLY ?? 'engine,daemon,disk').split(',').map((s) => s.trim());

interface Row {
  fault: string;
  executions: number;
  succeeded: number;
  failed: number;
  lost: number;
  duplicated: number;
  stuck: number;
  leftover: number;
  note: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Removes a scratch directory; one still busy (a mount) is left with a note, not an error. */
function rmQuietly(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    console.log(`chaos: could not remove ${dir}: ${(e as Error).message}`);
  }
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; out: string } {
  const r = spawnSync(BIN, args, { encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function launch(dataDir: string, n: number, ms: number, env: NodeJS.ProcessEnv): string[] {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = cli(['run', '--remote', '--json', '--data-dir', dataDir, FIXTURE, 'naps', '--x', String(i), '--ms', String(ms)], env);
    const line = r.out.trim().split('\n').pop() ?? '';
    try {
      names.push((JSON.parse(line) as { execution: string }).execution);
    } catch {
      throw new Error(`could not launch: ${r.out}`);
    }
  }
  return names;
}

/** Waits (bounded) for the executions to end, then counts how they ended. */
async function tally(fault: string, dataDir: string, names: string[], docker: NodeJS.ProcessEnv | undefined, note: string): Promise<Row> {
  const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'sandbox.json'), 'utf8')) as { url: string };
  const client = new AdminClient(state.url);
  const deadline = Date.now() + DEADLINE_MS;
  const phases = new Map<string, number>();
  for (;;) {
    for (const name of names) {
      try {
        const ex = await client.getExecution({ project: 'flytesnacks', domain: 'development', name });
        phases.set(name, Number(ex.closure?.phase ?? 0));
      } catch {
        phases.set(name, -1);
      }
    }
    const done = [...phases.values()].every((p) => p === 4 || p === 6 || p === 7 || p === 8 || p === -1);
    if (done || Date.now() > deadline) break;
    await sleep(1000);
  }
  let duplicated = 0;
  let outputsWrong = 0;
  for (const name of names) {
    const exec = { project: 'flytesnacks', domain: 'development', name };
    if (phases.get(name) === 4) {
      const data = await client.getExecutionData(exec);
      const o = Number(data.fullOutputs?.literals?.o0?.scalar?.primitive?.integer ?? NaN);
      if (!(o === names.indexOf(name) + 2)) outputsWrong++;
    }
    // A task that ran to success twice for one node: a duplicate.
    const nodes = await client.listNodeExecutions(exec).catch(() => ({ nodeExecutions: [] }));
    for (const n of nodes.nodeExecutions ?? []) {
      const attempts = await client.listTaskExecutions(exec, n.id?.nodeId ?? '').catch(() => ({ taskExecutions: [] }));
      if ((attempts.taskExecutions ?? []).filter((t) => t.closure?.phase === 3).length > 1) duplicated++;
    }
  }
  let leftover = 0;
  if (docker) {
    // Removals are retried in the background: give them a moment.
    for (let i = 0; i < 30; i++) {
      const ps = spawnSync('docker', ['ps', '-aq', '--filter', 'label=tflyte.launcher.managed=1'], { encoding: 'utf8', env: docker });
      leftover = ps.stdout.trim() ? ps.stdout.trim().split('\n').length : 0;
      if (leftover === 0) break;
      await sleep(1000);
    }
  }
  const count = (f: (p: number) => boolean) => [...phases.values()].filter(f).length;
  return {
    fault,
    executions: names.length,
    succeeded: count((p) => p === 4),
    failed: count((p) => p === 6 || p === 8 || p === 7),
    lost: count((p) => p === -1) + outputsWrong,
    duplicated,
    stuck: count((p) => p >= 0 && p !== 4 && p !== 6 && p !== 7 && p !== 8),
    leftover,
    note,
  };
}

async function engineFault(): Promise<Row> {
  const engineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-chaos-engine-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-chaos-a-'));
  try {
    const sock = execFileSync(DOCKERD, ['start', engineDir], { encoding: 'utf8' }).trim();
    const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
    fs.writeFileSync(path.join(dataDir, 'config.yaml'), 'engineWaitSeconds: 120\n');
    if (cli(['start', '--data-dir', dataDir, '--port', '0'], env).code !== 0) throw new Error('sandbox did not start');
    const names = launch(dataDir, EXECUTIONS, 4000, env);
    await sleep(2500);
    execFileSync(DOCKERD, ['kill', engineDir]);
    await sleep(10_000);
    execFileSync(DOCKERD, ['start', engineDir]);
    const row = await tally('Docker engine killed (-9) for 10 s', dataDir, names, env, 'tasks kept running in containerd; re-adopted');
    cli(['stop', '--data-dir', dataDir], env);
    return row;
  } finally {
    spawnSync(DOCKERD, ['stop', engineDir]);
    rmQuietly(dataDir);
    rmQuietly(engineDir);
  }
}

async function daemonFault(): Promise<Row> {
  const engineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-chaos-engine-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-chaos-b-'));
  try {
    const sock = execFileSync(DOCKERD, ['start', engineDir], { encoding: 'utf8' }).trim();
    const env = { ...process.env, DOCKER_HOST: `unix://${sock}` };
    if (cli(['start', '--data-dir', dataDir, '--port', '0'], env).code !== 0) throw new Error('sandbox did not start');
    const names = launch(dataDir, EXECUTIONS, 3000, env);
    await sleep(1500);
    const { pid } = JSON.parse(fs.readFileSync(path.join(dataDir, 'sandbox.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    await sleep(2000);
    if (cli(['start', '--data-dir', dataDir, '--port', '0'], env).code !== 0) throw new Error('sandbox did not start again');
    const row = await tally('sandbox daemon killed (-9), started again', dataDir, names, env, 'running containers re-adopted by label');
    cli(['stop', '--data-dir', dataDir], env);
    return row;
  } finally {
    spawnSync(DOCKERD, ['stop', engineDir]);
    rmQuietly(dataDir);
    rmQuietly(engineDir);
  }
}

async function diskFault(): Promise<Row> {
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-chaos-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mount]);
  const dataDir = path.join(mount, 'data');
  try {
    if (cli(['start', '--data-dir', dataDir, '--port', '0', '--launcher', 'process']).code !== 0) throw new Error('sandbox did not start');
    const names = launch(dataDir, EXECUTIONS, 3000, process.env);
    // Fill the disk while they run, keep it full a while, then free it.
    const filler = path.join(mount, 'filler');
    const fd = fs.openSync(filler, 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(1 << 20));
    } catch {
      // ENOSPC: full
    } finally {
      fs.closeSync(fd);
    }
    await sleep(8000);
    const alive = cli(['status', '--data-dir', dataDir]);
    fs.rmSync(filler);
    const row = await tally('data dir disk full for 8 s (24 MiB tmpfs)', dataDir, names, undefined, alive.code === 0 ? 'daemon stayed up; failures are SYSTEM errors' : 'DAEMON DIED');
    if (alive.code !== 0) row.lost += 1;
    cli(['stop', '--data-dir', dataDir]);
    return row;
  } finally {
    if (process.env.CHAOS_KEEP) {
      const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-chaos-kept-'));
      spawnSync('cp', ['-a', dataDir, kept]);
      console.log(`chaos: disk scenario's data dir kept in ${kept}`);
    }
    spawnSync('umount', [mount]);
    rmQuietly(mount);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('chaos: needs root (a bridge for the second Docker engine, a tmpfs for the full disk); nothing ran');
    process.exit(1);
  }
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: npm run build first`);
  const scenarios: Record<string, () => Promise<Row>> = { engine: engineFault, daemon: daemonFault, disk: diskFault };
  const rows: Row[] = [];
  for (const name of ONLY) {
    const run = scenarios[name];
    if (!run) throw new Error(`CHAOS_ONLY: unknown scenario ${name} (known: ${Object.keys(scenarios).join(', ')})`);
    rows.push(await run());
  }
  const head = ['fault', 'executions', 'succeeded', 'failed', 'lost', 'duplicated', 'stuck', 'leftover containers', 'note'];
  const table = [head, ...rows.map((r) => [r.fault, r.executions, r.succeeded, r.failed, r.lost, r.duplicated, r.stuck, r.leftover, r.note].map(String))];
  console.log(`\n| ${head.join(' | ')} |\n| ${head.map(() => '---').join(' | ')} |`);
  for (const r of table.slice(1)) console.log(`| ${r.join(' | ')} |`);
  const bad = rows.filter((r) => r.lost || r.duplicated || r.stuck || r.leftover);
  console.log(bad.length === 0 ? '\nchaos: every execution ended; nothing lost, duplicated, stuck or left behind' : `\nchaos: FAILED (${bad.map((r) => r.fault).join('; ')})`);
  process.exit(bad.length === 0 ? 0 : 1);
}

await main();
