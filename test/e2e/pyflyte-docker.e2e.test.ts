/**
 * Python Flyte users' path, each Python task in its own container: `pyflyte run --remote --wait` of
 * Flyte's examples against a real Docker sandbox gives what flytekit's local run gives. flytekit's
 * default image cannot be pulled, so the sandbox builds its stand-in (checked: built once, its steps
 * in the log; a task whose own image is present runs in it); eager tasks reach the admin's gRPC over
 * the task socket with their credential.
 */
import { execa } from 'execa';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CASES, havePyflyte, runRemote, VENV_BIN } from '../support/pyflyte.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const dockerAvailable = havePyflyte && (await dockerSandboxAvailable());

describe.skipIf(!dockerAvailable)('pyflyte run --remote, each Python task in its own container', () => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    // The suite checks the build itself: drop a flytekit image an earlier run built.
    const built = await execa('docker', ['images', '-q', '--filter', 'label=tflyte.sandbox.python-image'], { reject: false });
    const ids = String(built.stdout).split('\n').filter(Boolean);
    if (ids.length > 0) await execa('docker', ['rmi', '-f', ...new Set(ids)], { reject: false });
    sbx = await startTestSandbox({ launcher: 'docker', name: 'pyflyte-docker' });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test.each(CASES)('%s %j in containers: the same result as flytekit locally', async (wf, args, _local, remote, file) => {
    const name = await runRemote(sbx, wf, args, remote, file);
    // The first attempt's log tells which image it ran in (the sandbox built it; nothing was pulled).
    const logs = await sbx.cli(['logs', name]);
    expect(logs.stdout).toMatch(/not present locally \(nothing is pulled\): running in tflyte-sandbox-flytekit:py3\.\d+-1\.16\.31/);
  }, 600_000);

  test("a task's own image, when present locally, is the one it runs in", async () => {
    // flytekit's default image, made present by tagging the built stand-in with its name.
    const built = String((await execa('docker', ['images', '-q', '--filter', 'label=tflyte.sandbox.python-image'])).stdout).split('\n')[0] ?? '';
    expect(built).not.toBe('');
    const py = String((await execa(path.join(VENV_BIN, 'python'), ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])).stdout).trim();
    const own = `cr.flyte.org/flyteorg/flytekit:py${py}-1.16.31`;
    const hadOwn = (await execa('docker', ['image', 'inspect', own], { reject: false })).exitCode === 0;
    if (!hadOwn) await execa('docker', ['tag', built, own]);
    try {
      const name = await runRemote(sbx, 'my_wf', ['--a', '5', '--b', 'hi'], 'hi-7');
      const logs = await sbx.cli(['logs', name]);
      expect(logs.stdout).not.toContain('not present locally');
    } finally {
      if (!hadOwn) await execa('docker', ['rmi', own], { reject: false });
    }
  });

  test('an eager workflow in a container catches a failed task as EagerException', async () => {
    await runRemote(sbx, 'eager_workflow_with_exception', ['--x', '0'], -1);
  });

  test('the image is built once, with its steps in the log of the attempt that waited for it', () => {
    const logs = fs.readdirSync(path.join(sbx.dataDir, 'logs', 'tasks')).map((f) => fs.readFileSync(path.join(sbx.dataDir, 'logs', 'tasks', f), 'utf8'));
    const builds = logs.filter((l) => l.includes('installing flytekit 1.16.31'));
    expect(builds.length).toBeGreaterThanOrEqual(1);
    expect(builds.join('')).toMatch(/image tflyte-sandbox-flytekit:\S+ ready in [\d.]+ s/);
    // Later attempts found it built.
    expect(logs.filter((l) => l.includes('running in tflyte-sandbox-flytekit')).length).toBeGreaterThan(builds.length);
  });
});

