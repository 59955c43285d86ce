/**
 * `start` with the Docker launcher on a machine whose engine does not answer falls back to the
 * process launcher with a clear warning, and workflows still run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../support/cli.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-fallback-'));
const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

afterAll(async () => {
  await runCli('source', ['stop', '--data-dir', dataDir]);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('no engine: start warns and uses the process launcher; run --remote still succeeds', async () => {
  const started = await runCli('source', ['start', '--data-dir', dataDir, '--port', '0', '--launcher', 'docker'], { env });
  expect(started.exitCode, started.stderr).toBe(0);
  expect(started.stdout).toContain('tasks run with the process launcher');
  expect(started.stderr).toMatch(/warning: no Docker engine answers .*tasks run as local processes/);
  const r = await runCli('source', ['run', '--remote', '--wait', '--json', '--data-dir', dataDir, 'examples/basic_workflow.ts', 'my_wf', '--a', '1', '--b', 'x'], { env });
  expect(JSON.parse(r.stdout.trim().split('\n').pop() as string)).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 3, o1: 'xworld' } });
});
