/**
 * The blobs a task reads and writes, by URI: `file://` paths on the disk it sees (the sandbox's
 * local store, bind-mounted at the same path), or `s3://` objects reached with the connection
 * flytekit's variables describe (`FLYTE_AWS_ENDPOINT`, `FLYTE_AWS_ACCESS_KEY_ID`,
 * `FLYTE_AWS_SECRET_ACCESS_KEY`), as on a Flyte cluster.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sha256Hex } from '../core/sha256.ts';
import { NonRetryableError } from '../sdk/internal.ts';
import { filesUnder } from '../storage/local-files.ts';
import { toFileUri } from '../storage/local-data-store.ts';
import { isInside } from '../storage/path-inside.ts';
import { parseS3Uri, s3ConnectionFromEnv, S3DataStore } from '../storage/s3-data-store.ts';

/** Reads, writes and moves a task's blobs; see the module comment. */
export interface TaskBlobs {
  read(uri: string): Promise<Uint8Array>;
  /** Writes whole (a temp file renamed into place on the disk; one put for S3). */
  write(uri: string, bytes: Uint8Array): Promise<void>;
  /** A local path holding the blob at `uri` (an S3 object or prefix is downloaded first, once). */
  localize(uri: string): Promise<string>;
  /** Copies a local file or directory the task returned under `rawPrefix`; its new URI. */
  upload(localPath: string, rawPrefix: string): Promise<string>;
}

/**
 * How a worker reaches `file://` blobs it cannot see (a warm container mounts no store): each call
 * goes to the daemon, which allows what the attempt's mounts would have allowed.
 */
export interface FileAccess {
  read(uri: string): Promise<Uint8Array>;
  write(uri: string, bytes: Uint8Array): Promise<void>;
  stat(uri: string): Promise<'file' | 'directory' | 'missing'>;
  /** The files under a directory, relative and `/`-separated. */
  list(uri: string): Promise<string[]>;
}

/** `file:///x` → `/x`; other strings unchanged (already local paths). */
export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

/**
 * The blobs of a task whose environment is `env`: S3 clients are opened on first use, one per
 * bucket. With `remote`, `file://` blobs go through `remote.files` and are localized (downloaded)
 * under `remote.localRoot`.
 */
export function taskBlobs(env: NodeJS.ProcessEnv, remote?: { files: FileAccess; localRoot: string }): TaskBlobs {
  const buckets = new Map<string, Promise<S3DataStore>>();
  const s3 = (uri: string): Promise<S3DataStore> => {
    const { bucket } = parseS3Uri(uri);
    let store = buckets.get(bucket);
    if (!store) {
      store = S3DataStore.open(`s3://${bucket}`, s3ConnectionFromEnv(env));
      buckets.set(bucket, store);
    }
    return store;
  };
  const isS3 = (uri: string): boolean => uri.startsWith('s3://');
  return {
    async read(uri) {
      if (isS3(uri)) return (await s3(uri)).read(uri);
      if (remote) return remote.files.read(fileUri(uri));
      return new Uint8Array(await fsp.readFile(uriToPath(uri)));
    },
    async write(uri, bytes) {
      if (isS3(uri)) return (await s3(uri)).write(uri, bytes);
      if (remote) return remote.files.write(fileUri(uri), bytes);
      const p = uriToPath(uri);
      await fsp.mkdir(path.dirname(p), { recursive: true });
      const tmp = `${p}.${randomBytes(4).toString('hex')}.tmp`;
      await fsp.writeFile(tmp, bytes);
      await fsp.rename(tmp, p);
    },
    async localize(uri) {
      if (remote && !isS3(uri)) return localizeRemote(remote, fileUri(uri));
      if (!isS3(uri)) return uriToPath(uri);
      const dest = localCopyPath(path.join(os.tmpdir(), 'tflyte-blobs'), uri, path.posix.basename(parseS3Uri(uri).key));
      const dir = path.dirname(dest);
      if (!fs.existsSync(path.join(dir, '.complete'))) {
        await fsp.rm(dir, { recursive: true, force: true });
        await (await s3(uri)).download(uri, dest);
        await fsp.writeFile(path.join(dir, '.complete'), '');
      }
      return dest;
    },
    async upload(localPath, rawPrefix) {
      const src = path.resolve(localPath);
      const st = await fsp.stat(src).catch(() => undefined);
      if (!st) throw new NonRetryableError(`the task returned the path ${localPath}, which does not exist`);
      const name = path.basename(src);
      const sub = randomBytes(6).toString('hex');
      if (isS3(rawPrefix)) {
        const dest = `${rawPrefix.replace(/\/+$/, '')}/${sub}/${name}`;
        await (await s3(rawPrefix)).upload(src, dest);
        return dest;
      }
      if (remote) {
        const dest = pathToFileURL(path.join(uriToPath(rawPrefix), sub, name)).href;
        if (!st.isDirectory()) await remote.files.write(dest, await fsp.readFile(src));
        else for (const rel of await filesUnder(src)) await remote.files.write(`${dest}/${rel}`, await fsp.readFile(path.join(src, rel)));
        return dest;
      }
      const dest = path.join(uriToPath(rawPrefix), sub, name);
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.cp(src, dest, { recursive: st.isDirectory() });
      return pathToFileURL(dest).href;
    },
  };
}

/** A `file://` URI for a URI or a plain absolute path. */
function fileUri(uri: string): string {
  return uri.startsWith('file:') ? uri : toFileUri(uri);
}

/**
 * Where a local copy of the blob at `uri` goes under `root`: a directory of its own, named by the
 * URI's hash, holding it as `name` (`blob` when empty).
 */
export function localCopyPath(root: string, uri: string, name: string): string {
  return path.join(root, sha256Hex(uri).slice(0, 16), name || 'blob');
}

/** Downloads a file or directory blob through `remote` (once per URI); its local path. */
async function localizeRemote(remote: { files: FileAccess; localRoot: string }, uri: string): Promise<string> {
  const dest = localCopyPath(remote.localRoot, uri, path.posix.basename(uriToPath(uri)));
  const dir = path.dirname(dest);
  if (fs.existsSync(path.join(dir, '.complete'))) return dest;
  await fsp.rm(dir, { recursive: true, force: true });
  const kind = await remote.files.stat(uri);
  if (kind === 'missing') throw new NonRetryableError(`input ${uri} does not exist`);
  if (kind === 'file') {
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(dest, await remote.files.read(uri));
  } else {
    await fsp.mkdir(dest, { recursive: true });
    for (const rel of await remote.files.list(uri)) {
      const target = path.join(dest, ...rel.split('/'));
      if (!isInside(target, dest) || target === dest) throw new Error(`the sandbox listed ${rel}, outside ${uri}`);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.writeFile(target, await remote.files.read(`${uri.replace(/\/+$/, '')}/${rel}`));
    }
  }
  await fsp.writeFile(path.join(dir, '.complete'), '');
  return dest;
}
