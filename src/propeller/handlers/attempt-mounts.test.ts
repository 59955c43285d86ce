import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDataStore } from '../../storage/local-data-store.ts';
import { attemptMounts } from './attempt-mounts.ts';

let tmp: string;
let store: LocalDataStore;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-mounts-'));
  store = new LocalDataStore(path.join(tmp, 'store'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const put = (uri: string, dir = false): string => {
  const p = store.localPath(uri);
  if (dir) fs.mkdirSync(p, { recursive: true });
  else {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, 'x');
  }
  return p;
};

describe('attemptMounts', () => {
  it('mounts only what the attempt needs: inputs, input blobs and bundle read-only, its own areas read-write', async () => {
    const root = store.rootUri;
    const data = store.join(root, 'metadata', 'p', 'd', 'e1', 'n1', 'data');
    const inputsUri = store.join(data, 'inputs.pb');
    const bundle = store.join(root, 'bundles', `${'a'.repeat(64)}.tar.gz`);
    const file = store.join(root, 'raw', 'aa', 'e1-n0-0', 'x', 'f.csv');
    const dir = store.join(root, 'raw', 'bb', 'e1-n0-0', 'y');
    for (const u of [inputsUri, bundle, file]) put(u);
    put(dir, true);
    put(store.join(root, 'metadata', 'p', 'd', 'other', 'n0', 'data', 'inputs.pb'));
    const mounts = attemptMounts(store, {
      inputsUri,
      inputs: { literals: { f: { scalar: { blob: { uri: file } } }, l: { collection: { literals: [{ scalar: { blob: { uri: dir } } }, { scalar: { blob: { uri: 's3://b/k' } } }] } } } },
      attemptDir: store.join(data, '0'),
      rawPrefix: store.join(root, 'raw', 'cc', 'e1-n1-0'),
      argv: ['tflyte-sandbox', 'execute', '--inputs', inputsUri, '--bundle', bundle, '--output-prefix', store.join(data, '0')],
      rawRoot: store.join(root, 'raw'),
    });
    const p = (u: string) => store.localPath(u);
    expect(mounts).toEqual([
      { hostPath: p(store.join(data, '0')), containerPath: p(store.join(data, '0')), readOnly: false },
      { hostPath: p(store.join(root, 'raw', 'cc', 'e1-n1-0')), containerPath: p(store.join(root, 'raw', 'cc', 'e1-n1-0')), readOnly: false },
      ...[p(dir), p(inputsUri), p(file), p(bundle)].sort((a, b) => a.length - b.length).map((h) => ({ hostPath: h, containerPath: h, readOnly: true })),
    ]);
    expect(fs.statSync(p(store.join(data, '0'))).isDirectory()).toBe(true);
    expect(mounts.some((m) => m.hostPath === store.localPath(store.rootUri))).toBe(false);
  });

  it("mounts the producing attempts' raw areas instead of each of many blobs", async () => {
    const root = store.rootUri;
    const blobs = Array.from({ length: 150 }, (_, i) => store.join(root, 'raw', i % 2 ? 'aa' : 'bb', `e-n${i % 2}-0`, `f${i}`));
    for (const b of blobs) put(b);
    const inputsUri = put(store.join(root, 'metadata', 'e', 'n9', 'data', 'inputs.pb')) && store.join(root, 'metadata', 'e', 'n9', 'data', 'inputs.pb');
    const mounts = attemptMounts(store, {
      inputsUri,
      inputs: { literals: { l: { collection: { literals: blobs.map((uri) => ({ scalar: { blob: { uri } } })) } } } },
      attemptDir: store.join(root, 'metadata', 'e', 'n9', 'data', '0'),
      rawPrefix: store.join(root, 'raw', 'cc', 'e-n9-0'),
      argv: [],
      rawRoot: store.join(root, 'raw'),
    });
    const ro = mounts.filter((m) => m.readOnly).map((m) => path.relative(store.rootPath, m.hostPath)).sort();
    expect(ro).toEqual(['metadata/e/n9/data/inputs.pb', 'raw/aa/e-n1-0', 'raw/bb/e-n0-0']);
  });
});
