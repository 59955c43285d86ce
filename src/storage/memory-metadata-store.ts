/**
 * The {@link DataStore} of a local run (src/cli/local-engine.ts): Flyte's metadata documents —
 * the `metadata/` tree of inputs, outputs, closures, futures and error documents, small protobufs
 * the engine writes and reads back within the run — are kept in memory; everything else (raw
 * data, files tasks return, uploads) stays on the disk of the wrapped {@link LocalDataStore}.
 *
 * Why: a local run's metadata lives as long as the process, which removes its temporary directory
 * at the end anyway, and on disk each document cost a directory or two, a temp file and a rename:
 * about a third of a small local run's time on a slow disk. The URIs stay the `file://` URIs of
 * the disk store, so the engine, admin and the runtime see the same layout as in the sandbox.
 *
 * There is no `localPath`: like a store on S3, the metadata has no host path to bind-mount. A run
 * holds its documents until it ends (a few hundred bytes to a few KB each; a task's outputs are
 * bounded by `maxTaskOutputBytes`).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { BlobEntry, BlobStat, DataStore } from './data-store.ts';
import { StorageError, STORAGE_ERROR_CODES } from './errors.ts';
import { toFileUri, type LocalDataStore } from './local-data-store.ts';
import { filesUnder } from './local-files.ts';
import { isInside } from './path-inside.ts';

/** A {@link DataStore} holding the documents under one prefix in memory; see the module comment. */
export class MemoryMetadataStore implements DataStore {
  readonly rootUri: string;
  readonly #disk: LocalDataStore;
  /** Absolute path of the prefix kept in memory (a URI's lexical path). */
  readonly #prefix: string;
  /** Documents by the lexical path of their URI. */
  readonly #docs = new Map<string, Uint8Array>();
  /** The directories the documents make (every ancestor up to the prefix), as on a disk. */
  readonly #dirs = new Set<string>();

  /**
   * @param disk where everything outside `metadataUri` lives
   * @param metadataUri the prefix kept in memory (default: `<root>/metadata`, admin's default)
   */
  constructor(disk: LocalDataStore, metadataUri = disk.join(disk.rootUri, 'metadata')) {
    this.#disk = disk;
    this.rootUri = disk.rootUri;
    this.#prefix = disk.lexicalPath(metadataUri);
  }

  /** Whether `uri` (a `file://` URI or an absolute path) names a document kept in memory. */
  holds(uri: string): boolean {
    return this.#inMemory(uri.startsWith('file:') ? uri : toFileUri(path.resolve(uri))) !== undefined;
  }

  join(base: string, ...segments: string[]): string {
    return this.#disk.join(base, ...segments);
  }

  contains(uri: string): boolean {
    return this.#inMemory(uri) !== undefined || this.#disk.contains(uri);
  }

  async within(uri: string, roots: string[]): Promise<boolean> {
    const p = this.#inMemory(uri);
    if (p === undefined) return this.#disk.within(uri, roots.filter((r) => this.#inMemory(r) === undefined));
    // No links in memory: names decide, as in an object store.
    return roots.some((r) => {
      try {
        return isInside(p, this.#disk.lexicalPath(r));
      } catch {
        return false;
      }
    });
  }

  async read(uri: string): Promise<Uint8Array> {
    const p = this.#inMemory(uri);
    if (p === undefined) return this.#disk.read(uri);
    const bytes = this.#docs.get(p);
    if (!bytes) throw new StorageError(STORAGE_ERROR_CODES.NOT_FOUND, `not found: ${uri}`);
    return bytes.slice();
  }

  async write(uri: string, bytes: Uint8Array): Promise<void> {
    const p = this.#inMemory(uri);
    if (p === undefined) return this.#disk.write(uri, bytes);
    if (p === this.#prefix || this.#isDir(p)) throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `cannot write ${uri}: it is a directory`);
    // A copy: the caller may reuse its buffer.
    this.#docs.set(p, Uint8Array.prototype.slice.call(bytes));
    this.#addDirsOf(p);
  }

  async exists(uri: string): Promise<boolean> {
    const p = this.#inMemory(uri);
    if (p === undefined) return this.#disk.exists(uri);
    return this.#docs.has(p) || this.#isDir(p);
  }

  async stat(uri: string): Promise<BlobStat | undefined> {
    const p = this.#inMemory(uri);
    if (p === undefined) return this.#disk.stat(uri);
    const bytes = this.#docs.get(p);
    if (bytes) return { kind: 'file', size: bytes.length };
    return this.#isDir(p) ? { kind: 'dir', size: 0 } : undefined;
  }

  async list(uri: string, max: number): Promise<BlobEntry[]> {
    const p = this.#inMemory(uri);
    if (p === undefined) return this.#disk.list(uri, max);
    if (!this.#isDir(p)) throw new StorageError(STORAGE_ERROR_CODES.NOT_FOUND, `not found: ${uri}`);
    const entries = new Map<string, BlobEntry>();
    for (const [doc, bytes] of this.#docs) {
      if (!isInside(doc, p) || doc === p) continue;
      const rest = doc.slice(p.length + 1).split('/');
      const name = rest[0] as string;
      if (entries.has(name)) continue;
      const dir = rest.length > 1;
      entries.set(name, { name, uri: this.join(uri, name), size: dir ? 0 : bytes.length, dir });
    }
    return [...entries.values()].slice(0, max);
  }

  async upload(localPath: string, uri: string): Promise<void> {
    if (this.#inMemory(uri) === undefined) return this.#disk.upload(localPath, uri);
    const st = await fsp.stat(localPath).catch(() => undefined);
    if (!st) throw new StorageError(STORAGE_ERROR_CODES.NOT_FOUND, `not found: ${localPath}`);
    if (!st.isDirectory()) return this.write(uri, new Uint8Array(await fsp.readFile(localPath)));
    for (const rel of await filesUnder(localPath)) await this.write(this.join(uri, ...rel.split('/')), new Uint8Array(await fsp.readFile(path.join(localPath, rel))));
  }

  async delete(uri: string): Promise<void> {
    const p = this.#inMemory(uri);
    if (p === undefined) return this.#disk.delete(uri);
    for (const doc of [...this.#docs.keys()]) if (isInside(doc, p)) this.#docs.delete(doc);
    this.#dirs.clear();
    for (const doc of this.#docs.keys()) this.#addDirsOf(doc);
  }

  /** Records the directories a document makes: its ancestors up to the prefix, which included. */
  #addDirsOf(doc: string): void {
    for (let dir = path.dirname(doc); !this.#dirs.has(dir); dir = path.dirname(dir)) {
      this.#dirs.add(dir);
      if (dir === this.#prefix) break;
    }
  }

  /** The lexical path of `uri` when it is kept in memory; undefined for one on the disk (the disk store then checks it). */
  #inMemory(uri: string): string | undefined {
    let p: string;
    try {
      p = this.#disk.lexicalPath(uri);
    } catch {
      return undefined;
    }
    return isInside(p, this.#prefix) ? p : undefined;
  }

  /** Whether documents lie below `p`. */
  #isDir(p: string): boolean {
    return this.#dirs.has(p);
  }
}
