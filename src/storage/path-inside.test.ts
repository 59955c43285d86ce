import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveDeepestExisting } from './path-inside.ts';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-path-inside-')));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A symbolic link, once (each mode of the suite sets the same fixture up). */
function link(target: string, at: string): void {
  if (!fs.lstatSync(at, { throwIfNoEntry: false })) fs.symlinkSync(target, at);
}

describe.each([false, true])('resolveDeepestExisting (likelyExists: %s)', (likelyExists) => {
  const resolve = (p: string) => resolveDeepestExisting(p, likelyExists);
  test('counts the trailing names that do not exist yet, resolving links on the way', () => {
    fs.mkdirSync(path.join(tmp, 'real', 'dir'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'real', 'dir', 'f'), 'x');
    link(path.join(tmp, 'real'), path.join(tmp, 'alias'));
    expect(resolve(path.join(tmp, 'alias', 'dir', 'f'))).toEqual({ real: path.join(tmp, 'real', 'dir', 'f'), missing: 0 });
    expect(resolve(path.join(tmp, 'alias', 'dir', 'g'))).toEqual({ real: path.join(tmp, 'real', 'dir', 'g'), missing: 1 });
    expect(resolve(path.join(tmp, 'alias', 'new', 'sub', 'g'))).toEqual({ real: path.join(tmp, 'real', 'new', 'sub', 'g'), missing: 3 });
  });

  test('a dangling link, and a loop of links, count as missing names', () => {
    link(path.join(tmp, 'nowhere'), path.join(tmp, 'dangling'));
    link(path.join(tmp, 'loop-b'), path.join(tmp, 'loop-a'));
    link(path.join(tmp, 'loop-a'), path.join(tmp, 'loop-b'));
    expect(resolve(path.join(tmp, 'dangling'))).toEqual({ real: path.join(tmp, 'dangling'), missing: 1 });
    expect(resolve(path.join(tmp, 'loop-a', 'x'))).toEqual({ real: path.join(tmp, 'loop-a', 'x'), missing: 2 });
  });
});
