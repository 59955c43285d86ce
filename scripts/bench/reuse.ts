/**
 * Reusable containers (issue 15): a sandbox started with `start --reuse`, where every task of the
 * default image runs in warm containers. Measured after one warm-up run of each workflow (the
 * pool's containers exist), API create → terminal:
 * - the 10-task chain of `workflows.ts` (target ≤ 150 ms), against the same chain in cold
 *   containers from this run's `chain` section;
 * - 20 sequential awaited tasks in an eager task (`eager-workflows.ts` `eager_seq20`, target
 *   ≤ 400 ms), against the cold figure of this run's `eager` section;
 * - a warm attempt's own overhead: each task attempt of those chains from its launch to its
 *   outcome, as the engine's events record them (the tasks are no-ops, so all of it is overhead;
 *   target ≤ 5 ms). Events are dated when they happen (the RUNNING event right after the launch,
 *   SUCCEEDED when the outcome is read), so this leaves out the rest of the rounds around the
 *   attempt: finishing the previous node and preparing this one. The chain's figure has them.
 * The `peers` section sets the first two beside Restate's.
 */
import type { BenchRow } from './report.ts';
import { intLit, openBenchSandbox, runViaApi, warmUpRun, type BenchSandbox, type SandboxBenchOptions } from './sandbox.ts';
import { median } from './util.ts';

const PROJECT = 'flytesnacks';
const DOMAIN = 'development';

/** Launch → outcome of every task attempt of an execution (ms), from its task executions. */
async function attemptSpans(sbx: BenchSandbox, name: string): Promise<number[]> {
  const nodes = await sbx.client.listNodeExecutions({ project: PROJECT, domain: DOMAIN, name }, { limit: 100 });
  const spans: number[] = [];
  for (const n of nodes.nodeExecutions ?? []) {
    const id = n.id?.nodeId ?? '';
    if (!/^n\d+$/.test(id)) continue;
    const tes = await sbx.client.listTaskExecutions({ project: PROJECT, domain: DOMAIN, name }, id, { limit: 10 });
    for (const te of tes.taskExecutions ?? []) {
      const d = te.closure?.duration;
      if (!te.closure?.metadata?.externalResources?.length) throw new Error(`attempt of ${name}/${id} did not run in a warm container`);
      if (d) spans.push(Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6);
    }
  }
  return spans;
}

/** The reuse section; `ours` holds this run's rows so far (the cold figures). */
export async function benchReuse(o: SandboxBenchOptions, ours: readonly BenchRow[]): Promise<BenchRow[]> {
  const sbx = await openBenchSandbox(o, ['--reuse']);
  try {
    const cold = (section: string, name: RegExp): BenchRow | undefined => ours.find((r) => r.section === section && name.test(r.name) && r.value !== null);
    // One warm-up run each: the file is registered and the pool's containers exist.
    const chainLp = (await warmUpRun(sbx, 'scripts/bench/workflows.ts', 'chain10', ['--x', '0'])).launchPlan;
    const eagerLp = (await warmUpRun(sbx, 'scripts/bench/eager-workflows.ts', 'eager_seq20', ['--x', '0'])).launchPlan;
    const runs = Math.max(3, o.runs);
    const chainMs: number[] = [];
    const eagerMs: number[] = [];
    const spans: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c = await runViaApi(sbx, chainLp, { literals: { x: intLit(i) } });
      chainMs.push(c.ms);
      spans.push(...(await attemptSpans(sbx, c.name)));
      eagerMs.push((await runViaApi(sbx, eagerLp, { literals: { x: intLit(i) } })).ms);
    }
    const baseline = (row: BenchRow | undefined, what: string): BenchRow['baseline'] =>
      row?.value !== null && row?.value !== undefined ? { name: `${what}, cold containers (this run)`, value: row.value, samples: row.samples ?? [row.value] } : undefined;
    const chainCold = baseline(cold('chain', /^10-task chain/), 'the same chain');
    const eagerCold = baseline(cold('eager', /sequential awaited tasks/), 'the same eager task');
    return [
      {
        section: 'reuse',
        name: '10-task chain, warm containers: API create → terminal',
        value: median(chainMs),
        unit: 'ms',
        samples: chainMs,
        ...(chainCold ? { baseline: chainCold } : {}),
        target: { max: 150, text: '≤ 150 ms' },
      },
      {
        section: 'reuse',
        name: 'eager task awaiting 20 tasks, warm containers: API create → terminal',
        value: median(eagerMs),
        unit: 'ms',
        samples: eagerMs,
        ...(eagerCold ? { baseline: eagerCold } : {}),
        target: { max: 400, text: '≤ 400 ms' },
      },
      {
        section: 'reuse',
        name: 'warm attempt: launch → outcome of a no-op task (median)',
        value: median(spans),
        unit: 'ms',
        samples: spans,
        target: { max: 5, text: '≤ 5 ms' },
      },
      { section: 'reuse', name: 'warm attempt: launch → outcome (max)', value: spans.length ? Math.max(...spans) : null, unit: 'ms' },
    ];
  } finally {
    await sbx.close();
  }
}
