/**
 * One table of semantic cases, run three ways — a local run (`run`, in-process through the
 * engine), a sandbox with the process launcher, and a sandbox with Docker — with the same expected
 * result in each: retries and attempt numbers, timeouts, the cache, branches, map success ratios,
 * dynamic nesting, eager errors and failure policies. A local run shows what the sandbox will do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { binaryAvailable, ROOT, runCli } from '../support/cli.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const FILE = path.join(ROOT, 'test', 'fixtures', 'parity', 'cases.ts');

/** What a run must end with: phase, outputs, and the error's code, kind and first line. */
interface Expected {
  phase: string;
  outputs?: Record<string, unknown>;
  error?: { code: string | RegExp; kind: number; message: string | RegExp };
}

const USER = 1;
const CASES: [string, string[], Expected][] = [
  ['third_time', [], { phase: 'SUCCEEDED', outputs: { o0: 2, o1: 2 } }],
  ['always_fails', [], { phase: 'FAILED', error: { code: 'RetriesExhausted|USER:RuntimeError', kind: USER, message: 'Error: attempt 1 failed' } }],
  ['refuses', [], { phase: 'FAILED', error: { code: 'USER:RuntimeError', kind: USER, message: 'NonRetryableError: no retry after attempt 0' } }],
  ['too_slow', ['--ms', '4000'], { phase: 'FAILED', error: { code: 'RetriesExhausted|TimeoutExpired', kind: USER, message: 'task active timeout [1s] expired' } }],
  ['classify', ['--x', '5'], { phase: 'SUCCEEDED', outputs: { o0: '5 is small' } }],
  ['classify', ['--x', '50'], { phase: 'SUCCEEDED', outputs: { o0: '50 is large' } }],
  ['classify', ['--x', '500'], { phase: 'FAILED', error: { code: 'MalformedBranchUserError', kind: USER, message: 'too large' } }],
  ['halve_most', ['--xs', '[2, 4, 6, 1, 3]'], { phase: 'SUCCEEDED', outputs: { o0: [1, 2, 3, null, null] } }],
  [
    'halve_most',
    ['--xs', '[2, 4, 1, 3, 5]'],
    { phase: 'FAILED', error: { code: 'ArrayNodeMinSuccessesNotMet', kind: USER, message: /^map over test\.fixtures\.parity\.cases\.halve_even \(node n0\): 3 of 5 items failed, so at most 2 can succeed but 3 must \(min success ratio 0\.6\)/ } },
  ],
  ['halve_each', ['--x', '[2, 4, 6]'], { phase: 'SUCCEEDED', outputs: { o0: [1, 2, 3] } }],
  ['halve_each', ['--x', '[2, 3]'], { phase: 'FAILED', error: { code: 'ArrayNodeMinSuccessesNotMet', kind: USER, message: /^map over test\.fixtures\.parity\.cases\.halve_even \(node n0\): 1 of 2 items failed/ } }],
  ['sum_to', ['--n', '3'], { phase: 'SUCCEEDED', outputs: { o0: 6 } }],
  ['eager_catches', ['--x', '3'], { phase: 'SUCCEEDED', outputs: { o0: 'caught: odd' } }],
  ['eager_catches', ['--x', '4'], { phase: 'SUCCEEDED', outputs: { o0: '2' } }],
  ['eager_throws', ['--x', '3'], { phase: 'FAILED', error: { code: 'RetriesExhausted|USER:RuntimeError', kind: USER, message: /^EagerException: test\.fixtures\.parity\.cases\.halve_even \(execution e-halve-even-\w+\) failed: NonRetryableError: 3 is odd$/ } }],
  ['fail_fast', [], { phase: 'FAILED', error: { code: 'USER:RuntimeError', kind: USER, message: 'NonRetryableError: no retry after attempt 0' } }],
  ['fail_late', [], { phase: 'FAILED', error: { code: 'USER:RuntimeError', kind: USER, message: 'NonRetryableError: no retry after attempt 0' } }],
];

type Result = { phase: string; outputs: Record<string, unknown>; error?: { code?: string; kind?: number | string; message?: string } };
type Mode = { name: string; run(entity: string, inputs: string[]): Promise<Result>; close(): Promise<void> };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-parity-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A local run: `run --json`, with a cache directory of its own. */
function localMode(): Mode {
  const env = { XDG_CACHE_HOME: path.join(tmp, 'cache') };
  return {
    name: 'local',
    async run(entity, inputs) {
      const r = await runCli('binary', ['run', '--json', FILE, entity, ...inputs], { env, timeoutMs: 120_000 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      try {
        return JSON.parse(line) as Result;
      } catch {
        throw new Error(`run printed no JSON (exit ${r.exitCode}): ${r.stdout}\n${r.stderr}`);
      }
    },
    close: async () => undefined,
  };
}

function sandboxMode(launcher: 'process' | 'docker'): Mode & { start(): Promise<void> } {
  let sbx: TestSandbox | undefined;
  return {
    name: launcher,
    async start() {
      sbx = await startTestSandbox({ launcher, name: `parity-${launcher}` });
    },
    run: (entity, inputs) => (sbx as TestSandbox).run(FILE, entity, inputs),
    close: async () => sbx?.destroy(),
  };
}

function check(got: Result, want: Expected, what: string): void {
  expect(got.phase, `${what}: ${JSON.stringify(got.error ?? got.outputs)}`).toBe(want.phase);
  if (want.outputs) expect(got.outputs, what).toEqual(want.outputs);
  if (want.error) {
    const firstLine = (got.error?.message ?? '').split('\n')[0] ?? '';
    if (typeof want.error.code === 'string') expect(got.error?.code, what).toBe(want.error.code);
    else expect(got.error?.code, what).toMatch(want.error.code);
    expect(Number(got.error?.kind), what).toBe(want.error.kind);
    if (typeof want.error.message === 'string') expect(firstLine, what).toBe(want.error.message);
    else expect(firstLine, what).toMatch(want.error.message);
  }
}

const hasBinary = binaryAvailable();
const hasDocker = hasBinary && (await dockerSandboxAvailable());

describe.skipIf(!hasBinary)('parity: local run, process launcher, Docker', () => {
  const modes: Mode[] = [];
  beforeAll(async () => {
    modes.push(localMode());
    const proc = sandboxMode('process');
    await proc.start();
    modes.push(proc);
    if (hasDocker) {
      const docker = sandboxMode('docker');
      await docker.start();
      modes.push(docker);
    } else console.warn('parity: the Docker column is skipped: no Docker engine answers');
  });
  afterAll(async () => {
    for (const m of modes) await m.close();
  });

  test.each(CASES)('%s %j', async (entity, inputs, want) => {
    // The modes run side by side: each is its own engine and store.
    const results = await Promise.all(modes.map((m) => m.run(entity, inputs)));
    results.forEach((got, i) => check(got, want, `${entity} ${inputs.join(' ')} (${modes[i]?.name})`));
  });

  test('the cache: a second run with the same inputs returns the first run\'s outputs, in every mode', async () => {
    const key = `k-${Date.now()}`;
    for (const m of modes) {
      const first = await m.run('stamped', ['--key', key]);
      const second = await m.run('stamped', ['--key', key]);
      const other = await m.run('stamped', ['--key', `${key}-other`]);
      expect(first.phase, m.name).toBe('SUCCEEDED');
      expect(second.outputs, m.name).toEqual(first.outputs);
      expect(other.outputs, m.name).not.toEqual(first.outputs);
    }
  });
});
