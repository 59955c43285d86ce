/**
 * The S3 adapter of the DataStore port, and a task's blob access (`taskBlobs`), against a real
 * S3-compatible server (SeaweedFS, built by scripts/ci/install-seaweedfs.sh).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { taskBlobs } from '../../src/runtime/blobs.ts';
import { isStorageError, S3DataStore, s3ConnectionEnv, s3ConnectionFromEnv } from '../../src/storage/index.ts';
import { seaweedfsAvailable, startSeaweedfs, type S3Server } from '../support/seaweedfs.ts';

const available = seaweedfsAvailable('the S3 data store tests');

describe.skipIf(!available)('S3DataStore on SeaweedFS', () => {
  let server: S3Server;
  let store: S3DataStore;
  let tmp: string;

  beforeAll(async () => {
    server = await startSeaweedfs();
    await server.createBucket('tflyte-unit');
    await server.createBucket('tflyte-other');
    store = await S3DataStore.open('s3://tflyte-unit/root', server.connection);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-s3-store-'));
  }, 120_000);
  afterAll(async () => {
    store?.close();
    await server?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('writes, reads, stats and lists objects; a prefix with objects under it is a directory', async () => {
    const a = store.join(store.rootUri, 'a', 'x.pb');
    expect(a).toBe('s3://tflyte-unit/root/a/x.pb');
    await store.write(a, new Uint8Array([1, 2, 3]));
    await store.write(store.join(store.rootUri, 'a', 'd', 'y.txt'), new TextEncoder().encode('why'));
    expect([...(await store.read(a))]).toEqual([1, 2, 3]);
    expect(await store.stat(a)).toEqual({ kind: 'file', size: 3 });
    expect(await store.stat('s3://tflyte-unit/root/a')).toEqual({ kind: 'dir', size: 0 });
    expect(await store.stat('s3://tflyte-unit/root/none')).toBeUndefined();
    expect(await store.exists(a)).toBe(true);
    expect(await store.list('s3://tflyte-unit/root/a', 10)).toEqual([
      { name: 'd', uri: 's3://tflyte-unit/root/a/d', size: 0, dir: true },
      { name: 'x.pb', uri: 's3://tflyte-unit/root/a/x.pb', size: 3, dir: false },
    ]);
  });

  test('a missing object is SBX_STORAGE_NOT_FOUND; a URI outside the root is refused before any request', async () => {
    await expect(store.read('s3://tflyte-unit/root/missing')).rejects.toMatchObject({ code: 'SBX_STORAGE_NOT_FOUND' });
    for (const outside of ['s3://tflyte-other/root/x', 's3://tflyte-unit/rootless/x', 's3://tflyte-unit/root/../x', 'file:///etc/passwd', '/etc/passwd']) {
      expect(store.contains(outside), outside).toBe(false);
      const e = await store.read(outside).catch((x: unknown) => x);
      expect(isStorageError(e, 'SBX_STORAGE_OUTSIDE_ROOT'), `${outside}: ${String(e)}`).toBe(true);
    }
    expect(() => store.join(store.rootUri, '..', 'x')).toThrow(/invalid path segment/);
    await expect(store.write(store.rootUri, new Uint8Array())).rejects.toThrow(/cannot write the store root/);
  });

  test('within compares prefixes segment by segment', async () => {
    expect(await store.within('s3://tflyte-unit/root/a/d/y.txt', ['s3://tflyte-unit/root/a'])).toBe(true);
    expect(await store.within('s3://tflyte-unit/root/ab/y.txt', ['s3://tflyte-unit/root/a'])).toBe(false);
    expect(await store.within('s3://tflyte-other/root/a', ['s3://tflyte-unit/root'])).toBe(false);
  });

  test('uploads and downloads directories; delete removes a prefix', async () => {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'one.txt'), '1');
    fs.writeFileSync(path.join(src, 'sub', 'two.txt'), '2');
    const uri = store.join(store.rootUri, 'tree');
    await store.upload(src, uri);
    expect((await server.keys(uri)).sort()).toEqual(['s3://tflyte-unit/root/tree/one.txt', 's3://tflyte-unit/root/tree/sub/two.txt']);
    const dest = path.join(tmp, 'dest');
    expect(await store.download(uri, dest)).toBe('dir');
    expect(fs.readFileSync(path.join(dest, 'sub', 'two.txt'), 'utf8')).toBe('2');
    await store.delete(uri);
    expect(await server.keys(uri)).toEqual([]);
    await store.delete(uri);
  });

  test('check names a missing bucket and refused credentials', async () => {
    const missing = await S3DataStore.open('s3://no-such-bucket', server.connection);
    await expect(missing.check()).rejects.toThrow('the bucket no-such-bucket does not exist: create it first');
    missing.close();
    const wrong = await S3DataStore.open('s3://tflyte-unit', { ...server.connection, secretAccessKey: 'wrong' });
    await expect(wrong.check()).rejects.toThrow(/may not use the bucket tflyte-unit \(403\)/);
    wrong.close();
    await store.check();
  });

  test("a task's blobs: flytekit's variables reach the server; S3 inputs are downloaded once, returned files uploaded", async () => {
    const env = s3ConnectionEnv(server.connection);
    expect(env).toMatchObject({ FLYTE_AWS_ENDPOINT: server.endpoint, FLYTE_AWS_ACCESS_KEY_ID: server.connection.accessKeyId });
    expect(s3ConnectionFromEnv(env)).toEqual(server.connection);
    const blobs = taskBlobs(env);
    await blobs.write('s3://tflyte-unit/root/task/in.txt', new TextEncoder().encode('input'));
    expect(new TextDecoder().decode(await blobs.read('s3://tflyte-unit/root/task/in.txt'))).toBe('input');
    const local = await blobs.localize('s3://tflyte-unit/root/task/in.txt');
    expect(fs.readFileSync(local, 'utf8')).toBe('input');
    expect(path.basename(local)).toBe('in.txt');
    expect(await blobs.localize('s3://tflyte-unit/root/task/in.txt')).toBe(local);
    const out = path.join(tmp, 'result.txt');
    fs.writeFileSync(out, 'output');
    const uri = await blobs.upload(out, 's3://tflyte-unit/root/task/raw');
    expect(uri).toMatch(/^s3:\/\/tflyte-unit\/root\/task\/raw\/[0-9a-f]{12}\/result\.txt$/);
    expect(new TextDecoder().decode(await store.read(uri))).toBe('output');
    await expect(blobs.upload(path.join(tmp, 'nope'), 's3://tflyte-unit/root/task/raw')).rejects.toThrow('which does not exist');
  });
});
