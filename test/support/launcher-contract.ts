/**
 * The one contract every {@link Launcher} honours (style P12), run against the fake, the process
 * launcher and the Docker launcher so the fake cannot drift from the real ones.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Launcher, LaunchSpec } from '../../src/launcher/index.ts';

/** What an attempt does in a contract test, independent of how a launcher runs it. */
export interface ContractScenario {
  stdout?: string;
  stderr?: string;
  /** Appends `content` to `path` (a file inside a mounted directory). */
  appendFile?: { path: string; content: string };
  /** Keeps running this long before exiting. @default 0 */
  runMs?: number;
  exitCode: number;
}

/** How to run the contract against one launcher. */
export interface LauncherContractOptions<L extends Launcher> {
  /** When set, the suite is skipped and this reason printed. */
  skipReason?: string | undefined;
  /** What to launch for a scenario (image, entrypoint, command); a fake may script it instead. */
  prepare(launcher: L, key: string, scenario: ContractScenario): Promise<Pick<LaunchSpec, 'image' | 'entrypoint' | 'command'>>;
}

/** A Node program (for `node -e`) that acts out a scenario. */
export function nodeScenarioScript(s: ContractScenario): string {
  return [
    `const fs = require('fs');`,
    s.appendFile ? `fs.appendFileSync(${JSON.stringify(s.appendFile.path)}, ${JSON.stringify(s.appendFile.content)});` : '',
    s.stdout ? `process.stdout.write(${JSON.stringify(s.stdout)});` : '',
    s.stderr ? `process.stderr.write(${JSON.stringify(s.stderr)});` : '',
    `setTimeout(() => process.exit(${s.exitCode}), ${s.runMs ?? 0});`,
  ].join('\n');
}

/**
 * Declares the launcher contract suite. `makeLauncher` is called once for the suite; every
 * attempt it starts is cleaned up afterwards.
 */
export function describeLauncherContract<L extends Launcher>(
  name: string,
  makeLauncher: () => Promise<L>,
  opts: LauncherContractOptions<L>,
): void {
  if (opts.skipReason) {
    console.warn(`[launcher contract] skipping ${name}: ${opts.skipReason}`);
    describe.skip(`Launcher contract: ${name} (${opts.skipReason})`, () => {
      it('is skipped', () => {});
    });
    return;
  }
  describe(`Launcher contract: ${name}`, () => {
    const runId = randomBytes(4).toString('hex');
    const keys = new Set<string>();
    let launcher: L;
    let dir: string;
    let n = 0;

    beforeAll(async () => {
      launcher = await makeLauncher();
      dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-contract-'));
    });
    afterAll(async () => {
      if (launcher) {
        for (const k of keys) await launcher.cleanup(k);
        await launcher.close();
      }
      if (dir) await fsp.rm(dir, { recursive: true, force: true });
    });

    async function spec(scenario: ContractScenario, labels: Record<string, string> = {}): Promise<LaunchSpec> {
      const key = `tflyte-ct-${runId}-${n++}`;
      keys.add(key);
      return {
        key,
        labels: { 'tflyte.contract': runId, 'tflyte.execution': 'e', 'tflyte.node': 'n', 'tflyte.attempt': '0', ...labels },
        ...(await opts.prepare(launcher, key, scenario)),
        env: { CONTRACT: '1' },
        resources: {},
        mounts: [{ hostPath: dir, containerPath: dir, readOnly: false }],
        logPath: path.join(dir, `${key}.log`),
      };
    }

    it('runs an attempt that writes into a mounted directory and exits 0, with its logs captured', async () => {
      const out = path.join(dir, 'written.txt');
      const s = await spec({ appendFile: { path: out, content: 'hello' }, stdout: 'out-line\n', stderr: 'err-line\n', exitCode: 0 });
      await launcher.launch(s);
      const exit = await launcher.wait(s.key);
      expect(exit).toMatchObject({ state: 'EXITED', exitCode: 0, oomKilled: false });
      expect(fs.readFileSync(out, 'utf8')).toBe('hello');
      const log = fs.readFileSync(s.logPath, 'utf8');
      expect(log).toContain('out-line');
      expect(log).toContain('err-line');
      // Waiting again on an exited attempt answers at once, the same way.
      expect(await launcher.wait(s.key)).toMatchObject({ state: 'EXITED', exitCode: 0 });
    });

    it('reports a non-zero exit code', async () => {
      const s = await spec({ exitCode: 3 });
      await launcher.launch(s);
      expect(await launcher.wait(s.key)).toMatchObject({ state: 'EXITED', exitCode: 3, oomKilled: false });
    });

    it('launches a key once, however often (and concurrently) launch is called', async () => {
      const out = path.join(dir, 'once.txt');
      const s = await spec({ appendFile: { path: out, content: 'x' }, exitCode: 0 });
      await Promise.all([launcher.launch(s), launcher.launch(s)]);
      await launcher.wait(s.key);
      await launcher.launch(s); // after exit: still adopted, not re-run
      expect(await launcher.wait(s.key)).toMatchObject({ state: 'EXITED', exitCode: 0 });
      expect(fs.readFileSync(out, 'utf8')).toBe('x');
    });

    it('answers NOT_FOUND for an unknown key', async () => {
      expect(await launcher.wait(`tflyte-ct-${runId}-unknown`)).toEqual({ state: 'NOT_FOUND' });
    });

    it('aborts a running attempt (idempotently) and reports its exit', async () => {
      const s = await spec({ runMs: 120_000, exitCode: 0 });
      await launcher.launch(s);
      expect((await launcher.list({ 'tflyte.contract': runId })).find((a) => a.key === s.key)).toMatchObject({ running: true });
      await launcher.abort(s.key);
      await launcher.abort(s.key);
      const exit = await launcher.wait(s.key);
      expect(exit.state).toBe('EXITED');
      if (exit.state === 'EXITED') {
        expect(exit.exitCode).toBe(137);
        expect(exit.signal).toBe('SIGKILL');
      }
      await launcher.abort(`tflyte-ct-${runId}-never-launched`);
    });

    it('stops waiting when the signal aborts, leaving the attempt running', async () => {
      const s = await spec({ runMs: 120_000, exitCode: 0 });
      await launcher.launch(s);
      const ac = new AbortController();
      const waiting = launcher.wait(s.key, ac.signal);
      ac.abort(new Error('stop waiting'));
      await expect(waiting).rejects.toThrow('stop waiting');
      expect((await launcher.list({ 'tflyte.contract': runId })).find((a) => a.key === s.key)).toMatchObject({ running: true });
      await launcher.abort(s.key);
    });

    it('lists attempts by labels', async () => {
      const a = await spec({ exitCode: 0 }, { 'tflyte.node': 'list-a' });
      const b = await spec({ exitCode: 0 }, { 'tflyte.node': 'list-b' });
      await launcher.launch(a);
      await launcher.launch(b);
      await launcher.wait(a.key);
      await launcher.wait(b.key);
      const listed = await launcher.list({ 'tflyte.contract': runId, 'tflyte.node': 'list-a' });
      expect(listed.map((x) => x.key)).toEqual([a.key]);
      expect(listed[0]).toMatchObject({ running: false, labels: a.labels });
      expect(await launcher.list({ 'tflyte.contract': `${runId}-other` })).toEqual([]);
    });

    it('cleans up idempotently; a cleaned-up attempt is gone', async () => {
      const s = await spec({ exitCode: 0 });
      await launcher.launch(s);
      await launcher.wait(s.key);
      await launcher.cleanup(s.key);
      await launcher.cleanup(s.key);
      expect(await launcher.wait(s.key)).toEqual({ state: 'NOT_FOUND' });
      expect((await launcher.list({ 'tflyte.contract': runId })).map((x) => x.key)).not.toContain(s.key);
    });
  });
}
