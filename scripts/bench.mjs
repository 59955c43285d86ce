#!/usr/bin/env node
/**
 * `npm run bench`: measures the sandbox against baselines taken in the same run and prints one
 * table; writes the figures (with date and machine) into docs/benchmarks.md. Never a pass/fail
 * gate: targets are reported as met or not, the exit code only says whether the run itself worked.
 *
 * Sections (see docs/benchmarks.md for what each means):
 *   start     `start` to healthy vs a bare Node HTTP server (and the daemon alone)
 *   one-task  one-task workflow (`run --remote --wait`, and API create → terminal) vs bare `docker run`
 *   chain     10-task chain vs 10 sequential bare `docker run`s; gaps between dependent tasks
 *   map       100-item map at concurrency 10 vs 100 bare `docker run`s 10 at a time
 *   rss       idle RSS of the daemon after start and after the runs
 *   burst     200 executions created at once while clients read: read latency and memory vs idle
 *   engine    engine overhead per node: 1,000-node static chain / fan-out / dynamic fan-out
 *   eager     scripts/bench-eager.mjs when it exists (issue 5's eager figures)
 *   reuse     a sandbox started with --reuse: the 10-task chain and 20 eager awaits in warm
 *             containers (vs the cold figures of this run), and a warm attempt's own overhead
 *   peers     with --peers only: Restate (server and TypeScript SDK from npm, in a temp dir) runs
 *             the same shapes — 20 sequential steps, a 10-chain, a 100 fan-out, cold start, idle
 *             RSS — and each row prints our figure from this run over Restate's
 *
 * Needs the single binary (`npm run build`) and, for the Docker sections, a Docker engine.
 *
 * Options:
 *   --only a,b        run only these sections
 *   --quick           fewer samples (a smoke run; figures are noisier)
 *   --binary FILE     the binary to measure (default dist/tflyte-sandbox; env TFLYTE_BENCH_BINARY)
 *   --no-write        do not update docs/benchmarks.md
 *   --json FILE       also write the rows as JSON
 *   --peers           also measure Restate (scripts/bench/peers.ts; downloads ~70 MB from npm)
 *   --local-baseline FILE
 *                     the local section also runs the seeds with FILE, a binary of the former local
 *                     scheduler (scripts/bench/build-local-baseline.sh makes it), as their baseline
 *
 * scripts/bench-eager.mjs contract: it is run as a program with `--binary FILE --runs N [--quick]`
 * and TFLYTE_BENCH_DATA_DIR, TFLYTE_BENCH_URL and TFLYTE_BENCH_BINARY naming the sandbox this run
 * started; a last stdout line holding a JSON array of rows (`BenchRow`, scripts/bench/report.ts)
 * is added to the table, other output is shown as is.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const projectNode = join(root, 'node_modules', '.bin', 'node');

// The benchmark imports TypeScript sources: it needs Node >= 24 (type stripping).
if (Number(process.versions.node.split('.')[0]) < 24) {
  if (!existsSync(projectNode) || process.env.TFLYTE_BENCH_REEXEC) {
    console.error(`bench: Node >= 24 required (this is ${process.version}); run it through npm run bench`);
    process.exit(2);
  }
  const r = spawnSync(projectNode, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, TFLYTE_BENCH_REEXEC: '1' } });
  process.exit(r.status ?? 1);
}

const ALL = ['start', 'local', 'rss', 'one-task', 'chain', 'map', 'eager', 'burst', 'reuse', 'engine', 'peers'];
const { values: opts } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    binary: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    json: { type: 'string' },
    peers: { type: 'boolean', default: false },
    'local-baseline': { type: 'string' },
  },
});
const only = new Set(opts.only ? opts.only.split(',').map((s) => s.trim()) : ALL.filter((s) => s !== 'peers'));
if (opts.peers) only.add('peers');
for (const s of only) {
  if (!ALL.includes(s)) {
    console.error(`bench: unknown section "${s}" (sections: ${ALL.join(', ')})`);
    process.exit(2);
  }
}
const binary = resolve(opts.binary ?? process.env.TFLYTE_BENCH_BINARY ?? join(root, 'dist', 'tflyte-sandbox'));
if (!existsSync(binary)) {
  console.error(`bench: ${binary} does not exist. Build it first: npm run build`);
  process.exit(2);
}
const localBaseline = opts['local-baseline'] ? resolve(opts['local-baseline']) : undefined;
if (localBaseline && !existsSync(localBaseline)) {
  console.error(`bench: --local-baseline ${localBaseline} does not exist (scripts/bench/build-local-baseline.sh builds it)`);
  process.exit(2);
}

const sandboxMod = await import(pathToFileURL(join(root, 'scripts/bench/sandbox.ts')).href);
const burstMod = await import(pathToFileURL(join(root, 'scripts/bench/burst.ts')).href);
const localMod = await import(pathToFileURL(join(root, 'scripts/bench/local.ts')).href);
const peersMod = await import(pathToFileURL(join(root, 'scripts/bench/peers.ts')).href);
const reuseMod = await import(pathToFileURL(join(root, 'scripts/bench/reuse.ts')).href);
const report = await import(pathToFileURL(join(root, 'scripts/bench/report.ts')).href);
const util = await import(pathToFileURL(join(root, 'scripts/bench/util.ts')).href);

const t0 = performance.now();
const loadBefore = (await import('node:os')).loadavg()[0];
const log = (msg) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}`);
const o = {
  binary,
  runs: opts.quick ? 3 : 7,
  chainRuns: opts.quick ? 1 : 3,
  mapItems: opts.quick ? 30 : 100,
  log,
};
/** @type {import('./bench/report.ts').BenchRow[]} */
const rows = [];
const failed = [];

/** Runs a section; a failure becomes a row without a value, so the rest still runs. */
async function section(key, name, fn) {
  if (!only.has(key)) return;
  log(name);
  try {
    rows.push(...(await fn()));
  } catch (e) {
    failed.push(key);
    let message = e instanceof Error ? e.message : String(e);
    // Network errors say why only in their causes (fetch failed ← other side closed ← …).
    for (let c = e instanceof Error ? e.cause : undefined; c instanceof Error; c = c.cause) message += ` ← ${c.message}${c.code ? ` (${c.code})` : ''}`;
    log(`${name} failed: ${message}`);
    // What the sandbox said around the failure, before its data dir goes.
    const daemonLog = sbx ? join(sbx.dataDir, 'logs', 'sandbox.log') : undefined;
    if (daemonLog && existsSync(daemonLog)) {
      log(`the sandbox's log ends with:\n${readFileSync(daemonLog, 'utf8').trimEnd().split('\n').slice(-20).join('\n')}`);
    }
    rows.push({ section: key, name, value: null, unit: 'ms', note: `failed: ${message.split('\n')[0]}` });
  }
}

const docker = await sandboxMod.dockerAnswers();
if (!docker) log('no Docker engine answers: the Docker sections are skipped (start one, e.g. scripts/ci/install-docker.sh)');

let sbx;
const cleanup = async () => {
  if (sbx) {
    const s = sbx;
    sbx = undefined;
    await s.close().catch(() => undefined);
  }
};
process.once('SIGINT', () => {
  void cleanup().finally(() => process.exit(130));
});

try {
  const needsSandbox = ['one-task', 'chain', 'map', 'rss', 'eager', 'burst'].some((s) => only.has(s));
  if (docker && needsSandbox) {
    log('starting a sandbox for the workflow measurements (waits for its task image)');
    sbx = await sandboxMod.openBenchSandbox(o);
    // Idle RSS right after start, before the first execution.
    await new Promise((r) => setTimeout(r, 1000));
    if (only.has('rss')) rows.push(...(await sandboxMod.benchRss(sbx, 'idle after start and the task image build')));
  }
  if (!docker) {
    for (const k of ['one-task', 'chain', 'map', 'rss', 'burst']) {
      if (only.has(k)) rows.push({ section: k, name: k, value: null, unit: 'ms', note: 'skipped: no Docker engine answers' });
    }
  }
  await section('start', 'start to healthy', () => sandboxMod.benchStart({ ...o, docker }));
  await section('local', 'local runs of the seed examples', () => localMod.benchLocal({ ...o, ...(localBaseline ? { localBaseline } : {}) }));
  if (sbx) {
    await section('one-task', 'one-task workflow', () => sandboxMod.benchOneTask(sbx, o));
    await section('chain', '10-task chain', () => sandboxMod.benchChain(sbx, o));
    await section('map', `${o.mapItems}-item map`, () => sandboxMod.benchMap(sbx, o));
    await section('eager', 'eager workflows (scripts/bench-eager.mjs)', () => runEagerBench(sbx));
    if (only.has('rss')) {
      // Idle: past the daemon's quiet delay and its series of collections (src/cli/memory-trim.ts).
      await new Promise((r) => setTimeout(r, 12_000));
      rows.push(...(await sandboxMod.benchRss(sbx, 'idle after the runs above', 110)));
    }
    await section('burst', '200 creates at once while clients read', () => burstMod.benchBurst(sbx, o, opts.quick ? 60 : 200));
  }
  // A sandbox of its own, with the first one stopped (each gets the machine to itself).
  await cleanup();
  if (docker) await section('reuse', 'reusable containers (start --reuse)', () => reuseMod.benchReuse(o, rows));
  else if (only.has('reuse')) rows.push({ section: 'reuse', name: 'reuse', value: null, unit: 'ms', note: 'skipped: no Docker engine answers' });
  await section('engine', 'engine overhead (1,000 nodes, no-op launcher)', () => runEngineBench());
  // Last: Restate gets the machine to itself, as the sandbox had.
  await section('peers', 'Restate: the same shapes (--peers)', () => peersMod.benchPeers({ runs: opts.quick ? 3 : 5, node: projectNode, log }, rows));
} finally {
  await cleanup();
}

// One order whatever order the sections ran in (stable: rows of a section keep theirs).
rows.sort((a, b) => ALL.indexOf(a.section) - ALL.indexOf(b.section));
const durationS = (performance.now() - t0) / 1000;
const loadAfter = (await import('node:os')).loadavg()[0];
const load = `load average (1 min) ${loadBefore.toFixed(1)} at the start, ${loadAfter.toFixed(1)} at the end`;
console.log('');
console.log(report.consoleTable(rows));
console.log('');
console.log(`${rows.length} figures in ${durationS.toFixed(0)} s; machine: ${util.machineDescription()}; ${load}`);
if (opts.json) writeFileSync(resolve(opts.json), `${JSON.stringify(rows, null, 2)}\n`);
if (failed.length && !opts['no-write']) {
  console.log('docs/benchmarks.md not updated: a section failed (only complete runs are recorded)');
} else if (!opts['no-write'] && !opts.quick && !opts.only) {
  // (With --peers the Restate rows are written too.)
  const file = report.writeBenchmarksDoc(rows, {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: util.machineDescription(),
    binary: binary.startsWith(root) ? binary.slice(root.length + 1) : binary,
    docker: await sandboxMod.dockerDescription(),
    durationS,
    load,
  });
  console.log(`figures written to ${file}`);
} else if (!opts['no-write']) {
  console.log('docs/benchmarks.md not updated (only full runs are recorded: drop --quick/--only)');
}
if (failed.length) {
  console.error(`bench: section(s) failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}

/** The engine benchmark in its own process (its memory and GC do not disturb the rest). */
function runEngineBench() {
  return new Promise((resolveRows, reject) => {
    const child = spawn(projectNode, [join(root, 'scripts/bench/engine.ts'), '--json', '--runs', opts.quick ? '1' : '3'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`scripts/bench/engine.ts exited with ${code}`));
      try {
        resolveRows(JSON.parse(out.trim().split('\n').pop() ?? '[]'));
      } catch (e) {
        reject(new Error(`scripts/bench/engine.ts printed no JSON rows: ${e instanceof Error ? e.message : e}`));
      }
    });
  });
}

/**
 * Issue 5's eager figures, from scripts/bench-eager.mjs (written separately) when it exists, run
 * as its own process against this run's sandbox: its blocking warm-up runs must not share this
 * process's event loop and HTTP connection pool (that made its first requests fail).
 */
async function runEagerBench(s) {
  const file = join(root, 'scripts', 'bench-eager.mjs');
  if (!existsSync(file)) {
    return [{ section: 'eager', name: 'eager workflows', value: null, unit: 'ms', note: 'scripts/bench-eager.mjs does not exist yet' }];
  }
  // Each eager sample runs two 20-task workflows: as many samples as the 10-task chain gets.
  const args = [file, '--binary', binary, '--runs', String(o.chainRuns), ...(opts.quick ? ['--quick'] : [])];
  const out = await new Promise((resolveOut, reject) => {
    const child = spawn(projectNode, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TFLYTE_BENCH_DATA_DIR: s.dataDir, TFLYTE_BENCH_URL: s.url, TFLYTE_BENCH_BINARY: binary },
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolveOut(text) : reject(new Error(`scripts/bench-eager.mjs exited with ${code}: ${text.trim().split('\n').pop() ?? ''}`))));
  });
  const last = out.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last);
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // Not rows: show what it printed.
  }
  process.stdout.write(out);
  return [];
}
