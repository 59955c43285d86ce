/**
 * The burst (issue 10): 200 executions created at once through the API while clients keep
 * reading. Measures what a user of the console or the CLI feels meanwhile — the latency of
 * `GET /executions/…/NAME` and of `/healthz` (a route that does no work: its latency is the
 * daemon's event-loop delay plus queueing) — against the same GETs on the idle sandbox, the
 * create latency, and the daemon's memory before, at its peak, and after the 200 ended.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchRow } from './report.ts';
import type { BenchSandbox, SandboxBenchOptions } from './sandbox.ts';
import { prepareOneTask } from './sandbox.ts';
import { median, now, processMemoryMb } from './util.ts';

const PROJECT = 'flytesnacks';
const DOMAIN = 'development';

/** The daemon's V8 heap in use, as `/healthz` reports it. */
async function heapUsedMb(url: string): Promise<number | null> {
  const h = (await (await fetch(`${url}/healthz`)).json()) as { memory?: { heapUsedMb?: number } };
  return h.memory?.heapUsedMb ?? null;
}

/** The q-quantile (0..1) of the samples, nearest rank. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
}

async function timedGet(url: string): Promise<number> {
  const t0 = now();
  const r = await fetch(url);
  await r.arrayBuffer();
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return now() - t0;
}

/** Reads `urls` round-robin from `readers` loops until `until()` holds; returns the latencies by URL kind. */
async function readWhile(urls: { kind: string; url: string }[], readers: number, until: () => boolean): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(urls.map((u) => [u.kind, []]));
  let i = 0;
  await Promise.all(
    Array.from({ length: readers }, async () => {
      while (!until()) {
        const u = urls[i++ % urls.length]!;
        out.get(u.kind)!.push(await timedGet(u.url));
      }
    }),
  );
  return out;
}

/**
 * `creates` executions of the one-task workflow created at once, with `readers` clients reading
 * meanwhile; figures against the same reads on the idle sandbox.
 */
export async function benchBurst(sbx: BenchSandbox, o: SandboxBenchOptions, creates = 200, readers = 10): Promise<BenchRow[]> {
  const p = await prepareOneTask(sbx);
  const some = (await sbx.client.listExecutions(PROJECT, DOMAIN, { limit: 1 })).executions?.[0]?.id?.name ?? '';
  const urls = [
    { kind: 'execution', url: `${sbx.url}/api/v1/executions/${PROJECT}/${DOMAIN}/${some}` },
    { kind: 'list', url: `${sbx.url}/api/v1/executions/${PROJECT}/${DOMAIN}?limit=20` },
    { kind: 'healthz', url: `${sbx.url}/healthz` },
  ];
  // Idle: the same reads for 3 s, the memory after a pause.
  await sleep(2000);
  const idleMem = processMemoryMb(sbx.pid);
  const idleHeap = await heapUsedMb(sbx.url);
  const idleEnd = now() + 3000;
  const idle = await readWhile(urls, readers, () => now() > idleEnd);

  o.log(`burst: ${creates} creates at once, ${readers} readers`);
  let peakRss = idleMem?.rss ?? 0;
  let landed = 0;
  const sampler = setInterval(() => {
    const m = processMemoryMb(sbx.pid);
    if (m && m.rss > peakRss) peakRss = m.rss;
  }, 100);
  const createMs: number[] = [];
  const t0 = now();
  const created = Promise.all(
    Array.from({ length: creates }, async (_x, i) => {
      const c0 = now();
      const id = await sbx.client.createExecution({
        project: PROJECT,
        domain: DOMAIN,
        spec: { launchPlan: p.launchPlan, metadata: { mode: 0, principal: 'bench' } },
        inputs: { literals: { x: { scalar: { primitive: { integer: String(i) } } } } },
      });
      createMs.push(now() - c0);
      landed++;
      return id.name ?? '';
    }),
  );
  const during = await readWhile(urls, readers, () => landed >= creates);
  const names = await created;
  const createWindow = now() - t0;
  // Until every execution ended (long-polls), then memory once things settled.
  const terminal = [4, 6, 7, 8];
  const failed: string[] = [];
  for (const name of names) {
    for (;;) {
      const e = await sbx.client.waitForExecution({ project: PROJECT, domain: DOMAIN, name }, { waitSeconds: 60 });
      const phase = Number(e.closure?.phase ?? 0);
      if (terminal.includes(phase)) {
        if (phase !== 4) failed.push(name);
        break;
      }
    }
  }
  const allDone = now() - t0;
  await sleep(10_000);
  clearInterval(sampler);
  const afterMem = processMemoryMb(sbx.pid);
  const afterHeap = await heapUsedMb(sbx.url);
  if (failed.length > 0) throw new Error(`${failed.length} of ${creates} burst executions did not succeed (e.g. ${failed[0]})`);
  const row = (kind: string, label: string, q: number, target?: BenchRow['target']): BenchRow => {
    const d = during.get(kind)!;
    const i = idle.get(kind)!;
    return {
      section: 'burst',
      name: `${label} p${Math.round(q * 100)} while ${creates} creates land (${d.length} reads)`,
      value: quantile(d, q),
      unit: 'ms',
      samples: d,
      baseline: { name: `idle p${Math.round(q * 100)} (${i.length} reads)`, value: quantile(i, q), samples: i },
      ...(target ? { target } : {}),
    };
  };
  const rows: BenchRow[] = [
    row('execution', 'GET one execution', 0.5),
    row('execution', 'GET one execution', 0.99, { max: 300, text: '< 300 ms' }),
    row('list', 'GET executions (20 of them)', 0.99, { max: 300, text: '< 300 ms' }),
    row('healthz', 'GET /healthz (≈ event-loop delay)', 0.99),
    {
      section: 'burst',
      name: `create latency p50 / p99 (${creates} at once; all landed in ${(createWindow / 1000).toFixed(1)} s, all ended in ${(allDone / 1000).toFixed(1)} s)`,
      value: median(createMs),
      unit: 'ms',
      samples: createMs,
      note: `p99 ${quantile(createMs, 0.99).toFixed(0)} ms`,
    },
  ];
  if (idleMem && afterMem) {
    rows.push(
      { section: 'burst', name: 'daemon V8 heap used 10 s after the burst ended (/healthz)', value: afterHeap, unit: 'MB', baseline: { name: 'idle before', value: idleHeap } },
      { section: 'burst', name: 'daemon RSS at the peak of the burst', value: peakRss, unit: 'MB', baseline: { name: 'idle before', value: idleMem.rss } },
      {
        section: 'burst',
        name: 'daemon RSS 10 s after the burst ended',
        value: afterMem.rss,
        unit: 'MB',
        baseline: { name: 'idle before', value: idleMem.rss },
        target: { max: idleMem.rss + 30, text: '≤ idle + 30 MB' },
      },
    );
  }
  fs.writeFileSync(path.join(sbx.dataDir, 'burst.json'), JSON.stringify({ createMs, during: Object.fromEntries(during), idle: Object.fromEntries(idle) }));
  return rows;
}
