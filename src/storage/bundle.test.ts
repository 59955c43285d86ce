import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBundle, extractBundle } from './bundle.ts';
import { STORAGE_ERROR_CODES } from './errors.ts';

let tmp: string;
beforeEach(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-bundle-test-'));
});
afterEach(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

async function writeProject(dir: string): Promise<void> {
  await fsp.mkdir(path.join(dir, 'lib'), { recursive: true });
  await fsp.mkdir(path.join(dir, 'node_modules', 'x'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'wf.ts'), 'export const a = 1;\n');
  await fsp.writeFile(path.join(dir, 'lib', 'util.ts'), 'export const b = 2;\n');
  await fsp.writeFile(path.join(dir, 'notes.md'), 'not code');
  await fsp.writeFile(path.join(dir, 'node_modules', 'x', 'index.js'), 'dep');
}

describe('code bundles', () => {
  it('packs a project deterministically and extracts it', async () => {
    const proj = path.join(tmp, 'proj');
    await writeProject(proj);
    const b1 = await createBundle({ rootDir: proj });
    expect(b1.files).toEqual(['lib/util.ts', 'wf.ts']);
    expect(b1.sha256).toMatch(/^[0-9a-f]{64}$/);

    // Different mtimes and creation order must not change the bytes.
    await fsp.utimes(path.join(proj, 'wf.ts'), new Date(), new Date(2001, 1, 1));
    const b2 = await createBundle({
      files: [
        { absPath: path.join(proj, 'wf.ts'), relPath: 'wf.ts' },
        { absPath: path.join(proj, 'lib', 'util.ts'), relPath: 'lib/util.ts' },
      ],
    });
    expect(b2.sha256).toBe(b1.sha256);

    const out = path.join(tmp, 'out');
    const written = await extractBundle(b1.bytes, out);
    expect(written.sort()).toEqual(['lib/util.ts', 'wf.ts']);
    expect(fs.readFileSync(path.join(out, 'lib', 'util.ts'), 'utf8')).toBe('export const b = 2;\n');

    const onDisk = path.join(tmp, 'b.tar.gz');
    await fsp.writeFile(onDisk, b1.bytes);
    await extractBundle(onDisk, path.join(tmp, 'out2'));
    expect(fs.readFileSync(path.join(tmp, 'out2', 'wf.ts'), 'utf8')).toBe('export const a = 1;\n');
  });

  it('changes the hash when content changes', async () => {
    const f = path.join(tmp, 'a.ts');
    await fsp.writeFile(f, '1');
    const a = await createBundle({ files: [{ absPath: f, relPath: 'a.ts' }] });
    await fsp.writeFile(f, '2');
    const b = await createBundle({ files: [{ absPath: f, relPath: 'a.ts' }] });
    expect(a.sha256).not.toBe(b.sha256);
  });

  it.each(['../x.ts', '/abs.ts', 'a/../../b.ts', 'a\\b.ts'])('refuses to pack relPath %s', async (relPath) => {
    const f = path.join(tmp, 'a.ts');
    await fsp.writeFile(f, '1');
    await expect(createBundle({ files: [{ absPath: f, relPath }] })).rejects.toMatchObject({
      code: STORAGE_ERROR_CODES.UNSAFE_BUNDLE,
    });
  });

  async function maliciousTar(entries: string[], cwd: string): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    for await (const c of create({ gzip: true, cwd, preservePaths: true }, entries) as AsyncIterable<Buffer>) chunks.push(c);
    return new Uint8Array(Buffer.concat(chunks));
  }

  it('refuses archives whose entries climb out with ..', async () => {
    const work = path.join(tmp, 'a', 'b');
    await fsp.mkdir(work, { recursive: true });
    await fsp.writeFile(path.join(tmp, 'a', 'evil.txt'), 'evil');
    await fsp.writeFile(path.join(work, 'ok.txt'), 'ok');
    const bytes = await maliciousTar(['ok.txt', '../evil.txt'], work);
    const dest = path.join(tmp, 'dest', 'inner');
    await expect(extractBundle(bytes, dest)).rejects.toMatchObject({ code: STORAGE_ERROR_CODES.UNSAFE_BUNDLE });
    expect(fs.existsSync(path.join(tmp, 'dest', 'evil.txt'))).toBe(false);
    expect(fs.existsSync(path.join(dest, 'ok.txt'))).toBe(false); // nothing written at all
  });

  it('refuses archives with absolute paths', async () => {
    const abs = path.join(tmp, 'abs-target.txt');
    await fsp.writeFile(abs, 'x');
    const bytes = await maliciousTar([abs], tmp);
    await fsp.rm(abs);
    await expect(extractBundle(bytes, path.join(tmp, 'dest'))).rejects.toMatchObject({
      code: STORAGE_ERROR_CODES.UNSAFE_BUNDLE,
    });
    expect(fs.existsSync(abs)).toBe(false);
  });

  it('refuses archives holding symlinks', async () => {
    const work = path.join(tmp, 'w');
    await fsp.mkdir(work);
    await fsp.symlink('/etc', path.join(work, 'etc-link'));
    const bytes = await maliciousTar(['etc-link'], work);
    await expect(extractBundle(bytes, path.join(tmp, 'dest'))).rejects.toMatchObject({
      code: STORAGE_ERROR_CODES.UNSAFE_BUNDLE,
    });
  });

  it('refuses bytes that are not a tar.gz', async () => {
    await expect(extractBundle(new Uint8Array([1, 2, 3]), path.join(tmp, 'dest'))).rejects.toMatchObject({
      code: STORAGE_ERROR_CODES.UNSAFE_BUNDLE,
    });
  });
});
