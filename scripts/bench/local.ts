/**
 * `local` section: `run` without `--remote` of the seed examples, which now goes through the
 * sandbox's engine in-process (admin on in-memory SQLite, propeller, an in-process launcher).
 * Baselines from the same run:
 * - `tflyte-sandbox --version`, the CLI's own floor;
 * - with `--local-baseline FILE`: the same runs with a binary of the separate local scheduler the
 *   engine replaced (issue 11 asks local runs to be no slower than it), alternated run by run
 *   with the binary measured (in pairs whose order alternates), three times the section's runs.
 *   `scripts/bench/build-local-baseline.sh` builds that binary from the last commit that had the
 *   scheduler.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './report.ts';
import { median, mustRun, warmPageCache } from './util.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The seed examples, as the demo runs them (small inputs). */
const SEEDS: [string, string, string[]][] = [
  ['basic_workflow.ts', 'my_wf', ['--a', '50', '--b', 'hello']],
  ['dynamic_workflow.ts', 'merge_sort', ['--numbers', '[5, 3, 9, 1, 7, 2, 8]', '--numbers_count', '7']],
  ['conditional_map.ts', 'sum_of_squares', ['--xs', '[1, 2, 3, 4]']],
  ['eager_workflows.ts', 'simple_eager_workflow', ['--x', '10']],
];

export async function benchLocal(o: { binary: string; runs: number; localBaseline?: string; log: (m: string) => void }): Promise<BenchRow[]> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-bench-local-'));
  const env = { ...process.env, XDG_CACHE_HOME: cache } as Record<string, string>;
  // Both binaries in the page cache, as after an install (a memory row may have dropped ours).
  warmPageCache(o.binary);
  if (o.localBaseline) warmPageCache(o.localBaseline);
  try {
    const floor: number[] = [];
    for (let i = 0; i < o.runs; i++) floor.push((await mustRun(o.binary, ['--version'], { env })).ms);
    const version = { name: 'tflyte-sandbox --version', value: median(floor), samples: floor };
    const rows: BenchRow[] = [];
    for (const [file, entity, inputs] of SEEDS) {
      const args = ['run', path.join(ROOT, 'examples', file), entity, ...inputs];
      const samples: number[] = [];
      const former: number[] = [];
      // One warm-up run each (the compile cache of the example file), then the samples, alternated.
      await mustRun(o.binary, args, { env });
      if (o.localBaseline) await mustRun(o.localBaseline, args, { env });
      // Three times the section's runs: a local run takes ~70 ms, and on this shared machine a
      // median of 7 moved by a quarter from one full run to the next (merge sort 89 → 112 ms).
      // Each pair in the other order from the one before (ABBA), so that a drift of the machine
      // weighs on both binaries alike.
      const sample = (binary: string, into: number[]) => async (): Promise<void> => {
        into.push((await mustRun(binary, args, { env })).ms);
      };
      const pair = o.localBaseline ? [sample(o.binary, samples), sample(o.localBaseline, former)] : [sample(o.binary, samples)];
      for (let i = 0; i < o.runs * 3; i++) {
        for (const run of i % 2 === 0 ? pair : [...pair].reverse()) await run();
      }
      const name = `run ${file.replace(/\.ts$/, '')} ${entity} (local, through the engine)`;
      rows.push({
        section: 'local',
        name,
        value: median(samples),
        unit: 'ms',
        samples,
        ...(o.localBaseline
          ? {
              baseline: { name: 'the former local scheduler (--local-baseline)', value: median(former), samples: former },
              target: { maxRatio: 1, text: 'no slower than the former' },
            }
          : { baseline: version }),
      });
      o.log(`local ${entity}: ${Math.round(median(samples))} ms${o.localBaseline ? ` (former scheduler ${Math.round(median(former))} ms)` : ''}`);
    }
    if (o.localBaseline) rows.push({ section: 'local', name: 'part: CLI process start (`--version`)', value: version.value, unit: 'ms', samples: floor });
    return rows;
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}
