/**
 * Code bundles: the user's project files packed as a deterministic `tar.gz`, content-addressed
 * by SHA-256 (stored at `bundles/<sha256>.tar.gz`), and unpacked by the runtime before a task runs.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ReadEntry } from 'tar';
import { sha256Hex } from '../core/sha256.ts';
import { StorageError, STORAGE_ERROR_CODES } from './errors.ts';

/** One file to bundle: read from `absPath`, stored as `relPath` (POSIX separators, no `..`). */
export interface BundleFile {
  absPath: string;
  relPath: string;
}

/** What to bundle: an explicit file list, or the files under `rootDir` matching `globs`. */
export type BundleInput =
  | { files: BundleFile[] }
  | {
      rootDir: string;
      /** @default DEFAULT_BUNDLE_GLOBS */
      globs?: string[];
      /** Globs (relative to `rootDir`) left out. @default DEFAULT_BUNDLE_EXCLUDES */
      exclude?: string[];
    };

/** A packed bundle. */
export interface Bundle {
  /** The gzip-compressed tar archive. */
  bytes: Uint8Array;
  /** Lowercase hex SHA-256 of `bytes`. */
  sha256: string;
  /** The relative paths packed, sorted. */
  files: string[];
}

/** Source files of a TypeScript/JavaScript project. */
export const DEFAULT_BUNDLE_GLOBS: readonly string[] = ['**/*.ts', '**/*.mts', '**/*.cts', '**/*.js', '**/*.mjs', '**/*.cjs', '**/*.json'];
/** Never bundled by default: dependencies, VCS data, test output. */
export const DEFAULT_BUNDLE_EXCLUDES: readonly string[] = ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/coverage/**'];

/** Fixed mtime of every entry, so equal content gives equal bytes (and equal SHA-256). */
const EPOCH = new Date(0);

/**
 * Packs files into a deterministic `tar.gz`: entries sorted by path, files only (directories are
 * implied), mtime fixed at the epoch, no owner names, mode 0644 (0755 when the source is
 * executable), symlinks followed. The same content always yields the same `sha256`.
 * Throws `SBX_STORAGE_UNSAFE_BUNDLE` for an absolute or `..` relative path, or duplicate paths.
 */
export async function createBundle(input: BundleInput): Promise<Bundle> {
  const files = 'files' in input ? input.files : await globFiles(input.rootDir, input.globs, input.exclude);
  const seen = new Set<string>();
  for (const f of files) {
    assertSafeRelPath(f.relPath);
    if (seen.has(f.relPath)) throw unsafe(`duplicate bundle path ${f.relPath}`);
    seen.add(f.relPath);
  }
  const sorted = [...files].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));

  // Stage copies under a fresh directory so tar sees exactly `relPath`s with normalised modes.
  const stage = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-bundle-'));
  try {
    for (const f of sorted) {
      const dest = path.join(stage, ...f.relPath.split('/'));
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.copyFile(f.absPath, dest);
      const st = await fsp.stat(f.absPath);
      await fsp.chmod(dest, st.mode & 0o111 ? 0o755 : 0o644);
    }
    const { create } = await loadTar();
    const stream = create(
      { gzip: true, cwd: stage, portable: true, mtime: EPOCH, noDirRecurse: true },
      sorted.map((f) => f.relPath),
    );
    const chunks: Buffer[] = [];
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
    const bytes = new Uint8Array(Buffer.concat(chunks));
    return { bytes, sha256: sha256Hex(bytes), files: sorted.map((f) => f.relPath) };
  } finally {
    await fsp.rm(stage, { recursive: true, force: true });
  }
}

/**
 * Unpacks a bundle (bytes, or the path of a `.tar.gz`) into `destDir` (created if missing).
 * The archive is checked first and nothing is written if any entry is unsafe: an absolute path,
 * a `..` segment, or anything but regular files and directories (links could point outside).
 * Throws `SBX_STORAGE_UNSAFE_BUNDLE` then, naming the entry. Returns the regular files written.
 */
export async function extractBundle(source: Uint8Array | string, destDir: string): Promise<string[]> {
  let file = typeof source === 'string' ? source : undefined;
  let tmpDir: string | undefined;
  try {
    if (file === undefined) {
      tmpDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-bundle-'));
      file = path.join(tmpDir, 'bundle.tar.gz');
      await fsp.writeFile(file, source as Uint8Array);
    }
    const { list, extract } = await loadTar();
    const entries: string[] = [];
    let problem: string | undefined;
    try {
      await list({
        file,
        strict: true,
        onReadEntry: (e: ReadEntry) => {
          problem ??= entryProblem(e);
          if (e.type === 'File' || e.type === 'OldFile' || e.type === 'ContiguousFile') entries.push(e.path);
        },
      });
    } catch (e) {
      throw unsafe(`not a readable tar.gz bundle: ${(e as Error).message}`, e);
    }
    if (problem) throw unsafe(problem);
    await fsp.mkdir(destDir, { recursive: true });
    await extract({ file, cwd: destDir, strict: true, preservePaths: false, preserveOwner: false });
    return entries;
  } finally {
    if (tmpDir) await fsp.rm(tmpDir, { recursive: true, force: true });
  }
}

/** tar, loaded on first use: the daemon imports this module but never packs or unpacks. */
function loadTar(): Promise<typeof import('tar')> {
  return import('tar');
}

function entryProblem(e: ReadEntry): string | undefined {
  const p = e.path;
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.startsWith('\\')) return `bundle entry has an absolute path: ${p}`;
  if (p.split(/[\\/]/).includes('..')) return `bundle entry escapes the destination: ${p}`;
  if (!['File', 'OldFile', 'ContiguousFile', 'Directory'].includes(e.type)) {
    return `bundle entry ${p} is a ${e.type}; only files and directories are allowed`;
  }
  return undefined;
}

async function globFiles(rootDir: string, globs?: string[], exclude?: string[]): Promise<BundleFile[]> {
  const root = path.resolve(rootDir);
  const excludes = exclude ?? [...DEFAULT_BUNDLE_EXCLUDES];
  const out = new Map<string, BundleFile>();
  for (const g of globs ?? DEFAULT_BUNDLE_GLOBS) {
    for await (const rel of fsp.glob(g, { cwd: root, exclude: excludes })) {
      const abs = path.join(root, rel);
      const st = await fsp.stat(abs).catch(() => undefined);
      if (!st?.isFile()) continue;
      const relPath = rel.split(path.sep).join('/');
      out.set(relPath, { absPath: abs, relPath });
    }
  }
  return [...out.values()];
}

function assertSafeRelPath(p: string): void {
  if (typeof p !== 'string' || p === '' || p.includes('\0')) throw unsafe(`invalid bundle path ${JSON.stringify(p)}`);
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.includes('\\')) throw unsafe(`bundle path must be relative with '/': ${p}`);
  if (p.split('/').some((s) => s === '..' || s === '.' || s === '')) throw unsafe(`bundle path must be normalised, without '..': ${p}`);
}

function unsafe(message: string, cause?: unknown): StorageError {
  return new StorageError(STORAGE_ERROR_CODES.UNSAFE_BUNDLE, message, { kind: 'USER', ...(cause === undefined ? {} : { cause }) });
}

