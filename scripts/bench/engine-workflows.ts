/**
 * Workflows of the engine benchmark (scripts/bench/engine.ts): 1,000 task nodes each, run
 * in-process by propeller over a launcher that does no work, to measure the engine's own cost per
 * node. Not registered in any sandbox (the sandbox benchmark uses workflows.ts).
 */
import { dynamic, task, workflow, t } from 'tflyte';

/** Nodes per benchmark workflow. */
export const NODES = 1000;

/** The task every node runs; the benchmark's launcher writes its output without running it. */
export const tick = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

/** 1,000 tasks in a chain: each starts when the previous one ends. */
export const static_chain = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  let v = tick({ x });
  for (let i = 1; i < NODES; i++) v = tick({ x: v });
  return v;
});

/** 1,000 independent tasks, all ready at once (no parallelism limit in the benchmark). */
export const static_fanout = workflow({ inputs: { x: t.int }, outputs: t.list(t.int) }, ({ x }) => {
  const out = [];
  for (let i = 0; i < NODES; i++) out.push(tick({ x }));
  return out;
});

/** A dynamic task that fans out to `n` tasks at run time. */
export const fanout = dynamic({ inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) => {
  const out = [];
  for (let i = 0; i < n; i++) out.push(tick({ x: i }));
  return out;
});

/** Runs the dynamic fan-out. */
export const dynamic_fanout = workflow({ inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) => fanout({ n }));
