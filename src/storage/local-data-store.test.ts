import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { LocalDataStore, toFileUri } from './local-data-store.ts';
import { STORAGE_ERROR_CODES } from './errors.ts';

let tmp: string;
let store: LocalDataStore;

beforeEach(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-store-test-'));
  store = new LocalDataStore(path.join(tmp, 'root'));
});
afterEach(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

const bytes = (s: string) => new TextEncoder().encode(s);

describe('LocalDataStore', () => {
  it('uses file:// URIs whose path is the absolute host path', () => {
    expect(store.rootUri).toBe(`file://${path.join(tmp, 'root')}`);
    const uri = store.join(store.rootUri, 'metadata', 'p', 'd');
    expect(uri).toBe(`file://${path.join(tmp, 'root', 'metadata', 'p', 'd')}`);
    expect(store.localPath(uri)).toBe(path.join(tmp, 'root', 'metadata', 'p', 'd'));
  });

  it('writes, reads, checks existence and deletes', async () => {
    const uri = store.join(store.rootUri, 'a', 'b', 'x.pb');
    expect(await store.exists(uri)).toBe(false);
    await store.write(uri, bytes('hello'));
    expect(await store.exists(uri)).toBe(true);
    expect(new TextDecoder().decode(await store.read(uri))).toBe('hello');
    await store.write(uri, bytes('again'));
    expect(new TextDecoder().decode(await store.read(uri))).toBe('again');
    await store.delete(store.join(store.rootUri, 'a'));
    expect(await store.exists(uri)).toBe(false);
    await store.delete(uri); // missing is fine
  });

  it('leaves no temp files behind after writes', async () => {
    const uri = store.join(store.rootUri, 'd', 'f.pb');
    await Promise.all([1, 2, 3, 4].map((i) => store.write(uri, bytes(`v${i}`))));
    expect(fs.readdirSync(path.join(tmp, 'root', 'd'))).toEqual(['f.pb']);
    expect(new TextDecoder().decode(await store.read(uri))).toMatch(/^v[1-4]$/);
  });

  it('reports a missing blob as SBX_STORAGE_NOT_FOUND', async () => {
    await expect(store.read(store.join(store.rootUri, 'nope.pb'))).rejects.toMatchObject({
      code: STORAGE_ERROR_CODES.NOT_FOUND,
    });
  });

  it.each([
    ['another scheme', 's3://bucket/x'],
    ['a bare path', '/etc/passwd'],
    ['a file URI outside', 'file:///etc/passwd'],
    ['a .. escape', 'ROOT/../escape.pb'],
    ['a .. escape after a name', 'ROOT/sub/../../escape.pb'],
    ['a percent-encoded .. escape', 'ROOT/sub/%2e%2e/%2E%2E/escape.pb'],
    ['a sibling with the root as prefix', 'ROOT-other/x'],
  ])('refuses %s', async (_what, raw) => {
    const uri = raw.replace('ROOT', store.rootUri);
    await expect(store.read(uri)).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.OUTSIDE_ROOT });
    await expect(store.write(uri, bytes('x'))).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.OUTSIDE_ROOT });
    expect(() => store.localPath(uri)).toThrow(expect.objectContaining({ code: STORAGE_ERROR_CODES.OUTSIDE_ROOT }));
  });

  it('reads the same blob through URIs that name it in other spellings', async () => {
    const uri = store.join(store.rootUri, 'spelled', 'a.pb');
    await store.write(uri, bytes('same'));
    for (const other of ['ROOT/spelled/./a.pb', 'ROOT//spelled/a.pb', 'ROOT/x/../spelled/a.pb', 'ROOT/spelled/%61.pb']) {
      const spelled = other.replace('ROOT', store.rootUri);
      expect(new TextDecoder().decode(await store.read(spelled)), other).toBe('same');
      expect(store.localPath(spelled), other).toBe(path.join(tmp, 'root', 'spelled', 'a.pb'));
    }
  });

  it('writes over a dangling link in the store, never through it', async () => {
    const target = path.join(tmp, 'outside-dangling');
    await fsp.symlink(target, path.join(tmp, 'root', 'dangling'));
    await store.write(store.join(store.rootUri, 'dangling'), bytes('x'));
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.lstatSync(path.join(tmp, 'root', 'dangling')).isFile()).toBe(true);
  });

  it('joins as path.join does, plain names or not', () => {
    const base = store.join(store.rootUri, 'base');
    const cases = [[], ['a'], ['a', 'b.pb'], ['a/b'], ['.', 'x'], ['a', '..', 'y'], ['sp ace'], ['.hidden'], ['..x'], ['a', '0', 'outputs.pb']];
    for (const segs of cases) expect(store.join(base, ...segs), segs.join('|')).toBe(toFileUri(path.join(tmp, 'root', 'base', ...segs)));
  });

  it('refuses join segments that climb out of the root', () => {
    expect(() => store.join(store.rootUri, '..', 'x')).toThrow(
      expect.objectContaining({ code: STORAGE_ERROR_CODES.OUTSIDE_ROOT }),
    );
  });

  it('refuses paths through a symlink that leads outside the root', async () => {
    const outside = path.join(tmp, 'outside');
    await fsp.mkdir(outside);
    await fsp.writeFile(path.join(outside, 'secret'), 'secret');
    await fsp.symlink(outside, path.join(tmp, 'root', 'link'));
    const uri = store.join(store.rootUri, 'link', 'secret');
    await expect(store.read(uri)).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.OUTSIDE_ROOT });
    await expect(store.write(store.join(store.rootUri, 'link', 'new'), bytes('x'))).rejects.toMatchObject({
      code: STORAGE_ERROR_CODES.OUTSIDE_ROOT,
    });
    expect(fs.existsSync(path.join(outside, 'new'))).toBe(false);
    // A directory to make on the way is refused before it is made.
    await expect(store.write(store.join(store.rootUri, 'link', 'sub', 'new'), bytes('x'))).rejects.toMatchObject({
      code: STORAGE_ERROR_CODES.OUTSIDE_ROOT,
    });
    expect(fs.existsSync(path.join(outside, 'sub'))).toBe(false);
    expect(() => store.localPath(uri)).toThrow(expect.objectContaining({ code: STORAGE_ERROR_CODES.OUTSIDE_ROOT }));
  });

  it('follows symlinks that stay inside the root', async () => {
    await store.write(store.join(store.rootUri, 'real', 'f'), bytes('in'));
    await fsp.symlink(path.join(tmp, 'root', 'real'), path.join(tmp, 'root', 'alias'));
    expect(new TextDecoder().decode(await store.read(store.join(store.rootUri, 'alias', 'f')))).toBe('in');
  });

  it('uploads files and directories', async () => {
    const src = path.join(tmp, 'src');
    await fsp.mkdir(path.join(src, 'sub'), { recursive: true });
    await fsp.writeFile(path.join(src, 'a.txt'), 'A');
    await fsp.writeFile(path.join(src, 'sub', 'b.txt'), 'B');
    await store.upload(path.join(src, 'a.txt'), store.join(store.rootUri, 'up', 'a.txt'));
    await store.upload(src, store.join(store.rootUri, 'up', 'dir'));
    expect(new TextDecoder().decode(await store.read(store.join(store.rootUri, 'up', 'a.txt')))).toBe('A');
    expect(new TextDecoder().decode(await store.read(store.join(store.rootUri, 'up', 'dir', 'sub', 'b.txt')))).toBe('B');
  });

  it('refuses to delete the root itself', async () => {
    await expect(store.delete(store.rootUri)).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.INVALID_URI });
    expect(fs.existsSync(path.join(tmp, 'root'))).toBe(true);
  });

  it('round-trips paths that need percent-encoding', async () => {
    const uri = store.join(store.rootUri, 'with space', 'ü#%.pb');
    await store.write(uri, bytes('x'));
    expect(fs.existsSync(path.join(tmp, 'root', 'with space', 'ü#%.pb'))).toBe(true);
    expect(await store.exists(uri)).toBe(true);
  });
});

describe('toFileUri', () => {
  it('answers what pathToFileURL does, with or without characters to escape or dot segments', () => {
    const paths = ['/a/b', '/tmp/x-1/y_2/z.pb', '/a b/c', '/a/%41', '/a/é', '/', '/a/./b', '/a/../b', '/a~b/c.d', '/a//b', '/a/b#c', '/a/b?c', '/a/.', '/a/..', '/.x/y', '/a/..b'];
    for (const p of paths) expect(toFileUri(p), p).toBe(pathToFileURL(p).href);
  });
});
