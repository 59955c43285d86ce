/**
 * The engine's own overhead per node (issue 4), through propeller's benchmark support
 * (`src/propeller/bench-support.ts`): a real propeller in this process runs 1,000-node workflows
 * over the in-memory launcher (every attempt exits 0 at once, doing nothing), a JSON state store
 * that serialises the whole document on every save like admin's SQLite adapter, a counting event
 * sink and a temp-dir blob store, at the sandbox's default max parallelism (25). What remains is
 * the engine: rounds over the DAG, `inputs.pb` writes, state saves, events.
 *
 * Workflows: 1,000 independent task nodes, a chain of 1,000, and one dynamic task whose futures
 * file generates 1,000 independent task nodes (compiled and run as its children).
 *
 * Run alone: `node scripts/bench-engine.mjs [--runs N] [--json]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEngineBench, type EngineBenchOptions } from '../../src/propeller/bench-support.ts';
import type { BenchRow } from './report.ts';
import { median } from './util.ts';

/** Nodes per benchmark workflow. */
export const NODES = 1000;

/** Nodes of the large fan-out (issue 15's second engine target). */
export const LARGE_FANOUT = 10_000;

const CASES: { name: string; options: EngineBenchOptions; runs?: number }[] = [
  { name: `static fan-out: ${NODES} independent tasks`, options: { kind: 'static', shape: 'fanout', nodes: NODES } },
  { name: `static chain of ${NODES} tasks`, options: { kind: 'static', shape: 'chain', nodes: NODES } },
  { name: `dynamic fan-out to ${NODES} tasks`, options: { kind: 'dynamic', nodes: NODES } },
  { name: `static fan-out: ${LARGE_FANOUT.toLocaleString('en')} independent tasks`, options: { kind: 'static', shape: 'fanout', nodes: LARGE_FANOUT }, runs: 1 },
];

/**
 * What Flyte's data layout costs per node on this disk before any engine work: the node's data
 * directory (`<node>/data`, made with its parent) and its `inputs.pb` written atomically (temp
 * file + rename), done `n` times in a temp dir beside the benchmark's data. Milliseconds per node.
 */
export function fileSystemFloor(n = NODES, under = os.tmpdir()): number {
  const dir = fs.mkdtempSync(path.join(under, 'tflyte-bench-floor-'));
  try {
    const bytes = new Uint8Array(200);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const data = path.join(dir, `n${i}`, 'data');
      fs.mkdirSync(data, { recursive: true });
      fs.writeFileSync(path.join(data, 'inputs.pb.tmp'), bytes, { flag: 'wx' });
      fs.renameSync(path.join(data, 'inputs.pb.tmp'), path.join(data, 'inputs.pb'));
    }
    return (performance.now() - t0) / n;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures each workflow `runs` times; rows in ms per node (median). */
export async function benchEngine(runs = 3, log: (m: string) => void = () => undefined): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // In memory (tmpfs) when there is one: the engine's own cost, without this disk's, whose speed
  // moves a lot from minute to minute (its floor is shown by the rows on disk).
  const memory = fs.existsSync('/dev/shm') ? '/dev/shm' : undefined;
  const places: { where: string; dir?: string; target: boolean }[] = [
    ...(memory ? [{ where: 'blobs in memory (tmpfs)', dir: memory, target: true }] : []),
    { where: 'blobs on disk', target: !memory },
  ];
  for (const c of CASES) {
    for (const place of places) {
      const name = `engine overhead, ${c.name} (no-op launcher; ${place.where})`;
      log(`engine: ${c.name}, ${place.where}`);
      try {
        const results = [];
        // Each sample gets its own floor, measured just before it on the same file system.
        const floors: number[] = [];
        for (let i = 0; i < (c.runs ?? runs); i++) {
          floors.push(fileSystemFloor(NODES, place.dir));
          const r = await runEngineBench({ ...c.options, ...(place.dir ? { dir: place.dir } : {}) });
          if (r.phase !== 'SUCCEEDED') throw new Error(`the benchmark execution ended ${r.phase}`);
          results.push(r);
        }
        const perNode = results.map((r) => r.msPerNode);
        const last = results.at(-1);
        rows.push({
          section: 'engine',
          name,
          value: median(perNode),
          unit: 'ms/node',
          samples: perNode,
          baseline: { name: `file-system floor: a node's data dir + inputs.pb (mkdir -p, write, rename), ${place.dir ? 'same tmpfs' : 'same disk'}, before each sample`, value: median(floors), samples: floors },
          ...(place.target ? { target: { max: 0.5, text: '≤ 0.5 ms/node' } } : {}),
          ...(last
            ? { note: `${(median(results.map((r) => r.ms)) / 1000).toFixed(1)} s per execution; ${last.saves} state saves, ${last.events} events, largest state document ${(last.maxStateBytes / 1024).toFixed(0)} KiB` }
            : {}),
        });
      } catch (e) {
        rows.push({ section: 'engine', name, value: null, unit: 'ms/node', note: `failed: ${(e as Error).message.split('\n')[0] ?? ''}` });
      }
    }
  }
  return rows;
}

// Run directly: print the rows (as JSON with --json).
if (import.meta.main) {
  const json = process.argv.includes('--json');
  const at = process.argv.indexOf('--runs');
  const runs = at >= 0 ? Number(process.argv[at + 1]) : 3;
  const rows = await benchEngine(runs, json ? () => undefined : (m) => console.error(m));
  if (json) console.log(JSON.stringify(rows));
  else {
    const { consoleTable } = await import('./report.ts');
    console.log(consoleTable(rows));
  }
}
