/**
 * Benchmarks of the real sandbox (the single binary, SQLite, Docker), each against a baseline
 * measured in the same run: start-to-healthy vs a bare Node HTTP server, a one-task workflow vs a
 * bare `docker run` of the same image doing the same task, a 10-task chain vs 10 sequential bare
 * runs, a 100-item map (concurrency 10) vs 100 bare runs 10 at a time, and the daemon's memory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdminClient } from '../../src/admin/index.ts';
import type { flyteidl } from '../../src/core/idl.ts';
import type { BenchRow } from './report.ts';
import {
  dropFromPageCache, freePort, warmPageCache, median, mustRun, NODE, now, pool, processMemoryMb, stopChild, tempDir, timed, timeServerStart, waitForHttp,
} from './util.ts';

/** Options every section gets. */
export interface SandboxBenchOptions {
  binary: string;
  /** Samples per measurement (start, one-task). */
  runs: number;
  /** Samples of the 10-task chain (each ~10 containers). */
  chainRuns: number;
  /** Items of the map benchmark. */
  mapItems: number;
  log: (msg: string) => void;
}

const PROJECT = 'flytesnacks';
const DOMAIN = 'development';
const WORKFLOWS = 'scripts/bench/workflows.ts';
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']);
const PHASES = ['UNDEFINED', 'QUEUED', 'RUNNING', 'SUCCEEDING', 'SUCCEEDED', 'FAILING', 'FAILED', 'ABORTED', 'TIMED_OUT', 'ABORTING'];

// ---- start ------------------------------------------------------------------------------------

/** A tiny HTTP server on the same Node binary: the baseline of start-to-healthy. */
const BARE_SERVER = "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')";

/**
 * (a) Start-to-healthy: `tflyte-sandbox start` on a fresh data dir and port (the command returns
 * once `/healthz` answers), the daemon alone (`serve`, spawn → first 200), and a bare Node HTTP
 * server spawned and polled the same way. Also the cost of one process start of each.
 */
export async function benchStart(o: SandboxBenchOptions): Promise<BenchRow[]> {
  const cliStart: number[] = [];
  const serveStart: number[] = [];
  const bareStart: number[] = [];
  const memory: { rss: number; anon: number; file: number }[] = [];
  const memoryWritten: { rss: number; anon: number; file: number }[] = [];
  const dirs: string[] = [];
  try {
    // Idle memory of a fresh daemon (the task image exists already, as after the first start),
    // the binary out of the page cache when it starts (see dropFromPageCache), and, to show what
    // the page cache does to it, a copy of the binary just written (as right after an install).
    const written = path.join(tempDir('written'), 'tflyte-sandbox');
    dirs.push(path.dirname(written));
    fs.writeFileSync(written, fs.readFileSync(o.binary), { mode: 0o755 });
    for (let i = 0; i < Math.min(3, o.runs); i++) {
      for (const [binary, samples] of [[o.binary, memory], [written, memoryWritten]] as const) {
        const dir = tempDir('start');
        dirs.push(dir);
        if (binary === o.binary) dropFromPageCache(o.binary);
        await mustRun(binary, ['start', '--data-dir', dir, '--port', String(await freePort())]);
        await sleep(1000);
        const pid = (JSON.parse(fs.readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as { pid: number }).pid;
        const m = processMemoryMb(pid);
        if (m) samples.push(m);
        await mustRun(binary, ['stop', '--data-dir', dir]);
      }
    }
    // Start times with the binary in the page cache, as after an install.
    warmPageCache(o.binary);
    for (let i = 0; i < o.runs; i++) {
      const dir = tempDir('start');
      dirs.push(dir);
      const port = await freePort();
      const r = await mustRun(o.binary, ['start', '--data-dir', dir, '--port', String(port)]);
      cliStart.push(r.ms);
      await mustRun(o.binary, ['stop', '--data-dir', dir]);

      const dir2 = tempDir('serve');
      dirs.push(dir2);
      const port2 = await freePort();
      serveStart.push(await timeServerStart(o.binary, ['serve', '--data-dir', dir2, '--port', String(port2)], `http://127.0.0.1:${port2}/healthz`));

      const port3 = await freePort();
      bareStart.push(await timeServerStart(NODE, ['-e', BARE_SERVER, String(port3)], `http://127.0.0.1:${port3}/`));
    }
  } finally {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
  const versionMs: number[] = [];
  const nodeMs: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    versionMs.push((await mustRun(o.binary, ['--version'])).ms);
    nodeMs.push((await mustRun(NODE, ['-e', '0'])).ms);
  }
  const bare = { name: 'bare Node HTTP server', value: median(bareStart), samples: bareStart };
  return [
    {
      section: 'start',
      name: '`start` to healthy (fresh data dir + port)',
      value: median(cliStart),
      unit: 'ms',
      samples: cliStart,
      baseline: bare,
      target: { max: 1000, text: '< 1 s' },
    },
    { section: 'start', name: 'daemon alone: spawn `serve` → /healthz 200', value: median(serveStart), unit: 'ms', samples: serveStart, baseline: bare },
    ...(await memoryRowsWithBaseline('idle after start (fresh data dir)', memory)),
    ...(await memoryRowsWithBaseline('idle after start, the binary just written (as after an install; shown, not a target)', memoryWritten, null)),
    {
      section: 'start',
      name: 'one process start: `tflyte-sandbox --version`',
      value: median(versionMs),
      unit: 'ms',
      samples: versionMs,
      baseline: { name: '`node -e 0`', value: median(nodeMs), samples: nodeMs },
    },
  ];
}

// ---- a long-lived sandbox for the workflow measurements --------------------------------------------

/** A sandbox started for the benchmark. */
export interface BenchSandbox {
  dataDir: string;
  url: string;
  pid: number;
  client: AdminClient;
  /** `tflyte-sandbox <args> --data-dir <dir>`, timed. */
  cli(args: string[]): ReturnType<typeof timed>;
  close(): Promise<void>;
}

/** Starts a sandbox (Docker launcher, `start` with `startArgs`) on a fresh data dir and waits until its task image exists. */
export async function openBenchSandbox(o: SandboxBenchOptions, startArgs: string[] = []): Promise<BenchSandbox> {
  const dataDir = tempDir('sbx');
  const port = await freePort();
  dropFromPageCache(o.binary);
  await mustRun(o.binary, ['start', '--data-dir', dataDir, '--port', String(port), '--launcher', 'docker', ...startArgs]);
  const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'sandbox.json'), 'utf8')) as { url: string; pid: number; launcher: string };
  const sbx: BenchSandbox = {
    dataDir,
    url: state.url,
    pid: state.pid,
    client: new AdminClient(state.url),
    cli: (args) => timed(o.binary, [...args, '--data-dir', dataDir]),
    async close() {
      await timed(o.binary, ['stop', '--data-dir', dataDir]);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (state.launcher !== 'docker') {
    await sbx.close();
    throw new Error('the sandbox fell back to the process launcher: no Docker engine answers');
  }
  // The task image is built (or re-tagged) in the background after start; wait for it.
  const log = path.join(dataDir, 'logs', 'sandbox.log');
  const deadline = now() + 120_000;
  while (!(fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('task image ready'))) {
    if (now() > deadline) {
      await sbx.close();
      throw new Error(`the sandbox's task image was not ready within 120 s (see ${log})`);
    }
    await sleep(50);
  }
  // Building the image read the whole binary into the page cache: back to the state the daemon
  // started in. (Pages that were read, unlike written ones, did not change what a daemon maps in
  // the measurements of dropFromPageCache; this keeps the condition one, not two.)
  dropFromPageCache(o.binary);
  return sbx;
}

// ---- REST helpers ----------------------------------------------------------------------------------

interface ExecJson {
  spec: { launch_plan: Record<string, string> };
  closure: { phase: string; created_at: string; updated_at: string; duration?: string; error?: { message?: string } };
}
interface NodeJson {
  id: { node_id: string };
  input_uri: string;
  closure: { phase: string; started_at?: string; duration?: string; created_at: string; updated_at: string };
}

async function getJson<T>(sbx: BenchSandbox, route: string): Promise<T> {
  const r = await fetch(`${sbx.url}/api/v1/${route}`);
  if (!r.ok) throw new Error(`GET ${route}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

const execJson = (sbx: BenchSandbox, name: string): Promise<ExecJson> => getJson(sbx, `executions/${PROJECT}/${DOMAIN}/${name}`);

async function nodesJson(sbx: BenchSandbox, name: string): Promise<NodeJson[]> {
  return (await getJson<{ node_executions: NodeJson[] }>(sbx, `node_executions/${PROJECT}/${DOMAIN}/${name}?limit=1000`)).node_executions;
}

const seconds = (d: string | undefined): number => (d ? Number(d.replace(/s$/, '')) * 1000 : 0);
const time = (t: string | undefined): number => (t ? Date.parse(t) : Number.NaN);

/** Server-side time of an execution: created → terminal update. */
function serverMs(e: ExecJson): number {
  return time(e.closure.updated_at) - time(e.closure.created_at);
}

/** Long-polls an execution until it ends (whatever its phase); returns the phase. */
async function waitTerminal(sbx: BenchSandbox, name: string): Promise<string> {
  for (;;) {
    const r = await sbx.client.waitForExecution({ project: PROJECT, domain: DOMAIN, name }, { waitSeconds: 60 });
    const phase = PHASES[Number(r.closure?.phase ?? 0)] ?? String(r.closure?.phase);
    if (TERMINAL.has(phase)) return phase;
  }
}

/**
 * Creates an execution through the API and long-polls it (`wait_for_terminal`: answered the
 * moment it ends, so no polling interval is measured).
 */
export async function runViaApi(sbx: BenchSandbox, launchPlan: flyteidl.core.IIdentifier, inputs: flyteidl.core.ILiteralMap): Promise<{ ms: number; name: string; exec: ExecJson }> {
  const t0 = now();
  const id = await sbx.client.createExecution({ project: PROJECT, domain: DOMAIN, spec: { launchPlan, metadata: { mode: 0, principal: 'bench' } }, inputs });
  const name = id.name ?? '';
  const phase = await waitTerminal(sbx, name);
  const ms = now() - t0;
  const e = await execJson(sbx, name);
  if (phase !== 'SUCCEEDED') throw new Error(`execution ${name} ended ${phase}: ${e.closure.error?.message ?? ''}`);
  return { ms, name, exec: e };
}

export const intLit = (n: number): flyteidl.core.ILiteral => ({ scalar: { primitive: { integer: String(n) } } });

/** What a warm-up `run --remote` of an entity taught us: its launch plan and how to run its task bare. */
export interface Prepared {
  launchPlan: flyteidl.core.IIdentifier;
  /** `docker run` arguments (before the output prefix) that run the same task on the same inputs. */
  bareArgs: (outputPrefix: string) => string[];
}

/**
 * Runs `entity` of `file` once through the CLI (registering the file; a warm-up) and checks that
 * it succeeded: the execution and the launch plan it ran.
 */
export async function warmUpRun(sbx: BenchSandbox, file: string, entity: string, inputs: string[]): Promise<{ execution: string; launchPlan: flyteidl.core.IIdentifier & { version: string } }> {
  const r = await sbx.cli(['run', '--remote', '--wait', '--json', file, entity, ...inputs]);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { execution?: string; phase?: string; error?: { message?: string } };
  if (r.exitCode !== 0 || out.phase !== 'SUCCEEDED') {
    throw new Error(`warm-up run of ${entity} did not succeed: ${out.phase ?? ''} ${out.error?.message ?? r.stderr}`);
  }
  const lp = (await execJson(sbx, out.execution ?? '')).spec.launch_plan;
  return { execution: out.execution ?? '', launchPlan: { resourceType: 3, project: lp.project ?? PROJECT, domain: lp.domain ?? DOMAIN, name: lp.name ?? '', version: lp.version ?? '' } };
}

/** Runs `entity` once through the CLI (registers the file) and derives the bare `docker run` of its first task. */
async function prepare(sbx: BenchSandbox, entity: string, inputs: string[]): Promise<Prepared> {
  const { execution, launchPlan } = await warmUpRun(sbx, WORKFLOWS, entity, inputs);
  const node = (await nodesJson(sbx, execution)).find((n) => n.id.node_id === 'n0');
  if (!node) throw new Error(`execution ${execution} has no node n0`);
  // Registration gives every entity of the file the same version.
  const task = await getJson<{ closure: { compiled_task: { template: { container: { image: string; args: string[] } } } } }>(
    sbx,
    `tasks/${PROJECT}/${DOMAIN}/scripts.bench.workflows.noop/${launchPlan.version}`,
  );
  const container = task.closure.compiled_task.template.container;
  if (!container) throw new Error('the noop task is not registered');
  const blobs = path.join(sbx.dataDir, 'blobs');
  const uid = typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid?.() ?? 0}` : undefined;
  return {
    launchPlan,
    bareArgs: (outputPrefix) => [
      'run', '--rm',
      ...(uid ? ['-u', uid] : []),
      '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
      '--mount', `type=bind,source=${blobs},target=${blobs}`,
      container.image,
      ...container.args.map((a) =>
        a
          .replace(/\{\{\s*\.input\s*\}\}/i, node.input_uri)
          .replace(/\{\{\s*\.outputPrefix\s*\}\}/i, outputPrefix)
          .replace(/\{\{\s*\.rawOutputDataPrefix\s*\}\}/i, `file://${blobs}/raw`)
          .replace(/\{\{\s*\.(checkpointOutputPrefix|prevCheckpointPrefix)\s*\}\}/i, ''),
      ),
    ],
  };
}

const oneTaskPrepared = new WeakMap<BenchSandbox, Promise<Prepared>>();

/** The one-task workflow's launch plan and bare run (its task is `noop` on one int): made once per sandbox. */
export function prepareOneTask(sbx: BenchSandbox): Promise<Prepared> {
  let p = oneTaskPrepared.get(sbx);
  if (!p) {
    p = prepare(sbx, 'one_task', ['--x', '1']);
    oneTaskPrepared.set(sbx, p);
  }
  return p;
}

/** One bare `docker run` of the task; checks that it wrote its outputs. */
async function bareRun(sbx: BenchSandbox, p: Prepared, tag: string): Promise<number> {
  const dir = path.join(sbx.dataDir, 'blobs', 'bench-bare', tag);
  const r = await mustRun('docker', p.bareArgs(`file://${dir}`));
  if (!fs.existsSync(path.join(dir, 'outputs.pb'))) throw new Error(`bare docker run wrote no outputs.pb:\n${r.stdout}\n${r.stderr}`);
  return r.ms;
}

let bareCounter = 0;
const nextTag = (): string => `${process.pid}-${++bareCounter}`;

// ---- one task, chain, map ----------------------------------------------------------------------------

/**
 * (b) One-task workflow: `run --remote --wait` end to end (what a user waits for), the same from
 * execution create to terminal through the API (no CLI start, no registration), and the server's
 * own created → terminal time, each vs a bare `docker run --rm` of the same image running the same
 * task on the same inputs. Plus the parts of the CLI's time, to show where it goes.
 */
export async function benchOneTask(sbx: BenchSandbox, o: SandboxBenchOptions): Promise<BenchRow[]> {
  // The CLI's commands start with the binary in the page cache, as after an install.
  warmPageCache(o.binary);
  const p = await prepareOneTask(sbx);
  const cliMs: number[] = [];
  const serverSide: number[] = [];
  const apiMs: number[] = [];
  const bareMs: number[] = [];
  const versionMs: number[] = [];
  const noWaitMs: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    const r = await sbx.cli(['run', '--remote', '--wait', '--json', WORKFLOWS, 'one_task', '--x', String(i)]);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { execution: string; phase: string };
    if (out.phase !== 'SUCCEEDED') throw new Error(`one_task ended ${out.phase}: ${r.stdout} ${r.stderr}`);
    cliMs.push(r.ms);
    serverSide.push(serverMs(await execJson(sbx, out.execution)));
    apiMs.push((await runViaApi(sbx, p.launchPlan, { literals: { x: intLit(i) } })).ms);
    bareMs.push(await bareRun(sbx, p, nextTag()));
    versionMs.push((await mustRun(o.binary, ['--version'])).ms);
    const nw = await sbx.cli(['run', '--remote', '--json', WORKFLOWS, 'one_task', '--x', String(i)]);
    if (nw.exitCode !== 0) throw new Error(`run --remote without --wait failed: ${nw.stderr}`);
    noWaitMs.push(nw.ms);
    // Let it finish: the next sample must not share the machine with its container.
    const started = JSON.parse(nw.stdout.trim().split('\n').pop() ?? '{}') as { execution: string };
    await waitTerminal(sbx, started.execution);
  }
  const bare = { name: 'bare `docker run --rm` of the task', value: median(bareMs), samples: bareMs };
  return [
    {
      section: 'one-task',
      name: 'one-task workflow: `run --remote --wait` (CLI, end to end)',
      value: median(cliMs),
      unit: 'ms',
      samples: cliMs,
      baseline: bare,
      target: { maxRatio: 1.5, text: '≤ 1.5×' },
    },
    {
      section: 'one-task',
      name: 'one-task workflow: API create → terminal (long-poll)',
      value: median(apiMs),
      unit: 'ms',
      samples: apiMs,
      baseline: bare,
      target: { maxRatio: 1.5, text: '≤ 1.5×' },
    },
    { section: 'one-task', name: 'one-task workflow: server-side created → terminal', value: median(serverSide), unit: 'ms', samples: serverSide, baseline: bare },
    { section: 'one-task', name: 'part: CLI process start (`--version`)', value: median(versionMs), unit: 'ms', samples: versionMs },
    { section: 'one-task', name: 'part: `run --remote` without --wait (start, load, bundle, register, create)', value: median(noWaitMs), unit: 'ms', samples: noWaitMs },
  ];
}

/**
 * (c) Ten dependent tasks: API create → terminal vs ten sequential bare `docker run`s, and the
 * gaps the engine leaves between a task's end and the next task's start (from node timestamps).
 */
export async function benchChain(sbx: BenchSandbox, o: SandboxBenchOptions): Promise<BenchRow[]> {
  const p = await prepare(sbx, 'chain10', ['--x', '0']);
  const chainMs: number[] = [];
  const bareMs: number[] = [];
  const gaps: number[] = [];
  for (let i = 0; i < o.chainRuns; i++) {
    const r = await runViaApi(sbx, p.launchPlan, { literals: { x: intLit(i) } });
    chainMs.push(r.ms);
    const nodes = (await nodesJson(sbx, r.name)).filter((n) => /^n\d+$/.test(n.id.node_id));
    nodes.sort((a, b) => time(a.closure.started_at) - time(b.closure.started_at));
    for (let k = 1; k < nodes.length; k++) {
      const prev = nodes[k - 1] as NodeJson;
      const cur = nodes[k] as NodeJson;
      gaps.push(time(cur.closure.started_at) - (time(prev.closure.started_at) + seconds(prev.closure.duration)));
    }
    const t0 = now();
    for (let k = 0; k < 10; k++) await bareRun(sbx, p, nextTag());
    bareMs.push(now() - t0);
  }
  const perTask = chainMs.map((c, i) => (c - (bareMs[i] ?? 0)) / 10);
  return [
    {
      section: 'chain',
      name: '10-task chain: API create → terminal',
      value: median(chainMs),
      unit: 'ms',
      samples: chainMs,
      baseline: { name: '10 sequential bare `docker run`s', value: median(bareMs), samples: bareMs },
    },
    { section: 'chain', name: 'extra time per task vs bare `docker run`', value: median(perTask), unit: 'ms', samples: perTask },
    {
      section: 'chain',
      name: 'gap: a task ends → the next one starts (median)',
      value: median(gaps),
      unit: 'ms',
      samples: gaps,
      target: { max: 50, text: 'no gap (< 50 ms)' },
    },
    { section: 'chain', name: 'gap: a task ends → the next one starts (max)', value: gaps.length ? Math.max(...gaps) : null, unit: 'ms' },
  ];
}

/**
 * Issue 4: a map of `mapItems` items at concurrency 10 (one container per item) vs as many bare
 * `docker run`s, 10 at a time.
 */
export async function benchMap(sbx: BenchSandbox, o: SandboxBenchOptions): Promise<BenchRow[]> {
  const name = `map of ${o.mapItems} items, concurrency 10: API create → terminal`;
  const baselineName = `${o.mapItems} bare \`docker run\`s, 10 at a time`;
  // The bare runs run the map's task (noop) on one item, as the one-task workflow does.
  const bare = await prepareOneTask(sbx);
  let p: Prepared;
  try {
    p = await prepare(sbx, 'map10', ['--xs', '[1, 2]']);
  } catch (e) {
    return [{ section: 'map', name, value: null, unit: 'ms', note: `map does not run in the sandbox yet: ${(e as Error).message.split('\n')[0]}` }];
  }
  const items = Array.from({ length: o.mapItems }, (_x, i) => i);
  let mapMs: number | null = null;
  let note: string | undefined;
  try {
    mapMs = (await runViaApi(sbx, p.launchPlan, { literals: { xs: { collection: { literals: items.map(intLit) } } } })).ms;
  } catch (e) {
    note = (e as Error).message.split('\n')[0];
  }
  const t0 = now();
  await pool(items, 10, () => bareRun(sbx, bare, nextTag()));
  const bareMs = now() - t0;
  return [
    {
      section: 'map',
      name,
      value: mapMs,
      unit: 'ms',
      baseline: { name: baselineName, value: bareMs },
      ...(note ? { note } : {}),
    },
  ];
}

/** Resident memory of a bare Node HTTP server on the same Node, for comparison. */
let bareMemory: { rss: number; anon: number; file: number } | undefined;
async function bareServerMemory(): Promise<{ rss: number; anon: number; file: number } | undefined> {
  if (bareMemory) return bareMemory;
  const port = await freePort();
  dropFromPageCache(NODE);
  const child = spawn(NODE, ['-e', BARE_SERVER, String(port)], { stdio: 'ignore' });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`);
    await sleep(1000);
    bareMemory = processMemoryMb(child.pid ?? 0);
  } finally {
    await stopChild(child);
  }
  return bareMemory;
}

/**
 * (d) The daemon's memory: VmRSS (target < 100 MB fresh, ≤ 110 MB after the runs) and, to explain
 * it, the private part (RssAnon); the rest is pages of the executable itself, shared and
 * reclaimable, counted with the binary out of the page cache when the daemon started and after
 * its task image was built (dropFromPageCache). Medians over `samples`; the baseline is a bare
 * Node HTTP server's, started the same way.
 */
async function memoryRowsWithBaseline(label: string, samples: { rss: number; anon: number; file: number }[], maxMb: number | null = 100): Promise<BenchRow[]> {
  if (samples.length === 0) return [{ section: 'rss', name: `daemon RSS, ${label}`, value: null, unit: 'MB', note: `no /proc on ${os.platform()}` }];
  const bare = await bareServerMemory();
  const rss = samples.map((m) => m.rss);
  const anon = samples.map((m) => m.anon);
  return [
    {
      section: 'rss',
      name: `daemon RSS (VmRSS), ${label}`,
      value: median(rss),
      unit: 'MB',
      samples: rss,
      ...(bare ? { baseline: { name: 'bare Node HTTP server', value: bare.rss } } : {}),
      ...(maxMb === null ? {} : { target: { max: maxMb, text: maxMb === 100 ? '< 100 MB' : `≤ ${maxMb} MB` } }),
      note: `of which file-backed (pages of the executable, shared) ${median(samples.map((m) => m.file)).toFixed(1)} MB`,
    },
    {
      section: 'rss',
      name: `daemon private memory (RssAnon), ${label}`,
      value: median(anon),
      unit: 'MB',
      samples: anon,
      ...(bare ? { baseline: { name: 'bare Node HTTP server', value: bare.anon } } : {}),
    },
  ];
}

/** (d) The long-lived daemon's memory now (`label` says when). */
export async function benchRss(sbx: BenchSandbox, label: string, maxMb?: number): Promise<BenchRow[]> {
  const m = processMemoryMb(sbx.pid);
  return memoryRowsWithBaseline(label, m ? [m] : [], maxMb);
}

/** The Docker engine version, for the report. */
export async function dockerDescription(): Promise<string> {
  const v = await timed('docker', ['version', '--format', '{{.Server.Version}}']);
  return v.exitCode === 0 ? `Docker ${v.stdout.trim()}` : 'no Docker engine';
}

/** Whether a Docker engine answers. */
export async function dockerAnswers(): Promise<boolean> {
  return (await timed('docker', ['info'], { timeoutMs: 20_000 })).exitCode === 0;
}

