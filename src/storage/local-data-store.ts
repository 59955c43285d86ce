/**
 * Local filesystem adapter of the {@link DataStore} port: blobs are plain files under one root
 * directory, addressed by `file://` URIs whose path is the absolute host path.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BlobEntry, BlobStat, DataStore } from './data-store.ts';
import { isStorageError, StorageError, STORAGE_ERROR_CODES } from './errors.ts';
import { isInside, resolveDeepestExisting } from './path-inside.ts';

/**
 * A {@link DataStore} rooted at a local directory (created if missing).
 *
 * Every URI is checked twice: lexically (it must be a `file:` URI whose normalised path lies
 * under the root) and physically (the real path of its deepest existing ancestor must lie under
 * the real root, so a symlink inside the store cannot lead out of it). Writes go to a temp file
 * in the same directory and are renamed into place, so readers see the old or the new content,
 * never a partial one. Writes are not fsync'ed: a killed process loses nothing, a power cut may.
 */
export class LocalDataStore implements DataStore {
  readonly rootUri: string;
  /** Absolute, normalised root path as given (after `path.resolve`). */
  readonly rootPath: string;
  readonly #realRoot: string;

  /** @param rootDir directory holding the blobs; created (recursively) when missing. */
  constructor(rootDir: string) {
    this.rootPath = path.resolve(rootDir);
    fs.mkdirSync(this.rootPath, { recursive: true });
    // realpath(3), one call: Node's own realpathSync walks the path in JavaScript, name by name.
    this.#realRoot = fs.realpathSync.native(this.rootPath);
    this.rootUri = toFileUri(this.rootPath);
  }

  join(base: string, ...segments: string[]): string {
    const basePath = this.#lexicalPath(base);
    let plain = true;
    for (const s of segments) {
      if (s === '' || s.includes('\0')) {
        throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `invalid path segment ${JSON.stringify(s)}`);
      }
      plain &&= PLAIN_NAME.test(s);
    }
    // Plain names below a path: nothing for path.join to normalise (the engine's usual join).
    const joined = plain && segments.length > 0 && basePath !== '/' ? `${basePath}/${segments.join('/')}` : path.join(basePath, ...segments);
    this.#assertLexicallyInside(joined, `${base} + ${segments.join('/')}`);
    return toFileUri(joined);
  }

  async read(uri: string): Promise<Uint8Array> {
    const p = this.#checkedPath(uri);
    try {
      // A small file (the usual document) is read at once, after letting waiting requests in
      // (fair to other clients under a burst); a large one without blocking.
      if (fs.statSync(p).size <= SMALL_FILE_BYTES) {
        await yieldToLoop();
        return new Uint8Array(fs.readFileSync(p));
      }
      return new Uint8Array(await fsp.readFile(p));
    } catch (e) {
      throw translateFsError(e, uri);
    }
  }

  async write(uri: string, bytes: Uint8Array): Promise<void> {
    const { path: p, missing } = this.#checked(uri, false);
    if (p === this.rootPath) throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `cannot write the store root`);
    try {
      if (missing > 1) {
        fs.mkdirSync(path.dirname(p), { recursive: true });
        // mkdir may have followed a symlinked parent created concurrently; check again before writing.
        this.#assertPhysicallyInside(path.dirname(p), uri, true);
      }
      const tmp = tempSibling(p);
      try {
        // A small file (the usual document) is written at once: a few system calls instead of a
        // trip through the thread pool for each; a large one without blocking.
        if (bytes.length <= SMALL_FILE_BYTES) {
          await yieldToLoop();
          fs.writeFileSync(tmp, bytes, { flag: 'wx' });
          fs.renameSync(tmp, p);
        } else {
          await fsp.writeFile(tmp, bytes, { flag: 'wx' });
          await fsp.rename(tmp, p);
        }
      } catch (e) {
        await fsp.rm(tmp, { force: true });
        throw e;
      }
    } catch (e) {
      throw translateFsError(e, uri);
    }
  }

  async exists(uri: string): Promise<boolean> {
    const p = this.#checkedPath(uri);
    try {
      await fsp.access(p);
      return true;
    } catch {
      return false;
    }
  }

  contains(uri: string): boolean {
    try {
      this.localPath(uri);
      return true;
    } catch {
      return false;
    }
  }

  async within(uri: string, roots: string[]): Promise<boolean> {
    let real: string;
    try {
      real = await fsp.realpath(this.localPath(uri));
    } catch {
      return false;
    }
    for (const r of roots) {
      try {
        if (isInside(real, await fsp.realpath(this.localPath(r)))) return true;
      } catch {
        // a root that does not exist or is outside the store confines nothing
      }
    }
    return false;
  }

  async stat(uri: string): Promise<BlobStat | undefined> {
    const p = this.#checkedPath(uri);
    const st = await fsp.stat(p).catch(() => undefined);
    if (!st) return undefined;
    return st.isDirectory() ? { kind: 'dir', size: 0 } : { kind: 'file', size: st.size };
  }

  async list(uri: string, max: number): Promise<BlobEntry[]> {
    const p = this.#checkedPath(uri);
    const names = (await fsp.readdir(p, { withFileTypes: true }).catch((e: unknown) => { throw translateFsError(e, uri); })).slice(0, max);
    return Promise.all(
      names.map(async (d) => {
        const s = await fsp.stat(path.join(p, d.name)).catch(() => undefined);
        return { name: d.name, uri: this.join(uri, d.name), size: s?.isFile() ? s.size : 0, dir: Boolean(s?.isDirectory()) };
      }),
    );
  }

  /** Absolute local path of a URI in the store (for bind mounts and file values). */
  readonly localPath = (uri: string): string => this.#checkedPath(uri);

  async upload(localPath: string, uri: string): Promise<void> {
    const dest = this.#checkedPath(uri);
    let st: fs.Stats;
    try {
      st = await fsp.stat(localPath);
    } catch (e) {
      throw translateFsError(e, localPath);
    }
    if (st.isFile()) {
      await this.write(uri, await fsp.readFile(localPath));
      return;
    }
    try {
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      // Copy into a temp sibling then rename, so a half-copied directory is never visible.
      const tmp = tempSibling(dest);
      await fsp.cp(localPath, tmp, { recursive: true, dereference: true, errorOnExist: false });
      // Task containers may run as another uid: what is stored is readable by all (like a file
      // written by `write`), whatever the modes of the copied originals (a 0700 temp dir).
      await makeWorldReadable(tmp);
      await fsp.rm(dest, { recursive: true, force: true });
      await fsp.rename(tmp, dest);
    } catch (e) {
      throw translateFsError(e, uri);
    }
  }

  async delete(uri: string): Promise<void> {
    const p = this.#checkedPath(uri);
    if (p === this.rootPath) throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, 'refusing to delete the store root');
    await fsp.rm(p, { recursive: true, force: true });
  }

  /** URI of an absolute path under the root (the inverse of {@link localPath}). */
  uriOf(absPath: string): string {
    const p = path.resolve(absPath);
    this.#assertLexicallyInside(p, absPath);
    return toFileUri(p);
  }

  /**
   * The path `uri` names under the root, by name only (links not resolved, nothing read from the
   * disk); throws `SBX_STORAGE_OUTSIDE_ROOT` for a URI outside it. For a store that keeps some of
   * these paths elsewhere (`MemoryMetadataStore`); everything on the disk goes through
   * {@link localPath}, which also resolves links.
   */
  lexicalPath(uri: string): string {
    const p = this.#lexicalPath(uri);
    this.#assertLexicallyInside(p, uri);
    return p;
  }

  #lexicalPath(uri: string): string {
    if (typeof uri !== 'string' || !uri.startsWith('file:')) throw outsideRoot(uri);
    // What toFileUri wrote without escaping (the usual URI): its path as is, already normalised.
    const plain = uri.slice('file://'.length);
    if (uri.startsWith('file:///') && isPlainAbsolutePath(plain)) return plain;
    let p: string;
    try {
      p = fileURLToPath(uri);
    } catch {
      throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `not a valid file URI: ${uri}`);
    }
    return path.resolve(p);
  }

  #assertLexicallyInside(p: string, what: string): void {
    if (!isInside(p, this.rootPath)) throw outsideRoot(what);
  }

  /**
   * Throws unless `p`, links resolved, is (or would be once made) inside; how many trailing names
   * of it do not exist. `likelyExists`: what to try first (a read, or a write's new file).
   */
  #assertPhysicallyInside(p: string, what: string, likelyExists: boolean): number {
    // Synchronous system calls: microseconds, cheaper than the thread pool's round trips.
    const { real, missing } = resolveDeepestExisting(p, likelyExists);
    if (!isInside(real, this.#realRoot)) throw outsideRoot(what);
    return missing;
  }

  /** {@link #checked} of a URI that usually names something (a read, a listing, a local path). */
  #checkedPath(uri: string): string {
    return this.#checked(uri, true).path;
  }

  /** The local path of `uri`, checked inside by name and with links resolved; how many trailing names of it do not exist. */
  #checked(uri: string, likelyExists: boolean): { path: string; missing: number } {
    const p = this.lexicalPath(uri);
    return { path: p, missing: this.#assertPhysicallyInside(p, uri, likelyExists) };
  }
}

async function makeWorldReadable(p: string): Promise<void> {
  const st = await fsp.lstat(p);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    await fsp.chmod(p, (st.mode & 0o7777) | 0o555);
    for (const name of await fsp.readdir(p)) await makeWorldReadable(path.join(p, name));
  } else {
    await fsp.chmod(p, (st.mode & 0o7777) | 0o444);
  }
}

/** `file://` URI of an absolute path (percent-encoding what URLs require). */
export function toFileUri(absPath: string): string {
  // The usual path needs no escaping: skip building a URL object (a hot path of the engine).
  if (isPlainAbsolutePath(absPath)) return `file://${absPath}`;
  return pathToFileURL(absPath).href;
}

/**
 * An absolute path of letters, digits and `/._-` only, already normalised (no empty, `.` or `..`
 * segment, no trailing slash): its `file://` URI is `file://` + the path, and back. The engine's
 * URIs are all of this kind, so both directions skip URL parsing (a hot path of the engine).
 */
function isPlainAbsolutePath(p: string): boolean {
  return /^\/[A-Za-z0-9/._-]*$/.test(p) && !p.includes('//') && !/(^|\/)\.\.?(\/|$)/.test(p) && (p === '/' || !p.endsWith('/'));
}

/** A file name that changes nothing when joined (letters, digits, `._-`; not `.` or `..`). */
const PLAIN_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

/** Files up to this size are read and written synchronously (see read/write). */
const SMALL_FILE_BYTES = 256 * 1024;

/**
 * One turn of the event loop (`setImmediate`): what arrived meanwhile (requests, exits) is handled
 * before the next synchronous file operation, at a fraction of a thread-pool trip's cost.
 */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Unique per process: a random prefix drawn at the first temporary file, then a counter. */
let tempPrefix: string | undefined;
let tempCounter = 0;

function tempSibling(p: string): string {
  tempPrefix ??= `${process.pid}-${randomBytes(6).toString('hex')}`;
  return `${p}.tmp-${tempPrefix}-${(tempCounter++).toString(36)}`;
}

function outsideRoot(what: string): StorageError {
  return new StorageError(STORAGE_ERROR_CODES.OUTSIDE_ROOT, `URI is outside the data store root: ${what}`);
}

function translateFsError(e: unknown, what: string): StorageError {
  if (isStorageError(e)) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return new StorageError(STORAGE_ERROR_CODES.NOT_FOUND, `not found: ${what}`, { cause: e });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const where = what.startsWith('file:') ? (() => { try { return fileURLToPath(what); } catch { return what; } })() : what;
    return new StorageError(
      STORAGE_ERROR_CODES.IO,
      `the disk holding ${path.dirname(where)} is full (${code}): free space there (tflyte-sandbox status shows what is left), then retry`,
      { cause: e, retryable: true },
    );
  }
  return new StorageError(STORAGE_ERROR_CODES.IO, `storage I/O failed for ${what}: ${String((e as Error)?.message ?? e)}`, {
    cause: e,
    retryable: true,
  });
}
