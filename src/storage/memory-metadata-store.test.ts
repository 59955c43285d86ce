import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DataStore } from './data-store.ts';
import { STORAGE_ERROR_CODES } from './errors.ts';
import { LocalDataStore } from './local-data-store.ts';
import { MemoryMetadataStore } from './memory-metadata-store.ts';

let tmp: string;
let store: MemoryMetadataStore;
const root = (): string => path.join(tmp, 'root');

beforeEach(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-memory-store-test-'));
  store = new MemoryMetadataStore(new LocalDataStore(root()));
});
afterEach(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('MemoryMetadataStore', () => {
  it('keeps documents under metadata/ in memory, with the disk store\'s URIs', async () => {
    const uri = store.join(store.rootUri, 'metadata', 'p', 'd', 'exec', 'n0', 'data', 'inputs.pb');
    expect(uri).toBe(`file://${root()}/metadata/p/d/exec/n0/data/inputs.pb`);
    expect(store.holds(uri)).toBe(true);
    expect(store.holds(path.join(root(), 'metadata', 'x'))).toBe(true);
    await store.write(uri, bytes('doc'));
    expect(text(await store.read(uri))).toBe('doc');
    // Nothing of it on the disk: no directory, no file.
    expect(fs.existsSync(path.join(root(), 'metadata'))).toBe(false);
    expect((store as DataStore).localPath).toBeUndefined();
  });

  it('sends everything else to the disk', async () => {
    const raw = store.join(store.rootUri, 'raw', 'ab', 'file.txt');
    expect(store.holds(raw)).toBe(false);
    await store.write(raw, bytes('data'));
    expect(fs.readFileSync(path.join(root(), 'raw', 'ab', 'file.txt'), 'utf8')).toBe('data');
    expect(text(await store.read(raw))).toBe('data');
  });

  it('answers exists, stat and list as a directory tree would', async () => {
    const exec = store.join(store.rootUri, 'metadata', 'p', 'd', 'exec');
    await store.write(store.join(exec, 'inputs.pb'), bytes('12345'));
    await store.write(store.join(exec, 'n0', 'data', 'inputs.pb'), bytes('1'));
    expect(await store.exists(exec)).toBe(true);
    expect(await store.exists(store.join(exec, 'n0'))).toBe(true);
    expect(await store.exists(store.join(exec, 'n1'))).toBe(false);
    expect(await store.stat(store.join(exec, 'inputs.pb'))).toEqual({ kind: 'file', size: 5 });
    expect(await store.stat(store.join(exec, 'n0'))).toEqual({ kind: 'dir', size: 0 });
    expect(await store.stat(store.join(exec, 'nope.pb'))).toBeUndefined();
    const listed = await store.list(exec, 10);
    expect(listed.map((e) => [e.name, e.dir, e.size]).sort()).toEqual([
      ['inputs.pb', false, 5],
      ['n0', true, 0],
    ]);
    await expect(store.list(store.join(exec, 'n9'), 10)).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.NOT_FOUND });
  });

  it('reports a missing document as SBX_STORAGE_NOT_FOUND and refuses to write over a directory', async () => {
    const exec = store.join(store.rootUri, 'metadata', 'exec');
    await expect(store.read(store.join(exec, 'outputs.pb'))).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.NOT_FOUND });
    await store.write(store.join(exec, 'n0', 'outputs.pb'), bytes('x'));
    await expect(store.write(store.join(exec, 'n0'), bytes('y'))).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.INVALID_URI });
  });

  it('keeps a copy: changing the written or the read buffer changes nothing stored', async () => {
    const uri = store.join(store.rootUri, 'metadata', 'x.pb');
    const b = bytes('abc');
    await store.write(uri, b);
    b[0] = 0;
    (await store.read(uri))[1] = 0;
    expect(text(await store.read(uri))).toBe('abc');
  });

  it('deletes a document or a whole prefix', async () => {
    const exec = store.join(store.rootUri, 'metadata', 'exec');
    await store.write(store.join(exec, 'a', 'x.pb'), bytes('x'));
    await store.write(store.join(exec, 'b', 'y.pb'), bytes('y'));
    await store.delete(store.join(exec, 'a'));
    expect(await store.exists(store.join(exec, 'a'))).toBe(false);
    expect(await store.exists(store.join(exec, 'b', 'y.pb'))).toBe(true);
    await store.delete(store.join(exec, 'b', 'y.pb'));
    expect(await store.exists(exec)).toBe(false);
  });

  it('confines by name in memory and by real path on the disk', async () => {
    const dir = store.join(store.rootUri, 'metadata', 'exec', 'n0', 'data', '0');
    // As in an object store, a document not written yet is inside its attempt's directory.
    expect(await store.within(store.join(dir, 'outputs.pb'), [dir])).toBe(true);
    expect(await store.within(store.join(store.rootUri, 'metadata', 'exec', 'n1', 'outputs.pb'), [dir])).toBe(false);
    expect(await store.within(`file://${root()}/metadata/exec/n0/data/0/../../../n1/x.pb`, [dir])).toBe(false);
    // On the disk, a link leading out is caught as by the disk store.
    fs.mkdirSync(path.join(root(), 'raw'), { recursive: true });
    fs.symlinkSync('/etc', path.join(root(), 'raw', 'out'));
    const raw = store.join(store.rootUri, 'raw');
    expect(await store.within(store.join(raw, 'out', 'passwd'), [raw])).toBe(false);
  });

  it.each([
    ['another scheme', 's3://bucket/x'],
    ['a file URI outside', 'file:///etc/passwd'],
    ['a traversal out of the root', `file:///tmp/../etc/passwd`],
  ])('rejects %s as outside the root', async (_what, uri) => {
    expect(store.holds(uri)).toBe(false);
    expect(store.contains(uri)).toBe(false);
    await expect(store.read(uri)).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.OUTSIDE_ROOT });
    await expect(store.write(uri, bytes('x'))).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.OUTSIDE_ROOT });
  });

  it('uploads a local directory into memory file by file', async () => {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'A');
    fs.writeFileSync(path.join(src, 'sub', 'b.txt'), 'B');
    const dest = store.join(store.rootUri, 'metadata', 'up');
    await store.upload(src, dest);
    expect(text(await store.read(store.join(dest, 'a.txt')))).toBe('A');
    expect(text(await store.read(store.join(dest, 'sub', 'b.txt')))).toBe('B');
  });
});
