import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDataStore } from '../../storage/local-data-store.ts';
import { confinedTo, copyConfined, documentStates, readConfinedText, UnsafeOutputError } from './output-guard.ts';

let tmp: string;
let store: LocalDataStore;
let outside: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-guard-'));
  store = new LocalDataStore(path.join(tmp, 'store'));
  outside = path.join(tmp, 'host-secret.txt');
  fs.writeFileSync(outside, 'secret');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('attempt documents', () => {
  it('are regular files of the attempt directory, never links', async () => {
    const dir = store.join(store.rootUri, 'metadata', 'e', 'n0', 'data', '0');
    const dirPath = store.localPath(dir);
    fs.mkdirSync(dirPath, { recursive: true });
    fs.writeFileSync(path.join(dirPath, 'outputs.pb'), 'abc');
    fs.symlinkSync(outside, path.join(dirPath, 'error.pb'));
    fs.mkdirSync(path.join(dirPath, 'futures.pb'));
    fs.symlinkSync('outputs.pb', path.join(dirPath, 'deck.pb'));
    const names = ['outputs.pb', 'error.pb', 'deck.pb', 'futures.pb', 'deck.html'];
    expect(await documentStates(store, names.map((n) => store.join(dir, n)), dir)).toEqual([
      { kind: 'file', size: 3 },
      { kind: 'unsafe', why: 'it is a symbolic link' },
      { kind: 'unsafe', why: 'it is a symbolic link' },
      { kind: 'unsafe', why: 'it is not a regular file' },
      { kind: 'missing' },
    ]);
    // Only files directly inside the attempt's own directory.
    const other = store.join(store.rootUri, 'metadata', 'e', 'n1', 'data', '0', 'outputs.pb');
    expect(await documentStates(store, [other, 'file:///etc/passwd', 's3://b/k'], dir)).toEqual([
      { kind: 'unsafe', why: "it is not inside the attempt's own directory" },
      { kind: 'unsafe', why: "it is not inside the attempt's own directory" },
      { kind: 'unsafe', why: 'it is not a file of the data store' },
    ]);
    // An attempt directory that is a link out of the store is refused whatever it holds.
    const linked = store.join(store.rootUri, 'metadata', 'e', 'n2');
    fs.symlinkSync(path.dirname(outside), store.localPath(store.join(store.rootUri, 'metadata', 'e')) + '/n2');
    expect(await documentStates(store, [store.join(linked, 'outputs.pb')], linked)).toEqual([{ kind: 'unsafe', why: 'its directory resolves outside the data store' }]);
  });
});

describe('output URIs', () => {
  it('must resolve inside one of the given roots', async () => {
    const own = store.join(store.rootUri, 'raw', 'aa', 'mine');
    const other = store.join(store.rootUri, 'raw', 'bb', 'theirs');
    fs.mkdirSync(store.localPath(own), { recursive: true });
    fs.mkdirSync(store.localPath(other), { recursive: true });
    fs.writeFileSync(path.join(store.localPath(own), 'f'), 'x');
    fs.writeFileSync(path.join(store.localPath(other), 'g'), 'y');
    fs.symlinkSync(path.join(store.localPath(other), 'g'), path.join(store.localPath(own), 'sneaky'));
    expect(await confinedTo(store, store.join(own, 'f'), [own])).toBe(true);
    expect(await confinedTo(store, store.join(other, 'g'), [own])).toBe(false);
    expect(await confinedTo(store, store.join(own, 'sneaky'), [own])).toBe(false);
    expect(await confinedTo(store, store.join(own, 'missing'), [own])).toBe(false);
    expect(await confinedTo(store, `file://${outside}`, [own])).toBe(false);
    expect(await confinedTo(store, 's3://bucket/key', [own])).toBe(true);
  });
});

describe('copying raw container outputs', () => {
  it('dereferences links inside the output directory and refuses links out of it', async () => {
    const out = path.join(tmp, 'outputs');
    fs.mkdirSync(path.join(out, 'd', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(out, 'd', 'a.txt'), 'a');
    fs.symlinkSync('a.txt', path.join(out, 'd', 'b.txt'));
    await copyConfined(path.join(out, 'd'), path.join(tmp, 'copy1'), out, { left: 100 }, 'output d');
    expect(fs.readFileSync(path.join(tmp, 'copy1', 'b.txt'), 'utf8')).toBe('a');
    expect(fs.lstatSync(path.join(tmp, 'copy1', 'b.txt')).isSymbolicLink()).toBe(false);

    fs.symlinkSync(outside, path.join(out, 'd', 'sub', 'host'));
    await expect(copyConfined(path.join(out, 'd'), path.join(tmp, 'copy2'), out, { left: 100 }, 'output d')).rejects.toThrow(
      /output d contains sub\/host, a link to .*host-secret\.txt, outside the task's output directory/,
    );
    fs.symlinkSync(outside, path.join(out, 'f'));
    await expect(copyConfined(path.join(out, 'f'), path.join(tmp, 'copy3'), out, { left: 100 }, 'output f')).rejects.toThrow(/output f is a link to/);
  });

  it('stops at the byte budget and at link cycles', async () => {
    const out = path.join(tmp, 'outputs');
    fs.mkdirSync(path.join(out, 'd'), { recursive: true });
    fs.writeFileSync(path.join(out, 'd', 'big'), Buffer.alloc(1000));
    await expect(copyConfined(path.join(out, 'd'), path.join(tmp, 'c'), out, { left: 999 }, 'output d')).rejects.toThrow(/larger than the limit/);
    fs.symlinkSync('.', path.join(out, 'd', 'loop'));
    await expect(copyConfined(path.join(out, 'd'), path.join(tmp, 'c2'), out, { left: 1e9 }, 'output d')).rejects.toThrow(/output d contains loop, a link back to a directory that contains it/);
    expect(UnsafeOutputError.name).toBe('UnsafeOutputError');
  });

  it('reads scalar outputs only from inside the directory, within the limit', async () => {
    const out = path.join(tmp, 'outputs');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'n'), '42');
    fs.symlinkSync(outside, path.join(out, 's'));
    expect(await readConfinedText(path.join(out, 'n'), out, 10, 'output n')).toBe('42');
    await expect(readConfinedText(path.join(out, 's'), out, 10, 'output s')).rejects.toThrow(/output s is a link to/);
    await expect(readConfinedText(path.join(out, 'n'), out, 1, 'output n')).rejects.toThrow(/more than the limit of 1/);
  });
});
