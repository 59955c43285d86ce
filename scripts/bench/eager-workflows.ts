/**
 * Workflows of the eager benchmark (scripts/bench-eager.mjs): the same no-op task run 20 times in
 * sequence as an eager workflow and as a static chain, and 50 times at once as a `Promise.all`
 * and as a map. Tasks do nothing, so what is measured is the cost of each construct.
 */
import { eager, map, task, workflow, t } from 'tflyte';

/** x + 1: the smallest task that still reads inputs and writes outputs. */
export const inc = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

/** 20 dependent tasks as a static chain: x + 20. */
export const chain20 = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  let v = inc({ x });
  for (let i = 1; i < 20; i++) v = inc({ x: v });
  return v;
});

/** The same 20 tasks awaited one after the other in an eager workflow: x + 20. */
export const eager_seq20 = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  let v = x;
  for (let i = 0; i < 20; i++) v = await inc({ x: v });
  return v;
});

/** n tasks at once through Promise.all (the sandbox's eagerConcurrency bounds them). */
export const eager_fan = eager({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, async ({ xs }) =>
  Promise.all(xs.map((x) => inc({ x }))),
);

/** The same tasks as a map, 10 at a time (the sandbox's default eagerConcurrency). */
export const map_fan = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, ({ xs }) =>
  map(inc, { concurrency: 10 })({ x: xs }),
);
