/**
 * The seed pages' dynamic workflows in TypeScript: counting the characters two strings have in
 * common (a graph whose size depends on the inputs) and a recursive merge sort (a workflow whose
 * conditional either sorts locally or calls a dynamic workflow that calls the workflow twice).
 */
import { conditional, dynamic, task, workflow, t, type Promised } from 'tflyte';

/** Index of a letter in the alphabet (A-Z and a-z both give 0-25). */
export const return_index = task({ inputs: { character: t.str }, outputs: t.int }, ({ character }) => {
  const lower = character.toLowerCase();
  return lower.charCodeAt(0) - 'a'.charCodeAt(0);
});

/** Counts one more occurrence of the letter at `list_index`. */
export const update_list = task(
  { inputs: { freq_list: t.list(t.int), list_index: t.int }, outputs: t.list(t.int) },
  ({ freq_list, list_index }) => {
    const next = [...freq_list];
    next[list_index] = (next[list_index] ?? 0) + 1;
    return next;
  },
);

/** How many letters the two frequency lists have in common. */
export const derive_count = task(
  { inputs: { freq1: t.list(t.int), freq2: t.list(t.int) }, outputs: t.int },
  ({ freq1, freq2 }) => {
    let count = 0;
    for (let i = 0; i < 26; i++) count += Math.min(freq1[i] ?? 0, freq2[i] ?? 0);
    return count;
  },
);

/**
 * Builds, at run time, one return_index + update_list pair per character of each string, then
 * derives the count. The strings are real values here; the task outputs are promises.
 */
export const count_characters = dynamic({ inputs: { s1: t.str, s2: t.str }, outputs: t.int }, ({ s1, s2 }) => {
  let freq1: number[] | Promised<number[]> = new Array<number>(26).fill(0);
  let freq2: number[] | Promised<number[]> = new Array<number>(26).fill(0);
  for (const character of s1) {
    const index = return_index({ character });
    freq1 = update_list({ freq_list: freq1, list_index: index });
  }
  for (const character of s2) {
    const index = return_index({ character });
    freq2 = update_list({ freq_list: freq2, list_index: index });
  }
  return derive_count({ freq1, freq2 });
});

/** Calls the dynamic workflow: wf(s1="Pear", s2="Earth") → 3. */
export const wf = workflow({ inputs: { s1: t.str, s2: t.str }, outputs: t.int }, ({ s1, s2 }) =>
  count_characters({ s1, s2 }),
);

/** Splits a list in two halves and reports their lengths. */
export const split = task(
  { inputs: { numbers: t.list(t.int) }, outputs: [t.list(t.int), t.list(t.int), t.int, t.int] },
  ({ numbers }) => {
    const half = Math.floor(numbers.length / 2);
    return [numbers.slice(0, half), numbers.slice(half), half, numbers.length - half];
  },
);

/** Merges two sorted lists into one sorted list. */
export const merge = task(
  { inputs: { sorted_list1: t.list(t.int), sorted_list2: t.list(t.int) }, outputs: t.list(t.int) },
  ({ sorted_list1, sorted_list2 }) => {
    const result: number[] = [];
    let i = 0;
    let j = 0;
    while (i < sorted_list1.length && j < sorted_list2.length) {
      const a = sorted_list1[i] as number;
      const b = sorted_list2[j] as number;
      if (a < b) {
        result.push(a);
        i++;
      } else {
        result.push(b);
        j++;
      }
    }
    return [...result, ...sorted_list1.slice(i), ...sorted_list2.slice(j)];
  },
);

/** Sorts a (short) list in one task. */
export const sort_locally = task({ inputs: { numbers: t.list(t.int) }, outputs: t.list(t.int) }, ({ numbers }) =>
  [...numbers].sort((a, b) => a - b),
);

/** Splits, sorts both halves with merge_sort (recursion), merges. */
export const merge_sort_remotely = dynamic(
  { inputs: { numbers: t.list(t.int), run_local_at_count: t.int }, outputs: t.list(t.int) },
  // Annotated: the recursion through merge_sort would otherwise make the type circular.
  ({ numbers, run_local_at_count }): unknown => {
    const [split1, split2, new_count1, new_count2] = split({ numbers });
    const sorted1 = merge_sort({ numbers: split1, numbers_count: new_count1, run_local_at_count });
    const sorted2 = merge_sort({ numbers: split2, numbers_count: new_count2, run_local_at_count });
    return merge({ sorted_list1: sorted1, sorted_list2: sorted2 });
  },
);

/** Sorts locally at or below run_local_at_count numbers, else recursively. */
export const merge_sort = workflow(
  {
    inputs: { numbers: t.list(t.int), numbers_count: t.int, run_local_at_count: t.int },
    outputs: t.list(t.int),
    defaults: { run_local_at_count: 5 },
  },
  ({ numbers, numbers_count, run_local_at_count }): unknown =>
    conditional('terminal_case')
      .if_(numbers_count.lte(run_local_at_count))
      .then(sort_locally({ numbers }))
      .else_()
      .then(merge_sort_remotely({ numbers, run_local_at_count })),
);
