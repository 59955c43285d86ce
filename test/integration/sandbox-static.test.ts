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
});
