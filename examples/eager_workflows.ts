/**
 * The seed page's eager workflows in TypeScript: async bodies where awaiting a call gives its
 * real value, so plain if/else, loops, try/catch and Promise.all shape the execution.
 */
import { eager, EagerException, task, workflow, t } from 'tflyte';

/** x + 1 */
export const add_one = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

/** 2x */
export const double = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * 2);

/** x > 100 */
export const gt_100 = task({ inputs: { x: t.int }, outputs: t.bool }, ({ x }) => x > 100);

/** Throws a TypeError when x <= 0, else returns x. */
export const raises_exc = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  if (x <= 0) throw new TypeError('some exception');
  return x;
});

/** add_one, then -1 if negative else double: x=10 → 22, x=-5 → -1. */
export const simple_eager_workflow = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  const out = await add_one({ x });
  if (out < 0) return -1;
  return await double({ x: out });
});

/** add_one, subtract 1 in plain code, double: x=3 → 6. */
export const another_eager_workflow = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  const out = await add_one({ x });
  return await double({ x: out - 1 });
});

/** -1 if add_one is negative, 100 if gt_100 of it is true, else double: x=150 → 100, x=10 → 22. */
export const eager_workflow_with_conditionals = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  const out = await add_one({ x });
  if (out < 0) return -1;
  if (await gt_100({ x: out })) return 100;
  return await double({ x: out });
});

/** add_one of 0..x-1 in parallel, then double of their sum: x=5 → 30. */
export const eager_workflow_with_for_loop = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  const outputs = await Promise.all(Array.from({ length: x }, (_v, i) => add_one({ x: i })));
  return await double({ x: outputs.reduce((a, b) => a + b, 0) });
});

/** A static workflow: add_one then double. */
export const subworkflow = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => double({ x: add_one({ x }) }));

/** Awaits the static subworkflow: x=3 → 8. */
export const eager_workflow_with_static_subworkflow = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  return await subworkflow({ x });
});

/** An eager workflow awaited by another one. */
export const eager_subworkflow = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => await add_one({ x }));

/** Awaits eager_subworkflow, then doubles: x=3 → 8. */
export const nested_eager_workflow = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  const out = await eager_subworkflow({ x });
  return await double({ x: out });
});

/** Returns -1 when raises_exc fails with an EagerException: x=0 → -1, x=5 → 5. */
export const eager_workflow_with_exception = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  try {
    return await raises_exc({ x });
  } catch (e) {
    if (e instanceof EagerException) return -1;
    throw e;
  }
});
