/** Executions, their data, and the events endpoints (`/api/v1/...`). */
import { Router, type Request } from 'express';
import type { flyteidl } from '../../core/idl.ts';
import { parseBody, parseListQuery } from '../validation/identifiers.ts';
import { parseWaitDuration } from '../managers/execution-waiters.ts';
import { execKey, param, principalFromHeader, queryParam, sendMessage, type AdminManagers } from './helpers.ts';

/** Who asks: see {@link principalFromHeader}. */
function callerPrincipal(req: Request): string {
  return principalFromHeader(req.get('x-tflyte-principal'));
}

/** Routes for workflow executions and events. */
export function executionRoutes(m: AdminManagers): Router {
  const r = Router();

  r.post('/executions', async (req, res) => {
    const body = parseBody<flyteidl.admin.IExecutionCreateRequest>('flyteidl.admin.ExecutionCreateRequest', req.body);
    const id = await m.executions.create(body);
    sendMessage(res, 'flyteidl.admin.ExecutionCreateResponse', { id });
  });
  r.post('/executions/relaunch', async (req, res) => {
    const id = await m.executions.relaunch(parseBody<flyteidl.admin.IExecutionRelaunchRequest>('flyteidl.admin.ExecutionRelaunchRequest', req.body), callerPrincipal(req));
    sendMessage(res, 'flyteidl.admin.ExecutionCreateResponse', { id });
  });
  r.post('/executions/recover', async (req, res) => {
    const id = await m.executions.recover(parseBody<flyteidl.admin.IExecutionRecoverRequest>('flyteidl.admin.ExecutionRecoverRequest', req.body), callerPrincipal(req));
    sendMessage(res, 'flyteidl.admin.ExecutionCreateResponse', { id });
  });
  /**
   * `?wait_for_terminal=30s` (sandbox extension) turns the get into a long-poll: the answer comes
   * as soon as the execution is terminal, or after the wait with its current state.
   */
  r.get('/executions/:project/:domain/:name', async (req, res) => {
    const wait = queryParam(req, 'wait_for_terminal');
    if (wait === undefined) {
      sendMessage(res, 'flyteidl.admin.Execution', m.executions.get(execKey(req)));
      return;
    }
    const ms = parseWaitDuration(wait);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const execution = await m.executions.waitForTerminal(execKey(req), ms, gone.signal);
    if (!gone.signal.aborted) sendMessage(res, 'flyteidl.admin.Execution', execution);
  });
  r.get('/executions/:project/:domain', (req, res) =>
    sendMessage(res, 'flyteidl.admin.ExecutionList', m.executions.list(param(req, 'project'), param(req, 'domain'), parseListQuery(req.query))),
  );
  r.delete('/executions/:project/:domain/:name', async (req, res) => {
    // The body is optional for DELETE; `{cause}` explains the termination.
    const body = req.body === undefined ? {} : parseBody<flyteidl.admin.IExecutionTerminateRequest>('flyteidl.admin.ExecutionTerminateRequest', req.body);
    await m.executions.terminate(execKey(req), body.cause || 'terminated by user');
    sendMessage(res, 'flyteidl.admin.ExecutionTerminateResponse', {});
  });
  r.put('/executions/:project/:domain/:name', (req, res) => {
    const body = parseBody<flyteidl.admin.IExecutionUpdateRequest>('flyteidl.admin.ExecutionUpdateRequest', req.body);
    m.executions.updateState(execKey(req), Number(body.state ?? 0));
    sendMessage(res, 'flyteidl.admin.ExecutionUpdateResponse', {});
  });
  // Sandbox extension: child executions of an execution (of one node), e.g. an eager task's calls.
  r.get('/children/executions/:project/:domain/:name', (req, res) =>
    sendMessage(res, 'flyteidl.admin.ExecutionList', m.executions.listChildren(execKey(req), undefined, parseListQuery(req.query))),
  );
  r.get('/children/executions/:project/:domain/:name/:node', (req, res) =>
    sendMessage(res, 'flyteidl.admin.ExecutionList', m.executions.listChildren(execKey(req), param(req, 'node'), parseListQuery(req.query))),
  );
  r.get('/data/executions/:project/:domain/:name', async (req, res) =>
    sendMessage(res, 'flyteidl.admin.WorkflowExecutionGetDataResponse', await m.executions.getData(execKey(req))),
  );

  // Events (propeller → admin over HTTP; the in-process sink calls the same manager).
  r.post('/events/workflows', async (req, res) => {
    const body = parseBody<flyteidl.admin.IWorkflowExecutionEventRequest>('flyteidl.admin.WorkflowExecutionEventRequest', req.body);
    await m.events.workflowEvent(body.event ?? {}, 'body.event');
    sendMessage(res, 'flyteidl.admin.WorkflowExecutionEventResponse', {});
  });
  r.post('/events/nodes', async (req, res) => {
    const body = parseBody<flyteidl.admin.INodeExecutionEventRequest>('flyteidl.admin.NodeExecutionEventRequest', req.body);
    await m.events.nodeEvent(body.event ?? {}, 'body.event');
    sendMessage(res, 'flyteidl.admin.NodeExecutionEventResponse', {});
  });
  r.post('/events/tasks', async (req, res) => {
    const body = parseBody<flyteidl.admin.ITaskExecutionEventRequest>('flyteidl.admin.TaskExecutionEventRequest', req.body);
    await m.events.taskEvent(body.event ?? {}, 'body.event');
    sendMessage(res, 'flyteidl.admin.TaskExecutionEventResponse', {});
  });

  return r;
}
