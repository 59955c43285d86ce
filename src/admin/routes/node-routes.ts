/** Node and task executions, their data, and the task log helper route (`/api/v1/...`). */
import { Router } from 'express';
import { adminError } from '../errors.ts';
import { resolveLogPath, streamLog } from '../http/log-file.ts';
import { parseListQuery } from '../validation/identifiers.ts';
import { execKey, param, queryParam, sendMessage, TASK_EXECUTION_PATH, taskExecKey, type AdminManagers } from './helpers.ts';

/** Routes for node and task executions. `dataDir` bounds the files the log route may serve. */
export function nodeRoutes(m: AdminManagers, dataDir: string): Router {
  const r = Router();

  r.get('/node_executions/:project/:domain/:exec', (req, res) => {
    const parent = queryParam(req, 'unique_parent_id');
    sendMessage(res, 'flyteidl.admin.NodeExecutionList', m.nodes.list(execKey(req, 'exec'), parent || undefined, parseListQuery(req.query)));
  });
  r.get('/node_executions/:project/:domain/:exec/:node', (req, res) =>
    sendMessage(res, 'flyteidl.admin.NodeExecution', m.nodes.get(execKey(req, 'exec'), param(req, 'node'))),
  );
  r.get('/node_executions/:project/:domain/:exec/:node/dynamic_workflow', (req, res) =>
    sendMessage(res, 'flyteidl.admin.DynamicNodeWorkflowResponse', m.nodes.dynamicWorkflow(execKey(req, 'exec'), param(req, 'node'))),
  );
  r.get('/data/node_executions/:project/:domain/:exec/:node', async (req, res) =>
    sendMessage(res, 'flyteidl.admin.NodeExecutionGetDataResponse', await m.nodes.getData(execKey(req, 'exec'), param(req, 'node'))),
  );
  r.get(`/children/task_executions/${TASK_EXECUTION_PATH}`, (req, res) =>
    sendMessage(res, 'flyteidl.admin.NodeExecutionList', m.nodes.listForTask(taskExecKey(req), parseListQuery(req.query))),
  );

  r.get('/task_executions/:project/:domain/:exec/:node', (req, res) =>
    sendMessage(res, 'flyteidl.admin.TaskExecutionList', m.nodes.listTasks(execKey(req, 'exec'), param(req, 'node'), parseListQuery(req.query))),
  );
  r.get(`/task_executions/${TASK_EXECUTION_PATH}`, (req, res) => sendMessage(res, 'flyteidl.admin.TaskExecution', m.nodes.getTask(taskExecKey(req))));
  r.get(`/data/task_executions/${TASK_EXECUTION_PATH}`, async (req, res) =>
    sendMessage(res, 'flyteidl.admin.TaskExecutionGetDataResponse', await m.nodes.getTaskData(taskExecKey(req))),
  );

  /**
   * Sandbox helper (not Flyte): the text of an attempt's log file.
   * `GET /api/v1/logs/task_executions/{p}/{d}/{exec}/{node}/{tp}/{td}/{tn}/{tv}/{retry}[?index=N][&follow=1]`
   * `index` picks among the attempt's `file://` logs (default 0); `follow=1` streams until the attempt ends.
   */
  r.get(`/logs/task_executions/${TASK_EXECUTION_PATH}`, async (req, res) => {
    const key = taskExecKey(req);
    const indexText = queryParam(req, 'index') ?? '0';
    if (!/^\d{1,4}$/.test(indexText)) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `index must be a non-negative integer, got ${JSON.stringify(indexText)}`, { path: 'query.index' });
    const follow = ['1', 'true'].includes(queryParam(req, 'follow') ?? '');
    const { logs } = m.nodes.taskLogs(key);
    const fileLogs = logs.filter((l) => (l.uri ?? '').startsWith('file:'));
    const log = fileLogs[Number(indexText)];
    if (!log?.uri) throw adminError('SBX_ADMIN_LOG_NOT_FOUND', `attempt ${key.retryAttempt} of node ${key.nodeId} has ${fileLogs.length} local log file(s); index ${indexText} does not exist`);
    const file = resolveLogPath(log.uri, dataDir);
    await streamLog(res, file, dataDir, { follow, isDone: () => m.nodes.taskLogs(key).terminal });
  });

  return r;
}
