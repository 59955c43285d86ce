import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendPayload, PayloadError, readOwnPayload, readPayload } from './binary-payload.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fake executable (some bytes) with a payload of `entries` (name → content). */
function binaryWith(entries: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-'));
  dirs.push(dir);
  const bin = path.join(dir, 'bin');
  fs.writeFileSync(bin, Buffer.from('\x7fELF executable bytes'));
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries(entries)) {
    files[name] = path.join(dir, `entry-${Object.keys(files).length}`);
    fs.writeFileSync(files[name], content);
  }
  appendPayload(bin, files);
  return bin;
}

describe('binary payload', () => {
  it('reads back what the build appended, leaves the executable bytes as they were, and skips names it lacks', () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const bin = binaryWith({ 'a.cjs': 'console.log(1)', 'b.codecache': big, empty: '' });
    expect(fs.readFileSync(bin).subarray(0, 21).toString('latin1')).toBe('\x7fELF executable bytes');
    const got = readPayload(bin, ['a.cjs', 'b.codecache', 'empty', 'missing']);
    expect(got['a.cjs']?.toString()).toBe('console.log(1)');
    expect(got['b.codecache']?.equals(big)).toBe(true);
    expect(got.empty?.length).toBe(0);
    expect(Object.keys(got)).not.toContain('missing');
  });

  it('reads an entry into given memory when it fits, and into fresh memory when it does not', () => {
    const bin = binaryWith({ small: 'abc', large: Buffer.alloc(64, 9) });
    const into = Buffer.alloc(16, 0);
    const small = readPayload(bin, ['small'], into).small;
    expect(small?.toString()).toBe('abc');
    expect(small?.buffer).toBe(into.buffer);
    expect(into.subarray(0, 3).toString()).toBe('abc');
    const large = readPayload(bin, ['large'], into).large;
    expect(large?.equals(Buffer.alloc(64, 9))).toBe(true);
    expect(large?.buffer).not.toBe(into.buffer);
    expect(() => readPayload(bin, ['small', 'large'], into)).toThrow(/one name at a time/);
  });

  it('refuses a binary without a payload, cut short, or with a damaged index, naming the file', () => {
    const plain = binaryWith({});
    fs.writeFileSync(plain, 'no payload here, just bytes of an executable');
    expect(() => readPayload(plain, ['a'])).toThrow(PayloadError);
    expect(() => readPayload(plain, ['a'])).toThrow(`${plain} is incomplete or damaged (no payload trailer at its end)`);

    const cut = binaryWith({ a: 'x'.repeat(1000) });
    fs.truncateSync(cut, fs.statSync(cut).size - 5);
    expect(() => readPayload(cut, ['a'])).toThrow(PayloadError);

    const tiny = binaryWith({});
    fs.writeFileSync(tiny, 'ab');
    expect(() => readPayload(tiny, ['a'])).toThrow(/lies beyond its end/);

    const damaged = binaryWith({ a: 'xyz' });
    const bytes = fs.readFileSync(damaged);
    const indexAt = bytes.indexOf('{"a":');
    bytes.write('!', indexAt, 'latin1');
    fs.writeFileSync(damaged, bytes);
    expect(() => readPayload(damaged, ['a'])).toThrow(/an unreadable payload index/);
  });

  it('refuses an index that points past the end', () => {
    const bin = binaryWith({ a: 'xyz' });
    const bytes = fs.readFileSync(bin);
    const at = bytes.indexOf('{"a":[');
    // The same index length, with an offset past the end of the file.
    const fake = Buffer.from(bytes.toString('latin1').replace(/\{"a":\[(\d+),3\]\}/, (_m, offset: string) => `{"a":[${'9'.repeat(offset.length)},3]}`), 'latin1');
    expect(at).toBeGreaterThan(0);
    fs.writeFileSync(bin, fake);
    expect(() => readPayload(bin, ['a'])).toThrow(/a lies beyond its end/);
  });

  it('a process whose executable has no payload (Node itself here) gets that error, after looking at its mapped files', () => {
    expect(() => readOwnPayload(['tflyte-sandbox.cjs'])).toThrow(`${process.execPath} is incomplete or damaged (no payload trailer at its end)`);
  });
});
