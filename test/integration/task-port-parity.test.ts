/**
 * An eager task's calls answered in-process (a local run: `inProcessTaskAdmin`) and over the task
 * socket (a container: the REST guard in front of admin's routes, the HTTP client with the
 * attempt's token) give the same answers: the same successes, and the same refusals with the same
 * status, code and message. A real admin on a SQLite file and a real unix socket.
 */
import http from 'node:http';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiError, AdminClient } from '../../src/admin/client.ts';
import { adminApp, taskSocketGuard } from '../../src/admin/app.ts';
import { inProcessTaskAdmin, TaskCredentials, type TaskAdminPort } from '../../src/admin/core.ts';
import type { TaskScope } from '../../src/admin/http/task-credential.ts';
import { encode } from '../../src/core/idl.ts';
import { ensureProject, http as request, intLit, launchPlanBody, startAdminHarness, taskBody, workflowBody, type AdminHarness } from './admin-harness.ts';

const P = 'portproj';
const D = 'development';
const LP = { resourceType: 3, project: P, domain: D, name: 'port.lp', version: 'v1' };

let h: AdminHarness;
let server: http.Server;
let scope: TaskScope;
let rest: TaskAdminPort;
let inProcess: TaskAdminPort;
let forged: { rest: TaskAdminPort; inProcess: TaskAdminPort };

beforeAll(async () => {
  h = await startAdminHarness();
  await ensureProject(h, P);
  await request(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'port.t', 'v1'));
  await request(`${h.url}/api/v1/workflows`, 'POST', workflowBody(P, 'port.wf', 'v1', { name: 'port.t', version: 'v1' }));
  await request(`${h.url}/api/v1/launch_plans`, 'POST', launchPlanBody(P, 'port.lp', 'v1', { name: 'port.wf', version: 'v1' }));
  for (const name of ['a1', 'other']) await h.client.createExecution({ project: P, domain: D, name, spec: { launchPlan: LP }, inputs: { literals: { a: intLit(1) } } });
  scope = {
    project: P,
    domain: D,
    execution: 'a1',
    nodeId: 'n0',
    attempt: 0,
    rawOutputPrefix: h.store.join(h.store.rootUri, 'raw', 'a1-n0-0'),
    inputsUri: h.store.join(h.store.rootUri, 'metadata', P, D, 'a1', 'n0', 'data', 'inputs.pb'),
  };
  await h.store.write(scope.inputsUri, encode('flyteidl.core.LiteralMap', { literals: {} }));
  const credentials = TaskCredentials.forDataDir(h.dir);
  const token = credentials.issue(scope);
  const admin = h.running.admin;
  const app = express();
  app.use(taskSocketGuard(admin, credentials, h.store));
  app.use(adminApp(admin));
  const socketPath = path.join(h.dir, 'admin.sock');
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const port = inProcessTaskAdmin(admin, credentials);
  rest = new AdminClient('http://localhost', { socketPath, token });
  inProcess = port(token);
  const bad = `${token.split('.')[0]}.forged`;
  forged = { rest: new AdminClient('http://localhost', { socketPath, token: bad }), inProcess: port(bad) };
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await h?.close();
});

/** How a call ended, comparable across transports. */
async function outcome(p: Promise<unknown>): Promise<{ ok: true } | { ok: false; status: number; code: string; message: string }> {
  try {
    await p;
    return { ok: true };
  } catch (e) {
    expect(e).toBeInstanceOf(AdminApiError);
    const err = e as AdminApiError;
    return { ok: false, status: err.status, code: err.code, message: err.message };
  }
}

/** A create request of a child of `a1`'s node `n0` named `name` (`change` edits it). */
function childRequest(name: string, change: (r: Record<string, any>) => void = () => undefined): any {
  const r: Record<string, any> = {
    project: P,
    domain: D,
    name,
    spec: { launchPlan: LP, metadata: { mode: 0, parentNodeExecution: { executionId: { project: P, domain: D, name: 'a1' }, nodeId: 'n0' } } },
    inputs: { literals: { a: intLit(2) } },
  };
  change(r);
  return r;
}

describe('an eager task reaches admin in-process as over the task socket', () => {
  it('creates its own children, waits for them, reads their data and lists them', async () => {
    const viaRest = await rest.createExecution(childRequest('c-rest'));
    const viaPort = await inProcess.createExecution(childRequest('c-port'));
    expect(viaRest).toMatchObject({ project: P, domain: D, name: 'c-rest' });
    expect(viaPort).toEqual({ ...viaRest, name: 'c-port' });
    const [wr, wp] = [await rest.waitForExecution(viaRest, { waitSeconds: 0 }), await inProcess.waitForExecution(viaPort, { waitSeconds: 0 })];
    expect(wp.closure?.phase).toBe(wr.closure?.phase);
    expect(wp.spec?.metadata?.parentNodeExecution).toEqual(wr.spec?.metadata?.parentNodeExecution);
    // The same answer but for the child's name in its URIs.
    const portData = JSON.stringify(await inProcess.getExecutionData(viaPort)).replaceAll('/c-port/', '/c-rest/');
    expect(JSON.parse(portData)).toEqual(await rest.getExecutionData(viaRest));
    const names = async (port: TaskAdminPort) => ((await port.listChildExecutions({ project: P, domain: D, name: 'a1' }, undefined, { limit: 10 })).executions ?? []).map((x) => x.id?.name).sort();
    expect(await names(inProcess)).toEqual(['c-port', 'c-rest']);
    expect(await names(rest)).toEqual(await names(inProcess));
  });

  const refused: [string, (port: TaskAdminPort, n: number) => Promise<unknown>][] = [
    ['a child of another node', (port, n) => port.createExecution(childRequest(`x${n}`, (r) => (r.spec.metadata.parentNodeExecution.nodeId = 'n9')))],
    ['an execution not linked to it', (port, n) => port.createExecution(childRequest(`x${n}`, (r) => delete r.spec.metadata))],
    ['an execution in another project', (port, n) => port.createExecution(childRequest(`x${n}`, (r) => (r.project = 'flytesnacks')))],
    ['a child with a raw output prefix of its own', (port, n) => port.createExecution(childRequest(`x${n}`, (r) => (r.spec.rawOutputDataConfig = { outputLocationPrefix: 'file:///etc' })))],
    ['a child reading a file it may not read', (port, n) => port.createExecution(childRequest(`x${n}`, (r) => (r.inputs.literals.f = { scalar: { blob: { uri: 'file:///etc/passwd', metadata: { type: { dimensionality: 0 } } } } })))],
    ['waiting for an execution that is not its child', (port) => port.waitForExecution({ project: P, domain: D, name: 'other' }, { waitSeconds: 0 })],
    ['reading the data of its own execution', (port) => port.getExecutionData({ project: P, domain: D, name: 'a1' })],
    ["listing another execution's children", (port) => port.listChildExecutions({ project: P, domain: D, name: 'other' })],
    ['downloading what no child returned', (port) => port.downloadBlob(scope.inputsUri, 'c-rest', path.join(h.dir, 'dl'))],
  ];
  it.each(refused.map(([what, fn], i) => [what, fn, i] as const))('refuses %s alike', async (_what, fn, i) => {
    const [viaRest, viaPort] = [await outcome(fn(rest, 2 * i)), await outcome(fn(inProcess, 2 * i + 1))];
    expect(viaPort).toMatchObject({ ok: false, status: 403, code: 'SBX_ADMIN_FORBIDDEN' });
    expect(viaPort).toEqual(viaRest);
  });

  it('answers a forged credential with 401 on every call, alike', async () => {
    const calls: ((port: TaskAdminPort) => Promise<unknown>)[] = [
      (port) => port.createExecution(childRequest('forged')),
      (port) => port.waitForExecution({ project: P, domain: D, name: 'c-rest' }, { waitSeconds: 0 }),
      (port) => port.getExecutionData({ project: P, domain: D, name: 'c-rest' }),
      (port) => port.listChildExecutions({ project: P, domain: D, name: 'a1' }),
      (port) => port.downloadBlob(scope.inputsUri, 'c-rest', path.join(h.dir, 'dl')),
    ];
    for (const call of calls) {
      const [viaRest, viaPort] = [await outcome(call(forged.rest)), await outcome(call(forged.inProcess))];
      expect(viaPort).toMatchObject({ ok: false, status: 401, code: 'SBX_ADMIN_UNAUTHENTICATED' });
      expect(viaPort).toEqual(viaRest);
    }
  });
});
