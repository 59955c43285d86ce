import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDataStore } from './local-data-store.ts';
import { attemptRawPrefix, attemptUris, executionPrefix, nodeDataDir, rawDataRoot, uploadUri } from './layout.ts';
import { readProto, readProtoIfExists, writeProto } from './proto-io.ts';
import { STORAGE_ERROR_CODES } from './errors.ts';

const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-layout-test-'));
const store = new LocalDataStore(tmp);
afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

describe('layout', () => {
  it('lays out execution, node and attempt documents like Flyte', () => {
    const wf = executionPrefix(store, { project: 'flytesnacks', domain: 'development', name: 'abc' });
    expect(wf).toBe(`${store.rootUri}/metadata/flytesnacks/development/abc`);
    const data = nodeDataDir(store, wf, 'n0');
    expect(data).toBe(`${wf}/n0/data`);
    const a = attemptUris(store, data, 1);
    expect(a).toEqual({
      dir: `${data}/1`,
      inputs: `${data}/inputs.pb`,
      outputs: `${data}/1/outputs.pb`,
      error: `${data}/1/error.pb`,
      futures: `${data}/1/futures.pb`,
      deck: `${data}/1/deck.html`,
    });
  });

  it('shards raw prefixes and hashes long ids', () => {
    const raw = rawDataRoot(store);
    const short = attemptRawPrefix(store, raw, { execution: 'abc', nodeId: 'n0', attempt: 0 });
    expect(short).toMatch(new RegExp(`^${raw}/[0-9a-f]{2}/abc-n0-0$`));
    const long = attemptRawPrefix(store, raw, { execution: 'x'.repeat(40), nodeId: 'y'.repeat(40), attempt: 2 });
    expect(long).toMatch(new RegExp(`^${raw}/[0-9a-f]{2}/[0-9a-f]{32}$`));
  });

  it('refuses names that would change the directory structure', () => {
    expect(() => executionPrefix(store, { project: '..', domain: 'd', name: 'e' })).toThrow(
      expect.objectContaining({ code: STORAGE_ERROR_CODES.INVALID_URI }),
    );
    expect(() => nodeDataDir(store, store.rootUri, 'a/b')).toThrow(expect.objectContaining({ code: STORAGE_ERROR_CODES.INVALID_URI }));
    expect(() => uploadUri(store, { project: 'p', domain: 'd', folder: '', filename: 'x' })).toThrow(expect.objectContaining({ code: STORAGE_ERROR_CODES.INVALID_URI }));
    expect(uploadUri(store, { project: 'p', domain: 'd', folder: 'f', filename: 'sub/a.txt' })).toBe(`${store.rootUri}/uploads/p/d/f/sub/a.txt`);
  });
});

describe('proto documents', () => {
  it('writes and reads a LiteralMap', async () => {
    const uri = store.join(store.rootUri, 'docs', 'outputs.pb');
    await writeProto(store, uri, 'flyteidl.core.LiteralMap', {
      literals: { o0: { scalar: { primitive: { integer: 52 } } } },
    });
    const back = await readProto<{ literals: Record<string, unknown> }>(store, uri, 'flyteidl.core.LiteralMap');
    expect(back).toEqual({ literals: { o0: { scalar: { primitive: { integer: '52' } } } } });
  });

  it('reports missing and corrupt documents distinctly', async () => {
    const missing = store.join(store.rootUri, 'docs', 'missing.pb');
    expect(await readProtoIfExists(store, missing, 'flyteidl.core.LiteralMap')).toBeUndefined();
    const bad = store.join(store.rootUri, 'docs', 'bad.pb');
    await store.write(bad, new Uint8Array([0xff, 0xff, 0xff]));
    await expect(readProto(store, bad, 'flyteidl.core.LiteralMap')).rejects.toMatchObject({
      code: STORAGE_ERROR_CODES.CORRUPT_DOCUMENT,
    });
  });
});
