/**
 * Admin registration over real HTTP and a real SQLite file: projects, tasks, workflows, launch
 * plans; idempotency, conflicts, validation errors with field paths, lists, malformed input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/admin/client.ts';
import { ensureProject, http, INT, launchPlanBody, STR, startAdminHarness, taskBody, workflowBody, type AdminHarness } from './admin-harness.ts';

let h: AdminHarness;
const P = 'regproj';

beforeAll(async () => {
  h = await startAdminHarness();
  await ensureProject(h, P);
});
afterAll(async () => {
  await h?.close();
});

describe('service routes', () => {
  it('answers healthz, version, domains and the seeded flytesnacks project', async () => {
    expect((await http(`${h.url}/healthz`, 'GET')).json).toEqual({ status: 'ok', disk: { path: expect.any(String), freeBytes: expect.any(Number), low: expect.any(Boolean) } });
    expect((await h.client.version()).Version).toBe('0.1.0');
    const domains = await h.client.listDomains();
    expect(domains.domains?.map((d) => d.id)).toEqual(['development', 'staging', 'production']);
    const project = await h.client.getProject('flytesnacks');
    expect(project.domains?.map((d) => d.id)).toEqual(['development', 'staging', 'production']);
  });

  it('registers a project once; the second time is a 409', async () => {
    const first = await http(`${h.url}/api/v1/projects`, 'POST', { project: { id: 'p-twice', name: 'twice' } });
    expect(first.status).toBe(200);
    const second = await http(`${h.url}/api/v1/projects`, 'POST', { project: { id: 'p-twice', name: 'twice' } });
    expect(second.status).toBe(409);
    expect(second.json.error.code).toBe('SBX_ADMIN_ALREADY_EXISTS');
  });
});

describe('tasks', () => {
  it('is idempotent for an identical spec, even with keys in another order', async () => {
    const body = taskBody(P, 'wf.t1', 'v1', { a: INT, b: STR });
    expect((await http(`${h.url}/api/v1/tasks`, 'POST', body)).status).toBe(200);
    // Same content, map keys reversed: canonical bytes are equal.
    const reordered = taskBody(P, 'wf.t1', 'v1', { b: STR, a: INT });
    const again = await http(`${h.url}/api/v1/tasks`, 'POST', reordered);
    expect(again.status).toBe(200);
    const task = await h.client.getTask({ project: P, domain: 'development', name: 'wf.t1', version: 'v1' });
    expect(task.closure?.compiledTask?.template?.type).toBe('python-task');
    expect(Object.keys(task.closure?.compiledTask?.template?.interface?.inputs?.variables ?? {}).sort()).toEqual(['a', 'b']);
  });

  it('client.exists says whether a task version is registered, and rethrows other errors', async () => {
    await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'wf.exists', 'v1'));
    const id = { project: P, domain: 'development', name: 'wf.exists', version: 'v1' };
    expect(await h.client.exists('task', id)).toBe(true);
    expect(await h.client.exists('task', { ...id, version: 'v2' })).toBe(false);
    expect(await h.client.exists('workflow', id)).toBe(false);
    expect(await h.client.exists('launchPlan', id)).toBe(false);
    // Anything but a 404 is not an answer: an unreachable admin is an error, not "missing".
    await expect(new AdminClient('http://127.0.0.1:1').exists('task', id)).rejects.toMatchObject({ code: 'SBX_ADMIN_CLIENT_UNREACHABLE', status: 0 });
  });

  it('rejects the same id with a different spec with 409 SBX_ADMIN_ALREADY_EXISTS_DIFFERENT', async () => {
    await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'wf.t2', 'v1'));
    const r = await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'wf.t2', 'v1', { a: STR }));
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('SBX_ADMIN_ALREADY_EXISTS_DIFFERENT');
    expect(r.json.error.message).toContain(`task ${P}/development/wf.t2/v1`);
    // The stored task is unchanged.
    const t = await h.client.getTask({ project: P, domain: 'development', name: 'wf.t2', version: 'v1' });
    expect(t.closure?.compiledTask?.template?.interface?.inputs?.variables?.a?.type?.simple).toBe(1);
  });

  it('names the field path of shape errors, and of semantic errors', async () => {
    const unknownField = taskBody(P, 'wf.t3', 'v1') as any;
    unknownField.spec.template.bogus = 1;
    const r1 = await http(`${h.url}/api/v1/tasks`, 'POST', unknownField);
    expect(r1.status).toBe(400);
    expect(r1.json.error).toMatchObject({ code: 'SBX_ADMIN_INVALID_BODY', path: 'body.spec.template.bogus' });

    const badInt = taskBody(P, 'wf.t3', 'v1') as any;
    badInt.spec.template.metadata.retries.retries = 'many';
    const r2 = await http(`${h.url}/api/v1/tasks`, 'POST', badInt);
    expect(r2.json.error.path).toBe('body.spec.template.metadata.retries.retries');

    const mismatched = taskBody(P, 'wf.t3', 'v1') as any;
    mismatched.spec.template.id = { ...mismatched.id, version: 'v2' };
    const r3 = await http(`${h.url}/api/v1/tasks`, 'POST', mismatched);
    expect(r3.status).toBe(400);
    expect(r3.json.error).toMatchObject({ code: 'SBX_ADMIN_INVALID_ARGUMENT', path: 'body.spec.template.id.version' });

    const noVersion = taskBody(P, 'wf.t3', '') as any;
    const r4 = await http(`${h.url}/api/v1/tasks`, 'POST', noVersion);
    expect(r4.json.error).toMatchObject({ code: 'SBX_ADMIN_INVALID_ARGUMENT', path: 'body.id.version' });

    const unknownProject = taskBody('nope', 'wf.t3', 'v1');
    const r5 = await http(`${h.url}/api/v1/tasks`, 'POST', unknownProject);
    expect(r5.status).toBe(404);
    expect(r5.json.error.code).toBe('SBX_ADMIN_PROJECT_NOT_FOUND');
    expect(r5.json.error.message).toContain('"nope"');
    // None of these left a row behind.
    expect((await http(`${h.url}/api/v1/tasks/${P}/development/wf.t3`, 'GET')).json.tasks).toEqual([]);
  });

  it('answers 404 naming the missing task', async () => {
    const r = await http(`${h.url}/api/v1/tasks/${P}/development/missing.task/v9`, 'GET');
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: 'SBX_ADMIN_TASK_NOT_FOUND' });
    expect(r.json.error.message).toContain('missing.task/v9');
  });

  it('lists with paging tokens, filters and sort', async () => {
    for (const v of ['a1', 'a2', 'a3', 'a4', 'a5']) await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'list.t', v));
    const page1 = await h.client.listTasks(P, 'development', 'list.t', { limit: 2, sortBy: { key: 'version', direction: 'ASCENDING' } });
    expect(page1.tasks?.map((t) => t.id?.version)).toEqual(['a1', 'a2']);
    expect(page1.token).toBe('2');
    const page3 = await h.client.listTasks(P, 'development', 'list.t', { limit: 2, token: '4', sortBy: { key: 'version', direction: 'ASCENDING' } });
    expect(page3.tasks?.map((t) => t.id?.version)).toEqual(['a5']);
    expect(page3.token ?? '').toBe('');
    const desc = await h.client.listTasks(P, 'development', 'list.t', { limit: 1, sortBy: { key: 'version', direction: 'DESCENDING' } });
    expect(desc.tasks?.[0]?.id?.version).toBe('a5');
    const filtered = await h.client.listTasks(P, 'development', undefined, { filters: 'value_in(version,a2;a4)+eq(name,list.t)' });
    expect(filtered.tasks?.map((t) => t.id?.version).sort()).toEqual(['a2', 'a4']);
    const ids = await h.client.listTaskIds(P, 'development');
    expect(ids.entities?.map((e) => e.name)).toContain('list.t');
  });

  it('rejects bad list parameters with 400 and the parameter path', async () => {
    const cases: [string, string][] = [
      ['limit=0', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['token=-1', 'query.token'],
      ['sort_by.direction=UP', 'query.sort_by.direction'],
      ['filters=eq(password,x)', 'query.filters'],
      ['filters=drop table', 'query.filters'],
      ['sort_by.key=evil;--', 'query.filters'],
    ];
    for (const [q, path] of cases) {
      const r = await http(`${h.url}/api/v1/tasks/${P}/development?${q}`, 'GET');
      expect(r.status, q).toBe(400);
      expect(r.json.error.path, q).toBe(path);
    }
  });
});

describe('workflows', () => {
  it('compiles on create; unknown task references fail with diagnostics and leave nothing', async () => {
    const bad = workflowBody(P, 'wf.bad', 'v1', { name: 'not.registered', version: 'v1' });
    const r = await http(`${h.url}/api/v1/workflows`, 'POST', bad);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('SBX_ADMIN_COMPILE_FAILED');
    expect(r.json.error.diagnostics[0].message).toContain('not.registered');
    expect((await http(`${h.url}/api/v1/workflows/${P}/development/wf.bad/v1`, 'GET')).status).toBe(404);
  });

  it('registers, is idempotent, and 409s on a different structure', async () => {
    await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'wf.task', 'v1'));
    const body = workflowBody(P, 'wf.main', 'v1', { name: 'wf.task', version: 'v1' });
    expect((await http(`${h.url}/api/v1/workflows`, 'POST', body)).status).toBe(200);
    expect((await http(`${h.url}/api/v1/workflows`, 'POST', body)).status).toBe(200);
    const changed = workflowBody(P, 'wf.main', 'v1', { name: 'wf.task', version: 'v1' }) as any;
    changed.spec.template.nodes[0].id = 'n1';
    changed.spec.template.outputs[0].binding.promise.node_id = 'n1';
    const r = await http(`${h.url}/api/v1/workflows`, 'POST', changed);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('SBX_ADMIN_ALREADY_EXISTS_DIFFERENT');
    const wf = await h.client.getWorkflow({ project: P, domain: 'development', name: 'wf.main', version: 'v1' });
    expect(wf.closure?.compiledWorkflow?.primary?.template?.nodes?.[0]?.id).toBe('n0');
    expect(wf.closure?.compiledWorkflow?.tasks?.[0]?.template?.id?.name).toBe('wf.task');
    expect((await h.client.listWorkflowIds(P, 'development')).entities?.map((e) => e.name)).toContain('wf.main');
  });
});

describe('launch plans', () => {
  beforeAll(async () => {
    await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'lp.task', 'v1'));
    await http(`${h.url}/api/v1/workflows`, 'POST', workflowBody(P, 'lp.wf', 'v1', { name: 'lp.task', version: 'v1' }));
  });

  it('validates fixed and default inputs against the workflow', async () => {
    const unknown = launchPlanBody(P, 'lp.bad', 'v1', { name: 'lp.wf', version: 'v1' }, { fixed_inputs: { literals: { zz: { scalar: { primitive: { integer: '1' } } } } } });
    const r1 = await http(`${h.url}/api/v1/launch_plans`, 'POST', unknown);
    expect(r1.status).toBe(400);
    expect(r1.json.error).toMatchObject({ code: 'SBX_ADMIN_UNKNOWN_INPUT', path: 'body.spec.fixed_inputs.literals.zz' });
    const wrongType = launchPlanBody(P, 'lp.bad', 'v1', { name: 'lp.wf', version: 'v1' }, { fixed_inputs: { literals: { a: { scalar: { primitive: { string_value: 'x' } } } } } });
    const r2 = await http(`${h.url}/api/v1/launch_plans`, 'POST', wrongType);
    expect(r2.json.error.code).toBe('SBX_ADMIN_INPUT_TYPE_MISMATCH');
    expect(r2.json.error.message).toContain('int');
    const noWf = launchPlanBody(P, 'lp.bad', 'v1', { name: 'lp.nowf', version: 'v1' });
    const r3 = await http(`${h.url}/api/v1/launch_plans`, 'POST', noWf);
    expect(r3.status).toBe(404);
    expect(r3.json.error).toMatchObject({ code: 'SBX_ADMIN_WORKFLOW_NOT_FOUND', path: 'body.spec.workflow_id' });
  });

  it('creates INACTIVE; activating a version deactivates the previous one', async () => {
    for (const v of ['v1', 'v2']) {
      const r = await http(`${h.url}/api/v1/launch_plans`, 'POST', launchPlanBody(P, 'lp.main', v, { name: 'lp.wf', version: 'v1' }));
      expect(r.status).toBe(200);
    }
    const lp1 = await h.client.getLaunchPlan({ project: P, domain: 'development', name: 'lp.main', version: 'v1' });
    expect(lp1.closure?.state ?? 0).toBe(0);
    expect(lp1.closure?.expectedInputs?.parameters?.a?.required).toBe(true);
    await h.client.updateLaunchPlanState({ project: P, domain: 'development', name: 'lp.main', version: 'v1' }, 'ACTIVE');
    expect((await h.client.getActiveLaunchPlan(P, 'development', 'lp.main')).id?.version).toBe('v1');
    await h.client.updateLaunchPlanState({ project: P, domain: 'development', name: 'lp.main', version: 'v2' }, 'ACTIVE');
    expect((await h.client.getActiveLaunchPlan(P, 'development', 'lp.main')).id?.version).toBe('v2');
    expect((await h.client.getLaunchPlan({ project: P, domain: 'development', name: 'lp.main', version: 'v1' })).closure?.state ?? 0).toBe(0);
    const active = await h.client.listActiveLaunchPlans(P, 'development');
    expect(active.launchPlans?.map((l) => `${l.id?.name}@${l.id?.version}`)).toEqual(['lp.main@v2']);
    await h.client.updateLaunchPlanState({ project: P, domain: 'development', name: 'lp.main', version: 'v2' }, 'INACTIVE');
    const none = await http(`${h.url}/api/v1/active_launch_plans/${P}/development/lp.main`, 'GET');
    expect(none.status).toBe(404);
    expect(none.json.error.code).toBe('SBX_ADMIN_LAUNCH_PLAN_NOT_FOUND');
  });

  it('serves named entities', async () => {
    const list = await http(`${h.url}/api/v1/named_entities/LAUNCH_PLAN/${P}/development`, 'GET');
    expect(list.json.entities.map((e: any) => e.id.name)).toContain('lp.main');
    expect((await http(`${h.url}/api/v1/named_entities/WORKFLOW/${P}/development/lp.wf`, 'GET')).json.id.name).toBe('lp.wf');
    expect((await http(`${h.url}/api/v1/named_entities/WORKFLOW/${P}/development/nothing`, 'GET')).status).toBe(404);
    expect((await http(`${h.url}/api/v1/named_entities/BOGUS/${P}/development`, 'GET')).status).toBe(400);
  });
});

describe('malformed requests', () => {
  it('answers JSON errors, never HTML', async () => {
    const malformed = await http(`${h.url}/api/v1/tasks`, 'POST', undefined, '{"id": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('SBX_ADMIN_MALFORMED_JSON');
    const array = await http(`${h.url}/api/v1/tasks`, 'POST', [1, 2]);
    expect(array.json.error).toMatchObject({ code: 'SBX_ADMIN_INVALID_BODY', path: 'body' });
    const noBody = await http(`${h.url}/api/v1/tasks`, 'POST');
    expect(noBody.status).toBe(400);
    const route = await http(`${h.url}/api/v2/nothing`, 'GET');
    expect(route.status).toBe(404);
    expect(route.type).toContain('application/json');
    expect(route.json.error.code).toBe('SBX_ADMIN_ROUTE_NOT_FOUND');
    const badEscape = await http(`${h.url}/api/v1/tasks/%E0%A4%A/development`, 'GET');
    expect(badEscape.status).toBe(400);
    expect(badEscape.json.error.code).toBeTypeOf('string');
    const big = await http(`${h.url}/api/v1/tasks`, 'POST', undefined, `{"x":"${'a'.repeat(21 * 1024 * 1024)}"}`);
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('SBX_ADMIN_PAYLOAD_TOO_LARGE');
  });
});
