/**
 * Every type of the SDK (design §3) passed through a task and back, locally and in the sandbox:
 * the workflow's outputs must equal its inputs.
 */
import { task, workflow, t } from 'tflyte';

const Color = t.enum('red', 'green', 'blue');
const Point = t.struct({ x: t.int, y: t.float, label: t.str });

/** The inputs (and outputs) of the echo task and workflow. */
const everything = {
  i: t.int,
  f: t.float,
  s: t.str,
  b: t.bool,
  when: t.datetime,
  span: t.duration,
  nothing: t.none,
  ints: t.list(t.int),
  scores: t.dict(t.float),
  point: Point,
  any_json: t.struct(),
  maybe: t.optional(t.str),
  either: t.union(t.int, t.str),
  color: Color,
  nested: t.list(t.dict(t.list(t.optional(t.int)))),
};

/** Returns every input unchanged, after checking a few values have their JS types. */
export const echo = task({ inputs: everything, outputs: everything }, (v) => {
  if (!(v.when instanceof Date)) throw new TypeError('datetime must arrive as a Date');
  if (typeof v.span !== 'number') throw new TypeError('duration must arrive as milliseconds');
  return v;
});

/** Writes a text file and returns it; the next task reads it back. */
export const write_file = task({ inputs: { text: t.str }, outputs: t.file }, async ({ text }) => {
  const fs = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tflyte-example-'));
  const file = path.join(dir, 'message.txt');
  await fs.writeFile(file, text);
  return file;
});

/** Reads a file given as a local path. */
export const read_file = task({ inputs: { file: t.file }, outputs: t.str }, async ({ file }) => {
  const fs = await import('node:fs/promises');
  return fs.readFile(file, 'utf8');
});

/** Echoes every type through a task. */
export const all_types_wf = workflow({ inputs: everything, outputs: everything }, (v) => echo(v));

/** A file produced by one task and consumed by another. */
export const file_wf = workflow({ inputs: { text: t.str }, outputs: t.str }, ({ text }) =>
  read_file({ file: write_file({ text }) }),
);

/** Writes a directory of numbered files and returns it. */
export const write_dir = task({ inputs: { count: t.int }, outputs: t.dir }, async ({ count }) => {
  const fs = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tflyte-example-dir-'));
  await fs.mkdir(path.join(dir, 'sub'));
  for (let i = 0; i < count; i++) await fs.writeFile(path.join(dir, i % 2 ? 'sub' : '.', `part-${i}.txt`), `part ${i}`);
  return dir;
});

/** Lists a directory given as a local path: its files (relative paths), sorted, with their text. */
export const list_dir = task({ inputs: { dir: t.dir }, outputs: t.list(t.str) }, async ({ dir }) => {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const names = (await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  names.sort();
  return Promise.all(names.map(async (n) => `${n}: ${await fs.readFile(path.join(dir, n), 'utf8')}`));
});

/** A directory produced by one task and consumed by another. */
export const dir_wf = workflow({ inputs: { count: t.int }, outputs: t.list(t.str) }, ({ count }) =>
  list_dir({ dir: write_dir({ count }) }),
);
