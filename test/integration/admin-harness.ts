/**
 * Harness for admin integration tests: a real SQLite file in a temp dir, the real LocalDataStore,
 * express on port 0, a recording ExecutionRunner, and a stand-in compiler. Builders for the IDL
 * objects the tests register.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NotFoundError, type Diagnostic } from '../../src/core/errors.ts';
import type { flyteidl } from '../../src/core/idl.ts';
import type { ExecutionRequest } from '../../src/propeller/ports.ts';
import { LocalDataStore } from '../../src/storage/index.ts';
import { AdminClient, openAdminDb, startAdmin, type AdminDb, type CompileWorkflowFn, type ExecutionRunner, type RunningAdmin } from '../../src/admin/index.ts';

/** Records what admin asked the engine to do; can be told to fail. */
export class RecordingRunner implements ExecutionRunner {
  started: ExecutionRequest[] = [];
  aborted: { id: { project: string; domain: string; name: string }; cause: string }[] = [];
  failStart: Error | undefined;
  /** When true, abort rejects with a NOT_FOUND SandboxError ("not running here"). */
  abortNotFound = false;

  async start(req: ExecutionRequest): Promise<void> {
    if (this.failStart) throw this.failStart;
    this.started.push(req);
  }

  async abort(id: { project: string; domain: string; name: string }, cause: string): Promise<void> {
    this.aborted.push({ id, cause });
    if (this.abortNotFound) throw new NotFoundError('SBX_TEST_NOT_RUNNING', 'not running');
  }
}

const key = (id: flyteidl.core.IIdentifier | null | undefined): string => `${id?.project}/${id?.domain}/${id?.name}/${id?.version}`;

/**
 * Stand-in compiler: `{ primary: { template }, subWorkflows, tasks }`; fails with a diagnostic
 * per task node whose task is not registered.
 */
export const stubCompile: CompileWorkflowFn = (spec, lookupTask) => {
  const diagnostics: Diagnostic[] = [];
  const tasks = new Map<string, flyteidl.core.ITaskTemplate>();
  for (const wf of [spec.template, ...spec.subWorkflows]) {
    for (const n of wf.nodes ?? []) {
      const ref = n.taskNode?.referenceId;
      if (!ref) continue;
      const t = lookupTask(ref);
      if (!t) diagnostics.push({ code: 'SBX_COMPILE_TASK_NOT_FOUND', message: `task ${key(ref)} is not registered`, path: `${wf.id?.name}.${n.id}`, severity: 'error' });
      else tasks.set(key(ref), t);
    }
  }
  if (diagnostics.length > 0) return { diagnostics };
  return {
    closure: {
      primary: { template: spec.template, connections: { upstream: {}, downstream: {} } },
      subWorkflows: spec.subWorkflows.map((t) => ({ template: t })),
      tasks: [...tasks.values()].map((template) => ({ template })),
    },
    diagnostics: [],
  };
};

/** A running admin for one test file. */
export interface AdminHarness {
  dir: string;
  url: string;
  client: AdminClient;
  runner: RecordingRunner;
  store: LocalDataStore;
  db: AdminDb;
  running: RunningAdmin;
  close(): Promise<void>;
}

/** Starts an admin on a fresh DB file in a temp dir. `close()` removes everything. */
export async function startAdminHarness(compile: CompileWorkflowFn = stubCompile): Promise<AdminHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-admin-'));
  let db: AdminDb | undefined;
  try {
    db = openAdminDb(path.join(dir, 'admin.db'));
    const store = new LocalDataStore(path.join(dir, 'data', 'blobs'));
    const runner = new RecordingRunner();
    const running = await startAdmin({ db, dataStore: store, compileWorkflow: compile, runner }, { dataDir: path.join(dir, 'data') });
    const openedDb = db;
    return {
      dir,
      url: running.url,
      client: new AdminClient(running.url),
      runner,
      store,
      db: openedDb,
      running,
      async close() {
        await running.close();
        openedDb.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Raw HTTP helper returning status and parsed JSON (or text). */
export async function http(url: string, method: string, body?: unknown, raw?: string): Promise<{ status: number; json: any; text: string; type: string }> {
  const res = await fetch(url, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') ?? '' };
}

// --- IDL builders (protobuf JSON, snake_case, as a REST client would send) ----------------------

export const INT = { simple: 'INTEGER' };
export const STR = { simple: 'STRING' };
export const FLOAT = { simple: 'FLOAT' };

export const intLit = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });
export const strLit = (s: string) => ({ scalar: { primitive: { string_value: s } } });

export function variables(vars: Record<string, unknown>): { variables: Record<string, { type: unknown; description: string }> } {
  return { variables: Object.fromEntries(Object.entries(vars).map(([k, t]) => [k, { type: t, description: k }])) };
}

export function taskBody(project: string, name: string, version: string, inputs: Record<string, unknown> = { a: INT }, outputs: Record<string, unknown> = { o0: INT }, extra: Record<string, unknown> = {}) {
  const id = { resource_type: 'TASK', project, domain: 'development', name, version };
  return {
    id,
    spec: {
      template: {
        id,
        type: 'python-task',
        metadata: { retries: { retries: 1 } },
        interface: { inputs: variables(inputs), outputs: variables(outputs) },
        container: { image: 'tflyte/runtime:latest', args: ['execute', '--inputs', '{{.input}}', '--output-prefix', '{{.outputPrefix}}'] },
        ...extra,
      },
    },
  };
}

export function workflowBody(project: string, name: string, version: string, task: { name: string; version: string }, inputs: Record<string, unknown> = { a: INT }) {
  const id = { resource_type: 'WORKFLOW', project, domain: 'development', name, version };
  return {
    id,
    spec: {
      template: {
        id,
        interface: { inputs: variables(inputs), outputs: variables({ o0: INT }) },
        nodes: [
          {
            id: 'n0',
            inputs: [{ var: 'a', binding: { promise: { node_id: 'start-node', var: 'a' } } }],
            task_node: { reference_id: { resource_type: 'TASK', project, domain: 'development', name: task.name, version: task.version } },
          },
        ],
        outputs: [{ var: 'o0', binding: { promise: { node_id: 'n0', var: 'o0' } } }],
      },
    },
  };
}

export function launchPlanBody(project: string, name: string, version: string, wf: { name: string; version: string }, spec: Record<string, unknown> = {}) {
  return {
    id: { resource_type: 'LAUNCH_PLAN', project, domain: 'development', name, version },
    spec: { workflow_id: { resource_type: 'WORKFLOW', project, domain: 'development', name: wf.name, version: wf.version }, ...spec },
  };
}

/** Registers a project (ignoring "already exists"). */
export async function ensureProject(h: AdminHarness, id: string): Promise<void> {
  const r = await http(`${h.url}/api/v1/projects`, 'POST', { project: { id, name: id } });
  if (r.status !== 200 && r.status !== 409) throw new Error(`project ${id}: ${r.status} ${r.text}`);
}
