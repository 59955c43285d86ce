/**
 * The seed's static example end to end in a real sandbox, with each launcher: real SQLite file,
 * real containers (Docker) or subprocesses (process launcher), the CLI as users run it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const launchers = [['process', true], ['docker', await dockerSandboxAvailable()]] as const;

describe.each(launchers)('static workflow in the sandbox (%s launcher)', (launcher, available) => {
  let sbx: TestSandbox;
  beforeAll(async () => {
    if (available) sbx = await startTestSandbox({ launcher, name: `static-${launcher}` });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test.skipIf(!available)('basic_workflow my_wf → phase SUCCEEDED, outputs {"o0":52,"o1":"helloworld"}', async () => {
    const r = await sbx.run('examples/basic_workflow.ts', 'my_wf', ['--a', '50', '--b', 'hello']);
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 52, o1: 'helloworld' });
    expect(r.exitCode).toBe(0);
    const nodes = await sbx.client.listNodeExecutions({ project: 'flytesnacks', domain: 'development', name: r.execution });
    const ids = (nodes.nodeExecutions ?? []).map((n) => n.id?.nodeId).filter((id) => id === 'n0' || id === 'n1');
    expect(ids.sort()).toEqual(['n0', 'n1']);
  });

  test.skipIf(!available)('all_types: a file and a directory written by one task are read by the next', async () => {
    const f = await sbx.run('examples/all_types.ts', 'file_wf', ['--text', 'through the store']);
    expect([f.phase, f.outputs]).toEqual(['SUCCEEDED', { o0: 'through the store' }]);
    const d = await sbx.run('examples/all_types.ts', 'dir_wf', ['--count', '3']);
    expect([d.phase, d.outputs]).toEqual(['SUCCEEDED', { o0: ['part-0.txt: part 0', 'part-2.txt: part 2', 'sub/part-1.txt: part 1'] }]);
  });

  test.skipIf(!available)('a directory given on the command line is uploaded and read by the task', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-cli-dir-'));
    fs.mkdirSync(path.join(dir, 'nested'));
    fs.writeFileSync(path.join(dir, 'a.txt'), 'A');
    fs.writeFileSync(path.join(dir, 'nested', 'b.txt'), 'B');
    const r = await sbx.run('examples/all_types.ts', 'list_dir', ['--dir', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect([r.phase, r.outputs]).toEqual(['SUCCEEDED', { o0: ['a.txt: A', 'nested/b.txt: B'] }]);
  });
});
