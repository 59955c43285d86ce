/**
 * Local runs (`run` without `--remote`) go through the sandbox's own engine, in this process:
 * admin on an in-memory SQLite database, propeller, and an in-process launcher that runs each task
 * attempt with the runtime's `execute` — the code a container runs — instead of a container. So a
 * local run has the sandbox's semantics by construction: retries with attempt numbers (USER and
 * SYSTEM budgets), timeouts, the cache, branches, maps, dynamic and eager workflows, sub-workflows,
 * launch plans and failure policies are each implemented once.
 *
 * What stays between runs: the task cache, in `<user cache dir>/local-cache` (flytekit keeps its
 * local cache too). Nothing else outlives the run: the database and the metadata documents
 * (inputs, outputs, futures, errors) are in memory, raw data and logs in a temporary directory
 * removed when the run ends.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AttemptExit, LaunchSpec } from '../launcher/launcher.ts';
// Admin's parts, not its barrel: the barrel loads express, which a local run does not need.
import { adaptCompiler, createAdminCore, createDeferredRunner, inProcessTaskAdmin, openAdminDb, TaskCredentials, type AdminManagers } from '../admin/core.ts';
import { compileWorkflow } from '../compiler/index.ts';
import type { flyteidl } from '../core/idl.ts';
import { isTerminalWorkflowPhase, WorkflowPhases, type WorkflowPhase } from '../core/phases.ts';
import { attemptKey, createDataStoreCatalog, createInMemoryLauncher, createPropeller, resolvePropellerConfig, systemClock, type ExecutionEventSink, type Logger } from '../propeller/index.ts';
import { DEFAULT_IMAGE, type EntityDef } from '../sdk/internal.ts';
import { localCopyPath, taskBlobs, type TaskBlobs } from '../runtime/blobs.ts';
import { runWithTaskEnv } from '../runtime/task-env.ts';
import { LocalDataStore, MemoryMetadataStore, type DataStore } from '../storage/index.ts';
import { userCacheDir } from './cache-dir.ts';
import { sqliteNativeBinding } from './native-addon.ts';
import type { PlannedEntity } from './registration-plan.ts';
import { version } from './version.ts';

/** How an execution of a local run ended. */
export interface LocalOutcome {
  execution: string;
  phase: string;
  outputs?: flyteidl.core.ILiteralMap;
  error?: flyteidl.core.IExecutionError;
  /** The last task attempt that failed during the run, if any: the task, its attempts, what it threw. */
  lastTaskFailure?: TaskFailure;
}

/** A task attempt that failed in a local run. */
export interface TaskFailure {
  task: string;
  /** Attempts made so far, this one included. */
  attempts: number;
  message: string;
  /** What the task's code threw (undefined when the runtime itself failed). */
  thrown?: unknown;
}

/** A running local engine; `close()` removes everything but the cache. */
export interface LocalEngine {
  /** The engine's blob store (file inputs are uploaded into it; its metadata documents are in memory). */
  store: DataStore;
  /** Copies a local file or directory given as an input into the store; answers its URI there. */
  upload(absPath: string): Promise<string>;
  /** Registers planned entities (tasks, workflows, launch plans) in the engine's admin. */
  register(entities: PlannedEntity[]): void;
  /** Launches `target` (a task or launch plan id) with `inputs` and waits until it ends. */
  run(target: flyteidl.core.IIdentifier, inputs: flyteidl.core.ILiteralMap): Promise<LocalOutcome>;
  close(): Promise<void>;
}


/** Flags of `execute` that take a value, by their ExecuteArgs name. */
const EXECUTE_FLAGS: Record<string, string> = {
  '--inputs': 'inputs',
  '--output-prefix': 'outputPrefix',
  '--raw-output-data-prefix': 'rawOutputDataPrefix',
  '--checkpoint-path': 'checkpointPath',
  '--prev-checkpoint': 'prevCheckpoint',
  '--bundle': 'bundle',
  '--module': 'module',
  '--entity': 'entity',
};

/** The `execute` arguments of a launch spec's command, or undefined for a raw container. */
export function executeArgsOf(command: string[]): Record<string, string> | undefined {
  const at = command.indexOf('execute');
  if (at < 0) return undefined;
  const out: Record<string, string> = {};
  for (let i = at + 1; i < command.length; i++) {
    const name = EXECUTE_FLAGS[command[i] ?? ''];
    if (name && i + 1 < command.length) out[name] = command[++i] as string;
  }
  return out.inputs && out.outputPrefix && out.entity ? out : undefined;
}

/** What a local engine runs and where it keeps its cache. */
export interface LocalEngineOptions {
  /** The project root the task templates' `--module` paths are relative to. */
  codeRoot: string;
  env?: NodeJS.ProcessEnv;
  /** A task's definition by name, for entities that exist only in this process (direct calls). */
  definition?: (entity: string) => EntityDef | undefined;
  /** The task cache (default `<user cache dir>/local-cache`). */
  cacheDir?: string;
  /**
   * What to register when an execution names an entity not registered yet (an eager body calling
   * an entity only that body knows of, in a direct call); undefined = nothing, the create fails.
   */
  planOnDemand?: (target: flyteidl.core.IIdentifier) => PlannedEntity[] | undefined;
}

/**
 * A task attempt's blobs in a local run: the engine's metadata documents (inputs, outputs, error
 * and futures documents) in `store`'s memory, everything else as `host` (a task on this host)
 * reaches it. A document given as a file input is copied under `localRoot` when localized.
 */
export function engineBlobs(store: MemoryMetadataStore, host: TaskBlobs, localRoot: string): TaskBlobs {
  return {
    read: (uri) => (store.holds(uri) ? store.read(uri) : host.read(uri)),
    write: (uri, bytes) => (store.holds(uri) ? store.write(uri, bytes) : host.write(uri, bytes)),
    async localize(uri) {
      if (!store.holds(uri)) return host.localize(uri);
      const dest = localCopyPath(localRoot, uri, path.posix.basename(uri));
      await fs.promises.mkdir(path.dirname(dest), { recursive: true });
      await fs.promises.writeFile(dest, await store.read(uri));
      return dest;
    },
    upload: (localPath, rawPrefix) => host.upload(localPath, rawPrefix),
  };
}

/** Temporary directories of the engines running in this process. */
const liveDirs = new Set<string>();
let cleanupInstalled = false;

/**
 * Removes `dir` if the process is interrupted (Ctrl-C, kill) or exits before the engine closes:
 * nothing of a run is left behind, and the process then ends as the signal says.
 */
function removeOnInterrupt(dir: string): void {
  liveDirs.add(dir);
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const removeAll = (): void => {
    for (const d of liveDirs) fs.rmSync(d, { recursive: true, force: true });
    liveDirs.clear();
  };
  const interrupted = (signal: NodeJS.Signals): void => {
    removeAll();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    process.kill(process.pid, signal);
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  process.on('exit', removeAll);
}

/**
 * What a local run records of its events: the workflow events, which make each execution's phase,
 * outputs and error (what the run prints, what `waitForTerminal` waits for, and what ends an eager
 * task's children). Node and task events are the history the console and the API show; nothing
 * can read them once a local run ends, so it does not record them (flytekit's local runs keep no
 * history either).
 */
export function workflowEventsOnly(sink: ExecutionEventSink): ExecutionEventSink {
  return {
    workflowEvent: (ev) => sink.workflowEvent(ev),
    nodeEvent: () => Promise.resolve(),
    taskEvent: () => Promise.resolve(),
  };
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m, f) => process.stderr.write(`engine: ${m}${f ? ` ${JSON.stringify(f)}` : ''}\n`) };

/**
 * Starts an engine for one local run (or one direct call): admin's core on an in-memory database,
 * propeller and the in-process launcher, in a temporary directory that `close()` removes.
 */
export async function startLocalEngine(opts: LocalEngineOptions): Promise<LocalEngine> {
  const env = opts.env ?? process.env;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-local-'));
  const removeDir = (): void => {
    liveDirs.delete(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  removeOnInterrupt(dir);
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  const dataStore = new MemoryMetadataStore(new LocalDataStore(path.join(dir, 'blobs')));
  const nativeBinding = sqliteNativeBinding();
  const db = openAdminDb(':memory:', nativeBinding ? { nativeBinding } : {});
  const runner = createDeferredRunner();
  const admin = createAdminCore(
    { db, dataStore, compileWorkflow: adaptCompiler(compileWorkflow), runner, logger: quiet },
    { dataDir: dir, version: version(), attemptLogFile: (a) => path.join(logs, `${attemptKey(a.execution, a.nodeId, a.retryAttempt)}.log`) },
  );

  // Eager tasks reach admin with a scoped credential, as in a container, under the rules of the
  // task socket, but in this process: no HTTP server, no express. The key lives as long as the
  // run, in memory only.
  const credentials = TaskCredentials.ephemeral();
  const eagerAdmin = inProcessTaskAdmin(admin, credentials);

  let lastTaskFailure: TaskFailure | undefined;
  const runAttempt = async (spec: LaunchSpec): Promise<AttemptExit> => {
    const startedAt = new Date();
    const args = executeArgsOf(spec.command);
    if (!args) {
      return {
        state: 'EXITED',
        exitCode: 125,
        oomKilled: false,
        startFailed: `${spec.labels['tflyte.node'] ?? 'this node'} is a container task (image ${spec.image}): it runs in Docker, in the sandbox — tflyte-sandbox run --remote`,
      };
    }
    const taskEnv: Record<string, string> = {
      ...spec.env,
      TFLYTE_ATTEMPT_LOG: spec.logPath,
      ...(spec.adminUrl !== undefined ? { TFLYTE_ADMIN_URL: spec.adminUrl } : {}),
    };
    const [{ execute }, sdk] = await Promise.all([import('../runtime/index.ts'), import('../sdk/index.ts')]);
    const attemptEnv = { ...env, ...taskEnv };
    const result = await runWithTaskEnv(taskEnv, () =>
      execute({ ...(args as unknown as Parameters<typeof execute>[0]), codeRoot: opts.codeRoot }, sdk as unknown as Record<string, unknown>, attemptEnv, {
        eagerAdmin,
        blobs: engineBlobs(dataStore, taskBlobs(attemptEnv), path.join(dir, 'localized')),
        ...(opts.definition ? { definition: opts.definition } : {}),
      }),
    );
    if (!result.ok) {
      lastTaskFailure = {
        task: taskEnv.FLYTE_INTERNAL_TASK_NAME ?? args.entity ?? '',
        attempts: Number(taskEnv.FLYTE_ATTEMPT_NUMBER ?? 0) + 1,
        message: result.error.message ?? '',
        thrown: result.thrown,
      };
    }
    return { state: 'EXITED', exitCode: result.ok ? 0 : 1, oomKilled: false, startedAt, finishedAt: new Date() };
  };
  const launcher = createInMemoryLauncher((spec) => runAttempt(spec));
  const cacheStore = new LocalDataStore(opts.cacheDir ?? path.join(userCacheDir(env), 'local-cache'));
  const propeller = createPropeller(
    { clock: systemClock, launcher, store: admin.stateStore, events: workflowEventsOnly(admin.eventSink), data: dataStore, children: admin.childPort, logger: quiet, credentials, catalog: createDataStoreCatalog(cacheStore) },
    resolvePropellerConfig({ logDir: logs, runtime: { command: ['tflyte-sandbox'] }, defaultImage: DEFAULT_IMAGE, adminUrl: 'http://tflyte-local' }),
  );
  runner.bind(propeller);
  const m: AdminManagers = admin.managers;
  const registered = new Set<string>();
  const registrationKey = (id: flyteidl.core.IIdentifier): string => `${id.resourceType ?? 0}/${id.name ?? ''}`;
  const register = (entities: PlannedEntity[]): void => {
    for (const e of entities) {
      if (e.kind === 'task') m.tasks.create({ id: e.id, spec: e.spec });
      else if (e.kind === 'workflow') m.workflows.create({ id: e.id, spec: e.spec });
      else m.launchPlans.create({ id: e.id, spec: e.spec });
      registered.add(registrationKey(e.id));
    }
  };
  const { planOnDemand } = opts;
  if (planOnDemand) {
    // Every create (the CLI's and an eager task's) registers its target first when it is new.
    const executions = m.executions;
    const create = executions.create.bind(executions);
    executions.create = (req, o) => {
      const target = req.spec?.launchPlan;
      if (target && !registered.has(registrationKey(target))) register(planOnDemand(target) ?? []);
      return create(req, o);
    };
  }

  return {
    store: dataStore,
    async upload(absPath) {
      const target = dataStore.join(dataStore.rootUri, 'uploads', crypto.randomBytes(8).toString('hex'), path.basename(absPath));
      await dataStore.upload(absPath, target);
      return target;
    },
    register,
    async run(target, inputs) {
      lastTaskFailure = undefined;
      const key = await m.executions.create({
        project: target.project ?? '',
        domain: target.domain ?? '',
        spec: { launchPlan: target, metadata: { mode: 0, principal: 'tflyte-cli (local)' } },
        inputs,
      });
      const phaseOf = (x: flyteidl.admin.IExecution): WorkflowPhase => WorkflowPhases.fromNumber(Number(x.closure?.phase ?? 0)) ?? 'UNDEFINED';
      let e: flyteidl.admin.IExecution;
      do e = await m.executions.waitForTerminal(key, 60_000);
      while (!isTerminalWorkflowPhase(phaseOf(e)));
      const phase = phaseOf(e);
      const outcome: LocalOutcome = { execution: key.name, phase };
      if (phase === 'SUCCEEDED') outcome.outputs = (await m.executions.getData(key)).fullOutputs ?? { literals: {} };
      if (e.closure?.error) outcome.error = e.closure.error;
      if (lastTaskFailure) outcome.lastTaskFailure = lastTaskFailure;
      return outcome;
    },
    async close() {
      await propeller.stop().catch(() => undefined);
      await launcher.close();
      db.close();
      removeDir();
    },
  };
}
