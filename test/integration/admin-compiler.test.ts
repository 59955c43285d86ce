/**
 * Admin with the real compiler (through `adaptCompiler`): registration compiles workflows that
 * reference registered tasks and launch plans, and single-task executions compile the
 * synthesised `.flytegen.` workflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adaptCompiler } from '../../src/admin/index.ts';
import { compileWorkflow } from '../../src/compiler/index.ts';
import { ensureProject, http, INT, intLit, launchPlanBody, startAdminHarness, taskBody, workflowBody, type AdminHarness } from './admin-harness.ts';

let h: AdminHarness;
const P = 'compproj';
const D = 'development';

beforeAll(async () => {
  h = await startAdminHarness(adaptCompiler(compileWorkflow));
  await ensureProject(h, P);
  expect((await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'c.t', 'v1', { a: INT }, { o0: INT }))).status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

describe('admin with the real compiler', () => {
  it('compiles a registered workflow with start/end connections', async () => {
    const r = await http(`${h.url}/api/v1/workflows`, 'POST', workflowBody(P, 'c.wf', 'v1', { name: 'c.t', version: 'v1' }));
    expect(r.status, r.text).toBe(200);
    const wf = await h.client.getWorkflow({ project: P, domain: D, name: 'c.wf', version: 'v1' });
    const conn = wf.closure?.compiledWorkflow?.primary?.connections;
    expect(Object.keys(conn?.downstream ?? {})).toContain('start-node');
    expect(wf.closure?.compiledWorkflow?.tasks?.map((t) => t.template?.id?.name)).toEqual(['c.t']);
  });

  it('reports compile diagnostics for a type mismatch', async () => {
    const bad = workflowBody(P, 'c.bad', 'v1', { name: 'c.t', version: 'v1' }, { a: { simple: 'STRING' } });
    const r = await http(`${h.url}/api/v1/workflows`, 'POST', bad);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('SBX_ADMIN_COMPILE_FAILED');
    expect(r.json.error.diagnostics.length).toBeGreaterThan(0);
  });

  it('compiles the synthesised single-task workflow and a launch-plan node', async () => {
    const run = await http(`${h.url}/api/v1/executions`, 'POST', {
      project: P,
      domain: D,
      name: 'c-task',
      spec: { launch_plan: { resource_type: 'TASK', project: P, domain: D, name: 'c.t', version: 'v1' } },
      inputs: { literals: { a: intLit(1) } },
    });
    expect(run.status, run.text).toBe(200);
    expect(h.runner.started.find((s) => s.id.name === 'c-task')?.closure.primary?.connections).toBeDefined();

    await http(`${h.url}/api/v1/launch_plans`, 'POST', launchPlanBody(P, 'c.lp', 'v1', { name: 'c.wf', version: 'v1' }));
    const parent = workflowBody(P, 'c.parent', 'v1', { name: 'c.t', version: 'v1' }) as any;
    delete parent.spec.template.nodes[0].task_node;
    parent.spec.template.nodes[0].workflow_node = { launchplan_ref: { resource_type: 'LAUNCH_PLAN', project: P, domain: D, name: 'c.lp', version: 'v1' } };
    const r = await http(`${h.url}/api/v1/workflows`, 'POST', parent);
    expect(r.status, r.text).toBe(200);
  });
});
