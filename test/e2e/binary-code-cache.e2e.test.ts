/**
 * The single binary's start-up code caches (src/cli/bundle-script.ts, docs/building.md): V8 takes
 * them, the daemon and the light commands take the lean one, and a cache V8 refuses (V8 flags in
 * NODE_OPTIONS) costs start-up time, never behaviour. The bundle and the caches are the binary's
 * payload (src/cli/binary-payload.ts): a binary cut short says so. Which command takes which cache is a unit
 * test (src/cli/bundle-script.test.ts); that V8 takes the trained cache, the build checks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { BINARY, binaryAvailable, runCli } from '../support/cli.ts';
import { freePort } from '../support/ports.ts';

const hasBinary = binaryAvailable();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-code-cache-'));
/** A clean environment: no NODE_OPTIONS from the test runner, caches in the scratch directory. */
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: scratch,
  XDG_CACHE_HOME: path.join(scratch, 'cache'),
  NODE_OPTIONS: '',
  ...extra,
});

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasBinary)('the binary’s start-up code cache', () => {
  test('--version --verbose says which cache this start took and that V8 used it', async () => {
    const r = await runCli('binary', ['--version', '--verbose'], { env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('start-up code cache: used (lean)');
    expect(r.stderr).toBe('');
  });

  test('with V8 flags in NODE_OPTIONS V8 refuses the cache, says why, and a local run still gives the same outputs', async () => {
    const version = await runCli('binary', ['--version', '--verbose'], { env: env({ NODE_OPTIONS: '--expose-gc' }) });
    expect(version.stdout).toContain('start-up code cache: rejected by V8 (V8 flags in NODE_OPTIONS?)');
    const run = await runCli('binary', ['run', 'examples/basic_workflow.ts', 'my_wf', '--a', '50', '--b', 'hello', '--json'], {
      env: env({ NODE_OPTIONS: '--expose-gc' }),
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim()).outputs).toEqual({ o0: 52, o1: 'helloworld' });
    // No warning of the loader option or of the refused cache reaches the user.
    expect(run.stderr).toBe('');
  });

  test('the daemon takes the lean cache (its NODE_OPTIONS cap the young generation, which V8 accepts)', async () => {
    const dataDir = path.join(scratch, 'sandbox');
    const port = await freePort();
    const start = await runCli('binary', ['start', '--data-dir', dataDir, '--port', String(port), '--launcher', 'process'], { env: env() });
    try {
      expect(start.exitCode, start.stderr).toBe(0);
      const log = fs.readFileSync(path.join(dataDir, 'logs', 'sandbox.log'), 'utf8');
      expect(log).toMatch(/sandbox listening .*"codeCache":"used \(lean\)"/);
    } finally {
      await runCli('binary', ['stop', '--data-dir', dataDir], { env: env() });
    }
  });

  test('a binary cut short (a partial copy) says it is incomplete and exits non-zero, instead of crashing', async () => {
    const cut = path.join(scratch, 'cut-binary');
    fs.copyFileSync(BINARY, cut);
    fs.chmodSync(cut, 0o755);
    fs.truncateSync(cut, fs.statSync(cut).size - 1000);
    const r = await execa(cut, ['--version'], { env: env(), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(70);
    // Cut by 1000 bytes: the payload's trailer is gone.
    expect(r.stderr).toBe(`tflyte-sandbox: ${cut} is incomplete or damaged (no payload trailer at its end): install or copy it again`);
    expect(r.stdout).toBe('');
  });

  test('started through the dynamic loader (as in a task image of its own), it finds its payload and takes its cache', async (ctx) => {
    const loader = ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1'].find((l) => fs.existsSync(l));
    if (!loader) {
      console.warn('skipping: no dynamic loader at a known path on this machine');
      ctx.skip();
      return;
    }
    // Then process.execPath is the loader, not the binary (src/launcher/image-builder.ts runtimeMount).
    const r = await execa(loader, [BINARY, '--version', '--verbose'], { env: env(), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('start-up code cache: used (lean)');
  });
});
