/**
 * `npm run bench -- --peers`: the same shapes on Restate, measured in the same run, beside ours.
 * Restate's server and TypeScript SDK are installed from npm into a temporary directory (never the
 * project's dependencies), its server runs on loopback ports of its own with a fresh base dir, and
 * one SDK service (run by the project's Node) does the steps:
 *
 * - 20 sequential durable steps (`ctx.run` ×20) — our 20 sequential awaited eager tasks;
 * - a 10-step chain (10 awaited calls of another service) — our 10-task chain;
 * - a 100-way fan-out (100 calls of another service, awaited together) — our 100-item map;
 * - cold start to ready (spawn → admin and ingress healthy) — our `start` to healthy;
 * - idle RSS after the runs (server + SDK service) — our daemon's idle RSS after the runs.
 *
 * Each peer row takes our figure from this run's other sections (value) and Restate's as the
 * baseline, so the table prints the ratio. Our steps run in containers; Restate's in one process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './report.ts';
import { freePorts, median } from './util.ts';

/** The versions measured (pinned: a peer's figures are only comparable run to run at one version). */
export const RESTATE_SERVER = '@restatedev/restate-server@1.7.12';
export const RESTATE_SDK = '@restatedev/restate-sdk@1.17.2';

const SERVICE = `
import * as restate from '@restatedev/restate-sdk';
const step = restate.service({ name: 'Step', handlers: { run: async (_ctx, x) => x + 1 } });
const bench = restate.service({
  name: 'Bench',
  handlers: {
    seq: async (ctx, n) => { let x = 0; for (let i = 0; i < n; i++) x = await ctx.run('s' + i, () => x + 1); return x; },
    chain: async (ctx, n) => { let x = 0; for (let i = 0; i < n; i++) x = await ctx.serviceClient(step).run(x); return x; },
    fanout: async (ctx, n) => {
      const calls = [];
      for (let i = 0; i < n; i++) calls.push(ctx.serviceClient(step).run(i));
      return (await restate.RestatePromise.all(calls)).length;
    },
  },
});
restate.serve({ services: [step, bench], port: Number(process.env.PORT) });
`;

/** Options of {@link benchPeers}. */
export interface PeerOptions {
  /** Samples per shape (and cold starts). */
  runs: number;
  /** The Node that runs the SDK service (it needs Node >= 22). */
  node: string;
  log: (m: string) => void;
}


async function until(url: string, deadline: number, exited: () => boolean): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    if (exited()) throw new Error(`the process serving ${url} exited`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer in time`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

interface Server {
  proc: ChildProcess;
  ingress: string;
  admin: string;
  readyMs: number;
  stop(): Promise<void>;
}

/** Starts restate-server with a fresh base dir; resolves when admin and ingress answer. */
async function startServer(bin: string, dir: string): Promise<Server> {
  const [ingressPort, adminPort, nodePort] = (await freePorts(3)) as [number, number, number];
  const base = fs.mkdtempSync(path.join(dir, 'server-'));
  const t0 = performance.now();
  const proc = spawn(bin, ['--no-logo', '--listen-mode', 'tcp'], {
    env: {
      ...process.env,
      RESTATE_BASE_DIR: base,
      RESTATE_INGRESS__BIND_ADDRESS: `127.0.0.1:${ingressPort}`,
      RESTATE_ADMIN__BIND_ADDRESS: `127.0.0.1:${adminPort}`,
      RESTATE_BIND_ADDRESS: `127.0.0.1:${nodePort}`,
      RESTATE_ADVERTISED_ADDRESS: `http://127.0.0.1:${nodePort}`,
      RESTATE_DISABLE_TELEMETRY: 'true',
      RESTATE_LOG_FILTER: 'error',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = () => proc.exitCode !== null;
  const ingress = `http://127.0.0.1:${ingressPort}`;
  const admin = `http://127.0.0.1:${adminPort}`;
  const stop = async () => {
    if (proc.exitCode === null) {
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await gone;
    }
    fs.rmSync(base, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 60_000;
    await until(`${admin}/health`, deadline, exited);
    await until(`${ingress}/restate/health`, deadline, exited);
  } catch (e) {
    await stop();
    throw e;
  }
  return { proc, ingress, admin, readyMs: performance.now() - t0, stop };
}

/** Restate's figures, and our rows paired with them. */
export async function benchPeers(o: PeerOptions, ours: readonly BenchRow[]): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-bench-peers-'));
  const procs: ChildProcess[] = [];
  try {
    o.log(`peers: npm install ${RESTATE_SERVER} ${RESTATE_SDK} (into ${dir})`);
    const npm = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', RESTATE_SERVER, RESTATE_SDK], { encoding: 'utf8' });
    if (npm.status !== 0) throw new Error(`npm install of Restate failed: ${(npm.stderr || npm.stdout).trim().split('\n').slice(-3).join(' ')}`);
    const bin = path.join(dir, 'node_modules', '@restatedev', `restate-server-${os.platform()}-${os.arch()}`, 'bin', 'restate-server');
    if (!fs.existsSync(bin)) throw new Error(`no restate-server binary for ${os.platform()}-${os.arch()} in the npm package`);
    fs.writeFileSync(path.join(dir, 'service.mjs'), SERVICE);

    // Cold starts: a fresh base dir each time, spawn → admin and ingress healthy.
    const cold: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      const s = await startServer(bin, dir);
      cold.push(s.readyMs);
      await s.stop();
    }

    const server = await startServer(bin, dir);
    procs.push(server.proc);
    const [svcPort] = (await freePorts(1)) as [number];
    const svc = spawn(o.node, [path.join(dir, 'service.mjs')], { cwd: dir, env: { ...process.env, PORT: String(svcPort), RESTATE_LOGGING: 'ERROR' }, stdio: ['ignore', 'ignore', 'inherit'] });
    procs.push(svc);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await fetch(`${server.admin}/deployments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uri: `http://127.0.0.1:${svcPort}` }) }).catch(() => undefined);
      if (r?.ok) break;
      if (svc.exitCode !== null || Date.now() > deadline) throw new Error(`the Restate SDK service did not register (${r ? `HTTP ${r.status}: ${(await r.text()).slice(0, 200)}` : 'no answer'})`);
      await new Promise((res) => setTimeout(res, 20));
    }
    const call = async (handler: string, n: number): Promise<number> => {
      const t = performance.now();
      const r = await fetch(`${server.ingress}/Bench/${handler}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: String(n) });
      const text = await r.text();
      if (!r.ok) throw new Error(`Bench/${handler}(${n}) answered HTTP ${r.status}: ${text.slice(0, 200)}`);
      return performance.now() - t;
    };
    // One warm-up call per shape (the SDK's and the server's first-use costs), then the samples.
    const shapes = [
      ['seq', 20],
      ['chain', 10],
      ['fanout', 100],
    ] as const;
    const samples: Record<string, number[]> = {};
    for (const [h, n] of shapes) {
      await call(h, n);
      samples[h] = [];
      for (let i = 0; i < o.runs; i++) samples[h]!.push(await call(h, n));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const serverRss = rssMb(server.proc.pid);
    const svcRss = rssMb(svc.pid);

    const ourValue = (section: string, name: RegExp): BenchRow | undefined => ours.find((r) => r.section === section && name.test(r.name) && r.value !== null);
    const peer = (name: string, mine: BenchRow | undefined, what: string, theirs: number[], unit: BenchRow['unit'] = 'ms', note?: string): BenchRow => ({
      section: 'peers',
      name,
      value: mine?.value ?? null,
      unit,
      baseline: { name: `Restate: ${what}`, value: median(theirs), samples: theirs },
      ...(mine ? (note ? { note } : {}) : { note: `our figure is missing: run the section it comes from in the same run${note ? `; ${note}` : ''}` }),
    });
    return [
      peer('20 sequential steps: eager task awaiting 20 tasks', ourValue('eager', /sequential awaited tasks/), '20 sequential ctx.run steps', samples.seq!, 'ms', 'each of our steps is a container; Restate journals each step in its server'),
      peer('10-step chain: 10-task chain', ourValue('chain', /^10-task chain/), '10 chained service calls', samples.chain!),
      // Issue 15's target for warm containers: ≤ 15× Restate, every step still in a container and durable in SQLite.
      { ...peer('20 sequential steps, warm containers (reuse)', ourValue('reuse', /^eager task awaiting 20 tasks/), '20 sequential ctx.run steps', samples.seq!), target: { maxRatio: 15, text: '≤ 15×' } },
      { ...peer('10-step chain, warm containers (reuse)', ourValue('reuse', /^10-task chain/), '10 chained service calls', samples.chain!), target: { maxRatio: 15, text: '≤ 15×' } },
      peer('100-way fan-out: 100-item map', ourValue('map', /^map of \d+ items/), '100 service calls awaited together', samples.fanout!, 'ms', 'our map runs 10 at a time'),
      peer('cold start to ready: `start` to healthy', ourValue('start', /`start` to healthy/), 'restate-server spawn → admin and ingress healthy', cold),
      peer('idle RSS after the runs: daemon', ourValue('rss', /VmRSS.*after the runs/), `restate-server (${serverRss.toFixed(0)} MB) + SDK service (${svcRss.toFixed(0)} MB)`, [serverRss + svcRss], 'MB'),
    ];
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
