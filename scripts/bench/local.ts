/**
 * `local` section: `run` without `--remote` of the seed examples, which now goes through the
 * sandbox's engine in-process (admin on in-memory SQLite, propeller, an in-process launcher).
 * Baseline: `tflyte-sandbox --version`, the CLI's own floor, from the same run. The figures of the
 * separate local scheduler it replaced are in docs/benchmarks.md (72–109 ms on this machine).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './report.ts';
import { median, mustRun } from './util.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The seed examples, as the demo runs them (small inputs). */
const SEEDS: [string, string, string[]][] = [
  ['basic_workflow.ts', 'my_wf', ['--a', '50', '--b', 'hello']],
  ['dynamic_workflow.ts', 'merge_sort', ['--numbers', '[5, 3, 9, 1, 7, 2, 8]', '--numbers_count', '7']],
  ['conditional_map.ts', 'sum_of_squares', ['--xs', '[1, 2, 3, 4]']],
  ['eager_workflows.ts', 'simple_eager_workflow', ['--x', '10']],
];

export async function benchLocal(o: { binary: string; runs: number; log: (m: string) => void }): Promise<BenchRow[]> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-bench-local-'));
  const env = { ...process.env, XDG_CACHE_HOME: cache } as Record<string, string>;
  try {
    const floor: number[] = [];
    for (let i = 0; i < o.runs; i++) floor.push((await mustRun(o.binary, ['--version'], { env })).ms);
    const baseline = { name: 'tflyte-sandbox --version', value: median(floor), samples: floor };
    const rows: BenchRow[] = [];
    for (const [file, entity, inputs] of SEEDS) {
      const samples: number[] = [];
      // One warm-up run (the compile cache of the example file), then the samples.
      await mustRun(o.binary, ['run', path.join(ROOT, 'examples', file), entity, ...inputs], { env });
      for (let i = 0; i < o.runs; i++) samples.push((await mustRun(o.binary, ['run', path.join(ROOT, 'examples', file), entity, ...inputs], { env })).ms);
      rows.push({ section: 'local', name: `run ${file.replace(/\.ts$/, '')} ${entity} (local, through the engine)`, value: median(samples), unit: 'ms', samples, baseline });
      o.log(`local ${entity}: ${median(samples)} ms`);
    }
    return rows;
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}
