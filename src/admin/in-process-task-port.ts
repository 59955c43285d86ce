/**
 * The task socket's rules for a task that runs in the admin's own process (a local run): an eager
 * body asks for what it asks over the socket in a container — create child executions, follow
 * them, read their outputs and files — as calls on this object, answered by the managers directly,
 * without express or HTTP. Each call is checked as the socket's REST guard checks the same request
 * (`http/task-credential.ts`: the attempt's credential, then {@link TaskScopeRules}); requests and
 * answers go through the JSON mapping the wire applies, and errors are the {@link AdminApiError}s
 * the HTTP client throws for the answer the route gives (`toErrorResponse`): an eager body sees the
 * same behaviour either way (`test/integration/task-port-parity.test.ts`).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../core/errors.ts';
import { fromJson, toJson, type flyteidl } from '../core/idl.ts';
import { AdminApiError, listQueryParams, type AdminClient } from './client.ts';
import type { AdminCore } from './core.ts';
import { adminError } from './errors.ts';
import { toErrorResponse } from './http/error-middleware.ts';
import { TASK_REFUSALS, taskScopeRules, urisIn, type TaskCredentials, type TaskScope } from './http/task-credential.ts';
import { MAX_BLOB_DIR_ENTRIES } from './managers/download-manager.ts';
import { parseWaitDuration } from './managers/execution-waiters.ts';
import { parseBody, parseListQuery } from './validation/identifiers.ts';

type ExecId = { project?: string | null; domain?: string | null; name?: string | null };

/**
 * What an eager body asks of admin: the calls {@link AdminClient} makes over the task socket, which
 * this port answers in-process (the runtime's `EagerAdmin` is this type).
 */
export type TaskAdminPort = Pick<AdminClient, 'createExecution' | 'waitForExecution' | 'getExecutionData' | 'listChildExecutions' | 'downloadBlob'>;

/**
 * The port of each task credential (the attempt's `TFLYTE_ADMIN_TOKEN`) over `core`: a token that
 * is missing or not genuine gets `SBX_ADMIN_UNAUTHENTICATED` on every call, as over the socket.
 */
export function inProcessTaskAdmin(core: AdminCore, credentials: TaskCredentials): (token: string | undefined) => TaskAdminPort {
  const m = core.managers;
  const store = core.context.dataStore;
  const rules = taskScopeRules(m, store);
  return (token) => {
    const scope = credentials.verify(token);
    /** Runs a call as its route would: the scope checked first, an error as the HTTP client would throw it. */
    const call = async <T>(fn: (scope: TaskScope) => T | Promise<T>): Promise<T> => {
      try {
        if (!scope) throw adminError('SBX_ADMIN_UNAUTHENTICATED', TASK_REFUSALS.unauthenticated);
        return await fn(scope);
      } catch (e) {
        const { status, body } = toErrorResponse(e);
        throw new AdminApiError(status, body.error.code, body.error.message, { ...(body.error.path ? { path: body.error.path } : {}), ...(body.error.details ? { details: body.error.details } : {}), cause: e });
      }
    };
    /** A message as the other side of the socket reads it (the JSON mapping both ways). */
    const answer = <T>(type: string, value: object): T => fromJson<T>(type, toJson(type, value), 'response');
    const forbid = (s: TaskScope, why: string): Error => adminError('SBX_ADMIN_FORBIDDEN', TASK_REFUSALS.forbidden(s, why));
    const key = (id: ExecId) => ({ project: id.project ?? '', domain: id.domain ?? '', name: id.name ?? '' });
    const child = (s: TaskScope, id: ExecId) => {
      const k = key(id);
      if (!rules.childOf(s, k.project, k.domain, k.name)) throw forbid(s, TASK_REFUSALS.notAChild(s, k.project, k.domain, k.name));
      return k;
    };
    const aborted = (signal: AbortSignal | undefined): void => {
      // The HTTP client's answer to an aborted request.
      if (signal?.aborted) throw new AdminApiError(0, 'SBX_ADMIN_CLIENT_UNREACHABLE', 'cannot reach the admin in this process: the request was aborted');
    };
    const download = async (s: TaskScope, uri: string, execution: string, dest: string, signal?: AbortSignal): Promise<void> => {
      if (!(await store.within(uri, await rules.childOutputs(s, execution)))) {
        throw forbid(s, TASK_REFUSALS.notChildOutput);
      }
      aborted(signal);
      const st = await store.stat(uri);
      if (!st) throw new StorageError('SBX_STORAGE_NOT_FOUND', `nothing is stored at ${uri}`);
      if (st.kind === 'dir') {
        // Entry by entry, each checked, as the HTTP client fetches a directory.
        await fsp.mkdir(dest, { recursive: true });
        for (const e of await store.list(uri, MAX_BLOB_DIR_ENTRIES)) {
          if (!e.name || e.name.includes('/') || e.name === '.' || e.name === '..') continue;
          await download(s, e.uri, execution, path.join(dest, e.name), signal);
        }
        return;
      }
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      await fsp.writeFile(dest, await store.read(uri));
    };
    return {
      createExecution: (req) =>
        call(async (s) => {
          const body = parseBody<flyteidl.admin.IExecutionCreateRequest>('flyteidl.admin.ExecutionCreateRequest', toJson('flyteidl.admin.ExecutionCreateRequest', req));
          const parent = body.spec?.metadata?.parentNodeExecution;
          const refusal = await rules.childExecutionRefusal(s, {
            project: body.project,
            domain: body.domain,
            ...(parent ? { parent: { project: parent.executionId?.project, domain: parent.executionId?.domain, name: parent.executionId?.name, nodeId: parent.nodeId } } : {}),
            rawOutputDataConfig: body.spec?.rawOutputDataConfig ?? undefined,
            inputUris: urisIn([body.inputs, body.spec?.inputs]),
          });
          if (refusal) throw forbid(s, refusal);
          const id = await m.executions.create(body);
          return answer<flyteidl.admin.IExecutionCreateResponse>('flyteidl.admin.ExecutionCreateResponse', { id }).id ?? {};
        }),
      waitForExecution: (id, o = {}) =>
        call(async (s) => {
          const k = child(s, id);
          const execution = await m.executions.waitForTerminal(k, parseWaitDuration(`${o.waitSeconds ?? 30}s`), o.signal);
          aborted(o.signal);
          return answer<flyteidl.admin.IExecution>('flyteidl.admin.Execution', execution);
        }),
      getExecutionData: (id) =>
        call(async (s) => answer<flyteidl.admin.IWorkflowExecutionGetDataResponse>('flyteidl.admin.WorkflowExecutionGetDataResponse', await m.executions.getData(child(s, id)))),
      listChildExecutions: (parent, nodeId, o = {}) =>
        call((s) => {
          const k = key(parent);
          if (k.project !== s.project || k.domain !== s.domain || k.name !== s.execution) throw forbid(s, TASK_REFUSALS.notOwnChildren);
          return answer<flyteidl.admin.IExecutionList>('flyteidl.admin.ExecutionList', m.executions.listChildren(k, nodeId, parseListQuery(listQueryParams(o))));
        }),
      downloadBlob: (uri, execution, dest, signal) => call((s) => download(s, uri, execution, dest, signal)),
    };
  };
}
