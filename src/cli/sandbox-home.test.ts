/**
 * The machine-wide list of running sandboxes (what `teardown` consults before removing the shared
 * runtime images) and `isAlive`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DEFAULT_REUSE, ensureConfigFile, forgetRunning, isAlive, otherRunningSandboxes, recordRunning, runningRegistryDir, validateConfig, writeState } from './sandbox-home.ts';

let tmp: string;
let savedTmpdir: string | undefined;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-home-test-'));
  savedTmpdir = process.env.TMPDIR;
  // os.tmpdir() follows TMPDIR: the registry of this test is private.
  process.env.TMPDIR = tmp;
});

afterEach(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A data dir whose sandbox.json names `pid`, as a running daemon's does. */
function dataDir(name: string, pid: number): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  writeState(d, { pid, port: 1, host: '127.0.0.1', launcher: 'process', url: 'http://127.0.0.1:1', startedAt: '', version: '0' });
  return d;
}

describe('running-sandbox list', () => {
  test('lists other live sandboxes, not the asking one, in a sticky shared directory', () => {
    const mine = dataDir('mine', process.pid);
    const other = dataDir('other', process.pid);
    recordRunning(mine, { pid: process.pid, url: 'http://127.0.0.1:1' });
    recordRunning(other, { pid: process.pid, url: 'http://127.0.0.1:2' });
    expect(otherRunningSandboxes(mine).map((e) => e.dataDir)).toEqual([other]);
    expect(otherRunningSandboxes(other).map((e) => e.dataDir)).toEqual([mine]);
    expect(fs.statSync(runningRegistryDir()).mode & 0o1777).toBe(0o1777);
  });

  test('forgetRunning removes the entry', () => {
    const a = dataDir('a', process.pid);
    const b = dataDir('b', process.pid);
    recordRunning(a, { pid: process.pid, url: '' });
    forgetRunning(a);
    expect(otherRunningSandboxes(b)).toEqual([]);
  });

  test('drops entries of dead daemons, and of live pids that are no longer that data dir daemon', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const gone = dataDir('gone', dead);
    recordRunning(gone, { pid: dead, url: '' });
    const reused = dataDir('reused', process.ppid);
    recordRunning(reused, { pid: process.pid, url: '' });
    const asker = dataDir('asker', process.pid);
    expect(otherRunningSandboxes(asker)).toEqual([]);
    expect(fs.readdirSync(runningRegistryDir())).toEqual([]);
  });
});

describe('isAlive', () => {
  test('this process is alive; an exited one is not', () => {
    expect(isAlive(process.pid)).toBe(true);
    const pid = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(isAlive(pid)).toBe(false);
  });
});

describe('the default config', () => {
  test('sandbox/config.yaml is exactly what start writes into a new data dir', () => {
    ensureConfigFile(tmp);
    const written = fs.readFileSync(path.join(tmp, 'config.yaml'), 'utf8');
    const shipped = fs.readFileSync(path.resolve(import.meta.dirname, '../../sandbox/config.yaml'), 'utf8');
    expect(shipped).toBe(written);
    expect(written).toContain('# launcher: "docker"');
  });
});

describe('saveSetting', () => {
  test('records a setting in config.yaml, keeps the comments, and loadConfig reads it back', async () => {
    const { loadConfig, saveSetting } = await import('./sandbox-home.ts');
    ensureConfigFile(tmp);
    await saveSetting(tmp, 'port', 30990);
    const text = fs.readFileSync(path.join(tmp, 'config.yaml'), 'utf8');
    expect(text).toContain('# tflyte-sandbox settings; command-line flags override them.');
    expect(text).toContain('# launcher: "docker"');
    expect(text).toMatch(/^port: 30990$/m);
    expect((await loadConfig(tmp)).port).toBe(30990);
    await saveSetting(tmp, 'port', 30991);
    expect(fs.readFileSync(path.join(tmp, 'config.yaml'), 'utf8').match(/^port:/gm)).toHaveLength(1);
    expect((await loadConfig(tmp)).port).toBe(30991);
  });

  test('never rewrites a config.yaml that does not parse', async () => {
    const { saveSetting } = await import('./sandbox-home.ts');
    fs.writeFileSync(path.join(tmp, 'config.yaml'), 'port: [unclosed\n');
    await saveSetting(tmp, 'port', 30990);
    expect(fs.readFileSync(path.join(tmp, 'config.yaml'), 'utf8')).toBe('port: [unclosed\n');
  });
});

describe('the security and fault settings', () => {
  test('are validated with errors that name the setting', async () => {
    const { validateConfig } = await import('./sandbox-home.ts');
    expect(
      validateConfig(
        { allowedHosts: ['My-Box.local'], expose: true, taskResourceDefaults: { cpu: '500m', memory: '2Gi' }, taskUser: '1000:1000', maxTaskOutputBytes: 10, requestTimeoutSeconds: 5, engineWaitSeconds: 60 },
        'config.yaml',
      ),
    ).toEqual({ allowedHosts: ['my-box.local'], expose: true, taskResourceDefaults: { cpu: '500m', memory: '2Gi' }, taskUser: '1000:1000', maxTaskOutputBytes: 10, requestTimeoutSeconds: 5, engineWaitSeconds: 60 });
    for (const [bad, msg] of [
      [{ allowedHosts: 'x' }, /allowedHosts must be a list/],
      [{ expose: 'yes' }, /expose must be true or false/],
      [{ taskResourceDefaults: { cpu: 'lots' } }, /taskResourceDefaults\.cpu must be cores/],
      [{ taskResourceDefaults: { memory: '1 GB' } }, /taskResourceDefaults\.memory must be a quantity/],
      [{ taskUser: 'root' }, /taskUser must be "uid:gid"/],
      [{ requestTimeoutSeconds: 0 }, /requestTimeoutSeconds must be an integer from 1/],
      [{ engineWaitSeconds: -1 }, /engineWaitSeconds must be an integer from 1/],
      [{ maxRunningTasks: -3 }, /maxRunningTasks must be an integer from 0/],
    ] as const) {
      expect(() => validateConfig(bad as Record<string, unknown>, 'config.yaml'), JSON.stringify(bad)).toThrow(msg);
    }
  });
});

describe('maxRunningTasks', () => {
  test('0 means 4 per core, at least 16; a number is taken as it is', async () => {
    const { runningTaskLimit, validateConfig } = await import('./sandbox-home.ts');
    expect(validateConfig({ maxRunningTasks: 3 }, 'config.yaml')).toEqual({ maxRunningTasks: 3 });
    expect(runningTaskLimit({ maxRunningTasks: 3 }, 2)).toBe(3);
    expect(runningTaskLimit({ maxRunningTasks: 0 }, 2)).toBe(16);
    expect(runningTaskLimit({ maxRunningTasks: 0 }, 8)).toBe(32);
  });
});

describe('the reuse setting', () => {
  test('true means the defaults, a mapping sets replicas and idleTtl (seconds or a duration), false is off', () => {
    expect(validateConfig({ reuse: true }, 'config.yaml').reuse).toEqual(DEFAULT_REUSE);
    expect(validateConfig({ reuse: false }, 'config.yaml').reuse).toBe(false);
    expect(validateConfig({ reuse: { replicas: 4, idleTtl: '10m' } }, 'config.yaml').reuse).toEqual({ replicas: 4, idleTtlSeconds: 600 });
    expect(validateConfig({ reuse: { idleTtl: 90 } }, 'config.yaml').reuse).toEqual({ replicas: DEFAULT_REUSE.replicas, idleTtlSeconds: 90 });
  });

  test('a bad value names the setting and what it takes', () => {
    expect(() => validateConfig({ reuse: 'yes' }, 'config.yaml')).toThrow(/config.yaml: reuse must be true, false, or a mapping like \{ replicas: 2, idleTtl: "5m" \}/);
    expect(() => validateConfig({ reuse: { replicas: 0 } }, 'config.yaml')).toThrow(/reuse.replicas must be an integer from 1 to 64/);
    expect(() => validateConfig({ reuse: { idleTtl: '0s' } }, 'config.yaml')).toThrow(/reuse.idleTtl must be a duration from 1s to 24h/);
    expect(() => validateConfig({ reuse: { idleTtl: 'soon' } }, 'config.yaml')).toThrow(/reuse.idleTtl must be a duration/);
    expect(() => validateConfig({ reuse: { replica: 2 } }, 'config.yaml')).toThrow(/reuse: unknown key "replica" \(known: replicas, idleTtl\)/);
  });
});
