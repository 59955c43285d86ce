/**
 * The console's blob route serves files and directory listings from the blob store, and nothing
 * outside it.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalDataStore } from '../../storage/index.ts';
import { consoleSupportRoutes } from './console-support.ts';

let dir: string;
let store: LocalDataStore;
let server: Server;
let base: string;

const get = (uri: string) => fetch(`${base}/api/v1/blobs?uri=${encodeURIComponent(uri)}`);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-blobs-'));
  store = new LocalDataStore(path.join(dir, 'blobs'));
  await store.write(store.join(store.rootUri, 'raw', 'out', 'message.txt'), new TextEncoder().encode('hello file'));
  await store.write(store.join(store.rootUri, 'raw', 'out', 'data.bin'), Uint8Array.from([0, 1, 2, 255]));
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
  const app = express();
  app.use('/api/v1', consoleSupportRoutes(store));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/blobs', () => {
  test('a text file is served inline as text/plain', async () => {
    const res = await get(store.join(store.rootUri, 'raw', 'out', 'message.txt'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('hello file');
  });

  test('a binary file is a download', async () => {
    const res = await get(store.join(store.rootUri, 'raw', 'out', 'data.bin'));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="data.bin"');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(Uint8Array.from([0, 1, 2, 255]));
  });

  test('a directory is listed as JSON', async () => {
    const res = await get(store.join(store.rootUri, 'raw', 'out'));
    const body = (await res.json()) as { entries: { name: string; size: number; dir: boolean }[] };
    expect(body.entries.map((e) => [e.name, e.size, e.dir]).sort()).toEqual([
      ['data.bin', 4, false],
      ['message.txt', 10, false],
    ]);
  });

  test('outside the store: 400 SBX_STORAGE_OUTSIDE_ROOT; missing: 404; no uri: 400', async () => {
    const outside = await get(pathToFileURL(path.join(dir, 'secret.txt')).href);
    expect(outside.status).toBe(400);
    const body = (await outside.json()) as { error: { code: string } };
    expect(body.error.code).toBe('SBX_STORAGE_OUTSIDE_ROOT');
    const missing = await get(store.join(store.rootUri, 'raw', 'nope.txt'));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('SBX_STORAGE_NOT_FOUND');
    const none = await fetch(`${base}/api/v1/blobs`);
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('SBX_ADMIN_INVALID_ARGUMENT');
  });
});
