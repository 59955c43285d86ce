/**
 * Talking to a running sandbox from the CLI: finding it through the data dir, bundling and
 * registering user code (every entity the loaded files export, like `pyflyte register`, so eager
 * workflows find what they call), uploading file inputs, launching and following executions.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// The client only: the admin barrel would load the whole server (express) into every CLI call.
import { AdminApiError, AdminClient } from '../admin/client.ts';
import { literalMapToJs, type flyteidl } from '../core/index.ts';
import { NodePhases, WorkflowPhases } from '../core/phases.ts';
import { type EntityDef, type LoadedModule, type SerializationSettings } from '../sdk/internal.ts';
import type { DataStore } from '../storage/index.ts';
import { loadConfig, resolveDataDir, type SandboxState } from './sandbox-home.ts';
import { openSandboxStore } from './sandbox-store.ts';
import { isHealthy, runningSandbox } from './commands/lifecycle.ts';
import { CommandError } from './usage-error.ts';
import { engineWaitMessage } from './engine-message.ts';
import { planRegistration, type PlannedEntity, type SkippedEntity } from './registration-plan.ts';

/** A running sandbox and a client for it. */
export interface Connection {
  dataDir: string;
  state: SandboxState;
  client: AdminClient;
  /** The sandbox's blob store (the same one its daemon uses: local, or an S3 bucket). */
  store: DataStore;
}

/** Finds the sandbox of the data dir; a clear error says how to start one. */
export async function connect(dataDirFlag: string | undefined): Promise<Connection> {
  const dataDir = resolveDataDir(dataDirFlag);
  const state = await runningSandbox(dataDir);
  if (!state || !(await isHealthy(state.url))) {
    throw new CommandError(
      `no sandbox is running for ${dataDir}. Start one with: tflyte-sandbox start${dataDirFlag ? ` --data-dir ${dataDirFlag}` : ''} (or set TFLYTE_HOME)`,
    );
  }
  const { store } = await openSandboxStore(dataDir, await loadConfig(dataDir), process.env);
  return { dataDir, state, client: new AdminClient(state.url), store };
}

/** What registering a file produced. */
export interface Registration {
  loaded: LoadedModule;
  settings: SerializationSettings;
  /** Full names of the registered entities, by kind. */
  tasks: string[];
  workflows: string[];
  launchPlans: string[];
  /** Entities left out because they do not compile: the others registered. */
  skipped: SkippedEntity[];
}


async function ignoreExisting(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AdminApiError && e.code === 'SBX_ADMIN_ALREADY_EXISTS') return;
    throw e;
  }
}

/** Sends one planned entity to the sandbox (an identical existing one is fine). */
function send(conn: Connection, e: PlannedEntity): Promise<void> {
  switch (e.kind) {
    case 'task':
      return ignoreExisting(conn.client.createTask({ id: e.id, spec: e.spec }));
    case 'workflow':
      return ignoreExisting(conn.client.createWorkflow({ id: e.id, spec: e.spec }));
    case 'launchPlan':
      return ignoreExisting(conn.client.createLaunchPlan({ id: e.id, spec: e.spec }));
  }
}

/**
 * Bundles the code a file loads, uploads the bundle into the sandbox's blob store and registers
 * every entity the loaded files export (see {@link planRegistration}). The version is a hash of
 * the bundle and settings, so re-registering unchanged code is a no-op and changed code gets a
 * new version.
 *
 * The requests are planned first, in dependency order, and sent one at a time; a step fails the
 * whole registration. So when the plan's last entity already exists, an earlier registration of
 * this very version got through every step, and nothing is sent again (one request instead of
 * one per entity: this is most of `run --remote`'s time on a re-run).
 */
export async function registerFile(conn: Connection, file: string, project: string, domain: string, image?: string): Promise<Registration> {
  const plan = await planRegistration(file, project, domain, (sha) => conn.store.join(conn.store.rootUri, 'bundles', `${sha}.tar.gz`), image);
  const bundleUri = plan.settings.bundleUri as string;
  if (!(await conn.store.exists(bundleUri))) await conn.store.write(bundleUri, plan.bundle.bytes);
  const last = plan.entities.at(-1);
  if (!last || !(await stepDone(conn, last))) {
    for (const step of plan.entities) {
      try {
        await send(conn, step);
      } catch (e) {
        // The server's answer names the field; say which entity of which file it was about.
        if (e instanceof AdminApiError && e.status >= 400 && e.status < 500) {
          throw new CommandError(`registering ${file}: the sandbox refused ${step.kind} ${step.id.name} (version ${step.id.version}): ${e.message}`);
        }
        throw e;
      }
    }
  }
  const names = (k: PlannedEntity['kind']) => [...new Set(plan.entities.filter((e) => e.kind === k).map((e) => e.id.name as string))];
  return { loaded: plan.loaded, settings: plan.settings, tasks: names('task'), workflows: plan.workflows, launchPlans: names('launchPlan'), skipped: plan.skipped };
}

/** One line per skipped entity: its name and the first line of its error. */
export function skippedLines(skipped: SkippedEntity[]): string[] {
  return skipped.map((s) => `${s.kind} ${s.name} was not registered: ${(s.error.message.split('\n')[0] ?? '').replace(/:$/, '')} (run it to see why)`);
}

/** Whether the entity a registration step creates already exists. */
function stepDone(conn: Connection, step: PlannedEntity): Promise<boolean> {
  const key = { project: step.id.project ?? '', domain: step.id.domain ?? '', name: step.id.name ?? '', version: step.id.version ?? '' };
  return conn.client.exists(step.kind, key);
}

/**
 * Converts JS inputs to literals for the API, uploading local files and directories given for
 * file/dir inputs into the blob store.
 */
export async function inputsForApi(conn: Pick<Connection, 'store'>, def: EntityDef, values: Record<string, unknown>): Promise<flyteidl.core.ILiteralMap> {
  const literals: Record<string, flyteidl.core.ILiteral> = {};
  for (const [k, v] of Object.entries(values)) {
    const d = def.iface.inputs.get(k);
    if (!d) continue;
    let value = v;
    if ((d.kind === 'file' || d.kind === 'dir') && typeof v === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
      const abs = path.resolve(v);
      if (!fs.existsSync(abs)) throw new CommandError(`input --${k}: ${v} does not exist`);
      const target = conn.store.join(conn.store.rootUri, 'uploads', crypto.randomBytes(8).toString('hex'), path.basename(abs));
      await conn.store.upload(abs, target);
      value = target;
    }
    literals[k] = d.toLiteral(value, `--${k}`);
  }
  return { literals };
}

/** The console page of an execution. */
export function consoleUrl(state: SandboxState, project: string, domain: string, name: string): string {
  return `${state.url}/console/projects/${project}/domains/${domain}/executions/${name}`;
}

/** Phase name of an execution as the API reports it (numbers mapped to names). */
export function phaseName(p: unknown): string {
  return typeof p === 'number' ? (WorkflowPhases.fromNumber(p) ?? String(p)) : String(p ?? 'UNDEFINED');
}

/** Node phase name from the API's number. */
export function nodePhaseName(p: unknown): string {
  return typeof p === 'number' ? (NodePhases.fromNumber(p) ?? String(p)) : String(p ?? 'UNDEFINED');
}

/**
 * Follows an execution until it ends, without polling: each request long-polls the execution
 * (`?wait_for_terminal=…`, answered the moment it ends). Without `onNode` one request waits up to
 * 30 s; with `onNode` (progress lines) it waits `progressMs` at most, then the node list is fetched
 * and each node phase change reported in the order it happened.
 */
export async function follow(
  conn: Connection,
  exec: { project: string; domain: string; name: string },
  onNode?: (nodeId: string, phase: string, node: flyteidl.admin.INodeExecution) => void,
  progressMs = 250,
  onEngine: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
): Promise<flyteidl.admin.IExecution> {
  const seen = new Map<string, string>();
  // Say so while the container engine does not answer, and when it does again.
  let engineDown = false;
  const engineWatch = setInterval(() => {
    void conn.client.health().then((h) => {
      const e = h?.engine;
      if (e && !e.reachable && !engineDown) onEngine(engineWaitMessage(e));
      else if (e?.reachable && engineDown) onEngine(`the Docker engine at ${e.endpoint} answers again`);
      if (e) engineDown = !e.reachable;
    });
  }, 3000);
  engineWatch.unref();
  try {
    return await followUntilTerminal(conn, exec, onNode, progressMs, seen);
  } finally {
    clearInterval(engineWatch);
  }
}

async function followUntilTerminal(
  conn: Connection,
  exec: { project: string; domain: string; name: string },
  onNode: ((nodeId: string, phase: string, node: flyteidl.admin.INodeExecution) => void) | undefined,
  progressMs: number,
  seen: Map<string, string>,
): Promise<flyteidl.admin.IExecution> {
  const waitMs = onNode ? progressMs : 30_000;
  for (;;) {
    const asked = Date.now();
    const e = await conn.client.waitForExecution(exec, { waitSeconds: waitMs / 1000 });
    const phase = phaseName(e.closure?.phase);
    const terminal = WorkflowPhases.isPhase(phase) && WorkflowPhases.isTerminal(phase);
    if (onNode) {
      try {
        const nodes = await conn.client.listNodeExecutions(exec, { limit: 1000 });
        const changed = (nodes.nodeExecutions ?? []).filter((n) => seen.get(n.id?.nodeId ?? '') !== nodePhaseName(n.closure?.phase));
        changed.sort((x, y) => stamp(x.closure?.updatedAt) - stamp(y.closure?.updatedAt));
        for (const n of changed) {
          const nid = n.id?.nodeId ?? '';
          const ph = nodePhaseName(n.closure?.phase);
          seen.set(nid, ph);
          onNode(nid, ph, n);
        }
      } catch {
        // Progress is best effort; the execution's own phase decides.
      }
    }
    if (terminal) return e;
    // A server without the long-poll answers at once: do not spin.
    const early = Math.min(waitMs, progressMs) - (Date.now() - asked);
    if (early > 0) await new Promise((r) => setTimeout(r, early));
  }
}

function stamp(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0;
}

/** Outputs of a finished execution as plain JSON, keyed by output name. */
export async function outputsJson(conn: Connection, exec: { project: string; domain: string; name: string }): Promise<Record<string, unknown>> {
  const data = await conn.client.getExecutionData(exec);
  return literalMapToJs(data.fullOutputs ?? { literals: {} }) as Record<string, unknown>;
}
