/**
 * Faults around the daemon, on a real sandbox (process launcher, real SQLite): a client that
 * stops mid-request, and a data dir whose disk fills up. Nothing hangs, the daemon survives, the
 * API says what is wrong, and work resumes once space is freed — without a restart.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const FILE = 'examples/basic_workflow.ts';

describe('a client that stops sending', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'process', name: 'slowloris', config: 'requestTimeoutSeconds: 2\n' });
  });
  afterAll(async () => sbx?.destroy());

  it('gets 408 and its connection closed instead of holding it; the daemon keeps serving', async () => {
    const u = new URL(sbx.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(Number(u.port), u.hostname, () => {
        sock.write(`POST /api/v1/executions HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"project":`);
      });
      let got = '';
      sock.on('data', (d: Buffer) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(await sbx.client.healthy()).toBe(true);
  });
});

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) console.warn('skipping the disk-full test: mounting a small tmpfs for the data dir needs root');

describe.skipIf(!isRoot)('a full disk under the data dir', () => {
  let mountPoint: string;
  let sbx: TestSandbox;
  let filler: string;

  beforeAll(async () => {
    mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-smalldisk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
    const prev = process.env.TMPDIR;
    process.env.TMPDIR = mountPoint;
    try {
      sbx = await startTestSandbox({ launcher: 'process', name: 'diskfull' });
    } finally {
      if (prev === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = prev;
    }
    expect(sbx.dataDir.startsWith(mountPoint)).toBe(true);
    filler = path.join(mountPoint, 'filler');
  });

  afterAll(async () => {
    await sbx?.destroy().catch(() => undefined);
    try {
      execFileSync('umount', [mountPoint]);
    } catch {
      // already unmounted
    }
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  function fill(): void {
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(1024 * 1024);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
  }

  it('answers a clear error naming the data dir, reports the disk, never dies, and resumes once space is freed', async () => {
    const first = await sbx.run(FILE, 'my_wf', ['--a', '1', '--b', 'x']);
    expect(first.phase).toBe('SUCCEEDED');
    fill();
    // A new execution cannot write its inputs: a clear error, nothing half-written.
    const r = await fetch(`${sbx.url}/api/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        project: 'flytesnacks',
        domain: 'development',
        spec: { launch_plan: { resource_type: 'LAUNCH_PLAN', project: 'flytesnacks', domain: 'development', name: 'examples.basic_workflow.my_wf', version: (await latestVersion()) } },
        inputs: { literals: { a: { scalar: { primitive: { integer: '2' } } }, b: { scalar: { primitive: { string_value: 'y' } } } } },
      }),
    });
    const body = (await r.json()) as { error?: { code?: string; message?: string } };
    expect(r.status).toBeGreaterThanOrEqual(500);
    expect(body.error?.message).toMatch(new RegExp(`disk holding ${escape(sbx.dataDir)}.* is full \\(ENOSPC\\)`));
    // Still alive, and it says why.
    const health = (await (await fetch(`${sbx.url}/healthz`)).json()) as { status: string; disk?: { low: boolean; path: string }; memory?: { rssMb: number; heapUsedMb: number } };
    expect(health).toMatchObject({ status: 'ok', disk: { low: true, path: sbx.dataDir } });
    expect(health.memory?.rssMb).toBeGreaterThan(health.memory?.heapUsedMb ?? Infinity);
    // The daemon runs with the young generation capped (its memory settles after a burst) and
    // glibc's malloc settings of DAEMON_MALLOC_ENV.
    const { pid } = JSON.parse(fs.readFileSync(path.join(sbx.dataDir, 'sandbox.json'), 'utf8')) as { pid: number };
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ.find((e) => e.startsWith('NODE_OPTIONS='))).toContain('--max-semi-space-size=1');
    expect(environ).toEqual(expect.arrayContaining(['MALLOC_ARENA_MAX=1', 'MALLOC_MMAP_THRESHOLD_=131072']));
    const st = await runCli('source', ['status', '--data-dir', sbx.dataDir]);
    expect(st.stdout).toMatch(/the disk of the data dir is almost full/);
    const list = await sbx.client.listExecutions('flytesnacks', 'development', { limit: 100 });
    expect((list.executions ?? []).map((e) => e.closure?.phase)).not.toContain(1); // no half-created execution left QUEUED
    // Space back: the same daemon runs work again.
    fs.rmSync(filler);
    const again = await sbx.run(FILE, 'my_wf', ['--a', '3', '--b', 'z']);
    expect(again.phase).toBe('SUCCEEDED');
    expect(again.outputs).toEqual({ o0: 5, o1: 'zworld' });
  });

  async function latestVersion(): Promise<string> {
    const list = await sbx.client.listExecutions('flytesnacks', 'development', { limit: 1 });
    return list.executions?.[0]?.spec?.launchPlan?.version ?? '';
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
