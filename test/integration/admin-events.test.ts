/**
 * Events → rows over HTTP and through the in-process adapters: node/task executions created on
 * first sight, phase transitions checked, outputs/errors/logs/cache status/dynamic closures
 * stored, data and log routes guarded against paths outside the store / data directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSandboxError } from '../../src/core/errors.ts';
import { encode, type flyteidl } from '../../src/core/idl.ts';
import { createAdmin } from '../../src/admin/index.ts';
import { ensureProject, http, intLit, stubCompile, launchPlanBody, startAdminHarness, taskBody, workflowBody, type AdminHarness } from './admin-harness.ts';

let h: AdminHarness;
const P = 'evproj';
const D = 'development';
const taskId = { resourceType: 1, project: P, domain: D, name: 'ev.t', version: 'v1' };

async function newExecution(name: string): Promise<{ project: string; domain: string; name: string }> {
  await h.client.createExecution({ project: P, domain: D, name, spec: { launchPlan: { resourceType: 3, project: P, domain: D, name: 'ev.lp', version: 'v1' } }, inputs: { literals: { a: { scalar: { primitive: { integer: 1 } } } } } });
  return { project: P, domain: D, name };
}

beforeAll(async () => {
  h = await startAdminHarness();
  await ensureProject(h, P);
  await http(`${h.url}/api/v1/tasks`, 'POST', taskBody(P, 'ev.t', 'v1'));
  await http(`${h.url}/api/v1/workflows`, 'POST', workflowBody(P, 'ev.wf', 'v1', { name: 'ev.t', version: 'v1' }));
  await http(`${h.url}/api/v1/launch_plans`, 'POST', launchPlanBody(P, 'ev.lp', 'v1', { name: 'ev.wf', version: 'v1' }));
});
afterAll(async () => {
  await h?.close();
});

describe('workflow events', () => {
  it('sets phase, started_at, duration and outputs; repeats are accepted; terminal is final', async () => {
    const id = await newExecution('w-basic');
    const outputsUri = h.store.join(h.store.rootUri, 'metadata', P, D, 'w-basic', 'end-node', 'data', '0', 'outputs.pb');
    await h.store.write(outputsUri, encode('flyteidl.core.LiteralMap', { literals: { o0: intLit(5) } }));
    await h.client.sendWorkflowEvent({ executionId: id, phase: 2, occurredAt: { seconds: 1000, nanos: 0 } });
    await h.client.sendWorkflowEvent({ executionId: id, phase: 2, occurredAt: { seconds: 1000, nanos: 0 } });
    await h.client.sendWorkflowEvent({ executionId: id, phase: 4, occurredAt: { seconds: 1003, nanos: 0 }, outputUri: outputsUri });
    const exec = await h.client.getExecution(id);
    expect(exec.closure?.phase).toBe(4);
    expect(exec.closure?.startedAt?.seconds).toBe('1000');
    expect(exec.closure?.duration?.seconds).toBe('3');
    expect(exec.closure?.outputs?.uri).toBe(outputsUri);
    const data = await h.client.getExecutionData(id);
    expect(data.fullOutputs?.literals?.o0?.scalar?.primitive?.integer).toBe('5');
    const late = await http(`${h.url}/api/v1/events/workflows`, 'POST', { event: { execution_id: id, phase: 'RUNNING' } });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('SBX_ADMIN_ALREADY_TERMINAL');
  });

  it('rejects RUNNING → QUEUED and a non-terminal phase after ABORTING', async () => {
    const id = await newExecution('w-illegal');
    await h.client.sendWorkflowEvent({ executionId: id, phase: 2 });
    const back = await http(`${h.url}/api/v1/events/workflows`, 'POST', { event: { execution_id: id, phase: 'QUEUED' } });
    expect(back.status).toBe(409);
    expect(back.json.error.code).toBe('SBX_ADMIN_INVALID_TRANSITION');
    await h.client.terminateExecution(id, 'stop');
    const afterAbort = await http(`${h.url}/api/v1/events/workflows`, 'POST', { event: { execution_id: id, phase: 'SUCCEEDING' } });
    expect(afterAbort.json.error.code).toBe('SBX_ADMIN_INVALID_TRANSITION');
    await h.client.sendWorkflowEvent({ executionId: id, phase: 7 });
    expect((await h.client.getExecution(id)).closure?.abortMetadata?.cause).toBe('stop');
  });

  it('stores the error of a failed execution and filters by it', async () => {
    const id = await newExecution('w-failed');
    await h.client.sendWorkflowEvent({ executionId: id, phase: 2 });
    await h.client.sendWorkflowEvent({ executionId: id, phase: 6, error: { code: 'USER:Boom', message: 'it broke', kind: 1 } });
    const exec = await h.client.getExecution(id);
    expect(exec.closure?.error).toMatchObject({ code: 'USER:Boom', message: 'it broke', kind: 1 });
    const list = await h.client.listExecutions(P, D, { filters: 'eq(error_code,USER:Boom)' });
    expect(list.executions?.map((e) => e.id?.name)).toEqual(['w-failed']);
  });

  it('answers 404 for an unknown execution and 400 for a missing id', async () => {
    const r = await http(`${h.url}/api/v1/events/workflows`, 'POST', { event: { execution_id: { project: P, domain: D, name: 'ghost' }, phase: 'RUNNING' } });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('SBX_ADMIN_EXECUTION_NOT_FOUND');
    const r2 = await http(`${h.url}/api/v1/events/workflows`, 'POST', { event: { phase: 'RUNNING' } });
    expect(r2.json.error).toMatchObject({ code: 'SBX_ADMIN_INVALID_ARGUMENT', path: 'body.event.execution_id' });
  });
});

describe('node and task events', () => {
  it('creates node and task rows on first sight and updates them', async () => {
    const exec = await newExecution('n-basic');
    const nid = { nodeId: 'n0', executionId: exec };
    const inputUri = h.store.join(h.store.rootUri, 'metadata', P, D, 'n-basic', 'n0', 'data', 'inputs.pb');
    const outputUri = h.store.join(h.store.rootUri, 'metadata', P, D, 'n-basic', 'n0', 'data', '0', 'outputs.pb');
    await h.store.write(inputUri, encode('flyteidl.core.LiteralMap', { literals: { a: intLit(1) } }));
    await h.store.write(outputUri, encode('flyteidl.core.LiteralMap', { literals: { o0: intLit(2) } }));
    await h.client.sendNodeEvent({ id: nid, phase: 1, inputUri, specNodeId: 'n0', occurredAt: { seconds: 10 } });
    await h.client.sendNodeEvent({ id: nid, phase: 2, occurredAt: { seconds: 11 } });
    const tev = { taskId, parentNodeExecutionId: nid, retryAttempt: 0 };
    await h.client.sendTaskEvent({ ...tev, phase: 1, occurredAt: { seconds: 11 } });
    await h.client.sendTaskEvent({ ...tev, phase: 2, phaseVersion: 0, occurredAt: { seconds: 12 }, logs: [{ name: 'stdout', uri: pathToFileURL(path.join(h.dir, 'data', 'logs', '1.log')).href }] });
    await h.client.sendTaskEvent({ ...tev, phase: 2, phaseVersion: 1, logs: [{ name: 'stderr', uri: pathToFileURL(path.join(h.dir, 'data', 'logs', '2.log')).href }] });
    await h.client.sendTaskEvent({ ...tev, phase: 3, occurredAt: { seconds: 14 }, outputUri });
    await h.client.sendNodeEvent({ id: nid, phase: 3, occurredAt: { seconds: 15 }, outputUri, taskNodeMetadata: { cacheStatus: 3 } });

    const nodes = await h.client.listNodeExecutions(exec);
    expect(nodes.nodeExecutions?.map((n) => [n.id?.nodeId, n.closure?.phase])).toEqual([['n0', 3]]);
    const node = await h.client.getNodeExecution(exec, 'n0');
    expect(node.closure?.duration?.seconds).toBe('4');
    expect(node.closure?.taskNodeMetadata?.cacheStatus).toBe(3);
    expect(node.metadata?.specNodeId).toBe('n0');
    const nodeData = await h.client.getNodeExecutionData(exec, 'n0');
    expect(nodeData.fullInputs?.literals?.a?.scalar?.primitive?.integer).toBe('1');
    expect(nodeData.fullOutputs?.literals?.o0?.scalar?.primitive?.integer).toBe('2');
    const tasks = await h.client.listTaskExecutions(exec, 'n0');
    expect(tasks.taskExecutions?.length).toBe(1);
    const te = await h.client.getTaskExecution({ taskId, nodeExecutionId: nid, retryAttempt: 0 });
    expect(te.closure?.phase).toBe(3);
    expect(te.closure?.logs?.map((l) => l.name)).toEqual(['stdout', 'stderr']);
    const teData = await h.client.getTaskExecutionData({ taskId, nodeExecutionId: nid, retryAttempt: 0 });
    expect(teData.fullOutputs?.literals?.o0?.scalar?.primitive?.integer).toBe('2');
    const cached = await h.client.listNodeExecutions(exec, { filters: 'eq(cache_status,CACHE_POPULATED)' });
    expect(cached.nodeExecutions?.length).toBe(1);
  });

  it('keeps one row per retry attempt and rejects leaving a terminal task phase', async () => {
    const exec = await newExecution('n-retry');
    const nid = { nodeId: 'n0', executionId: exec };
    await h.client.sendNodeEvent({ id: nid, phase: 2 });
    await h.client.sendTaskEvent({ taskId, parentNodeExecutionId: nid, retryAttempt: 0, phase: 2 });
    await h.client.sendTaskEvent({ taskId, parentNodeExecutionId: nid, retryAttempt: 0, phase: 5, error: { code: 'USER:X', message: 'first try failed', kind: 1 } });
    await h.client.sendTaskEvent({ taskId, parentNodeExecutionId: nid, retryAttempt: 1, phase: 2 });
    const back = await http(`${h.url}/api/v1/events/tasks`, 'POST', {
      event: { task_id: taskId, parent_node_execution_id: { node_id: 'n0', execution_id: exec }, retry_attempt: 0, phase: 'RUNNING' },
    });
    expect(back.status).toBe(409);
    expect(back.json.error.code).toBe('SBX_ADMIN_ALREADY_TERMINAL');
    const list = await h.client.listTaskExecutions(exec, 'n0', { sortBy: { key: 'retry_attempt', direction: 'ASCENDING' } });
    expect(list.taskExecutions?.map((t) => [t.id?.retryAttempt ?? 0, t.closure?.phase])).toEqual([
      [0, 5],
      [1, 2],
    ]);
    expect(list.taskExecutions?.[0]?.closure?.error?.message).toBe('first try failed');
  });

  it('refuses a task event before its node exists, and a node leaving a terminal phase', async () => {
    const exec = await newExecution('n-order');
    const early = await http(`${h.url}/api/v1/events/tasks`, 'POST', {
      event: { task_id: taskId, parent_node_execution_id: { node_id: 'n9', execution_id: exec }, phase: 'RUNNING' },
    });
    expect(early.status).toBe(404);
    expect(early.json.error.code).toBe('SBX_ADMIN_NODE_EXECUTION_NOT_FOUND');
    await h.client.sendNodeEvent({ id: { nodeId: 'n1', executionId: exec }, phase: 7 });
    const again = await http(`${h.url}/api/v1/events/nodes`, 'POST', { event: { id: { node_id: 'n1', execution_id: exec }, phase: 'RUNNING' } });
    expect(again.json.error.code).toBe('SBX_ADMIN_ALREADY_TERMINAL');
    const badNode = await http(`${h.url}/api/v1/events/nodes`, 'POST', { event: { id: { node_id: '../../x', execution_id: exec }, phase: 'RUNNING' } });
    expect(badNode.status).toBe(400);
  });

  it('links dynamic children to their parent and stores the dynamic closure', async () => {
    const exec = await newExecution('n-dyn');
    const parent = { nodeId: 'n0', executionId: exec };
    await h.client.sendNodeEvent({ id: parent, phase: 2 });
    await h.client.sendTaskEvent({ taskId, parentNodeExecutionId: parent, retryAttempt: 0, phase: 2 });
    const closure: flyteidl.core.ICompiledWorkflowClosure = { primary: { template: { id: { resourceType: 2, project: P, domain: D, name: 'dynamic_n0', version: 'x' }, nodes: [{ id: 'dn0' }] } } };
    await h.client.sendNodeEvent({ id: parent, phase: 9, isDynamic: true, isParent: true, taskNodeMetadata: { dynamicWorkflow: { id: closure.primary?.template?.id, compiledWorkflow: closure } } });
    await h.client.sendNodeEvent({
      id: { nodeId: 'n0-0-dn0', executionId: exec },
      phase: 2,
      parentNodeMetadata: { nodeId: 'n0' },
      parentTaskMetadata: { id: { taskId, nodeExecutionId: parent, retryAttempt: 0 } },
    });
    const top = await h.client.listNodeExecutions(exec);
    expect(top.nodeExecutions?.map((n) => n.id?.nodeId)).toEqual(['n0']);
    expect(top.nodeExecutions?.[0]?.metadata?.isParentNode).toBe(true);
    expect(top.nodeExecutions?.[0]?.metadata?.isDynamic).toBe(true);
    const kids = await h.client.listNodeExecutions(exec, { uniqueParentId: 'n0' });
    expect(kids.nodeExecutions?.map((n) => n.id?.nodeId)).toEqual(['n0-0-dn0']);
    const dyn = await h.client.getDynamicWorkflow(exec, 'n0');
    expect(dyn.compiledWorkflow?.primary?.template?.nodes?.[0]?.id).toBe('dn0');
    const byTask = await http(`${h.url}/api/v1/children/task_executions/${P}/${D}/n-dyn/n0/${P}/${D}/ev.t/v1/0`, 'GET');
    expect(byTask.json.node_executions.map((n: any) => n.id.node_id)).toEqual(['n0-0-dn0']);
    const te = await h.client.getTaskExecution({ taskId, nodeExecutionId: parent, retryAttempt: 0 });
    expect(te.isParent).toBe(true);
  });
});

describe('data and log routes never leave their roots', () => {
  it('refuses to read an output URI outside the blob store', async () => {
    const exec = await newExecution('s-data');
    await h.client.sendNodeEvent({ id: { nodeId: 'n0', executionId: exec }, phase: 2, inputUri: 'file:///etc/passwd' });
    const r = await http(`${h.url}/api/v1/data/node_executions/${P}/${D}/s-data/n0`, 'GET');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('SBX_ADMIN_URI_OUTSIDE_STORE');
    expect(r.text).not.toContain('root:');
    await h.client.sendNodeEvent({ id: { nodeId: 'n1', executionId: exec }, phase: 2, inputUri: `${h.store.rootUri}/../../../../etc/passwd` });
    const r2 = await http(`${h.url}/api/v1/data/node_executions/${P}/${D}/s-data/n1`, 'GET');
    expect(r2.status).toBe(400);
  });

  it('serves a log file inside the data dir, and refuses ones outside', async () => {
    const exec = await newExecution('s-logs');
    const nid = { nodeId: 'n0', executionId: exec };
    const logFile = path.join(h.dir, 'data', 'logs', 's-logs-n0-0.log');
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, 'hello from the task\n');
    fs.symlinkSync('/etc/passwd', path.join(h.dir, 'data', 'logs', 'evil.log'));
    await h.client.sendNodeEvent({ id: nid, phase: 2 });
    // A task event may name only a log under the data dir's logs: the others are refused whole.
    for (const uri of ['file:///etc/passwd', `${pathToFileURL(path.join(h.dir, 'data')).href}/../../../etc/passwd`, pathToFileURL(path.join(h.dir, 'data', 'sandbox.db')).href, 'ftp://x/y']) {
      const r = await http(`${h.url}/api/v1/events/tasks`, 'POST', {
        event: { task_id: { resource_type: 'TASK', project: P, domain: D, name: 'ev.t', version: 'v1' }, parent_node_execution_id: { node_id: 'n0', execution_id: exec }, retry_attempt: 0, phase: 'SUCCEEDED', logs: [{ name: 'x', uri }] },
      });
      expect(r.status, uri).toBe(400);
      expect(['SBX_ADMIN_LOG_OUTSIDE_DATA_DIR', 'SBX_ADMIN_INVALID_ARGUMENT']).toContain(r.json.error.code);
    }
    await h.client.sendTaskEvent({
      taskId,
      parentNodeExecutionId: nid,
      retryAttempt: 0,
      phase: 3,
      logs: [
        { name: 'ok', uri: pathToFileURL(logFile).href },
        { name: 'symlink', uri: pathToFileURL(path.join(h.dir, 'data', 'logs', 'evil.log')).href },
      ],
    });
    const tid = { taskId, nodeExecutionId: nid, retryAttempt: 0 };
    expect(await h.client.getTaskLog(tid, 0)).toBe('hello from the task\n');
    const followed: string[] = [];
    for await (const chunk of h.client.followTaskLog(tid, 0)) followed.push(chunk);
    expect(followed.join('')).toBe('hello from the task\n');
    // A link under logs/ that leads out of the data dir is refused when served.
    const r = await http(`${h.url}/api/v1/logs/task_executions/${P}/${D}/s-logs/n0/${P}/${D}/ev.t/v1/0?index=1`, 'GET');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('SBX_ADMIN_LOG_OUTSIDE_DATA_DIR');
    expect(r.text).not.toContain('root:');
    const missing = await http(`${h.url}/api/v1/logs/task_executions/${P}/${D}/s-logs/n0/${P}/${D}/ev.t/v1/0?index=9`, 'GET');
    expect(missing.status).toBe(404);
    const traversal = await http(`${h.url}/api/v1/logs/task_executions/${P}/${D}/s-logs/..%2F..%2Fetc/${P}/${D}/ev.t/v1/0`, 'GET');
    expect([400, 404]).toContain(traversal.status);
  });
});

describe('following a running attempt\'s log', () => {
  it('streams what is appended and ends when the attempt is terminal', async () => {
    const exec = await newExecution('s-follow');
    const nid = { nodeId: 'n0', executionId: exec };
    const logFile = path.join(h.dir, 'data', 'logs', 's-follow.log');
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, 'line 1\n');
    await h.client.sendNodeEvent({ id: nid, phase: 2 });
    const tev = { taskId, parentNodeExecutionId: nid, retryAttempt: 0 };
    await h.client.sendTaskEvent({ ...tev, phase: 2, logs: [{ name: 'out', uri: pathToFileURL(logFile).href }] });
    const chunks: string[] = [];
    let finished = false;
    const reader = (async () => {
      for await (const c of h.client.followTaskLog({ taskId, nodeExecutionId: nid, retryAttempt: 0 })) {
        chunks.push(c);
        if (chunks.join('') === 'line 1\n') {
          fs.appendFileSync(logFile, 'line 2\n');
          await h.client.sendTaskEvent({ ...tev, phase: 3 });
        }
      }
      finished = true;
    })();
    await reader;
    expect(finished).toBe(true);
    expect(chunks.join('')).toBe('line 1\nline 2\n');
  });
});

describe('in-process adapters', () => {
  it('event sink, child port and state store work against the same DB', async () => {
    const admin = createAdmin({ db: h.db, dataStore: h.store, compileWorkflow: stubCompile, runner: h.runner });
    const exec = await newExecution('a-parent');
    await admin.eventSink.workflowEvent({ executionId: exec, phase: 2 });
    await admin.eventSink.nodeEvent({ id: { nodeId: 'n0', executionId: exec }, phase: 2 });
    await admin.eventSink.workflowEvent({ executionId: exec, phase: 4 });
    await expect(admin.eventSink.workflowEvent({ executionId: exec, phase: 2 })).rejects.toSatisfy((e: unknown) => isSandboxError(e, 'SBX_ADMIN_ALREADY_TERMINAL'));

    const child = { project: P, domain: D, name: 'a-parent-n0-0' };
    const childReq = {
      launchPlan: { resourceType: 3, project: P, domain: D, name: 'ev.lp', version: 'v1' },
      name: child.name,
      project: P,
      domain: D,
      inputs: { literals: { a: intLit(4) } } as flyteidl.core.ILiteralMap,
      parentNodeExecution: { nodeId: 'n0', executionId: exec },
      nesting: 1,
    };
    await admin.childPort.createChild(childReq);
    await admin.childPort.createChild(childReq); // idempotent on name
    const started = h.runner.started.filter((s) => s.id.name === child.name);
    expect(started.length).toBe(1);
    expect(started[0]?.parent?.nodeExecutionId.nodeId).toBe('n0');
    expect(started[0]?.nesting).toBe(1);
    expect((await admin.childPort.getStatus(child))?.phase).toBe(0);
    await admin.childPort.terminate(child, 'parent aborted');
    expect((await admin.childPort.getStatus(child))?.phase).toBe(9);
    expect(await admin.childPort.getStatus({ project: P, domain: D, name: 'nobody' })).toBeUndefined();
    const childExec = await h.client.getExecution(child);
    expect(childExec.spec?.metadata?.mode).toBe(4);
    expect(childExec.spec?.metadata?.parentNodeExecution?.nodeId).toBe('n0');

    const store = admin.stateStore;
    expect(await store.save('k1', { head: { a: 1 }, nodes: { n0: { phase: 'QUEUED' } } }, 0, true)).toBe(true);
    expect(await store.save('k1', { head: { a: 2 }, nodes: {} }, 0, true)).toBe(false);
    expect(await store.save('k1', { head: { a: 2 }, nodes: { n1: { phase: 'RUNNING' } } }, 1, true)).toBe(true);
    // A conflicting save writes neither its head nor its node statuses.
    expect(await store.save('k1', { head: { a: 3 }, nodes: { n0: { phase: 'FAILED' } } }, 1, true)).toBe(false);
    expect(await store.load('k1')).toEqual({ head: { a: 2 }, nodes: { n0: { phase: 'QUEUED' }, n1: { phase: 'RUNNING' } }, version: 2 });
    expect(await store.listActive()).toContain('k1');
    expect(await store.save('k1', { head: { a: 3 }, nodes: { n0: { phase: 'SUCCEEDED' } } }, 2, false)).toBe(true);
    expect((await store.load('k1'))?.nodes).toEqual({ n0: { phase: 'SUCCEEDED' }, n1: { phase: 'RUNNING' } });
    expect(await store.listActive()).not.toContain('k1');
    expect(await store.load('missing')).toBeUndefined();
  });
});
