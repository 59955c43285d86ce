/**
 * `image build --tag REGISTRY/NAME:TAG --push` against a real registry (Debian's docker-registry,
 * installed by scripts/ci/install-registry.sh, run here on a port of its own), then a workflow
 * registered with `register --image` runs in that image in a Docker sandbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { freePort } from '../support/ports.ts';

const haveRegistry = (await execa('docker-registry', ['--version'], { reject: false })).exitCode === 0;
if (!haveRegistry) {
  if (process.env.CI) throw new Error('docker-registry is missing in CI: .ci/run installs it (scripts/ci/install-registry.sh)');
  console.warn('skipping the image build --push suite: docker-registry is missing (apt-get install docker-registry)');
}
const available = haveRegistry && (await dockerSandboxAvailable());


describe.skipIf(!available)('image build --push to a registry, and tasks registered with --image', () => {
  let dir: string;
  let registry: ChildProcess;
  let host: string;
  let ref: string;
  let sbx: TestSandbox | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-registry-'));
    host = `127.0.0.1:${await freePort()}`;
    ref = `${host}/tflyte/runtime:e2e-${Date.now().toString(36)}`;
    fs.writeFileSync(
      path.join(dir, 'config.yml'),
      ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, '  delete:', '    enabled: true', 'http:', `  addr: ${host}`, ''].join('\n'),
    );
    registry = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`http://${host}/v2/`).catch(() => undefined))?.status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`docker-registry did not answer on ${host}`);
  });
  afterAll(async () => {
    await sbx?.destroy();
    registry?.kill();
    await execa('docker', ['rmi', ref], { reject: false });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the image is built as tagged and pushed; the registry holds it and it can be pulled back', async () => {
    const r = await runCli('binary', ['image', 'build', '--tag', ref, '--push'], { timeoutMs: 300_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pushed ${ref} (sha256:`);
    const tags = (await (await fetch(`http://${host}/v2/tflyte/runtime/tags/list`)).json()) as { tags?: string[] };
    expect(tags.tags).toContain(ref.split(':').pop());
    // What a cluster does: pull it.
    expect((await execa('docker', ['rmi', ref], { reject: false })).exitCode).toBe(0);
    const pulled = await execa('docker', ['pull', ref], { reject: false, all: true });
    expect(pulled.exitCode, String(pulled.all)).toBe(0);
    const entry = await execa('docker', ['image', 'inspect', ref, '--format', '{{json .Config.Entrypoint}}']);
    expect(JSON.parse(entry.stdout)).toEqual(['/usr/local/bin/tflyte-sandbox']);
  });

  test('tasks registered with --image name it and run in it', async () => {
    // A retry of this test starts another sandbox: stop the first one's (afterAll sees the last).
    await sbx?.destroy();
    sbx = await startTestSandbox({ launcher: 'docker', name: 'image-ref' });
    const reg = await sbx.cli(['register', '--image', ref, 'examples/basic_workflow.ts']);
    expect(reg.exitCode, reg.stderr).toBe(0);
    const version = /as version (\S+):/.exec(reg.stdout)?.[1] ?? '';
    const task = (await (await fetch(`${sbx.url}/api/v1/tasks/flytesnacks/development/examples.basic_workflow.t1/${version}`)).json()) as {
      closure?: { compiled_task?: { template?: { container?: { image?: string } } } };
    };
    expect(task.closure?.compiled_task?.template?.container?.image).toBe(ref);
    const lp = await sbx.client.listLaunchPlans('flytesnacks', 'development', 'examples.basic_workflow.my_wf');
    expect(lp.launchPlans?.map((l) => l.id?.version)).toContain(version);
    const exec = await sbx.client.createExecution({
      project: 'flytesnacks',
      domain: 'development',
      spec: { launchPlan: { resourceType: 3, project: 'flytesnacks', domain: 'development', name: 'examples.basic_workflow.my_wf', version } },
      inputs: { literals: { a: { scalar: { primitive: { integer: '50' } } }, b: { scalar: { primitive: { stringValue: 'hello' } } } } },
    });
    const name = exec.name ?? '';
    let phase = '';
    for (let i = 0; i < 600 && !['SUCCEEDED', 'FAILED', 'ABORTED'].includes(phase); i++) {
      const got = await sbx.cli(['get', 'execution', name, '--json']);
      phase = (JSON.parse(got.stdout.trim().split('\n').pop() || '{}') as { phase?: string }).phase ?? '';
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(phase).toBe('SUCCEEDED');
  });

  test('a bad reference and an unreachable registry are clear errors', async () => {
    const bad = await runCli('binary', ['image', 'build', '--tag', 'Not A Ref']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('is not an image reference: give REGISTRY/NAME:TAG');
    const closed = `127.0.0.1:${await freePort()}/tflyte/runtime:nowhere`;
    const r = await runCli('binary', ['image', 'build', '--tag', closed, '--push'], { timeoutMs: 300_000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/pushing .* failed: .*connection refused.*is the registry running/s);
    await execa('docker', ['rmi', closed], { reject: false });
  });
});
