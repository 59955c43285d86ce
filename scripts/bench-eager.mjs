#!/usr/bin/env node
/**
 * Issue 5's eager benchmark, in Docker: the cost of eager workflows against the static constructs
 * doing the same work, measured in the same sandbox and run (workflows in
 * scripts/bench/eager-workflows.ts; every task is a no-op, so only the constructs' own cost shows).
 *
 *   seq   20 sequential awaited tasks in an eager workflow vs the same 20 as a static chain
 *         (target: ≤ 1.2×); also the extra time per awaited call.
 *   fan   a 50-way Promise.all (the sandbox's eagerConcurrency, default 10) vs a 50-item map at
 *         concurrency 10.
 *
 * Each figure is API create → terminal (observed with the admin's long-poll, no polling gaps),
 * the median of `runs` samples, eager and static runs alternating so that load drifts hit both.
 *
 * As a program: `node scripts/bench-eager.mjs [--binary FILE] [--runs N] [--quick]` starts its own
 * Docker sandbox (or uses TFLYTE_BENCH_DATA_DIR / TFLYTE_BENCH_URL when set) and prints lines
 * `name: value (ratio x)`. For `npm run bench`: `bench(ctx)` returns the rows (BenchRow of
 * scripts/bench/report.ts) measured in the sandbox the caller started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORKFLOWS = 'scripts/bench/eager-workflows.ts';
const PROJECT = 'flytesnacks';
const DOMAIN = 'development';
const PHASES = ['UNDEFINED', 'QUEUED', 'RUNNING', 'SUCCEEDING', 'SUCCEEDED', 'FAILING', 'FAILED', 'ABORTED', 'TIMED_OUT', 'ABORTING'];
const SEQ = 20;
const FAN = 50;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? null : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const intLit = (n) => ({ scalar: { primitive: { integer: String(n) } } });
const listLit = (xs) => ({ collection: { literals: xs.map(intLit) } });

/** Runs `tflyte-sandbox run --remote --wait --json` once: registers the file, returns the execution. */
function runCli(ctx, entity, inputs) {
  const r = spawnSync(ctx.binary, ['run', '--remote', '--wait', '--json', '--data-dir', ctx.dataDir, WORKFLOWS, entity, ...inputs], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
  });
  let out = {};
  try {
    out = JSON.parse((r.stdout ?? '').trim().split('\n').pop() ?? '{}');
  } catch {
    // reported below
  }
  if (r.status !== 0 || out.phase !== 'SUCCEEDED') {
    throw new Error(`warm-up run of ${entity} did not succeed (exit ${r.status}): ${out.error?.message ?? r.stderr ?? ''}`);
  }
  return out.execution;
}

/** Creates an execution and waits for it with the admin's long-poll; returns the wall time in ms. */
async function timedRun(client, launchPlan, inputs) {
  const t0 = performance.now();
  const id = await client.createExecution({ project: PROJECT, domain: DOMAIN, spec: { launchPlan, metadata: { mode: 0, principal: 'bench' } }, inputs });
  for (;;) {
    const ex = await client.waitForExecution({ project: PROJECT, domain: DOMAIN, name: id.name }, { waitSeconds: 60 });
    const phase = PHASES[Number(ex.closure?.phase ?? 0)];
    if (['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'].includes(phase)) {
      const ms = performance.now() - t0;
      if (phase !== 'SUCCEEDED') throw new Error(`execution ${id.name} ended ${phase}: ${ex.closure?.error?.message ?? ''}`);
      return ms;
    }
  }
}

/** The id `run --remote` launched an entity with (a task id for eager, a launch plan for workflows). */
async function launchTarget(client, execution) {
  const ex = await client.getExecution({ project: PROJECT, domain: DOMAIN, name: execution });
  const lp = ex.spec?.launchPlan ?? {};
  const flytegen = '.flytegen.';
  if (lp.name?.startsWith(flytegen)) return { resourceType: 1, project: lp.project, domain: lp.domain, name: lp.name.slice(flytegen.length), version: lp.version };
  return { resourceType: 3, project: lp.project, domain: lp.domain, name: lp.name, version: lp.version };
}

/**
 * Measures the eager figures in a running Docker sandbox.
 * @param {{ binary: string, dataDir: string, url: string, runs?: number, quick?: boolean, log?: (m: string) => void }} ctx
 * @returns {Promise<object[]>} rows of `BenchRow` (scripts/bench/report.ts), section `eager`
 */
export async function bench(ctx) {
  const log = ctx.log ?? ((m) => console.error(`[bench-eager] ${m}`));
  const { AdminClient } = await import(pathToFileURL(join(root, 'src/admin/index.ts')).href);
  const client = new AdminClient(ctx.url);
  const runs = Math.max(1, ctx.quick ? 1 : (ctx.runs ?? 3));
  const fanRuns = ctx.quick ? 1 : Math.max(1, Math.min(runs, 2));
  const xs = Array.from({ length: FAN }, (_v, i) => i);

  log('warm-up: registering and running each workflow once');
  const chain = await launchTarget(client, runCli(ctx, 'chain20', ['--x', '0']));
  const seq = await launchTarget(client, runCli(ctx, 'eager_seq20', ['--x', '0']));
  const fanSmall = JSON.stringify([0, 1]);
  const mapFan = await launchTarget(client, runCli(ctx, 'map_fan', ['--xs', fanSmall]));
  const eagerFan = await launchTarget(client, runCli(ctx, 'eager_fan', ['--xs', fanSmall]));

  const chainMs = [];
  const seqMs = [];
  for (let i = 0; i < runs; i++) {
    log(`${SEQ} sequential tasks, sample ${i + 1}/${runs}`);
    // Alternate which goes first so that a drift in machine load does not favour one side.
    const pair = [
      async () => chainMs.push(await timedRun(client, chain, { literals: { x: intLit(i) } })),
      async () => seqMs.push(await timedRun(client, seq, { literals: { x: intLit(i) } })),
    ];
    if (i % 2) pair.reverse();
    for (const f of pair) await f();
  }
  const mapMs = [];
  const fanMs = [];
  for (let i = 0; i < fanRuns; i++) {
    log(`${FAN}-way fan-out, sample ${i + 1}/${fanRuns}`);
    const inputs = { literals: { xs: listLit(xs.map((x) => x + i)) } };
    const pair = [async () => mapMs.push(await timedRun(client, mapFan, inputs)), async () => fanMs.push(await timedRun(client, eagerFan, inputs))];
    if (i % 2) pair.reverse();
    for (const f of pair) await f();
  }
  const perCall = seqMs.map((s, i) => (s - (chainMs[i] ?? 0)) / SEQ);
  return [
    {
      section: 'eager',
      name: `${SEQ} sequential awaited tasks (eager): API create → terminal`,
      value: median(seqMs),
      unit: 'ms',
      samples: seqMs,
      baseline: { name: `the same ${SEQ} tasks as a static chain`, value: median(chainMs), samples: chainMs },
      target: { maxRatio: 1.2, text: '≤ 1.2×' },
    },
    { section: 'eager', name: 'extra time per awaited call vs a static chain node', value: median(perCall), unit: 'ms', samples: perCall },
    {
      section: 'eager',
      name: `${FAN}-way Promise.all (eager, eagerConcurrency 10): API create → terminal`,
      value: median(fanMs),
      unit: 'ms',
      samples: fanMs,
      baseline: { name: `a ${FAN}-item map, concurrency 10`, value: median(mapMs), samples: mapMs },
    },
  ];
}

/** `name: value (ratio x)` */
function line(row) {
  const v = row.value === null ? 'n/a' : `${Math.round(row.value)} ms`;
  const b = row.baseline?.value;
  const ratio = row.value !== null && b ? ` (${(row.value / b).toFixed(2)}x ${row.baseline.name}${row.target ? `, target ${row.target.text}` : ''})` : '';
  return `${row.name}: ${v}${ratio}`;
}

async function main() {
  const { values: opts } = parseArgs({
    options: { binary: { type: 'string' }, runs: { type: 'string' }, quick: { type: 'boolean', default: false } },
  });
  const binary = resolve(opts.binary ?? process.env.TFLYTE_BENCH_BINARY ?? join(root, 'dist', 'tflyte-sandbox'));
  if (!existsSync(binary)) {
    console.error(`bench-eager: ${binary} does not exist. Build it first: npm run build (or pass --binary)`);
    process.exit(2);
  }
  const runs = opts.runs ? Number(opts.runs) : 3;
  const given = process.env.TFLYTE_BENCH_DATA_DIR;
  let sbx;
  let ctx;
  if (given) {
    const url = process.env.TFLYTE_BENCH_URL ?? JSON.parse(readFileSync(join(given, 'sandbox.json'), 'utf8')).url;
    ctx = { binary, dataDir: given, url, runs, quick: opts.quick };
  } else {
    const { openBenchSandbox } = await import(pathToFileURL(join(root, 'scripts/bench/sandbox.ts')).href);
    const log = (m) => console.error(`[bench-eager] ${m}`);
    sbx = await openBenchSandbox({ binary, runs, chainRuns: runs, mapItems: FAN, log });
    ctx = { binary, dataDir: sbx.dataDir, url: sbx.url, runs, quick: opts.quick, log };
  }
  try {
    const rows = await bench(ctx);
    for (const r of rows) console.log(line(r));
    if (given) console.log(JSON.stringify(rows));
  } finally {
    await sbx?.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (Number(process.versions.node.split('.')[0]) < 24) {
    console.error(`bench-eager: Node >= 24 required (this is ${process.version}); run it with node_modules/.bin/node`);
    process.exit(2);
  }
  main().catch((e) => {
    console.error(`bench-eager: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
