/**
 * Talking to a backend from the CLI — the sandbox of a data dir, or a Flyte cluster an endpoint
 * profile names (`profile.ts`): connecting, bundling and registering user code (every entity the
 * loaded files export, like `pyflyte register`, so eager workflows find what they call),
 * uploading file inputs, launching and following executions.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
// The client only: the admin barrel would load the whole server (express) into every CLI call.
import { AdminApiError, AdminClient } from '../admin/client.ts';
import { literalMapToJs, type flyteidl } from '../core/index.ts';
import { NodePhases, WorkflowPhases } from '../core/phases.ts';
import { type EntityDef, type LoadedModule, type SerializationSettings } from '../sdk/internal.ts';
import { ClientCredentialsAuth } from '../admin/client-auth.ts';
import { resolveDataDir } from './sandbox-home.ts';
import { isHealthy, runningSandbox } from './commands/lifecycle.ts';
import { loadProfile, type EndpointProfile } from './profile.ts';
import { CommandError, UsageError } from './usage-error.ts';
import type { LocalFileUploader } from './entity-inputs.ts';
import { filesUnder } from '../storage/local-files.ts';
import { engineWaitMessage } from './engine-message.ts';
import { planRegistration, type PlannedEntity, type SkippedEntity } from './registration-plan.ts';

/**
 * The backend the CLI talks to: the sandbox of a data dir, or a Flyte cluster an endpoint
 * profile names. Both are spoken to the same way — Flyte's REST API, code and files uploaded
 * through its DataProxy.
 */
export interface Connection {
  client: AdminClient;
  /** Base URL of the console (its execution pages are `/console/projects/…`). */
  consoleUrl: string;
  /** What is talked to, for messages: `the sandbox` or `https://host (profile FILE)`. */
  name: string;
  /** The tasks' default image a profile names (`tflyte.defaultImage`). */
  defaultImage?: string;
  /** The raw-output prefix a profile names (`tflyte.rawOutputPrefix`). */
  rawOutputPrefix?: string;
}

/** Where to connect: the sandbox of `dataDir` (default: `TFLYTE_HOME`), or the backend of `profile`. */
export interface ConnectOptions {
  dataDir?: string | undefined;
  profile?: string | undefined;
}

/** Connects to the sandbox of the data dir, or to a profile's backend; clear errors say what to do. */
export async function connect(opts: ConnectOptions): Promise<Connection> {
  if (opts.profile) {
    if (opts.dataDir) throw new UsageError('--profile and --data-dir name two different backends: give one of them');
    return connectProfile(await loadProfile(opts.profile, process.env));
  }
  const dataDir = resolveDataDir(opts.dataDir);
  const state = await runningSandbox(dataDir);
  if (!state || !(await isHealthy(state.url))) {
    throw new CommandError(
      `no sandbox is running for ${dataDir}. Start one with: tflyte-sandbox start${opts.dataDir ? ` --data-dir ${opts.dataDir}` : ''} (or set TFLYTE_HOME)`,
    );
  }
  return { client: new AdminClient(state.url), consoleUrl: state.url, name: 'the sandbox' };
}

/** A connection to the backend of an endpoint profile (OAuth2 client credentials when it names a client). */
export function connectProfile(p: EndpointProfile): Connection {
  const base = new AdminClient(p.baseUrl, { tls: p.tls });
  const client = p.credentials ? new AdminClient(p.baseUrl, { tls: p.tls, auth: new ClientCredentialsAuth(p.credentials, base, base.transport) }) : base;
  return {
    client,
    consoleUrl: p.consoleUrl,
    name: `${p.baseUrl} (profile ${p.file})`,
    ...(p.defaultImage ? { defaultImage: p.defaultImage } : {}),
    ...(p.rawOutputPrefix ? { rawOutputPrefix: p.rawOutputPrefix } : {}),
  };
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
 * Bundles the code a file loads, uploads the bundle through the backend's DataProxy and registers
 * every entity the loaded files export (see {@link planRegistration}). The version is a hash of
 * the bundle and settings, so re-registering unchanged code is a no-op and changed code gets a
 * new version.
 *
 * The requests are planned first, in dependency order, and sent one at a time; a step fails the
 * whole registration. So when the plan's last entity already exists, an earlier registration of
 * this very version got through every step (the bundle included), and nothing is sent again.
 */
export async function registerFile(conn: Connection, file: string, project: string, domain: string, image?: string): Promise<Registration> {
  let location: flyteidl.service.ICreateUploadLocationResponse = {};
  const plan = await refusedAs(`registering ${file}: ${conn.name} refused the code bundle`, () =>
    planRegistration(file, {
      project,
      domain,
      ...((image ?? conn.defaultImage) ? { image: image ?? conn.defaultImage } : {}),
      ...(conn.rawOutputPrefix ? { rawOutputPrefix: conn.rawOutputPrefix } : {}),
      bundleUri: async (bundle) => {
        location = await conn.client.createUploadLocation({ project, domain, filename: `${bundle.sha256}.tar.gz`, contentMd5: md5(bundle.bytes) });
        return location.nativeUrl ?? '';
      },
    }),
  );
  const last = plan.entities.at(-1);
  if (!last || !(await stepDone(conn, last))) {
    await refusedAs(`registering ${file}: ${conn.name} refused the code bundle`, () => conn.client.putSigned(location, plan.bundle.bytes, plan.bundle.bytes.length));
    await registerPlanned(conn, file, plan.entities);
  }
  const names = (k: PlannedEntity['kind']) => [...new Set(plan.entities.filter((e) => e.kind === k).map((e) => e.id.name as string))];
  return { loaded: plan.loaded, settings: plan.settings, tasks: names('task'), workflows: plan.workflows, launchPlans: names('launchPlan'), skipped: plan.skipped };
}

/** Runs `step`; a refusal of the backend (HTTP 4xx) becomes a CommandError saying what was refused. */
async function refusedAs<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    // The server's answer names the field; say which entity of which file it was about.
    if (e instanceof AdminApiError && e.status >= 400 && e.status < 500) throw new CommandError(`${what}: ${e.message}`);
    throw e;
  }
}

function md5(bytes: Uint8Array): Uint8Array {
  return crypto.createHash('md5').update(bytes).digest();
}

/**
 * Sends planned entities of `file`, in order: a file's registration, or entities planned apart
 * from it with its settings (a map's workflow, see `launchable`). An identical existing one is fine.
 */
export async function registerPlanned(conn: Connection, file: string, entities: PlannedEntity[]): Promise<void> {
  for (const step of entities) {
    await refusedAs(`registering ${file}: ${conn.name} refused ${step.kind} ${step.id.name} (version ${step.id.version})`, () => send(conn, step));
  }
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
 * Uploads local files through the backend's DataProxy (`CreateUploadLocation`, then a `PUT` to
 * the signed URL): a file under a fresh folder, a directory file by file under one folder, its
 * relative paths kept. Answers the file's, or the directory's, native URI.
 */
export function dataProxyUploader(conn: Connection, project: string, domain: string, note: (line: string) => void = (l) => process.stderr.write(`note: ${l}\n`)): LocalFileUploader {
  return async (abs, input) => {
    const folder = `input-${crypto.randomBytes(10).toString('hex')}`;
    const stat = fs.statSync(abs);
    const files = stat.isDirectory() ? await filesUnder(abs) : [path.basename(abs)];
    if (files.length === 0) throw new CommandError(`input --${input}: ${abs} is an empty directory; there is nothing to upload`);
    let nativeDir = '';
    let nativeFile = '';
    for (const rel of files) {
      const file = stat.isDirectory() ? path.join(abs, rel) : abs;
      const name = rel.split('/').map(safeSegment).join('/');
      if (name !== rel) note(`input --${input}: ${rel} is uploaded as ${name} (upload names are letters, digits, ".", "_" and "-")`);
      const location = await refusedAs(`input --${input}: ${conn.name} refused the upload of ${file}`, async () =>
        conn.client.createUploadLocation({ project, domain, filenameRoot: folder, filename: name, contentMd5: await fileMd5(file) }),
      );
      const size = fs.statSync(file).size;
      await refusedAs(`input --${input}: ${conn.name} refused the upload of ${file}`, () => conn.client.putSigned(location, () => fs.createReadStream(file), size));
      nativeFile = location.nativeUrl ?? '';
      if (!nativeFile.endsWith(`/${name}`)) throw new CommandError(`input --${input}: ${conn.name} put ${file} at ${nativeFile}, not under a folder named for it`);
      nativeDir = nativeFile.slice(0, -name.length - 1);
    }
    return stat.isDirectory() ? nativeDir : nativeFile;
  };
}

/** A path segment as an upload name allows it (letters, digits, `.`, `_`, `-`). */
function safeSegment(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]/, '_');
  return cleaned.slice(0, 200) || '_';
}

async function fileMd5(file: string): Promise<Uint8Array> {
  const hash = crypto.createHash('md5');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest();
}

/** The console page of an execution. */
export function consoleUrl(conn: Pick<Connection, 'consoleUrl'>, project: string, domain: string, name: string): string {
  return `${conn.consoleUrl}/console/projects/${project}/domains/${domain}/executions/${name}`;
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
