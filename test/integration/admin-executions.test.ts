/**
 * Execution creation and control over real HTTP: inputs merged from launch plans (fixed,
 * defaults, required, types), single-task and workflow-id executions, lists with filters and
 * labels, terminate, relaunch, data endpoints, runner failures.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decode, toJson, type flyteidl } from '../../src/core/idl.ts';
import { createAdmin } from '../../src/admin/index.ts';
import { ensureProject, http, INT, intLit, launchPlanBody, STR, startAdminHarness, strLit, stubCompile, taskBody, workflowBody, type AdminHarness } from './admin-harness.ts';

let h: AdminHarness;
const P = 'execproj';
const D = 'development';
const lpId = (name: string, version = 'v1') => ({ resource_type: 'LAUNCH_PLAN', project: P, domain: D, name, version });

beforeAll(async () => {
  h = await startAdminHarness();
  await ensureProject(h, P);
  await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'ex.add', 'v1', { a: INT, b: STR }, { o0: INT }));
  const wf = workflowBody(P, 'ex.wf', 'v1', { name: 'ex.add', version: 'v1' }, { a: INT, b: STR }) as any;
  wf.spec.template.nodes[0].inputs.push({ var: 'b', binding: { promise: { node_id: 'start-node', var: 'b' } } });
  expect((await http(`${h.url}/api/v1/workflows`, 'POST', wf)).status).toBe(200);
  const lp = launchPlanBody(P, 'ex.lp', 'v1', { name: 'ex.wf', version: 'v1' }, {
    fixed_inputs: { literals: { b: strLit('fixed') } },
    labels: { values: { team: 'lp' } },
  });
  expect((await http(`${h.url}/api/v1/launch_plans`, 'POST', lp)).status).toBe(200);
  const lpDefaults = launchPlanBody(P, 'ex.lpdef', 'v1', { name: 'ex.wf', version: 'v1' }, {
    default_inputs: { parameters: { a: { var: { type: INT }, default: intLit(7) }, b: { var: { type: STR }, default: strLit('dflt') } } },
  });
  expect((await http(`${h.url}/api/v1/launch_plans`, 'POST', lpDefaults)).status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.runner.failStart = undefined;
  h.runner.abortNotFound = false;
});

async function readMap(uri: string): Promise<Record<string, flyteidl.core.ILiteral>> {
  return decode<flyteidl.core.ILiteralMap>('flyteidl.core.LiteralMap', await h.store.read(uri)).literals ?? {};
}

describe('create from a launch plan', () => {
  it('merges fixed inputs, writes inputs.pb and user_inputs.pb, starts the runner, row is UNDEFINED', async () => {
    const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name: 'e-fixed', spec: { launch_plan: lpId('ex.lp'), labels: { values: { env: 'test' } } }, inputs: { literals: { a: intLit(3) } } });
    expect(r.status, r.text).toBe(200);
    expect(r.json.id).toEqual({ project: P, domain: D, name: 'e-fixed', org: '' });
    const req = h.runner.started.find((s) => s.id.name === 'e-fixed');
    expect(req).toBeDefined();
    expect(req?.closure.primary?.template?.id?.name).toBe('ex.wf');
    expect(req?.labels).toEqual({ team: 'lp', env: 'test' });
    expect(req?.maxParallelism).toBe(25);
    expect(req?.metadataPrefix.startsWith(h.store.rootUri)).toBe(true);
    const merged = await readMap(req?.inputsUri ?? '');
    expect(merged.a?.scalar?.primitive?.integer).toBe('3');
    expect(merged.b?.scalar?.primitive?.stringValue).toBe('fixed');
    const exec = await h.client.getExecution({ project: P, domain: D, name: 'e-fixed' });
    expect(exec.closure?.phase ?? 0).toBe(0);
    expect(exec.spec?.launchPlan?.name).toBe('ex.lp');
    const data = await h.client.getExecutionData({ project: P, domain: D, name: 'e-fixed' });
    expect(data.fullInputs?.literals?.b?.scalar?.primitive?.stringValue).toBe('fixed');
    expect(Object.keys(data.fullOutputs?.literals ?? {})).toEqual([]);
  });

  it('decodes a stored workflow once: executions of it get the same closure, equal to what was stored', async () => {
    const names = ['e-shared-1', 'e-shared-2'];
    for (const name of names) {
      const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name, spec: { launch_plan: lpId('ex.lp') }, inputs: { literals: { a: intLit(1) } } });
      expect(r.status, r.text).toBe(200);
    }
    const [first, second] = names.map((n) => h.runner.started.find((s) => s.id.name === n)?.closure);
    expect(first).toBeDefined();
    expect(second).toBe(first);
    const stored = await h.client.getWorkflow({ project: P, domain: D, name: 'ex.wf', version: 'v1' });
    const json = (c: object | null | undefined) => toJson('flyteidl.core.CompiledWorkflowClosure', c ?? {});
    expect(json(first)).toEqual(json(stored.closure?.compiledWorkflow));
    expect(first?.primary?.template?.nodes?.[0]?.taskNode?.referenceId?.name).toBe('ex.add');
    // With the stored encoding, which the engine keeps instead of encoding the closure again:
    // decoding it gives the very closure handed over.
    const bytes = h.runner.started.find((s) => s.id.name === names[0])?.closureBytes;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decode('flyteidl.core.CompiledWorkflowClosure', bytes as Uint8Array)).toEqual(first);
  });

  it('rejects overriding a fixed input, naming it, and writes nothing', async () => {
    const before = h.runner.started.length;
    const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name: 'e-override', spec: { launch_plan: lpId('ex.lp') }, inputs: { literals: { a: intLit(1), b: strLit('x') } } });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'SBX_ADMIN_FIXED_INPUT_OVERRIDE', path: 'body.inputs.literals.b' });
    expect(r.json.error.message).toContain('"b"');
    expect(h.runner.started.length).toBe(before);
    expect((await http(`${h.url}/api/v1/executions/${P}/${D}/e-override`, 'GET')).status).toBe(404);
    expect(await h.store.exists(h.store.join(h.store.rootUri, 'metadata', P, D, 'e-override', 'inputs.pb'))).toBe(false);
  });

  it('names missing required inputs with their types', async () => {
    const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, spec: { launch_plan: lpId('ex.lp') } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('SBX_ADMIN_MISSING_INPUTS');
    expect(r.json.error.message).toContain('a (int)');
  });

  it('rejects mistyped and unknown inputs', async () => {
    const typed = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, spec: { launch_plan: lpId('ex.lp') }, inputs: { literals: { a: strLit('three') } } });
    expect(typed.json.error).toMatchObject({ code: 'SBX_ADMIN_INPUT_TYPE_MISMATCH', path: 'body.inputs.literals.a' });
    const unknown = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, spec: { launch_plan: lpId('ex.lp') }, inputs: { literals: { a: intLit(1), zz: intLit(1) } } });
    expect(unknown.json.error).toMatchObject({ code: 'SBX_ADMIN_UNKNOWN_INPUT', path: 'body.inputs.literals.zz' });
  });

  it('uses launch plan defaults, and the user value over a default', async () => {
    const r1 = await h.client.createExecution({ project: P, domain: D, name: 'e-defaults', spec: { launchPlan: lpId('ex.lpdef') as any } });
    const m1 = await readMap(h.runner.started.find((s) => s.id.name === r1.name)?.inputsUri ?? '');
    expect([m1.a?.scalar?.primitive?.integer, m1.b?.scalar?.primitive?.stringValue]).toEqual(['7', 'dflt']);
    const r2 = await h.client.createExecution({ project: P, domain: D, spec: { launchPlan: lpId('ex.lpdef') as any }, inputs: { literals: { a: { scalar: { primitive: { integer: 9 } } } } } });
    expect(r2.name).toMatch(/^a[a-z0-9]{19}$/);
    const m2 = await readMap(h.runner.started.find((s) => s.id.name === r2.name)?.inputsUri ?? '');
    expect(m2.a?.scalar?.primitive?.integer).toBe('9');
    const user = await readMap(h.store.join(h.store.rootUri, 'metadata', P, D, r2.name ?? '', 'user_inputs.pb'));
    expect(Object.keys(user)).toEqual(['a']);
  });

  it('validates execution names and refuses a duplicate name', async () => {
    for (const name of ['Upper', '-dash', 'a/b', 'x'.repeat(64), 'ends-']) {
      const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name, spec: { launch_plan: lpId('ex.lpdef') } });
      expect(r.status, name).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'SBX_ADMIN_INVALID_EXECUTION_NAME', path: 'body.name' });
    }
    const ok = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name: 'dup-1', spec: { launch_plan: lpId('ex.lpdef') } });
    expect(ok.status).toBe(200);
    const dup = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name: 'dup-1', spec: { launch_plan: lpId('ex.lpdef') } });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('SBX_ADMIN_ALREADY_EXISTS');
  });

  it('answers 404 for an unknown launch plan', async () => {
    const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, spec: { launch_plan: lpId('ex.none') } });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('SBX_ADMIN_LAUNCH_PLAN_NOT_FOUND');
  });
});

describe('create from a task or workflow id', () => {
  it('prepares a task\'s one-node workflow and launch plan once: later runs read them, not the task', async () => {
    const compiled: string[] = [];
    const own = await startAdminHarness((spec, lookupTask, lookupLaunchPlan) => {
      compiled.push(spec.template.id?.name ?? '');
      return stubCompile(spec, lookupTask, lookupLaunchPlan);
    });
    try {
      await ensureProject(own, P);
      await http(`${own.url}/api/v1/tasks`, 'POST', taskBody(P, 'ex.once', 'v1', { a: INT }, { o0: INT }));
      for (const name of ['t-once-1', 't-once-2', 't-once-3']) {
        // After the first run the task's own row is not read again: damaged, it changes nothing.
        if (name === 't-once-2') own.db.prepare("UPDATE tasks SET spec = x'ffffffff' WHERE name = 'ex.once'").run();
        const r = await http(`${own.url}/api/v1/executions`, 'POST', { project: P, domain: D, name, spec: { launch_plan: { resource_type: 'TASK', project: P, domain: D, name: 'ex.once', version: 'v1' } }, inputs: { literals: { a: intLit(1) } } });
        expect(r.status, r.text).toBe(200);
      }
      expect(compiled).toEqual(['.flytegen.ex.once']);
      const runs = own.runner.started.filter((s) => s.id.name.startsWith('t-once-'));
      expect(runs.map((s) => s.closure.primary?.template?.id?.name)).toEqual(['.flytegen.ex.once', '.flytegen.ex.once', '.flytegen.ex.once']);
      expect((await own.client.listExecutions(P, D, { filters: 'eq(task.name,ex.once)' })).executions).toHaveLength(3);
    } finally {
      await own.close();
    }
  });

  it('synthesises the .flytegen workflow and launch plan for a task', async () => {
    const r = await http(`${h.url}/api/v1/executions`, 'POST', {
      project: P,
      domain: D,
      name: 'e-task',
      spec: { launch_plan: { resource_type: 'TASK', project: P, domain: D, name: 'ex.add', version: 'v1' } },
      inputs: { literals: { a: intLit(1), b: strLit('s') } },
    });
    expect(r.status, r.text).toBe(200);
    const req = h.runner.started.find((s) => s.id.name === 'e-task');
    const tmpl = req?.closure.primary?.template;
    expect(tmpl?.id?.name).toBe('.flytegen.ex.add');
    // The synthesised workflow's stored closure, decoded, as for any stored workflow.
    expect(decode('flyteidl.core.CompiledWorkflowClosure', req?.closureBytes as Uint8Array)).toEqual(req?.closure);
    expect(tmpl?.nodes?.[0]?.taskNode?.referenceId?.name).toBe('ex.add');
    expect(tmpl?.nodes?.[0]?.metadata?.retries?.retries).toBe(1);
    const lp = await h.client.getLaunchPlan({ project: P, domain: D, name: '.flytegen.ex.add', version: 'v1' });
    expect(lp.spec?.workflowId?.name).toBe('.flytegen.ex.add');
    const list = await h.client.listExecutions(P, D, { filters: 'eq(task.name,ex.add)' });
    expect(list.executions?.map((e) => e.id?.name)).toEqual(['e-task']);
    // A second run reuses the synthesised entities.
    const again = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, spec: { launch_plan: { resource_type: 'TASK', project: P, domain: D, name: 'ex.add', version: 'v1' } }, inputs: { literals: { a: intLit(2), b: strLit('t') } } });
    expect(again.status).toBe(200);
  });

  it('uses a default launch plan for a workflow id', async () => {
    const r = await http(`${h.url}/api/v1/executions`, 'POST', {
      project: P,
      domain: D,
      name: 'e-wfid',
      spec: { launch_plan: { resource_type: 'WORKFLOW', project: P, domain: D, name: 'ex.wf', version: 'v1' } },
      inputs: { literals: { a: intLit(1), b: strLit('s') } },
    });
    expect(r.status, r.text).toBe(200);
    expect((await h.client.getLaunchPlan({ project: P, domain: D, name: 'ex.wf', version: 'v1' })).spec?.workflowId?.name).toBe('ex.wf');
  });

  it('answers 404 for an unknown task', async () => {
    const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, spec: { launch_plan: { resource_type: 'TASK', project: P, domain: D, name: 'nope', version: 'v1' } } });
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: 'SBX_ADMIN_TASK_NOT_FOUND', path: 'body.spec.launch_plan' });
  });
});

describe('lists', () => {
  it('filters by phase, labels, workflow name and created_at; sorts and pages', async () => {
    const names = ['l-one', 'l-two', 'l-three'];
    for (const [i, name] of names.entries()) {
      await h.client.createExecution({ project: P, domain: D, name, spec: { launchPlan: lpId('ex.lpdef') as any, labels: { values: { batch: 'lists', idx: String(i) } } } });
    }
    await h.client.sendWorkflowEvent({ executionId: { project: P, domain: D, name: 'l-two' }, phase: 2 });
    const running = await h.client.listExecutions(P, D, { filters: 'eq(phase,RUNNING)+eq(execution_tag.key,batch)' });
    expect(running.executions?.map((e) => e.id?.name)).toEqual(['l-two']);
    const inSet = await h.client.listExecutions(P, D, { filters: 'value_in(execution.phase,RUNNING;UNDEFINED)+eq(execution_tag.key,batch)+eq(execution_tag.value,lists)' });
    expect(inSet.executions?.map((e) => e.id?.name).sort()).toEqual(['l-one', 'l-three', 'l-two']);
    const byIdx = await h.client.listExecutions(P, D, { filters: 'eq(execution_tag.key,idx)+eq(execution_tag.value,2)' });
    expect(byIdx.executions?.map((e) => e.id?.name)).toEqual(['l-three']);
    const wfName = await h.client.listExecutions(P, D, { filters: 'contains(workflow.name,ex.w)+contains(name,l-t)', sortBy: { key: 'name', direction: 'ASCENDING' } });
    expect(wfName.executions?.map((e) => e.id?.name)).toEqual(['l-three', 'l-two']);
    const future = await h.client.listExecutions(P, D, { filters: `gt(created_at,${new Date(Date.now() + 3_600_000).toISOString()})` });
    expect(future.executions ?? []).toEqual([]);
    const page = await h.client.listExecutions(P, D, { limit: 2, filters: 'eq(execution_tag.key,batch)', sortBy: { key: 'name', direction: 'DESCENDING' } });
    expect(page.executions?.map((e) => e.id?.name)).toEqual(['l-two', 'l-three']);
    const rest = await h.client.listExecutions(P, D, { limit: 2, token: page.token ?? '', filters: 'eq(execution_tag.key,batch)', sortBy: { key: 'name', direction: 'DESCENDING' } });
    expect(rest.executions?.map((e) => e.id?.name)).toEqual(['l-one']);
    const badPhase = await http(`${h.url}/api/v1/executions/${P}/${D}?filters=eq(phase,SLEEPING)`, 'GET');
    expect(badPhase.status).toBe(400);
    expect(badPhase.json.error.code).toBe('SBX_ADMIN_INVALID_FILTER');
  });
});

describe('terminate and relaunch', () => {
  it('moves to ABORTING, calls the runner, is idempotent, and refuses a terminal execution', async () => {
    await h.client.createExecution({ project: P, domain: D, name: 't-abort', spec: { launchPlan: lpId('ex.lpdef') as any } });
    const r = await http(`${h.url}/api/v1/executions/${P}/${D}/t-abort`, 'DELETE', { cause: 'because' });
    expect(r.status, r.text).toBe(200);
    expect(h.runner.aborted.at(-1)).toEqual({ id: { project: P, domain: D, name: 't-abort' }, cause: 'because' });
    const exec = await h.client.getExecution({ project: P, domain: D, name: 't-abort' });
    expect(exec.closure?.phase).toBe(9);
    expect(exec.closure?.abortMetadata?.cause).toBe('because');
    expect((await http(`${h.url}/api/v1/executions/${P}/${D}/t-abort`, 'DELETE', { cause: 'again' })).status).toBe(200);
    await h.client.sendWorkflowEvent({ executionId: { project: P, domain: D, name: 't-abort' }, phase: 7 });
    const late = await http(`${h.url}/api/v1/executions/${P}/${D}/t-abort`, 'DELETE', { cause: 'late' });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('SBX_ADMIN_ALREADY_TERMINAL');
    expect((await http(`${h.url}/api/v1/executions/${P}/${D}/nope`, 'DELETE', {})).status).toBe(404);
  });

  it('records ABORTED itself when the engine does not know the execution', async () => {
    await h.client.createExecution({ project: P, domain: D, name: 't-gone', spec: { launchPlan: lpId('ex.lpdef') as any } });
    h.runner.abortNotFound = true;
    await h.client.terminateExecution({ project: P, domain: D, name: 't-gone' }, 'cleanup');
    expect((await h.client.getExecution({ project: P, domain: D, name: 't-gone' })).closure?.phase).toBe(7);
  });

  it('relaunches with the original user inputs', async () => {
    await h.client.createExecution({ project: P, domain: D, name: 'r-orig', spec: { launchPlan: lpId('ex.lp') as any }, inputs: { literals: { a: { scalar: { primitive: { integer: 41 } } } } } });
    const id = await h.client.relaunchExecution({ id: { project: P, domain: D, name: 'r-orig' }, name: 'r-again' });
    expect(id.name).toBe('r-again');
    const req = h.runner.started.find((s) => s.id.name === 'r-again');
    const merged = await readMap(req?.inputsUri ?? '');
    expect(merged.a?.scalar?.primitive?.integer).toBe('41');
    expect(merged.b?.scalar?.primitive?.stringValue).toBe('fixed');
    const exec = await h.client.getExecution({ project: P, domain: D, name: 'r-again' });
    expect(exec.spec?.metadata?.mode).toBe(3);
  });

  it('records who asked for a relaunch or a recovery (X-Tflyte-Principal), not who launched the original', async () => {
    await h.client.createExecution({
      project: P,
      domain: D,
      name: 'p-orig',
      spec: { launchPlan: lpId('ex.lp') as any, metadata: { principal: 'tflyte-cli' } },
      inputs: { literals: { a: { scalar: { primitive: { integer: 1 } } } } },
    });
    const asked = async (route: string, name: string, principal?: string): Promise<unknown> => {
      const r = await fetch(`${h.url}/api/v1/executions/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(principal ? { 'x-tflyte-principal': principal } : {}) },
        body: JSON.stringify({ id: { project: P, domain: D, name: 'p-orig' }, name }),
      });
      expect(r.status).toBe(200);
      return (await h.client.getExecution({ project: P, domain: D, name })).spec?.metadata?.principal;
    };
    expect(await asked('relaunch', 'p-console', 'console')).toBe('console');
    expect(await asked('recover', 'p-recover', 'console')).toBe('console');
    expect(await asked('relaunch', 'p-nobody')).toBe('sandbox');
    expect(await asked('relaunch', 'p-odd', 'not a name!')).toBe('sandbox');
    expect((await h.client.getExecution({ project: P, domain: D, name: 'p-orig' })).spec?.metadata?.principal).toBe('tflyte-cli');
  });

  it('marks the execution FAILED and answers 503 when the runner refuses it', async () => {
    h.runner.failStart = new Error('engine down');
    const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name: 'f-runner', spec: { launch_plan: lpId('ex.lpdef') } });
    expect(r.status).toBe(503);
    expect(r.json.error.code).toBe('SBX_ADMIN_RUNNER_UNAVAILABLE');
    const exec = await h.client.getExecution({ project: P, domain: D, name: 'f-runner' });
    expect(exec.closure?.phase).toBe(6);
    expect(exec.closure?.error?.message).toContain('engine down');
  });

  it('refuses an execution whose stored workflow no longer decodes, and keeps no trace of it', async () => {
    const wf = workflowBody(P, 'ex.rotten', 'v1', { name: 'ex.add', version: 'v1' }, { a: INT, b: STR }) as any;
    wf.spec.template.nodes[0].inputs.push({ var: 'b', binding: { promise: { node_id: 'start-node', var: 'b' } } });
    expect((await http(`${h.url}/api/v1/workflows`, 'POST', wf)).status).toBe(200);
    expect((await http(`${h.url}/api/v1/launch_plans`, 'POST', launchPlanBody(P, 'ex.rotten', 'v1', { name: 'ex.rotten', version: 'v1' }))).status).toBe(200);
    // The stored bytes damaged, read by a fresh admin (this one keeps the closure it decoded).
    h.db.prepare("UPDATE workflows SET compiled = x'ffffffff' WHERE name = 'ex.rotten'").run();
    const fresh = createAdmin({ db: h.db, dataStore: h.store, compileWorkflow: stubCompile, runner: h.runner });
    const started = h.runner.started.length;
    const create = fresh.managers.executions.create({ project: P, domain: D, name: 'e-rotten', spec: { launchPlan: { resourceType: 3, project: P, domain: D, name: 'ex.rotten', version: 'v1' } }, inputs: { literals: { a: { scalar: { primitive: { integer: '1' } } }, b: { scalar: { primitive: { stringValue: 's' } } } } } });
    await expect(create).rejects.toThrow(/CompiledWorkflowClosure|index out of range|invalid wire type/);
    expect(h.runner.started.length).toBe(started);
    expect((await http(`${h.url}/api/v1/executions/${P}/${D}/e-rotten`, 'GET')).status).toBe(404);
  });
});

describe('file inputs stay inside the data store', () => {
  const FILE = { blob: { format: '', dimensionality: 'SINGLE' } };
  const fileLit = (uri: string) => ({ scalar: { blob: { metadata: { type: { format: '', dimensionality: 'SINGLE' } }, uri } } });
  const taskId = { resource_type: 'TASK', project: P, domain: D, name: 'ex.readfile', version: 'v1' };

  beforeAll(async () => {
    expect((await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'ex.readfile', 'v1', { a: FILE }, { o0: INT }))).status).toBe(200);
    expect((await http(`${h.url}/api/v1/workflows`, 'POST', workflowBody(P, 'ex.filewf', 'v1', { name: 'ex.readfile', version: 'v1' }, { a: FILE }))).status).toBe(200);
  });

  it.each([
    ['a host file', 'file:///etc/passwd'],
    ['a path that climbs out of the store', () => `${h.store.rootUri}/../../../etc/passwd`],
    ['another scheme', 's3://bucket/key'],
  ])('refuses %s with 400 SBX_ADMIN_INPUT_OUTSIDE_STORE and writes nothing', async (_what, uri) => {
    const u = typeof uri === 'function' ? uri() : uri;
    const before = h.runner.started.length;
    const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name: 'e-outside', spec: { launch_plan: taskId }, inputs: { literals: { a: fileLit(u) } } });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'SBX_ADMIN_INPUT_OUTSIDE_STORE', path: 'body.inputs.literals.a' });
    expect(r.json.error.message).toContain(u);
    expect(h.runner.started.length).toBe(before);
    expect((await http(`${h.url}/api/v1/executions/${P}/${D}/e-outside`, 'GET')).status).toBe(404);
  });

  it('accepts a file in the store', async () => {
    const uri = h.store.join(h.store.rootUri, 'uploads', 'in.txt');
    await h.store.write(uri, new TextEncoder().encode('hello'));
    const r = await http(`${h.url}/api/v1/executions`, 'POST', { project: P, domain: D, name: 'e-inside', spec: { launch_plan: taskId }, inputs: { literals: { a: fileLit(uri) } } });
    expect(r.status, r.text).toBe(200);
  });

  it('refuses a launch plan whose fixed or default file input points outside the store', async () => {
    const fixed = await http(`${h.url}/api/v1/launch_plans`, 'POST', launchPlanBody(P, 'ex.filelp', 'v1', { name: 'ex.filewf', version: 'v1' }, { fixed_inputs: { literals: { a: fileLit('file:///etc/shadow') } } }));
    expect(fixed.status).toBe(400);
    expect(fixed.json.error).toMatchObject({ code: 'SBX_ADMIN_INPUT_OUTSIDE_STORE', path: 'body.spec.fixed_inputs.literals.a' });
    const dflt = await http(`${h.url}/api/v1/launch_plans`, 'POST', launchPlanBody(P, 'ex.filelp', 'v2', { name: 'ex.filewf', version: 'v1' }, { default_inputs: { parameters: { a: { var: { type: FILE }, default: fileLit('file:///etc/shadow') } } } }));
    expect(dflt.status).toBe(400);
    expect(dflt.json.error).toMatchObject({ code: 'SBX_ADMIN_INPUT_OUTSIDE_STORE', path: 'body.spec.default_inputs.parameters.a.default' });
    expect((await http(`${h.url}/api/v1/launch_plans/${P}/${D}/ex.filelp/v1`, 'GET')).status).toBe(404);
  });
});
