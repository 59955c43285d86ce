/**
 * Typed HTTP client of the admin REST API (`node:http` over TCP, or over the admin's unix socket),
 * for the CLI, the eager runtime and tests. Requests and responses are IDL plain objects
 * (camelCase); the wire is protobuf JSON. Every failure throws {@link AdminApiError} (a
 * SandboxError carrying the server's code).
 */
import fs from 'node:fs';
import type http from 'node:http';
import type https from 'node:https';
import type { Readable } from 'node:stream';
import nodePath from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCategory, SandboxError } from '../core/errors.ts';
import { fromJson, toJson, type flyteidl } from '../core/idl.ts';
import type { ExecutionEventSink } from '../propeller/ports.ts';
import { ResourceType } from '../core/vocabulary.ts';

/** An error answered by the admin API (or reaching it failed: status 0). */
export class AdminApiError extends SandboxError {
  /** HTTP status (0 when the server could not be reached). */
  readonly status: number;
  constructor(status: number, code: string, message: string, options: { path?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(categoryFor(status, code), code, message, { ...options, kind: status >= 400 && status < 500 ? 'USER' : 'SYSTEM', retryable: status === 0 || status === 503 });
    this.name = 'AdminApiError';
    this.status = status;
  }
}

function categoryFor(status: number, code: string): ErrorCategory {
  if (code === 'SBX_ADMIN_ALREADY_TERMINAL' || code === 'SBX_ADMIN_INVALID_TRANSITION') return ErrorCategory.INVALID_TRANSITION;
  if (status === 0 || status === 503) return ErrorCategory.UNAVAILABLE;
  if (status === 404) return ErrorCategory.NOT_FOUND;
  if (status === 409) return ErrorCategory.ALREADY_EXISTS;
  if (status >= 400 && status < 500) return ErrorCategory.VALIDATION;
  return ErrorCategory.ILLEGAL_STATE;
}

/** Page options of list calls (Flyte's list request fields). */
export interface ListOptions {
  limit?: number;
  token?: string;
  /** Flyte filter syntax, e.g. `eq(phase,RUNNING)+contains(workflow.name,wf)`. */
  filters?: string;
  sortBy?: { key: string; direction?: 'ASCENDING' | 'DESCENDING' };
}

type Id4 = { project?: string | null; domain?: string | null; name?: string | null; version?: string | null };
type ExecId = { project?: string | null; domain?: string | null; name?: string | null };

const enc = encodeURIComponent;

/** The query parameters of list options, as the list routes read them (`limit`, `token`, `filters`, `sort_by.*`). */
export function listQueryParams(o: ListOptions = {}): Record<string, string> {
  const q: Record<string, string> = {};
  if (o.limit !== undefined) q.limit = String(o.limit);
  if (o.token) q.token = o.token;
  if (o.filters) q.filters = o.filters;
  if (o.sortBy) {
    q['sort_by.key'] = o.sortBy.key;
    q['sort_by.direction'] = o.sortBy.direction ?? 'DESCENDING';
  }
  return q;
}

function listQuery(o: ListOptions = {}, extra: Record<string, string> = {}): string {
  const s = new URLSearchParams({ ...listQueryParams(o), ...extra }).toString();
  return s ? `?${s}` : '';
}

function id4(id: Id4): string {
  return [id.project, id.domain, id.name, id.version].map((x) => enc(x ?? '')).join('/');
}

function exec3(id: ExecId): string {
  return [id.project, id.domain, id.name].map((x) => enc(x ?? '')).join('/');
}

function taskExecPath(id: flyteidl.core.ITaskExecutionIdentifier): string {
  const n = id.nodeExecutionId ?? {};
  return `${exec3(n.executionId ?? {})}/${enc(n.nodeId ?? '')}/${id4(id.taskId ?? {})}/${Number(id.retryAttempt ?? 0)}`;
}

/** What {@link AdminClient} reads of an HTTP response. */
export interface Reply {
  status: number;
  ok: boolean;
  headers: http.IncomingHttpHeaders;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** The body as it arrives (read once, instead of text/json). */
  chunks(): AsyncIterable<Buffer>;
}

/** One request of a {@link Transport}. */
export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A string or bytes sent whole, or a stream factory (called again if the request is resent). */
  body?: string | Uint8Array | (() => Readable);
  signal?: AbortSignal;
}

/** Sends one request; rejects only when no response came (connection refused, aborted, …). */
export type Transport = (req: HttpRequest) => Promise<Reply>;

/** TLS of an `https://` server: flytectl's `caCertFilePath` and `insecureSkipVerify`. */
export interface ClientTls {
  /** PEM certificates to trust besides the system's (a self-signed admin's, a private CA's). */
  ca?: string | Buffer;
  /** Do not verify the server's certificate (tests, never production). */
  insecureSkipVerify?: boolean;
}

/**
 * `node:http`, loaded on the first request: a local run holds a client (eager tasks reach admin in
 * the same process) that never sends one, and loading the module costs it a few milliseconds.
 */
function httpModule(): typeof http {
  return process.getBuiltinModule('node:http');
}

/**
 * `node:https` (and `node:tls` with it), loaded on the first https:// request: loading them costs a
 * few milliseconds that a client of a local sandbox (http://, a unix socket) never needs.
 */
function httpsModule(): typeof https {
  return process.getBuiltinModule('node:https');
}

/**
 * HTTP(S) with `node:http` (not `fetch`: loading undici costs every CLI call ~30 ms), keeping
 * connections alive. With `socketPath`, every request goes over that unix socket whatever the
 * URL's host: task containers reach the admin this way without the API on the network.
 */
function nodeTransport(options: { socketPath?: string; tls?: ClientTls } = {}): Transport {
  let plain: http.Agent | undefined;
  let secure: https.Agent | undefined;
  const agentFor = (protocol: string): http.Agent => {
    if (protocol === 'http:' || options.socketPath) return (plain ??= new (httpModule().Agent)({ keepAlive: true }));
    secure ??= new (httpsModule().Agent)({
      keepAlive: true,
      ...(options.tls?.ca ? { ca: [...process.getBuiltinModule('node:tls').rootCertificates, options.tls.ca.toString()] } : {}),
      ...(options.tls?.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
    });
    return secure;
  };
  return async (req) => {
    try {
      return await sendOnce(agentFor, options.socketPath, req);
    } catch (e) {
      // A kept-alive connection the server closed just as it was reused: the request never
      // reached the server, so send it once more on a fresh connection (Node's documented remedy).
      if ((e as { reusedSocket?: boolean }).reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET' && !req.signal?.aborted) {
        return sendOnce(agentFor, options.socketPath, req);
      }
      throw e;
    }
  };
}

function sendOnce(agentFor: (protocol: string) => http.Agent, socketPath: string | undefined, r: HttpRequest): Promise<Reply> {
  const u = new URL(r.url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(new Error(`only http:// and https:// URLs are supported, not ${u.protocol}`));
  const headers: Record<string, string> = { host: u.host || 'localhost', ...r.headers };
  const body = typeof r.body === 'function' ? r.body() : r.body;
  if (typeof body === 'string' || body instanceof Uint8Array) headers['content-length'] = String(Buffer.byteLength(body));
  const where = socketPath ? { socketPath } : { hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || (u.protocol === 'https:' ? 443 : 80) };
  const request = u.protocol === 'https:' && !socketPath ? httpsModule().request : httpModule().request;
  return new Promise<Reply>((resolve, reject) => {
    const req = request({ ...where, agent: agentFor(u.protocol), method: r.method, path: `${u.pathname}${u.search}`, headers }, (res) => {
      const status = res.statusCode ?? 500;
      const text = async () => {
        const parts: Buffer[] = [];
        for await (const c of res) parts.push(c as Buffer);
        return Buffer.concat(parts).toString('utf8');
      };
      resolve({
        status,
        headers: res.headers,
        ok: status >= 200 && status < 300,
        text,
        json: async () => JSON.parse(await text()) as unknown,
        chunks: () => res,
      });
    });
    req.on('error', (e) => reject(Object.assign(e, { reusedSocket: req.reusedSocket })));
    const signal = r.signal;
    if (signal) {
      const abort = () => req.destroy(new DOMException('the request was aborted', 'AbortError'));
      if (signal.aborted) abort();
      else {
        signal.addEventListener('abort', abort, { once: true });
        req.on('close', () => signal.removeEventListener('abort', abort));
      }
    }
    if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) req.end(body);
    else pipeline(body, req).catch((e: unknown) => req.destroy(e as Error));
  });
}

/**
 * Credentials sent with each request: a fixed bearer token, or OAuth2 client credentials that
 * fetch and refresh one (see `client-auth.ts`).
 */
export interface RequestAuth {
  /** The headers to add to a request (e.g. `authorization: Bearer …`). */
  headers(): Promise<Record<string, string>>;
  /**
   * The server answered 401 to what {@link headers} gave: forget it. True when asking again may
   * succeed (a fresh token can be fetched), false when the same credential would be sent again.
   */
  refused(): boolean;
}

/** A fixed bearer token (an eager task's credential). */
export function bearerToken(token: string): RequestAuth {
  return { headers: async () => ({ authorization: `Bearer ${token}` }), refused: () => false };
}

/** Options of {@link AdminClient}. */
export interface AdminClientOptions {
  /**
   * Send requests over this unix socket instead of TCP (the URL then only names the API; its
   * host is not contacted). Task containers get it as `TFLYTE_ADMIN_SOCKET`.
   */
  socketPath?: string;
  /** Sent as `Authorization: Bearer …`: an eager task's credential (`TFLYTE_ADMIN_TOKEN`). */
  token?: string;
  /** Credentials of an authenticating backend (a Flyte cluster): see `ClientCredentialsAuth`. */
  auth?: RequestAuth;
  /** TLS of an `https://` base URL. */
  tls?: ClientTls;
}

/**
 * The error of a non-2xx reply: the sandbox's `{ error: { code, message } }`, or flyteadmin's
 * gRPC-gateway `{ code, message }` (an existing entity is then `SBX_ADMIN_ALREADY_EXISTS`, as from
 * the sandbox).
 */
async function replyError(res: Reply, method: string, path: string, baseUrl: string, authenticated: boolean): Promise<AdminApiError> {
  let payload: { error?: { code?: string; message?: string; path?: string; details?: Record<string, unknown> }; code?: unknown; message?: unknown } = {};
  try {
    payload = (await res.json()) as typeof payload;
  } catch {
    // not JSON: fall through with a generic message
  }
  const err = payload.error ?? {};
  const gatewayMessage = typeof payload.message === 'string' && payload.message !== '' ? payload.message : undefined;
  let code = err.code ?? (res.status === 409 ? 'SBX_ADMIN_ALREADY_EXISTS' : 'SBX_ADMIN_CLIENT_HTTP_ERROR');
  let message = err.message ?? gatewayMessage ?? `${method} ${path} failed with HTTP ${res.status}`;
  // A 401 the sandbox explains itself (its task socket: a missing or wrong task credential) keeps
  // its code and message; any other is about the profile's credential.
  if (res.status === 401 && !err.code?.startsWith('SBX_')) {
    code = 'SBX_ADMIN_CLIENT_UNAUTHENTICATED';
    message = authenticated
      ? `${baseUrl} refused the credential (HTTP 401${gatewayMessage ? `: ${gatewayMessage}` : ''}): check the profile's clientId and secret`
      : `${baseUrl} requires authentication (HTTP 401): use a profile with authType: ClientSecret (--profile FILE)`;
  }
  return new AdminApiError(res.status, code, message, {
    ...(err.path ? { path: err.path } : {}),
    ...(err.details ? { details: err.details } : {}),
  });
}

/** Client of one admin server. */
export class AdminClient {
  readonly baseUrl: string;
  readonly #send: Transport;
  readonly #auth: RequestAuth | undefined;

  /** @param baseUrl e.g. `http://127.0.0.1:30080` (no trailing `/api/v1`). */
  constructor(baseUrl: string, options: AdminClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#send = nodeTransport(options);
    this.#auth = options.auth ?? (options.token ? bearerToken(options.token) : undefined);
  }

  /** The transport of this client, for requests outside the API (signed URLs, token endpoints). */
  get transport(): Transport {
    return this.#send;
  }

  /** Sends one request; not getting an answer at all is `SBX_ADMIN_CLIENT_UNREACHABLE`, naming `where`. */
  async #reach(req: HttpRequest, where: string): Promise<Reply> {
    try {
      return await this.#send(req);
    } catch (e) {
      throw new AdminApiError(0, 'SBX_ADMIN_CLIENT_UNREACHABLE', `cannot reach ${where}: ${(e as Error).message}`, { cause: e });
    }
  }

  async #raw(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Reply> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' };
    const send = async (): Promise<Reply> => {
      const auth = this.#auth ? await this.#auth.headers() : {};
      const req: HttpRequest = { method, url: `${this.baseUrl}${path}`, headers: { ...headers, ...auth }, ...(json === undefined ? {} : { body: json }), ...(signal ? { signal } : {}) };
      return this.#reach(req, `the admin at ${this.baseUrl}`);
    };
    let res = await send();
    // An expired or revoked token: fetch a new one and ask once more.
    if (res.status === 401 && this.#auth?.refused()) {
      await res.text().catch(() => '');
      res = await send();
    }
    if (!res.ok) throw await replyError(res, method, path, this.baseUrl, this.#auth !== undefined);
    return res;
  }

  async #call<T>(method: string, path: string, responseType: string, request?: { type: string; value: object }, signal?: AbortSignal): Promise<T> {
    const res = await this.#raw(method, path, request ? toJson(request.type, request.value) : undefined, signal);
    let json: unknown;
    try {
      json = await res.json();
    } catch (e) {
      throw new AdminApiError(res.status, 'SBX_ADMIN_CLIENT_BAD_RESPONSE', `${method} ${path} did not answer JSON`, { cause: e });
    }
    try {
      return fromJson<T>(responseType, json, 'response');
    } catch (e) {
      throw new AdminApiError(res.status, 'SBX_ADMIN_CLIENT_BAD_RESPONSE', `${method} ${path} answered an unexpected shape: ${(e as Error).message}`, { cause: e });
    }
  }

  // --- service -----------------------------------------------------------------------------

  /** True if `/healthz` answers 200. Never throws. */
  async healthy(): Promise<boolean> {
    try {
      const res = await this.#send({ method: 'GET', url: `${this.baseUrl}/healthz`, headers: this.#auth ? await this.#auth.headers() : {} });
      await res.text();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** What `/healthz` says (disk, container engine), or undefined when it does not answer. */
  async health(): Promise<{ status?: string; disk?: { freeBytes: number; low: boolean }; engine?: { endpoint: string; reachable: boolean; since?: number; error?: string } } | undefined> {
    try {
      const res = await this.#send({ method: 'GET', url: `${this.baseUrl}/healthz`, headers: this.#auth ? await this.#auth.headers() : {} });
      return res.ok ? ((await res.json()) as never) : undefined;
    } catch {
      return undefined;
    }
  }

  async version(): Promise<{ Build: string; Version: string; BuildTime: string }> {
    const res = await this.#raw('GET', '/api/v1/version');
    return ((await res.json()) as { control_plane_version: { Build: string; Version: string; BuildTime: string } }).control_plane_version;
  }

  // --- projects ----------------------------------------------------------------------------

  listProjects(o?: ListOptions): Promise<flyteidl.admin.IProjects> {
    return this.#call('GET', `/api/v1/projects${listQuery(o)}`, 'flyteidl.admin.Projects');
  }
  async registerProject(project: flyteidl.admin.IProject): Promise<void> {
    await this.#call('POST', '/api/v1/projects', 'flyteidl.admin.ProjectRegisterResponse', { type: 'flyteidl.admin.ProjectRegisterRequest', value: { project } });
  }
  getProject(id: string): Promise<flyteidl.admin.IProject> {
    return this.#call('GET', `/api/v1/projects/${enc(id)}`, 'flyteidl.admin.Project');
  }
  listDomains(): Promise<flyteidl.admin.IGetDomainsResponse> {
    return this.#call('GET', '/api/v1/domains', 'flyteidl.admin.GetDomainsResponse');
  }

  // --- tasks, workflows, launch plans ------------------------------------------------------

  async createTask(req: flyteidl.admin.ITaskCreateRequest): Promise<void> {
    await this.#call('POST', '/api/v1/tasks', 'flyteidl.admin.TaskCreateResponse', { type: 'flyteidl.admin.TaskCreateRequest', value: req });
  }
  /**
   * Whether a task, workflow or launch plan with this exact id is registered. Reads the status
   * only: no decoding of the entity (cheap for a CLI that only needs to know).
   */
  async exists(kind: 'task' | 'workflow' | 'launchPlan', id: Id4): Promise<boolean> {
    const route = kind === 'task' ? 'tasks' : kind === 'workflow' ? 'workflows' : 'launch_plans';
    try {
      await (await this.#raw('GET', `/api/v1/${route}/${id4(id)}`)).text();
      return true;
    } catch (e) {
      if (e instanceof AdminApiError && e.status === 404) return false;
      throw e;
    }
  }

  getTask(id: Id4): Promise<flyteidl.admin.ITask> {
    return this.#call('GET', `/api/v1/tasks/${id4(id)}`, 'flyteidl.admin.Task');
  }
  listTasks(project: string, domain: string, name?: string, o?: ListOptions): Promise<flyteidl.admin.ITaskList> {
    return this.#call('GET', `/api/v1/tasks/${enc(project)}/${enc(domain)}${name ? `/${enc(name)}` : ''}${listQuery(o)}`, 'flyteidl.admin.TaskList');
  }
  listTaskIds(project: string, domain: string, o?: ListOptions): Promise<flyteidl.admin.INamedEntityIdentifierList> {
    return this.#call('GET', `/api/v1/task_ids/${enc(project)}/${enc(domain)}${listQuery(o)}`, 'flyteidl.admin.NamedEntityIdentifierList');
  }

  async createWorkflow(req: flyteidl.admin.IWorkflowCreateRequest): Promise<void> {
    await this.#call('POST', '/api/v1/workflows', 'flyteidl.admin.WorkflowCreateResponse', { type: 'flyteidl.admin.WorkflowCreateRequest', value: req });
  }
  getWorkflow(id: Id4): Promise<flyteidl.admin.IWorkflow> {
    return this.#call('GET', `/api/v1/workflows/${id4(id)}`, 'flyteidl.admin.Workflow');
  }
  listWorkflows(project: string, domain: string, name?: string, o?: ListOptions): Promise<flyteidl.admin.IWorkflowList> {
    return this.#call('GET', `/api/v1/workflows/${enc(project)}/${enc(domain)}${name ? `/${enc(name)}` : ''}${listQuery(o)}`, 'flyteidl.admin.WorkflowList');
  }
  listWorkflowIds(project: string, domain: string, o?: ListOptions): Promise<flyteidl.admin.INamedEntityIdentifierList> {
    return this.#call('GET', `/api/v1/workflow_ids/${enc(project)}/${enc(domain)}${listQuery(o)}`, 'flyteidl.admin.NamedEntityIdentifierList');
  }

  async createLaunchPlan(req: flyteidl.admin.ILaunchPlanCreateRequest): Promise<void> {
    await this.#call('POST', '/api/v1/launch_plans', 'flyteidl.admin.LaunchPlanCreateResponse', { type: 'flyteidl.admin.LaunchPlanCreateRequest', value: req });
  }
  getLaunchPlan(id: Id4): Promise<flyteidl.admin.ILaunchPlan> {
    return this.#call('GET', `/api/v1/launch_plans/${id4(id)}`, 'flyteidl.admin.LaunchPlan');
  }
  listLaunchPlans(project: string, domain: string, name?: string, o?: ListOptions): Promise<flyteidl.admin.ILaunchPlanList> {
    return this.#call('GET', `/api/v1/launch_plans/${enc(project)}/${enc(domain)}${name ? `/${enc(name)}` : ''}${listQuery(o)}`, 'flyteidl.admin.LaunchPlanList');
  }
  listLaunchPlanIds(project: string, domain: string, o?: ListOptions): Promise<flyteidl.admin.INamedEntityIdentifierList> {
    return this.#call('GET', `/api/v1/launch_plan_ids/${enc(project)}/${enc(domain)}${listQuery(o)}`, 'flyteidl.admin.NamedEntityIdentifierList');
  }
  /** Activating a version deactivates the previously active one of the same name. */
  async updateLaunchPlanState(id: Id4, state: 'ACTIVE' | 'INACTIVE'): Promise<void> {
    await this.#call('PUT', `/api/v1/launch_plans/${id4(id)}`, 'flyteidl.admin.LaunchPlanUpdateResponse', {
      type: 'flyteidl.admin.LaunchPlanUpdateRequest',
      value: { id: { resourceType: ResourceType.LAUNCH_PLAN, ...id }, state: state === 'ACTIVE' ? 1 : 0 },
    });
  }
  getActiveLaunchPlan(project: string, domain: string, name: string): Promise<flyteidl.admin.ILaunchPlan> {
    return this.#call('GET', `/api/v1/active_launch_plans/${enc(project)}/${enc(domain)}/${enc(name)}`, 'flyteidl.admin.LaunchPlan');
  }
  listActiveLaunchPlans(project: string, domain: string, o?: ListOptions): Promise<flyteidl.admin.ILaunchPlanList> {
    return this.#call('GET', `/api/v1/active_launch_plans/${enc(project)}/${enc(domain)}${listQuery(o)}`, 'flyteidl.admin.LaunchPlanList');
  }

  // --- executions --------------------------------------------------------------------------

  /** Creates an execution; `spec.launch_plan` may be a launch plan, task or workflow id. */
  async createExecution(req: flyteidl.admin.IExecutionCreateRequest): Promise<flyteidl.core.IWorkflowExecutionIdentifier> {
    const r = await this.#call<flyteidl.admin.IExecutionCreateResponse>('POST', '/api/v1/executions', 'flyteidl.admin.ExecutionCreateResponse', {
      type: 'flyteidl.admin.ExecutionCreateRequest',
      value: req,
    });
    return r.id ?? {};
  }
  async relaunchExecution(req: flyteidl.admin.IExecutionRelaunchRequest): Promise<flyteidl.core.IWorkflowExecutionIdentifier> {
    const r = await this.#call<flyteidl.admin.IExecutionCreateResponse>('POST', '/api/v1/executions/relaunch', 'flyteidl.admin.ExecutionCreateResponse', {
      type: 'flyteidl.admin.ExecutionRelaunchRequest',
      value: req,
    });
    return r.id ?? {};
  }
  getExecution(id: ExecId): Promise<flyteidl.admin.IExecution> {
    return this.#call('GET', `/api/v1/executions/${exec3(id)}`, 'flyteidl.admin.Execution');
  }
  /**
   * Sandbox extension: long-polls the execution. Answers as soon as it is terminal, or after
   * `waitSeconds` (at most 120) with its current state, so callers loop without busy polling.
   */
  waitForExecution(id: ExecId, o: { waitSeconds?: number; signal?: AbortSignal } = {}): Promise<flyteidl.admin.IExecution> {
    const secs = o.waitSeconds ?? 30;
    return this.#call('GET', `/api/v1/executions/${exec3(id)}?wait_for_terminal=${secs}s`, 'flyteidl.admin.Execution', undefined, o.signal);
  }
  /**
   * Sandbox extension: the child executions of an execution (those whose
   * `metadata.parent_node_execution` names it), optionally only those of one node — e.g. the
   * sub-executions an eager task created.
   */
  listChildExecutions(parent: ExecId, nodeId?: string, o?: ListOptions): Promise<flyteidl.admin.IExecutionList> {
    const node = nodeId ? `/${enc(nodeId)}` : '';
    return this.#call('GET', `/api/v1/children/executions/${exec3(parent)}${node}${listQuery(o)}`, 'flyteidl.admin.ExecutionList');
  }
  listExecutions(project: string, domain: string, o?: ListOptions): Promise<flyteidl.admin.IExecutionList> {
    return this.#call('GET', `/api/v1/executions/${enc(project)}/${enc(domain)}${listQuery(o)}`, 'flyteidl.admin.ExecutionList');
  }
  /** Moves the execution to ABORTING; the engine then aborts it. */
  async terminateExecution(id: ExecId, cause: string): Promise<void> {
    await this.#call('DELETE', `/api/v1/executions/${exec3(id)}`, 'flyteidl.admin.ExecutionTerminateResponse', {
      type: 'flyteidl.admin.ExecutionTerminateRequest',
      value: { id, cause },
    });
  }
  getExecutionData(id: ExecId): Promise<flyteidl.admin.IWorkflowExecutionGetDataResponse> {
    return this.#call('GET', `/api/v1/data/executions/${exec3(id)}`, 'flyteidl.admin.WorkflowExecutionGetDataResponse');
  }

  /**
   * Copies a stored file or directory (`uri`, an output of `execution`) to the local path `dest`
   * through `GET /api/v1/blobs` — how an eager task reads what its children returned without the
   * store being mounted. Directories are fetched entry by entry.
   */
  async downloadBlob(uri: string, execution: string, dest: string, signal?: AbortSignal): Promise<void> {
    const res = await this.#raw('GET', `/api/v1/blobs?uri=${enc(uri)}&execution=${enc(execution)}`, undefined, signal);
    if (res.headers['x-tflyte-blob'] === 'dir') {
      const listing = (await res.json()) as { entries?: { name: string; uri: string }[] };
      await fs.promises.mkdir(dest, { recursive: true });
      for (const e of listing.entries ?? []) {
        if (!e.name || e.name.includes('/') || e.name === '.' || e.name === '..') continue;
        await this.downloadBlob(e.uri, execution, nodePath.join(dest, e.name), signal);
      }
      return;
    }
    await fs.promises.mkdir(nodePath.dirname(dest), { recursive: true });
    const out = fs.createWriteStream(dest);
    await pipeline(res.chunks(), out);
  }

  // --- data proxy and auth metadata ---------------------------------------------------------

  /**
   * Where to put a file (DataProxy `CreateUploadLocation`, `POST /api/v1/dataproxy/artifact_urn`):
   * a signed URL to `PUT` it to and the native URI it will have in the backend's blob store.
   */
  createUploadLocation(req: flyteidl.service.ICreateUploadLocationRequest): Promise<flyteidl.service.ICreateUploadLocationResponse> {
    return this.#call('POST', '/api/v1/dataproxy/artifact_urn', 'flyteidl.service.CreateUploadLocationResponse', { type: 'flyteidl.service.CreateUploadLocationRequest', value: req });
  }

  /**
   * Sends a file to a signed URL of {@link createUploadLocation} with the headers it named. The
   * URL carries its own authorization (it may be an object store's): this client's credentials
   * are never sent with it.
   */
  async putSigned(location: flyteidl.service.ICreateUploadLocationResponse, body: Uint8Array | (() => Readable), size: number): Promise<void> {
    const url = location.signedUrl ?? '';
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(size), ...(location.headers ?? {}) };
    const res = await this.#reach({ method: 'PUT', url, headers, body }, `the upload URL ${new URL(url).origin}`);
    if (!res.ok) throw await replyError(res, 'PUT', new URL(url).pathname, new URL(url).origin, false);
    await res.text();
  }

  /**
   * flyteadmin's OAuth2 metadata (`/.well-known/oauth-authorization-server`) and public client
   * config (`/config/v1/flyte_client`), read without credentials: where a client finds the token
   * endpoint, the scopes to ask for and the header that carries the token.
   */
  async authMetadata(which: 'oauth2' | 'client'): Promise<Record<string, unknown>> {
    const path = which === 'oauth2' ? '/.well-known/oauth-authorization-server' : '/config/v1/flyte_client';
    const res = await this.#reach({ method: 'GET', url: `${this.baseUrl}${path}` }, `the admin at ${this.baseUrl}`);
    if (!res.ok) throw await replyError(res, 'GET', path, this.baseUrl, false);
    try {
      return (await res.json()) as Record<string, unknown>;
    } catch (e) {
      throw new AdminApiError(res.status, 'SBX_ADMIN_CLIENT_BAD_RESPONSE', `GET ${path} did not answer JSON`, { cause: e });
    }
  }

  // --- node and task executions ------------------------------------------------------------

  listNodeExecutions(exec: ExecId, o?: ListOptions & { uniqueParentId?: string }): Promise<flyteidl.admin.INodeExecutionList> {
    const extra: Record<string, string> = o?.uniqueParentId ? { unique_parent_id: o.uniqueParentId } : {};
    return this.#call('GET', `/api/v1/node_executions/${exec3(exec)}${listQuery(o, extra)}`, 'flyteidl.admin.NodeExecutionList');
  }
  getNodeExecution(exec: ExecId, nodeId: string): Promise<flyteidl.admin.INodeExecution> {
    return this.#call('GET', `/api/v1/node_executions/${exec3(exec)}/${enc(nodeId)}`, 'flyteidl.admin.NodeExecution');
  }
  getNodeExecutionData(exec: ExecId, nodeId: string): Promise<flyteidl.admin.INodeExecutionGetDataResponse> {
    return this.#call('GET', `/api/v1/data/node_executions/${exec3(exec)}/${enc(nodeId)}`, 'flyteidl.admin.NodeExecutionGetDataResponse');
  }
  getDynamicWorkflow(exec: ExecId, nodeId: string): Promise<flyteidl.admin.IDynamicNodeWorkflowResponse> {
    return this.#call('GET', `/api/v1/node_executions/${exec3(exec)}/${enc(nodeId)}/dynamic_workflow`, 'flyteidl.admin.DynamicNodeWorkflowResponse');
  }
  listTaskExecutions(exec: ExecId, nodeId: string, o?: ListOptions): Promise<flyteidl.admin.ITaskExecutionList> {
    return this.#call('GET', `/api/v1/task_executions/${exec3(exec)}/${enc(nodeId)}${listQuery(o)}`, 'flyteidl.admin.TaskExecutionList');
  }
  getTaskExecution(id: flyteidl.core.ITaskExecutionIdentifier): Promise<flyteidl.admin.ITaskExecution> {
    return this.#call('GET', `/api/v1/task_executions/${taskExecPath(id)}`, 'flyteidl.admin.TaskExecution');
  }
  getTaskExecutionData(id: flyteidl.core.ITaskExecutionIdentifier): Promise<flyteidl.admin.ITaskExecutionGetDataResponse> {
    return this.#call('GET', `/api/v1/data/task_executions/${taskExecPath(id)}`, 'flyteidl.admin.TaskExecutionGetDataResponse');
  }
  /** The text of an attempt's log file (sandbox helper route). */
  async getTaskLog(id: flyteidl.core.ITaskExecutionIdentifier, index = 0): Promise<string> {
    const res = await this.#raw('GET', `/api/v1/logs/task_executions/${taskExecPath(id)}?index=${index}`);
    return res.text();
  }
  /** Follows an attempt's log until it ends; yields text chunks as they are written. */
  async *followTaskLog(id: flyteidl.core.ITaskExecutionIdentifier, index = 0): AsyncGenerator<string> {
    const res = await this.#raw('GET', `/api/v1/logs/task_executions/${taskExecPath(id)}?index=${index}&follow=1`);
    const decoder = new TextDecoder();
    for await (const chunk of res.chunks()) yield decoder.decode(chunk, { stream: true });
  }

  // --- events ------------------------------------------------------------------------------

  async sendWorkflowEvent(event: flyteidl.event.IWorkflowExecutionEvent, requestId = ''): Promise<void> {
    await this.#call('POST', '/api/v1/events/workflows', 'flyteidl.admin.WorkflowExecutionEventResponse', {
      type: 'flyteidl.admin.WorkflowExecutionEventRequest',
      value: { requestId, event },
    });
  }
  async sendNodeEvent(event: flyteidl.event.INodeExecutionEvent, requestId = ''): Promise<void> {
    await this.#call('POST', '/api/v1/events/nodes', 'flyteidl.admin.NodeExecutionEventResponse', { type: 'flyteidl.admin.NodeExecutionEventRequest', value: { requestId, event } });
  }
  async sendTaskEvent(event: flyteidl.event.ITaskExecutionEvent, requestId = ''): Promise<void> {
    await this.#call('POST', '/api/v1/events/tasks', 'flyteidl.admin.TaskExecutionEventResponse', { type: 'flyteidl.admin.TaskExecutionEventRequest', value: { requestId, event } });
  }
}

/** An `ExecutionEventSink` that posts events to a remote admin (propeller outside the admin process). */
export function createHttpEventSink(client: AdminClient): ExecutionEventSink {
  return {
    workflowEvent: (ev) => client.sendWorkflowEvent(ev),
    nodeEvent: (ev) => client.sendNodeEvent(ev),
    taskEvent: (ev) => client.sendTaskEvent(ev),
  };
}
