// The REST API (`/api/v1`, Flyte's routes, protobuf JSON with snake_case names). The console
// uses nothing else.

const API = '/api/v1';

/** An error answered by the API (`{ error: { code, message } }`) or a network failure. */
export class ApiError extends Error {
  constructor(status, code, message, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

const enc = encodeURIComponent;

async function call(method, path, { body, query, signal } = /** @type {{ body?: unknown, query?: Record<string, unknown>, signal?: AbortSignal }} */ ({})) {
  let url = `${API}${path}`;
  if (query) {
    const q = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => `${enc(k)}=${enc(String(v))}`)
      .join('&');
    if (q) url += `?${q}`;
  }
  let res;
  try {
    res = await fetch(url, {
      method,
      // The principal names the console as who asked (relaunch and recover record it).
      headers: { accept: 'application/json', 'x-tflyte-principal': 'console', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'the sandbox does not answer: is it running? (tflyte-sandbox status)');
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = json && json.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText), err?.path);
  }
  return json ?? {};
}

/** `project/domain/name` of an execution id. */
function ex(id) {
  return `${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}`;
}

/** Path of a task execution id (used by data, children and log routes). */
export function taskExecPath(te) {
  const n = te.node_execution_id;
  const t = te.task_id;
  return `${ex(n.execution_id)}/${enc(n.node_id)}/${enc(t.project)}/${enc(t.domain)}/${enc(t.name)}/${enc(t.version)}/${te.retry_attempt ?? 0}`;
}

/** URL of an attempt's log (sandbox helper route); `follow` streams until the attempt ends. */
export function logUrl(te, index = 0, follow = false) {
  return `${API}/logs/task_executions/${taskExecPath(te)}?index=${index}${follow ? '&follow=1' : ''}`;
}

const KIND_PATH = { TASK: 'tasks', WORKFLOW: 'workflows', LAUNCH_PLAN: 'launch_plans' };
const IDS_PATH = { TASK: 'task_ids', WORKFLOW: 'workflow_ids', LAUNCH_PLAN: 'launch_plan_ids' };

/** The API calls the console makes. Every method returns the protobuf JSON of the answer. */
export const api = {
  projects: () => call('GET', '/projects', { query: { limit: 100 } }),
  version: () => call('GET', '/version'),

  listExecutions: (project, domain, { filters, sortKey = 'created_at', sortDir = 'DESCENDING', limit = 25, token } = /** @type {{ filters?: string, sortKey?: string, sortDir?: string, limit?: number, token?: string }} */ ({}), signal) =>
    call('GET', `/executions/${enc(project)}/${enc(domain)}`, {
      query: { limit, token, filters, 'sort_by.key': sortKey, 'sort_by.direction': sortDir },
      signal,
    }),
  getExecution: (id, signal) => call('GET', `/executions/${ex(id)}`, { signal }),
  getExecutionData: (id, signal) => call('GET', `/data/executions/${ex(id)}`, { signal }),
  createExecution: (req) => call('POST', '/executions', { body: req }),
  relaunch: (id, name) => call('POST', '/executions/relaunch', { body: { id, ...(name ? { name } : {}) } }),
  /** Flyte's RecoverExecution: a new execution that reuses the outputs of the nodes that succeeded. */
  recover: (id, name) => call('POST', '/executions/recover', { body: { id, ...(name ? { name } : {}) } }),
  terminate: (id, cause) => call('DELETE', `/executions/${ex(id)}`, { body: { cause } }),

  listNodeExecutions: (id, parent, signal) =>
    call('GET', `/node_executions/${ex(id)}`, { query: { limit: 1000, unique_parent_id: parent }, signal }),
  getNodeData: (id, nodeId, signal) => call('GET', `/data/node_executions/${ex(id)}/${enc(nodeId)}`, { signal }),
  dynamicWorkflow: (id, nodeId, signal) => call('GET', `/node_executions/${ex(id)}/${enc(nodeId)}/dynamic_workflow`, { signal }),
  listTaskExecutions: (id, nodeId, signal) => call('GET', `/task_executions/${ex(id)}/${enc(nodeId)}`, { query: { limit: 100 }, signal }),
  getTaskData: (te, signal) => call('GET', `/data/task_executions/${taskExecPath(te)}`, { signal }),
  taskChildren: (te, signal) => call('GET', `/children/task_executions/${taskExecPath(te)}`, { query: { limit: 1000 }, signal }),

  /** `kind` is TASK, WORKFLOW or LAUNCH_PLAN. */
  getEntity: (kind, id, signal) => call('GET', `/${KIND_PATH[kind]}/${enc(id.project)}/${enc(id.domain)}/${enc(id.name)}/${enc(id.version)}`, { signal }),
  listEntities: (kind, project, domain, { name, limit = 200, token, filters } = /** @type {{ name?: string, limit?: number, token?: string, filters?: string }} */ ({}), signal) =>
    call('GET', `/${KIND_PATH[kind]}/${enc(project)}/${enc(domain)}${name ? `/${enc(name)}` : ''}`, {
      query: { limit, token, filters, 'sort_by.key': 'created_at', 'sort_by.direction': 'DESCENDING' },
      signal,
    }),
  listEntityNames: (kind, project, domain, { limit = 200, token } = /** @type {{ limit?: number, token?: string }} */ ({}), signal) =>
    call('GET', `/${IDS_PATH[kind]}/${enc(project)}/${enc(domain)}`, { query: { limit, token }, signal }),
  activeLaunchPlan: (project, domain, name, signal) => call('GET', `/active_launch_plans/${enc(project)}/${enc(domain)}/${enc(name)}`, { signal }),
};
