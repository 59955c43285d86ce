/**
 * Issue 5 end to end: every eager example of examples/eager_workflows.ts in a real sandbox, with
 * each launcher (Docker: the eager task reaches the API through the admin's unix socket from its
 * container; process: a subprocess on loopback). Beyond the values, what the API shows: each call
 * is a child execution linked to the eager node, labelled like flytekit's, run in order when
 * awaited in sequence; nested eager trees keep their root; terminating the parent stops children;
 * a waiting eager task survives a restart of the sandbox.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { childrenOf, lifetime, PD, phaseName, taskNodeOf, until, waitTerminal } from '../support/eager.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const FILE = 'examples/eager_workflows.ts';
const FEATURES = 'test/fixtures/eager/eager_features.ts';
const launchers = [['process', true], ['docker', await dockerSandboxAvailable()]] as const;

/** The expected values. */
const CASES: [entity: string, x: number, expected: number][] = [
  ['simple_eager_workflow', 10, 22],
  ['simple_eager_workflow', -5, -1],
  ['another_eager_workflow', 3, 6],
  ['eager_workflow_with_conditionals', 150, 100],
  ['eager_workflow_with_conditionals', 10, 22],
  ['eager_workflow_with_for_loop', 5, 30],
  ['eager_workflow_with_static_subworkflow', 3, 8],
  ['nested_eager_workflow', 3, 8],
  ['eager_workflow_with_exception', 0, -1],
  ['eager_workflow_with_exception', 5, 5],
];

describe.each(launchers)('eager workflows in the sandbox (%s launcher)', (launcher, available) => {
  let sbx: TestSandbox;
  const runs = new Map<string, string>();
  beforeAll(async () => {
    if (available) sbx = await startTestSandbox({ launcher, name: `eager-${launcher}` });
  });
  afterAll(async () => {
    await sbx?.destroy();
  });

  test.skipIf(!available).each(CASES)('%s(x=%i) → %i', async (entity, x, expected) => {
    const r = await sbx.run(FILE, entity, ['--x', String(x)]);
    expect(r.phase, r.error?.message ?? r.stderr).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: expected });
    expect(r.exitCode).toBe(0);
    runs.set(`${entity}(${x})`, r.execution);
  });

  test.skipIf(!available)('each awaited call is a child execution of the eager node, labelled and queryable, run in order', async () => {
    const parent = runs.get('simple_eager_workflow(10)');
    expect(parent).toBeDefined();
    const name = parent as string;
    const node = await taskNodeOf(sbx.client, name);
    const kids = await childrenOf(sbx.client, name, node);
    expect(kids.map((k) => k.spec?.launchPlan?.name)).toEqual(['.flytegen.examples.eager_workflows.add_one', '.flytegen.examples.eager_workflows.double']);
    for (const k of kids) {
      expect(phaseName(k)).toBe('SUCCEEDED');
      expect(k.id?.name).toMatch(/^e-(add-one|double)-[0-9a-f]{20}$/);
      expect(k.spec?.metadata?.mode).toBe(4); // CHILD_WORKFLOW
      expect(k.spec?.metadata?.nesting).toBe(1);
      expect(k.spec?.metadata?.parentNodeExecution).toMatchObject({ nodeId: node, executionId: { ...PD, name } });
      expect(k.spec?.labels?.values).toMatchObject({ 'eager-exec': name, 'eager-root-exec': name });
    }
    // Sequential awaits: double starts only after add_one ended.
    expect(lifetime(kids[1]!)[0]).toBeGreaterThanOrEqual(lifetime(kids[0]!)[1]);
    // Flytekit's query for an eager execution's children answers the same executions.
    const tagged = await sbx.client.listExecutions(PD.project, PD.domain, { filters: `eq(execution_tag.key,eager-exec)+eq(execution_tag.value,${name})` });
    expect((tagged.executions ?? []).map((e) => e.id?.name).sort()).toEqual(kids.map((k) => k.id?.name).sort());
    // The child's outputs are the values the body saw.
    const data = await sbx.client.getExecutionData({ ...PD, name: kids[0]!.id?.name ?? '' });
    expect(data.fullOutputs?.literals?.o0?.scalar?.primitive?.integer).toBe('11');
  });

  test.skipIf(!available)('Promise.all runs the calls as parallel children; nested eager keeps the root label', async () => {
    const loop = runs.get('eager_workflow_with_for_loop(5)') as string;
    const kids = await childrenOf(sbx.client, loop);
    expect(kids).toHaveLength(6);
    const adds = kids.filter((k) => k.spec?.launchPlan?.name?.endsWith('add_one'));
    expect(adds).toHaveLength(5);
    // All five were created before the first of them ended: they ran side by side.
    const firstEnd = Math.min(...adds.map((k) => lifetime(k)[1]));
    expect(Math.max(...adds.map((k) => lifetime(k)[0]))).toBeLessThanOrEqual(firstEnd);

    const root = runs.get('nested_eager_workflow(3)') as string;
    const [sub, dbl] = await childrenOf(sbx.client, root);
    expect(sub?.spec?.launchPlan?.name).toBe('.flytegen.examples.eager_workflows.eager_subworkflow');
    expect(dbl?.spec?.launchPlan?.name).toBe('.flytegen.examples.eager_workflows.double');
    const grandchildren = await childrenOf(sbx.client, sub?.id?.name ?? '');
    expect(grandchildren).toHaveLength(1);
    expect(grandchildren[0]?.spec?.metadata?.nesting).toBe(2);
    expect(grandchildren[0]?.spec?.labels?.values).toMatchObject({ 'eager-exec': sub?.id?.name, 'eager-root-exec': root });

    const wf = runs.get('eager_workflow_with_static_subworkflow(3)') as string;
    const [sw] = await childrenOf(sbx.client, wf);
    expect(sw?.spec?.launchPlan?.name).toBe('examples.eager_workflows.subworkflow');
  });

  test.skipIf(!available)('a caught child failure is a FAILED child execution whose error the EagerException carried', async () => {
    const name = runs.get('eager_workflow_with_exception(0)') as string;
    const [child] = await childrenOf(sbx.client, name);
    expect(phaseName(child!)).toBe('FAILED');
    expect(child?.closure?.error?.message).toMatch(/^TypeError: some exception/);
  });

  test.skipIf(!available || launcher !== 'docker')('an eager task waiting on children survives a sandbox restart (the socket is re-created; Docker only — process-launcher tasks stop with the sandbox)', async () => {
    const started = await sbx.cli(['run', '--remote', '--json', FEATURES, 'eager_long', '--ms', '8000']);
    expect(started.exitCode, started.stderr).toBe(0);
    const name = (JSON.parse(started.stdout.trim().split('\n').pop() ?? '{}') as { execution: string }).execution;
    await until('both children run', async () => {
      const kids = await childrenOf(sbx.client, name);
      return kids.length === 2 && kids.every((k) => phaseName(k) === 'RUNNING');
    });
    await sbx.stop();
    await sbx.restart();
    const done = await waitTerminal(sbx.client, name);
    expect(phaseName(done), done.closure?.error?.message ?? '').toBe('SUCCEEDED');
    expect((await sbx.client.getExecutionData({ ...PD, name })).fullOutputs?.literals?.o0?.scalar?.primitive?.integer).toBe('5');
  });

  test.skipIf(!available)('terminating the eager execution terminates its running children', async () => {
    const started = await sbx.cli(['run', '--remote', '--json', FEATURES, 'eager_long', '--ms', '300000']);
    expect(started.exitCode, started.stderr).toBe(0);
    const name = (JSON.parse(started.stdout.trim().split('\n').pop() ?? '{}') as { execution: string }).execution;
    await until('both children run', async () => {
      const kids = await childrenOf(sbx.client, name);
      return kids.length === 2 && kids.every((k) => phaseName(k) === 'RUNNING');
    });
    await sbx.client.terminateExecution({ ...PD, name }, 'test stops it');
    expect(phaseName(await waitTerminal(sbx.client, name))).toBe('ABORTED');
    for (const k of await childrenOf(sbx.client, name)) {
      const done = await waitTerminal(sbx.client, k.id?.name ?? '');
      expect(phaseName(done)).toBe('ABORTED');
      expect(done.closure?.abortMetadata).toEqual({ cause: `parent execution ${name} was terminated: test stops it`, principal: 'parent' });
    }
    if (launcher === 'docker') {
      // No container of the tree is left behind.
      await until('the containers are removed', async () => {
        const ps = await execa('docker', ['ps', '-a', '-q', '--filter', `label=tflyte.execution`], { reject: false });
        const ids = ps.stdout.split('\n').filter(Boolean);
        if (ids.length === 0) return true;
        const inspect = await execa('docker', ['inspect', '-f', '{{index .Config.Labels "tflyte.execution"}}', ...ids], { reject: false });
        const execs = inspect.stdout.split('\n');
        const kids = (await childrenOf(sbx.client, name)).map((k) => k.id?.name);
        return !execs.some((e) => e === name || kids.includes(e));
      });
    }
  });
});
