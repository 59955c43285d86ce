/**
 * Conditionals (Flyte branch nodes) and map tasks (array nodes) in static workflows.
 */
import { conditional, fail, map, task, workflow, t } from 'tflyte';

/** Squares a number. */
export const square = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * x);

/** Halves an even number; fails for odd ones (to show partial map success). */
export const halve_even = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  if (x % 2 !== 0) throw new RangeError(`${x} is odd`);
  return x / 2;
});

/** Adds up a list. */
export const total = task({ inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((a, b) => a + b, 0));

/** Describes a number as text. */
export const describe_small = task({ inputs: { x: t.int }, outputs: t.str }, ({ x }) => `${x} is small`);
export const describe_large = task({ inputs: { x: t.int }, outputs: t.str }, ({ x }) => `${x} is large`);

/** Takes the first case whose condition holds: small (< 10), large (< 1000), else fails. */
export const classify = workflow({ inputs: { x: t.int }, outputs: t.str }, ({ x }) =>
  conditional('size')
    .if_(x.lt(10))
    .then(describe_small({ x }))
    .elif_(x.gte(10).and(x.lt(1000)))
    .then(describe_large({ x }))
    .else_()
    .then(fail('x must be below 1000')),
);

/** Squares every number (at most 3 at once) and adds the squares up: [1,2,3] → 14. */
export const sum_of_squares = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) =>
  total({ xs: map(square, { concurrency: 3 })({ x: xs }) }),
);

/** Halves the even numbers; the odd ones fail but half of the runs may fail. */
export const halve_some = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.optional(t.int)) }, ({ xs }) =>
  map(halve_even, { minSuccessRatio: 0.5 })({ x: xs }),
);
