/**
 * The seed's static workflow, in TypeScript: two tasks wired by a workflow.
 * Run locally:  tflyte-sandbox run examples/basic_workflow.ts my_wf --a 50 --b hello
 * In the sandbox: tflyte-sandbox run --remote --wait examples/basic_workflow.ts my_wf --a 50 --b hello
 */
import { task, workflow, t } from 'tflyte';

/** Adds 2 and also returns a constant word: two named outputs. */
export const t1 = task(
  { inputs: { a: t.int }, outputs: { t1_int_output: t.int, c: t.str } },
  ({ a }) => ({ t1_int_output: a + 2, c: 'world' }),
);

/** Concatenates its inputs: b then a. */
export const t2 = task({ inputs: { a: t.str, b: t.str }, outputs: t.str }, ({ a, b }) => b + a);

/** Calls t1, feeds its string output to t2, returns t1's number and t2's text. */
export const my_wf = workflow(
  { inputs: { a: t.int, b: t.str }, outputs: [t.int, t.str] },
  ({ a, b }) => {
    const { t1_int_output: x, c: y } = t1({ a });
    const d = t2({ a: y, b });
    return [x, d];
  },
);
