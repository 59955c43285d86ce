import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLauncher, isLauncherError, LAUNCHER_ERROR_CODES } from '../../src/launcher/index.ts';
import type { Launcher, LaunchSpec } from '../../src/launcher/index.ts';
import { eventually } from '../support/eventually.ts';
import { FakeLauncher } from '../support/fake-launcher.ts';
import { describeLauncherContract, nodeScenarioScript } from '../support/launcher-contract.ts';

describeLauncherContract('fake', async () => new FakeLauncher(), {
  async prepare(launcher, key, s) {
    launcher.script(key, {
      exitCode: s.exitCode,
      ...(s.runMs ? { delayMs: s.runMs } : {}),
      log: `${s.stdout ?? ''}${s.stderr ?? ''}`,
      ...(s.appendFile ? { writeFiles: async () => fs.appendFileSync(s.appendFile!.path, s.appendFile!.content) } : {}),
    });
    return { image: 'fake', command: [] };
  },
});

describeLauncherContract('process', () => createLauncher('process', { baseEnv: { PATH: '/usr/bin:/bin' } }), {
  async prepare(_launcher, _key, s) {
    return { image: 'ignored', entrypoint: [process.execPath], command: ['-e', nodeScenarioScript(s)] };
  },
});

describe('ProcessLauncher specifics', () => {
  let launcher: Launcher;
  let dir: string;
  const keys: string[] = [];
  beforeAll(async () => {
    launcher = await createLauncher('process', { defaultEntrypoint: [process.execPath] });
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-proc-'));
  });
  afterAll(async () => {
    for (const k of keys) await launcher.cleanup(k);
    await fsp.rm(dir, { recursive: true, force: true });
  });
  const spec = (key: string, over: Partial<LaunchSpec> = {}): LaunchSpec => {
    keys.push(key);
    return { key, labels: {}, image: 'x', command: [], env: {}, resources: {}, mounts: [], logPath: path.join(dir, `${key}.log`), ...over };
  };

  it('refuses mounts whose container path differs from the host path', async () => {
    const s = spec('mnt', { command: ['-e', '0'], mounts: [{ hostPath: dir, containerPath: '/data', readOnly: false }] });
    const err = await launcher.launch(s).catch((e: unknown) => e);
    expect(isLauncherError(err, LAUNCHER_ERROR_CODES.INVALID_SPEC)).toBe(true);
    expect(await launcher.wait('mnt')).toEqual({ state: 'NOT_FOUND' });
  });

  it('uses the default entrypoint, passes env and the admin URL unchanged', async () => {
    const s = spec('env', {
      command: ['-e', 'console.log(process.env.FOO, process.env.TFLYTE_ADMIN_URL, process.env.HOME === undefined)'],
      env: { FOO: 'bar' },
      adminUrl: 'http://127.0.0.1:30080',
    });
    await launcher.launch(s);
    expect(await launcher.wait('env')).toMatchObject({ exitCode: 0 });
    expect(fs.readFileSync(s.logPath, 'utf8').trim()).toBe('bar http://127.0.0.1:30080 true');
  });

  it('reports a command that cannot be run as exit 127 with the reason in the log', async () => {
    const s = spec('enoent', { entrypoint: [path.join(dir, 'no-such-binary')], command: [] });
    await launcher.launch(s);
    expect(await launcher.wait('enoent')).toMatchObject({ state: 'EXITED', exitCode: 127 });
    expect(fs.readFileSync(s.logPath, 'utf8')).toContain('cannot run');
  });

  it('abort kills the whole process group, grandchildren included', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const script = `const c = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
      require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setTimeout(() => {}, 120000);`;
    const s = spec('group', { command: ['-e', script] });
    await launcher.launch(s);
    await eventually(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8') !== '', 'the grandchild pid file');
    const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
    await launcher.abort('group');
    expect(await launcher.wait('group')).toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
    // The grandchild got SIGKILL too. Dead means gone or a zombie (state Z) awaiting its reaper.
    const alive = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${grandchild}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 250 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive()).toBe(false);
  });

  it('with workRoot, each attempt runs in its own directory (with the links asked for), removed at cleanup', async () => {
    const root = path.join(dir, 'attempts');
    const own = await createLauncher('process', { defaultEntrypoint: [process.execPath], workRoot: root, workDirLinks: { 'file:': '/' } });
    const probe = path.join(dir, 'probe.txt');
    fs.writeFileSync(probe, 'x');
    const s = spec('wd', { command: ['-e', `console.log(process.cwd(), require('fs').statSync(${JSON.stringify(`file://${probe}`)}).isFile())`] });
    await own.launch(s);
    expect(await own.wait('wd')).toMatchObject({ exitCode: 0 });
    // A file:// URI read as a relative path reaches the file through the link (flytekit's check).
    expect(fs.readFileSync(s.logPath, 'utf8').trim()).toBe(`${path.join(root, 'wd')} true`);
    await own.cleanup('wd');
    expect(fs.existsSync(path.join(root, 'wd'))).toBe(false);
  });

  it('forgets attempts across instances (after a restart, wait is NOT_FOUND)', async () => {
    const s = spec('forget', { command: ['-e', '0'] });
    await launcher.launch(s);
    await launcher.wait('forget');
    const fresh = await createLauncher('process');
    expect(await fresh.wait('forget')).toEqual({ state: 'NOT_FOUND' });
    expect(await fresh.list({})).toEqual([]);
  });
});

describe('FakeLauncher specifics', () => {
  it('plays scripted outcomes in order, holds and crashes attempts on demand', async () => {
    const f = new FakeLauncher().script(/^retry-/, [{ exitCode: 1 }, { exitCode: 0 }]).script('held', { exitCode: 0, hold: true });
    const base = { labels: {}, image: 'i', command: [], env: {}, resources: {}, mounts: [], logPath: path.join(os.tmpdir(), 'fake-unused.log') };
    await f.launch({ ...base, key: 'retry-0' });
    await f.launch({ ...base, key: 'retry-1' });
    expect(await f.wait('retry-0')).toMatchObject({ exitCode: 1 });
    expect(await f.wait('retry-1')).toMatchObject({ exitCode: 0 });
    await f.launch({ ...base, key: 'held-a' });
    await f.launch({ ...base, key: 'held-b' });
    expect(f.isRunning('held-a')).toBe(true);
    f.finish('held-a', { exitCode: 5 });
    f.crash('held-b', { oomKilled: true });
    expect(await f.wait('held-a')).toMatchObject({ exitCode: 5, oomKilled: false });
    expect(await f.wait('held-b')).toMatchObject({ exitCode: 137, oomKilled: true });
    expect(f.launched.map((s) => s.key)).toEqual(['retry-0', 'retry-1', 'held-a', 'held-b']);
    fs.rmSync(base.logPath, { force: true });
  });
});
