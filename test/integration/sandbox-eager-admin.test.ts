/**
 * The admin side of eager workflows over real HTTP and a real SQLite file (the engine is a
 * recording stand-in, events are sent by the test): the long-poll of an execution, child
 * executions linked to a parent node (inheritance, refusal when the parent is gone or over),
 * the children listing, termination cascading to children, and the client over a unix socket.
 */
import fs from 'node:fs';
import nodeHttp from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiError, AdminClient } from '../../src/admin/index.ts';
import type { flyteidl } from '../../src/core/idl.ts';
import { ensureProject, http, INT, intLit, startAdminHarness, taskBody, type AdminHarness } from './admin-harness.ts';

let h: AdminHarness;
const P = 'eagerproj';
const D = 'development';
const TASK = { resource_type: 'TASK', project: P, domain: D, name: 'eg.add', version: 'v1' };
const PHASE = { RUNNING: 2, SUCCEEDED: 4, FAILED: 6, ABORTED: 7, ABORTING: 9 } as const;
let seq = 0;

beforeAll(async () => {
  h = await startAdminHarness();
  await ensureProject(h, P);
  const r = await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'eg.add', 'v1', { a: INT }, { o0: INT }));
  expect(r.status, r.text).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

const key = (name: string) => ({ project: P, domain: D, name });
const waiting = (): number => h.running.admin.managers.executions.waiting;

/** Creates an execution of the task, optionally as a child of `parent`'s node; returns its name. */
async function create(opts: { parent?: string; node?: string; labels?: Record<string, string>; envs?: Record<string, string> } = {}): Promise<string> {
  const name = `ex-${++seq}`;
  const metadata = opts.parent
    ? { mode: 'CHILD_WORKFLOW', parent_node_execution: { node_id: opts.node ?? 'n0', execution_id: { project: P, domain: D, name: opts.parent } } }
    : {};
  const r = await http(`${h.url}/api/v1/executions`, 'POST', {
    project: P,
    domain: D,
    name,
    spec: {
      launch_plan: TASK,
      metadata,
      ...(opts.labels ? { labels: { values: opts.labels } } : {}),
      ...(opts.envs ? { envs: { values: Object.entries(opts.envs).map(([k, v]) => ({ key: k, value: v })) } } : {}),
    },
    inputs: { literals: { a: intLit(1) } },
  });
  expect(r.status, r.text).toBe(200);
  return name;
}

async function event(name: string, phase: number): Promise<void> {
  const ev: flyteidl.event.IWorkflowExecutionEvent = { executionId: key(name), phase, occurredAt: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, producerId: 'test' };
  await h.client.sendWorkflowEvent(ev);
}

async function phaseOf(name: string): Promise<number> {
  return Number((await h.client.getExecution(key(name))).closure?.phase ?? 0);
}

/** Polls `fn` until it holds (admin's own bookkeeping; no sleeps of fixed length). */
async function until(what: string, fn: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('GET /executions/{p}/{d}/{name}?wait_for_terminal (long-poll)', () => {
  it('answers as soon as the execution is terminal, not at the end of the wait', { timeout: 15_000 }, async () => {
    const name = await create();
    await event(name, PHASE.RUNNING);
    let settled = false;
    // 120 s: the test's own 15 s timeout fails it if only the timer could end the wait.
    const pending = h.client.waitForExecution(key(name), { waitSeconds: 120 }).finally(() => (settled = true));
    await until('the request is parked', () => waiting() === 1);
    await event(name, PHASE.RUNNING);
    expect(settled).toBe(false);
    await event(name, PHASE.SUCCEEDED);
    const ex = await pending;
    expect(ex.closure?.phase).toBe(PHASE.SUCCEEDED);
    expect(waiting()).toBe(0);
    // Already terminal: answers at once.
    expect((await h.client.waitForExecution(key(name), { waitSeconds: 120 })).closure?.phase).toBe(PHASE.SUCCEEDED);
  });

  it('after the wait, answers the current (non-terminal) state', async () => {
    const name = await create();
    await event(name, PHASE.RUNNING);
    const r = await http(`${h.url}/api/v1/executions/${P}/${D}/${name}?wait_for_terminal=50ms`, 'GET');
    expect(r.status).toBe(200);
    expect(r.json.closure.phase).toBe('RUNNING');
    expect(waiting()).toBe(0);
  });

  it('wakes on terminate (ABORTED recorded by admin itself) and forgets callers that hang up', { timeout: 15_000 }, async () => {
    const name = await create();
    const gone = new AbortController();
    const hangUp = fetch(`${h.url}/api/v1/executions/${P}/${D}/${name}?wait_for_terminal=120s`, { signal: gone.signal }).catch(() => 'aborted');
    await until('the request is parked', () => waiting() === 1);
    gone.abort();
    expect(await hangUp).toBe('aborted');
    await until('the parked request is dropped', () => waiting() === 0);

    const pending = h.client.waitForExecution(key(name), { waitSeconds: 120 });
    await until('the request is parked', () => waiting() === 1);
    h.runner.abortNotFound = true;
    try {
      await h.client.terminateExecution(key(name), 'stop');
    } finally {
      h.runner.abortNotFound = false;
    }
    expect((await pending).closure?.phase).toBe(PHASE.ABORTED);
  });

  it('rejects a malformed or too long wait with a 400 naming the parameter', async () => {
    const name = await create();
    for (const bad of ['soon', '-1s', '10m']) {
      const r = await http(`${h.url}/api/v1/executions/${P}/${D}/${name}?wait_for_terminal=${bad}`, 'GET');
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('SBX_ADMIN_INVALID_ARGUMENT');
      expect(r.json.error.message).toContain('wait_for_terminal');
    }
  });
});

describe('child executions', () => {
  it('link to the parent node, inherit its labels and envs, nest one level deeper', async () => {
    const parent = await create({ labels: { team: 'ml' }, envs: { FROM_PARENT: '1' } });
    await event(parent, PHASE.RUNNING);
    const child = await create({ parent, node: 'my-eager', labels: { 'eager-exec': parent } });
    const ex = await h.client.getExecution(key(child));
    expect(ex.spec?.metadata?.mode).toBe(4);
    expect(ex.spec?.metadata?.nesting).toBe(1);
    expect(ex.spec?.metadata?.parentNodeExecution).toMatchObject({ nodeId: 'my-eager', executionId: { project: P, domain: D, name: parent } });
    expect(ex.spec?.labels?.values).toEqual({ team: 'ml', 'eager-exec': parent });
    expect(ex.spec?.envs?.values).toContainEqual(expect.objectContaining({ key: 'FROM_PARENT', value: '1' }));
    const req = h.runner.started.find((s) => s.id.name === child);
    expect(req?.parent?.nodeExecutionId).toEqual({ nodeId: 'my-eager', executionId: key(parent) });
    const grandchild = await create({ parent: child });
    expect((await h.client.getExecution(key(grandchild))).spec?.metadata?.nesting).toBe(2);
  });

  it('are refused when the parent does not exist or is over', async () => {
    const missing = await http(`${h.url}/api/v1/executions`, 'POST', {
      project: P,
      domain: D,
      name: 'orphan',
      spec: { launch_plan: TASK, metadata: { parent_node_execution: { node_id: 'n0', execution_id: { project: P, domain: D, name: 'no-such-parent' } } } },
      inputs: { literals: { a: intLit(1) } },
    });
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toContain('parent execution');
    const over = await create();
    await event(over, PHASE.RUNNING);
    await event(over, PHASE.FAILED);
    const late = await http(`${h.url}/api/v1/executions`, 'POST', {
      project: P,
      domain: D,
      name: 'too-late',
      spec: { launch_plan: TASK, metadata: { parent_node_execution: { node_id: 'n0', execution_id: { project: P, domain: D, name: over } } } },
      inputs: { literals: { a: intLit(1) } },
    });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('SBX_ADMIN_ALREADY_TERMINAL');
    expect(late.json.error.message).toContain('no more child executions');
  });

  it('are listed by parent (and node), and by the eager-exec execution tag', async () => {
    const parent = await create();
    await event(parent, PHASE.RUNNING);
    const a = await create({ parent, node: 'n0', labels: { 'eager-exec': parent } });
    const b = await create({ parent, node: 'n0', labels: { 'eager-exec': parent } });
    const other = await create({ parent, node: 'n1' });
    const names = (l: flyteidl.admin.IExecutionList) => (l.executions ?? []).map((e) => e.id?.name).sort();
    expect(names(await h.client.listChildExecutions(key(parent)))).toEqual([a, b, other].sort());
    expect(names(await h.client.listChildExecutions(key(parent), 'n0'))).toEqual([a, b].sort());
    expect(names(await h.client.listChildExecutions(key(parent), 'n0', { limit: 1, sortBy: { key: 'created_at', direction: 'ASCENDING' } }))).toEqual([a]);
    const byTag = await h.client.listExecutions(P, D, { filters: `eq(execution_tag.key,eager-exec)+eq(execution_tag.value,${parent})` });
    expect(names(byTag)).toEqual([a, b].sort());
    const r = await http(`${h.url}/api/v1/children/executions/${P}/${D}/no-such-parent`, 'GET');
    expect(r.status).toBe(404);
  });
});

describe('termination cascades to children', () => {
  it('terminating a parent terminates its running children and theirs, not finished ones', async () => {
    const parent = await create();
    await event(parent, PHASE.RUNNING);
    const running = await create({ parent });
    await event(running, PHASE.RUNNING);
    const grandchild = await create({ parent: running });
    const done = await create({ parent });
    await event(done, PHASE.RUNNING);
    await event(done, PHASE.SUCCEEDED);
    await h.client.terminateExecution(key(parent), 'user asked');
    expect(await phaseOf(running)).toBe(PHASE.ABORTING);
    expect(await phaseOf(grandchild)).toBe(PHASE.ABORTING);
    expect(await phaseOf(done)).toBe(PHASE.SUCCEEDED);
    const child = await h.client.getExecution(key(running));
    expect(child.closure?.abortMetadata).toEqual({ cause: `parent execution ${parent} was terminated: user asked`, principal: 'parent' });
    const aborted = h.runner.aborted.map((a) => a.id.name);
    expect(aborted).toEqual(expect.arrayContaining([parent, running, grandchild]));
    expect(aborted).not.toContain(done);
  });

  it('a parent that ends while a child still runs (its container died, a call was never awaited) terminates that child', async () => {
    const parent = await create();
    await event(parent, PHASE.RUNNING);
    const child = await create({ parent });
    await event(child, PHASE.RUNNING);
    await event(parent, PHASE.FAILED);
    await until('the child is terminated', async () => (await phaseOf(child)) === PHASE.ABORTING);
    expect((await h.client.getExecution(key(child))).closure?.abortMetadata?.cause).toBe(`parent execution ${parent} ended FAILED`);
  });
});

describe('AdminClient over the unix socket (how task containers reach the API)', () => {
  it('calls, long-polls, streams and reports errors like over TCP', { timeout: 15_000 }, async () => {
    const socketPath = path.join(h.dir, 'admin.sock');
    const server = nodeHttp.createServer(h.running.admin.app);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      // The URL's host is never contacted: everything goes through the socket.
      const client = new AdminClient('http://unreachable.invalid:1', { socketPath });
      expect(await client.healthy()).toBe(true);
      const name = await create();
      expect((await client.getExecution(key(name))).id?.name).toBe(name);
      await event(name, PHASE.RUNNING);
      const pending = client.waitForExecution(key(name), { waitSeconds: 120 });
      await until('the request is parked', () => waiting() === 1);
      await event(name, PHASE.SUCCEEDED);
      expect((await pending).closure?.phase).toBe(PHASE.SUCCEEDED);
      const err = await client.getExecution(key('no-such-execution')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AdminApiError);
      expect(err).toMatchObject({ status: 404, code: 'SBX_ADMIN_EXECUTION_NOT_FOUND' });
      const other = await create();
      const gone = new AbortController();
      const aborted = client.waitForExecution(key(other), { waitSeconds: 120, signal: gone.signal }).catch((e: unknown) => e);
      await until('the request is parked', () => waiting() === 1);
      gone.abort();
      expect(await aborted).toBeInstanceOf(AdminApiError);
      await until('the parked request is dropped', () => waiting() === 0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(socketPath, { force: true });
    }
  });
});
