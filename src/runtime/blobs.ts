/**
 * The blobs a task reads and writes, by URI: `file://` paths on the disk it sees (the sandbox's
 * local store, bind-mounted at the same path), or `s3://` objects reached with the connection
 * flytekit's variables describe (`FLYTE_AWS_ENDPOINT`, `FLYTE_AWS_ACCESS_KEY_ID`,
 * `FLYTE_AWS_SECRET_ACCESS_KEY`), as on a Flyte cluster.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NonRetryableError } from '../sdk/internal.ts';
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

/** `file:///x` → `/x`; other strings unchanged (already local paths). */
export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

/** The blobs of a task whose environment is `env`: S3 clients are opened on first use, one per bucket. */
export function taskBlobs(env: NodeJS.ProcessEnv): TaskBlobs {
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
      return new Uint8Array(await fsp.readFile(uriToPath(uri)));
    },
    async write(uri, bytes) {
      if (isS3(uri)) return (await s3(uri)).write(uri, bytes);
      const p = uriToPath(uri);
      await fsp.mkdir(path.dirname(p), { recursive: true });
      const tmp = `${p}.${randomBytes(4).toString('hex')}.tmp`;
      await fsp.writeFile(tmp, bytes);
      await fsp.rename(tmp, p);
    },
    async localize(uri) {
      if (!isS3(uri)) return uriToPath(uri);
      const dir = path.join(os.tmpdir(), 'tflyte-blobs', createHash('sha256').update(uri).digest('hex').slice(0, 16));
      const dest = path.join(dir, path.posix.basename(parseS3Uri(uri).key) || 'blob');
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
      const dest = path.join(uriToPath(rawPrefix), sub, name);
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.cp(src, dest, { recursive: st.isDirectory() });
      return pathToFileURL(dest).href;
    },
  };
}
