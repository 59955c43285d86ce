/**
 * Workflows the benchmark (`npm run bench`, scripts/bench.mjs) runs in the sandbox. Every task is
 * a no-op so that what is measured is the sandbox's own cost: CLI, registration, engine, container
 * create/start/exit, data passing between tasks.
 */
import { map, task, workflow, t } from 'tflyte';

/** Returns its input plus one: the smallest task that still reads inputs and writes outputs. */
export const noop = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

/** One task: compared with one bare `docker run` of the same image. */
export const one_task = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => noop({ x }));

/** Ten dependent tasks, each consuming the previous output: x + 10. Shows gaps between tasks. */
export const chain10 = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  let v = noop({ x });
  for (let i = 1; i < 10; i++) v = noop({ x: v });
  return v;
});

/** `noop` over a list, at most 10 containers at once (an array node). */
export const map10 = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, ({ xs }) =>
  map(noop, { concurrency: 10 })({ x: xs }),
);
