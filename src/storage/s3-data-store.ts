/**
 * S3 adapter of the {@link DataStore} port: blobs are objects under one `s3://bucket/prefix`,
 * reached with the AWS SDK for JavaScript (any S3-compatible server: AWS, MinIO, SeaweedFS…).
 * A "directory" (a multipart blob) is every object under `<uri>/`, as in Flyte.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BlobEntry, BlobStat, DataStore } from './data-store.ts';
import { StorageError, STORAGE_ERROR_CODES } from './errors.ts';

/**
 * How to reach an S3-compatible server. Unset fields fall back to the AWS SDK's own defaults
 * (its credential chain, `AWS_REGION`).
 */
export interface S3Connection {
  /** `http://127.0.0.1:8333` for a local server; unset for AWS itself. */
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style addressing (`endpoint/bucket/key`); the default when an endpoint is set. */
  forcePathStyle?: boolean;
}

/** The environment variables flytekit reads for its S3 connection (`configuration/internal.py`, `AWS`). */
export const FLYTE_S3_ENV = {
  endpoint: 'FLYTE_AWS_ENDPOINT',
  accessKeyId: 'FLYTE_AWS_ACCESS_KEY_ID',
  secretAccessKey: 'FLYTE_AWS_SECRET_ACCESS_KEY',
  region: 'AWS_REGION',
} as const;

/** The connection described by flytekit's variables in `env` (the caller passes its environment). */
export function s3ConnectionFromEnv(env: Record<string, string | undefined>): S3Connection {
  const c: S3Connection = {};
  for (const [k, name] of Object.entries(FLYTE_S3_ENV) as [keyof typeof FLYTE_S3_ENV, string][]) {
    const v = env[name];
    if (v) c[k] = v;
  }
  if (!c.region && env.AWS_DEFAULT_REGION) c.region = env.AWS_DEFAULT_REGION;
  return c;
}

/** The variables that hand `c` to a task (flytekit and this sandbox's runtime both read them). */
export function s3ConnectionEnv(c: S3Connection): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, name] of Object.entries(FLYTE_S3_ENV) as [keyof typeof FLYTE_S3_ENV, string][]) {
    const v = c[k];
    if (typeof v === 'string' && v !== '') out[name] = v;
  }
  return out;
}

/** `s3://bucket/a/b` → `{ bucket, key: 'a/b' }`; errors name the URI. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m) {
    throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `not an S3 URI: ${JSON.stringify(uri)} (expected s3://bucket/key, a bucket of 3-63 lower-case letters, digits, dots and dashes)`);
  }
  const key = (m[2] ?? '').replace(/\/+$/, '');
  const parts = key === '' ? [] : key.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) {
    throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `S3 URI ${uri} has an empty, "." or ".." path segment`);
  }
  return { bucket: m[1]!, key };
}

function validSegment(s: string): void {
  if (s === '' || s === '.' || s === '..' || s.includes('\0')) {
    throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, `invalid path segment ${JSON.stringify(s)}`);
  }
}

/**
 * A {@link DataStore} rooted at `s3://bucket/prefix`. Every URI must lie under the root (checked
 * on its segments: no `..`, no other bucket, no other scheme), else `SBX_STORAGE_OUTSIDE_ROOT`.
 * A `PutObject` is atomic, as the local store's rename is. Failures of the server are
 * `SBX_STORAGE_IO` (retryable) naming the URI and the server's answer.
 */
export class S3DataStore implements DataStore {
  readonly rootUri: string;
  readonly bucket: string;
  readonly #prefix: string;
  readonly #client: S3Client;
  readonly #s3: typeof import('@aws-sdk/client-s3');

  private constructor(rootUri: string, s3: typeof import('@aws-sdk/client-s3'), client: S3Client) {
    const { bucket, key } = parseS3Uri(rootUri);
    this.bucket = bucket;
    this.#prefix = key;
    this.rootUri = key === '' ? `s3://${bucket}` : `s3://${bucket}/${key}`;
    this.#s3 = s3;
    this.#client = client;
  }

  /** Opens the store (loads the AWS SDK now); nothing is sent until the first call. */
  static async open(rootUri: string, connection: S3Connection = {}): Promise<S3DataStore> {
    const s3 = await import('@aws-sdk/client-s3');
    const client = new s3.S3Client({
      region: connection.region || 'us-east-1',
      ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
      forcePathStyle: connection.forcePathStyle ?? Boolean(connection.endpoint),
      ...(connection.accessKeyId && connection.secretAccessKey
        ? { credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey } }
        : {}),
      // S3-compatible servers (SeaweedFS, older MinIO) refuse the SDK's default CRC32 trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
    return new S3DataStore(rootUri, s3, client);
  }

  /** Answers whether the bucket exists and the credentials may use it; the error says which. */
  async check(): Promise<void> {
    try {
      await this.#client.send(new this.#s3.HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const why =
        status === 404 ? `the bucket ${this.bucket} does not exist: create it first`
        : status === 403 ? `the credentials may not use the bucket ${this.bucket} (403): check FLYTE_AWS_ACCESS_KEY_ID / FLYTE_AWS_SECRET_ACCESS_KEY`
        : `the S3 server did not answer: ${describe(e)}`;
      throw new StorageError(STORAGE_ERROR_CODES.IO, `cannot use ${this.rootUri}: ${why}`, { cause: e, retryable: status === undefined });
    }
  }

  join(base: string, ...segments: string[]): string {
    this.#keyOf(base);
    for (const s of segments) for (const part of s.split('/')) validSegment(part);
    return [base.replace(/\/+$/, ''), ...segments].join('/');
  }

  contains(uri: string): boolean {
    try {
      this.#keyOf(uri);
      return true;
    } catch {
      return false;
    }
  }

  async within(uri: string, roots: string[]): Promise<boolean> {
    if (!this.contains(uri)) return false;
    const key = this.#keyOf(uri);
    return roots.some((r) => {
      if (!this.contains(r)) return false;
      const root = this.#keyOf(r);
      return key === root || key.startsWith(`${root}/`);
    });
  }

  async read(uri: string): Promise<Uint8Array> {
    const key = this.#keyOf(uri);
    try {
      const out = await this.#client.send(new this.#s3.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body!.transformToByteArray();
    } catch (e) {
      throw this.#translate(e, uri);
    }
  }

  async write(uri: string, bytes: Uint8Array): Promise<void> {
    const key = this.#keyOf(uri);
    if (key === this.#prefix) throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, 'cannot write the store root');
    try {
      await this.#client.send(new this.#s3.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
    } catch (e) {
      throw this.#translate(e, uri);
    }
  }

  async exists(uri: string): Promise<boolean> {
    return (await this.stat(uri)) !== undefined;
  }

  async stat(uri: string): Promise<BlobStat | undefined> {
    const key = this.#keyOf(uri);
    try {
      const head = await this.#client.send(new this.#s3.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { kind: 'file', size: Number(head.ContentLength ?? 0) };
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404) throw this.#translate(e, uri);
    }
    const under = await this.#client
      .send(new this.#s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${key}/`, MaxKeys: 1 }))
      .catch((e: unknown) => {
        throw this.#translate(e, uri);
      });
    return (under.KeyCount ?? 0) > 0 ? { kind: 'dir', size: 0 } : undefined;
  }

  async list(uri: string, max: number): Promise<BlobEntry[]> {
    const key = this.#keyOf(uri);
    const out = await this.#client
      .send(new this.#s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: key === '' ? '' : `${key}/`, Delimiter: '/', MaxKeys: max }))
      .catch((e: unknown) => {
        throw this.#translate(e, uri);
      });
    const base = key === '' ? '' : `${key}/`;
    const entries: BlobEntry[] = [];
    for (const p of out.CommonPrefixes ?? []) {
      const name = (p.Prefix ?? '').slice(base.length).replace(/\/$/, '');
      if (name) entries.push({ name, uri: this.join(uri, name), size: 0, dir: true });
    }
    for (const o of out.Contents ?? []) {
      const name = (o.Key ?? '').slice(base.length);
      if (name && !name.includes('/')) entries.push({ name, uri: this.join(uri, name), size: Number(o.Size ?? 0), dir: false });
    }
    return entries.slice(0, max).sort((a, b) => a.name.localeCompare(b.name));
  }

  async upload(localPath: string, uri: string): Promise<void> {
    let st: import('node:fs').Stats;
    try {
      st = await fsp.stat(localPath);
    } catch {
      throw new StorageError(STORAGE_ERROR_CODES.NOT_FOUND, `not found: ${localPath}`);
    }
    if (st.isFile()) {
      await this.write(uri, new Uint8Array(await fsp.readFile(localPath)));
      return;
    }
    for (const name of await fsp.readdir(localPath)) await this.upload(path.join(localPath, name), this.join(uri, name));
  }

  /** Copies the object at `uri` (or every object under it: a directory) to `dest` on the local disk. */
  async download(uri: string, dest: string): Promise<'file' | 'dir'> {
    const st = await this.stat(uri);
    if (!st) throw new StorageError(STORAGE_ERROR_CODES.NOT_FOUND, `not found: ${uri}`);
    if (st.kind === 'file') {
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.writeFile(dest, await this.read(uri));
      return 'file';
    }
    const prefix = `${this.#keyOf(uri)}/`;
    let token: string | undefined;
    do {
      const page = await this.#client
        .send(new this.#s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }))
        .catch((e: unknown) => {
          throw this.#translate(e, uri);
        });
      for (const o of page.Contents ?? []) {
        const rel = (o.Key ?? '').slice(prefix.length);
        if (!rel || rel.split('/').some((p) => p === '' || p === '.' || p === '..')) continue;
        const file = path.join(dest, ...rel.split('/'));
        await fsp.mkdir(path.dirname(file), { recursive: true });
        await fsp.writeFile(file, await this.read(`s3://${this.bucket}/${o.Key}`));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return 'dir';
  }

  async delete(uri: string): Promise<void> {
    const key = this.#keyOf(uri);
    if (key === this.#prefix) throw new StorageError(STORAGE_ERROR_CODES.INVALID_URI, 'refusing to delete the store root');
    try {
      await this.#client.send(new this.#s3.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      let token: string | undefined;
      do {
        const page = await this.#client.send(new this.#s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${key}/`, ContinuationToken: token }));
        const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length > 0) await this.#client.send(new this.#s3.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw this.#translate(e, uri);
    }
  }

  /** Every key under the store root (for tests and `status`): at most `max`. */
  async keys(max = 10_000): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new this.#s3.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.#prefix === '' ? undefined : `${this.#prefix}/`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) out.push(`s3://${this.bucket}/${o.Key}`);
      token = page.IsTruncated && out.length < max ? page.NextContinuationToken : undefined;
    } while (token);
    return out.slice(0, max);
  }

  /** Releases the client's sockets. */
  close(): void {
    this.#client.destroy();
  }

  /** The key of a URI under the root; anything else is `SBX_STORAGE_OUTSIDE_ROOT`. */
  #keyOf(uri: string): string {
    if (typeof uri !== 'string' || !uri.startsWith('s3://')) throw outsideRoot(uri);
    let parsed: { bucket: string; key: string };
    try {
      parsed = parseS3Uri(uri);
    } catch {
      throw outsideRoot(uri);
    }
    if (parsed.bucket !== this.bucket) throw outsideRoot(uri);
    if (this.#prefix !== '' && parsed.key !== this.#prefix && !parsed.key.startsWith(`${this.#prefix}/`)) throw outsideRoot(uri);
    return parsed.key;
  }

  #translate(e: unknown, uri: string): StorageError {
    if (e instanceof StorageError) return e;
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (e as { name?: string }).name;
    if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') {
      return new StorageError(STORAGE_ERROR_CODES.NOT_FOUND, `not found: ${uri}`, { cause: e });
    }
    return new StorageError(STORAGE_ERROR_CODES.IO, `S3 request for ${uri} failed: ${describe(e)}`, { cause: e, retryable: true });
  }
}

function describe(e: unknown): string {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return status ? `${msg} (HTTP ${status})` : msg;
}

function outsideRoot(what: string): StorageError {
  return new StorageError(STORAGE_ERROR_CODES.OUTSIDE_ROOT, `URI is outside the data store root: ${what}`);
}
