/**
 * Reading what an attempt left without trusting it. A task controls every byte and every link in
 * its writable directories, and the sandbox reads them on the host, so:
 *
 * - an attempt document (`outputs.pb`, `error.pb`, `futures.pb`) must be a regular file, not a
 *   symbolic link, inside the attempt's own directory and no larger than the output limit;
 * - a file or directory an output names must lie (after resolving every link) inside the
 *   attempt's own output areas or inside data the attempt was given as input;
 * - copying a directory out of a raw container never follows a link out of it.
 *
 * Violations are the task's fault: USER errors naming the output.
 */
import fs, { type Dirent, type Stats } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataStore } from '../../storage/data-store.ts';
import { isInside } from '../../storage/path-inside.ts';

/** An attempt document's state on disk. */
export type DocumentState = { kind: 'missing' } | { kind: 'file'; size: number } | { kind: 'unsafe'; why: string };

/**
 * Looks at an attempt's documents (`uris`, files directly inside `attemptDir`) without following
 * a link. On the local disk the attempt directory is listed once (an attempt that left nothing has
 * no directory: nothing more to do); when it exists it must resolve inside the store, and each
 * document there is then one `lstat`: a regular file (not a link) whose parent is that directory
 * cannot lie anywhere else.
 */
export async function documentStates(data: DataStore, uris: readonly string[], attemptDir: string): Promise<DocumentState[]> {
  if (!data.localPath) {
    // An object store has no links: a document is an object of the attempt's prefix or nothing.
    return Promise.all(
      uris.map(async (uri): Promise<DocumentState> => {
        if (!data.contains(uri)) return { kind: 'unsafe', why: 'it is outside the data store' };
        if (!(await data.within(uri, [attemptDir]))) return { kind: 'unsafe', why: "it is not inside the attempt's own directory" };
        const st = await data.stat(uri);
        if (!st) return { kind: 'missing' };
        return st.kind === 'file' ? { kind: 'file', size: st.size } : { kind: 'unsafe', why: 'it is not a regular file' };
      }),
    );
  }
  const localPath = data.localPath;
  let dir: string;
  try {
    dir = fileURLToPath(attemptDir);
  } catch {
    return uris.map(() => ({ kind: 'unsafe', why: 'its directory is not a directory of the data store' }));
  }
  let entries: Map<string, Dirent>;
  try {
    // (Asking first is cheaper than the exception of listing a directory that is not there.)
    entries = fs.existsSync(dir) ? new Map(fs.readdirSync(dir, { withFileTypes: true }).map((d) => [d.name, d])) : new Map();
  } catch {
    return uris.map(() => ({ kind: 'missing' }));
  }
  if (entries.size === 0) return uris.map(() => ({ kind: 'missing' }));
  try {
    localPath(attemptDir);
  } catch {
    return uris.map(() => ({ kind: 'unsafe', why: 'its directory resolves outside the data store' }));
  }
  return uris.map((uri): DocumentState => {
    let p: string;
    try {
      p = fileURLToPath(uri);
    } catch {
      return { kind: 'unsafe', why: 'it is not a file of the data store' };
    }
    // Lexically a file of the (confined) attempt directory; the lstat below says it is no link.
    if (path.dirname(p) !== dir) return { kind: 'unsafe', why: "it is not inside the attempt's own directory" };
    if (!entries.has(path.basename(p))) return { kind: 'missing' };
    let st: Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return { kind: 'missing' };
    }
    if (st.isSymbolicLink()) return { kind: 'unsafe', why: 'it is a symbolic link' };
    if (!st.isFile()) return { kind: 'unsafe', why: 'it is not a regular file' };
    return { kind: 'file', size: st.size };
  });
}

/**
 * Whether a URI an output names stays (after resolving links, on the local disk) inside one of
 * `roots` (store URIs). A store URI, or a `file://` one, must: outside the store, or missing, is
 * not confined. URIs of other schemes are not the sandbox's to read and pass as they are.
 */
export async function confinedTo(data: DataStore, uri: string, roots: string[]): Promise<boolean> {
  if (data.contains(uri) || /^file:/i.test(uri)) return data.within(uri, roots);
  return true;
}

/** Thrown by {@link copyConfined} and {@link readConfinedText}; its message is for the user. */
export class UnsafeOutputError extends Error {
  override name = 'UnsafeOutputError';
}

/**
 * Reads a text output file of a raw container: no link may lead outside `root`; at most `limit` bytes.
 */
export async function readConfinedText(file: string, root: string, limit: number, what: string): Promise<string> {
  const real = await fsp.realpath(file);
  const realRoot = await fsp.realpath(root);
  if (!isInside(real, realRoot)) throw new UnsafeOutputError(`${what} is a link to ${real}, outside the task's output directory`);
  const st = await fsp.stat(real);
  if (st.size > limit) throw new UnsafeOutputError(`${what} is ${st.size} bytes, more than the limit of ${limit} (maxTaskOutputBytes in config.yaml)`);
  return fsp.readFile(real, 'utf8');
}

/**
 * Copies `src` (a file or directory inside `root`) to `dest`, dereferencing only links that stay
 * inside `root`, and counting bytes against `budget.left`. Special files are skipped.
 */
export async function copyConfined(src: string, dest: string, root: string, budget: { left: number }, what: string): Promise<void> {
  const realRoot = await fsp.realpath(root);
  const onPath = new Set<string>();
  const visit = async (from: string, to: string, depth: number): Promise<void> => {
    if (depth > 64) throw new UnsafeOutputError(`${what} nests directories more than 64 deep`);
    let real: string;
    try {
      real = await fsp.realpath(from);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'ENOENT' || code === 'ENAMETOOLONG') throw new UnsafeOutputError(`${what} contains ${path.relative(src, from) || '.'}, a broken or looping link`);
      throw e;
    }
    if (!isInside(real, realRoot)) {
      throw new UnsafeOutputError(`${what} ${from === src ? 'is' : `contains ${path.relative(src, from)},`} a link to ${real}, outside the task's output directory`);
    }
    const st = await fsp.stat(real);
    if (st.isDirectory()) {
      if (onPath.has(real)) throw new UnsafeOutputError(`${what} contains ${path.relative(src, from)}, a link back to a directory that contains it`);
      onPath.add(real);
      await fsp.mkdir(to, { recursive: true });
      for (const name of await fsp.readdir(real)) await visit(path.join(from, name), path.join(to, name), depth + 1);
      onPath.delete(real);
    } else if (st.isFile()) {
      budget.left -= st.size;
      if (budget.left < 0) throw new UnsafeOutputError(`${what} is larger than the limit on a task's outputs (maxTaskOutputBytes in config.yaml)`);
      await fsp.copyFile(real, to);
    }
  };
  await visit(src, dest, 0);
}
