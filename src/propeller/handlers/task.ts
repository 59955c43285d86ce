/**
 * Task nodes (Flyte `nodes/task/handler.go` + the container plugin): cache lookup, optional
 * cache reservation, one launcher attempt per try, and reading the attempt's documents after it
 * exits (`futures.pb` → dynamic, `error.pb` → failure, else outputs).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { flyteidl } from '../../core/idl.ts';
import type { TaskPhase } from '../../core/phases.ts';
import { reuseOfTemplate } from '../../core/vocabulary.ts';
import type { LaunchSpec, Mount } from '../../launcher/launcher.ts';
import { attemptRawPrefix, attemptUris, rawDataRoot } from '../../storage/layout.ts';
import { attemptMounts, literalMapUris, literalUris } from './attempt-mounts.ts';
import { confinedTo, documentStates } from './output-guard.ts';
import type { AttemptUris } from '../../storage/layout.ts';
import { readProto, writeProto } from '../../storage/proto-io.ts';
import { catalogKeyFor, catalogKeyString, catalogMetadata } from '../catalog.ts';
import type { CatalogKey } from '../catalog.ts';
import { executionError, ErrorKindNum, EXECUTION_ERROR_CODES } from '../errors.ts';
import { taskEvent } from '../events.ts';
import { attemptKey, executionKey } from '../ids.ts';
import { containerResources, formatBytes } from '../resources.ts';
import type { TaskAttemptState } from '../state.ts';
import { renderAll } from '../template-render.ts';
import type { TemplateParams } from '../template-render.ts';
import { readCopilotOutputs, writeCopilotInputs } from './copilot.ts';
import { Transition } from './handler.ts';
import type { AbortResult, Common, EventInfo, HandlerResult, NodeContext, NodeHandler, ObservedExit, StatusPatch } from './handler.ts';

/** `core.CatalogCacheStatus` numbers. */
export const CacheStatusNum = {
  DISABLED: 0,
  MISS: 1,
  HIT: 2,
  POPULATED: 3,
  LOOKUP_FAILURE: 4,
  PUT_FAILURE: 5,
  SKIPPED: 6,
} as const;

/** The runtime's name as SDK task templates write it in `args[0]`. */
export const RUNTIME_ARG0 = 'tflyte-sandbox';

/** Whether a task runs the sandbox's own runtime (`tflyte-sandbox execute …`) rather than a foreign program (pyflyte, a raw container). */
export function runsSandboxRuntime(task: flyteidl.core.ITaskTemplate): boolean {
  const c = task.container;
  return !!c && (c.command ?? []).length === 0 && (c.args ?? [])[0] === RUNTIME_ARG0;
}

/**
 * Flyte's array-node contract with a task (flytepropeller's array execution context): the item's
 * index is in `FLYTE_K8S_ARRAY_INDEX`, and `BATCH_JOB_ARRAY_INDEX_VAR_NAME` names that variable.
 */
export const ARRAY_INDEX_ENV = { varName: 'BATCH_JOB_ARRAY_INDEX_VAR_NAME', index: 'FLYTE_K8S_ARRAY_INDEX' } as const;

/** Label keys every attempt carries. */
export const LABELS = {
  execution: 'tflyte.execution',
  node: 'tflyte.node',
  attempt: 'tflyte.attempt',
  project: 'tflyte.project',
  domain: 'tflyte.domain',
} as const;

function taskOf(ctx: NodeContext): flyteidl.core.ITaskTemplate {
  return ctx.exec.findTask(ctx.scope, ctx.node.taskNode?.referenceId);
}

/**
 * An attempt that exited successfully with a `futures.pb` (a dynamic workflow spec) instead of
 * outputs: the task attempt itself is done (its SUCCEEDED event is in `taskEvents`); what the node
 * does next is the dynamic handler's decision.
 */
export interface FuturesResult extends Common {
  phase: 'FUTURES';
  futuresUri: string;
  task: flyteidl.core.ITaskTemplate;
}

/** What one step of a task attempt leads to. */
export type AttemptResult = HandlerResult | FuturesResult;

/** The task handler, plus the attempt step the dynamic handler builds on. */
export interface TaskNodeHandler extends NodeHandler {
  /** Like `handle`, but reports an attempt that wrote `futures.pb` instead of failing it. */
  handleAttempt(ctx: NodeContext): Promise<AttemptResult>;
}

/** The host directories of a raw container's copilot: only a store on the local disk has them (checked before launch). */
function copilotDirs(ctx: NodeContext, uris: AttemptUris): { inputs: string; outputs: string } {
  const data = ctx.exec.deps.data;
  const localPath = data.localPath;
  if (!localPath) throw new Error(`raw-container tasks need a blob store on the local disk, not ${data.rootUri}`);
  return {
    inputs: localPath(data.join(uris.dir, '_copilot', 'inputs')),
    outputs: localPath(data.join(uris.dir, '_copilot', 'outputs')),
  };
}

function isRawContainer(task: flyteidl.core.ITaskTemplate): boolean {
  return task.type === 'raw-container' || !!task.container?.dataConfig?.enabled;
}

/** Everything the launcher needs for one attempt (pure apart from reading inputs for templates). */
async function buildLaunchSpec(
  ctx: NodeContext,
  task: flyteidl.core.ITaskTemplate,
  uris: AttemptUris,
  key: string,
): Promise<LaunchSpec> {
  const { exec } = ctx;
  const { config, deps, request } = exec;
  const data = deps.data;
  const container = task.container!;
  const rawPrefix = attemptRawPrefix(data, request.rawOutputPrefix, { execution: request.id.name, nodeId: ctx.uniqueId, attempt: ctx.attempt });
  const prevRaw =
    ctx.attempt > 0
      ? attemptRawPrefix(data, request.rawOutputPrefix, { execution: request.id.name, nodeId: ctx.uniqueId, attempt: ctx.attempt - 1 })
      : undefined;
  const needsInputs = [...(container.args ?? []), ...(container.command ?? [])].some((s) => /{{\s*[.$]inputs\./i.test(s));
  const params: TemplateParams = {
    inputUri: ctx.inputsUri,
    inputPrefix: ctx.dataDir,
    outputPrefix: uris.dir,
    rawOutputDataPrefix: rawPrefix,
    checkpointOutputPrefix: data.join(rawPrefix, '_flytecheckpoints'),
    prevCheckpointPrefix: prevRaw ? data.join(prevRaw, '_flytecheckpoints') : '',
    perRetryUniqueKey: key,
    namespace: `${request.id.project}-${request.id.domain}`,
    ...(needsInputs ? { inputs: await exec.readLiteralMap(ctx.inputsUri) } : {}),
  };
  const args = renderAll(container.args, params);
  const command = renderAll(container.command, params);
  const image = container.image || config.defaultImage;
  const mounts: Mount[] = [];
  let cmd: string[];
  let entrypoint: string[] | undefined;
  if (runsSandboxRuntime(task)) {
    if (config.foreignImage && image !== config.defaultImage) {
      entrypoint = config.foreignImage.entrypoint;
      cmd = args.slice(1);
      mounts.push(...config.foreignImage.mounts);
    } else {
      cmd = [...config.runtime.command, ...args.slice(1)];
    }
  } else {
    cmd = [...command, ...args];
  }
  const inputs = await exec.readLiteralMap(ctx.inputsUri);
  // A reusable container: its own policy, else the sandbox's for tasks of the default image.
  const reusePolicy = runsSandboxRuntime(task) ? (reuseOfTemplate(task.config) ?? (image === config.defaultImage ? config.reuse : undefined)) : undefined;
  const mountPlan = () => ({
    inputsUri: ctx.inputsUri,
    inputs,
    attemptDir: uris.dir,
    rawPrefix,
    ...(params.prevCheckpointPrefix ? { prevCheckpoint: params.prevCheckpointPrefix } : {}),
    argv: [...command, ...args],
    rawRoot: rawDataRoot(data),
  });
  let access: Mount[] | undefined;
  if (reusePolicy) {
    // A warm container mounts no store: the daemon serves the attempt exactly these paths.
    access = attemptMounts(data, mountPlan());
  } else if (isRawContainer(task)) {
    // Copilot: the container sees its input and output directories, nothing of the store.
    const dc = container.dataConfig ?? {};
    const dirs = copilotDirs(ctx, uris);
    await writeCopilotInputs(data, inputs, dirs.inputs);
    await fs.mkdir(dirs.outputs, { recursive: true });
    mounts.push({ hostPath: dirs.inputs, containerPath: dc.inputPath || '/var/inputs', readOnly: true });
    mounts.push({ hostPath: dirs.outputs, containerPath: dc.outputPath || '/var/outputs', readOnly: false });
  } else if (!deps.launcher.confinesToMounts) {
    // A launcher that runs tasks on the host mounts nothing, and the runtime makes the directories
    // it writes to: nothing to prepare (each directory made is a costly metadata write).
  } else {
    mounts.push(...attemptMounts(data, mountPlan()));
  }
  // Only eager tasks reach the admin, with a credential scoped to their own execution and node.
  const eager = !!task.metadata?.isEager && !!config.adminUrl;
  const token =
    eager && deps.credentials
      ? deps.credentials.issue({
          project: request.id.project,
          domain: request.id.domain,
          execution: request.id.name,
          nodeId: ctx.uniqueId,
          attempt: ctx.attempt,
          rawOutputPrefix: rawPrefix,
          inputsUri: ctx.inputsUri,
        })
      : undefined;
  const env: Record<string, string> = {
    FLYTE_INTERNAL_EXECUTION_ID: request.id.name,
    FLYTE_INTERNAL_EXECUTION_PROJECT: request.id.project,
    FLYTE_INTERNAL_EXECUTION_DOMAIN: request.id.domain,
    FLYTE_INTERNAL_EXECUTION_WORKFLOW: exec.request.closure.primary?.template?.id?.name ?? '',
    FLYTE_INTERNAL_TASK_PROJECT: task.id?.project ?? '',
    FLYTE_INTERNAL_TASK_DOMAIN: task.id?.domain ?? '',
    FLYTE_INTERNAL_TASK_NAME: task.id?.name ?? '',
    FLYTE_INTERNAL_TASK_VERSION: task.id?.version ?? '',
    FLYTE_ATTEMPT_NUMBER: String(ctx.attempt),
    ...(ctx.kind === 'item' ? { [ARRAY_INDEX_ENV.varName]: ARRAY_INDEX_ENV.index, [ARRAY_INDEX_ENV.index]: String(ctx.node.id ?? '0') } : {}),
    // Eager tasks link their child executions to this node and bound how many run at once.
    TFLYTE_NODE_ID: ctx.uniqueId,
    ...(task.metadata?.isEager ? { TFLYTE_EAGER_CONCURRENCY: String(config.eagerConcurrency) } : {}),
    ...(eager ? { TFLYTE_ADMIN_URL: config.adminUrl } : {}),
    ...(token ? { TFLYTE_ADMIN_TOKEN: token } : {}),
    // flytekit's FlyteRemote sends the token when the task socket asks for it (its proxy authenticator).
    ...(token && sdkOf(task)?.flavor === 'python' ? { FLYTE_CREDENTIALS_PROXY_COMMAND: FLYTEKIT_TOKEN_COMMAND } : {}),
    ...request.envs,
  };
  for (const kv of container.env ?? []) if (kv.key && !kv.key.startsWith('TFLYTE_ADMIN_')) env[kv.key] = kv.value ?? '';
  const spec: LaunchSpec = {
    key,
    labels: {
      [LABELS.execution]: request.id.name,
      [LABELS.node]: ctx.uniqueId,
      [LABELS.attempt]: String(ctx.attempt),
      [LABELS.project]: request.id.project,
      [LABELS.domain]: request.id.domain,
    },
    image,
    command: cmd,
    env,
    resources: { ...config.taskResourceDefaults, ...containerResources(container.resources) },
    mounts,
    logPath: path.join(config.logDir, `${key}.log`),
    ...(entrypoint ? { entrypoint } : {}),
    ...(eager ? { adminUrl: config.adminUrl } : {}),
    ...(sdkOf(task) ? { sdk: sdkOf(task) } : {}),
    ...(reusePolicy && access
      ? {
          reuse: {
            ...reusePolicy,
            group: `${request.id.project}/${request.id.domain}`,
            attemptEnv: Object.keys(env).filter((k) => isAttemptVariable(k, request.envs)),
            access,
          },
        }
      : {}),
  };
  return spec;
}

/**
 * Variables of one attempt rather than of the container (a warm container is shared by attempts,
 * of any execution): Flyte's `FLYTE_INTERNAL_*`, the attempt number, map item index, this
 * sandbox's node id and admin credential, and the execution's own `envs`.
 */
function isAttemptVariable(name: string, executionEnvs: Record<string, string> | undefined): boolean {
  return (
    name.startsWith('FLYTE_INTERNAL_') ||
    name === 'FLYTE_ATTEMPT_NUMBER' ||
    name === ARRAY_INDEX_ENV.varName ||
    name === ARRAY_INDEX_ENV.index ||
    name === 'TFLYTE_NODE_ID' ||
    name === 'TFLYTE_ADMIN_TOKEN' ||
    name === 'FLYTE_CREDENTIALS_PROXY_COMMAND' ||
    Object.hasOwn(executionEnvs ?? {}, name)
  );
}

/**
 * The command flytekit runs for a proxy token (`FLYTE_CREDENTIALS_PROXY_COMMAND`, comma-separated):
 * prints the attempt's task credential.
 */
const FLYTEKIT_TOKEN_COMMAND = "python3,-c,import os; print(os.environ['TFLYTE_ADMIN_TOKEN'])";

/** The SDK that wrote a task that is not ours (`metadata.runtime`), e.g. flytekit's `python`. */
function sdkOf(task: flyteidl.core.ITaskTemplate): { flavor: string; version: string } | undefined {
  const rt = task.metadata?.runtime;
  if (runsSandboxRuntime(task) || !rt?.flavor) return undefined;
  return { flavor: rt.flavor, version: rt.version ?? '' };
}

function logsOf(st: TaskAttemptState | undefined): flyteidl.core.ITaskLog[] {
  return st?.logUri ? [{ uri: st.logUri, name: 'stdout/stderr' }] : [];
}

function isLauncherError(e: unknown): e is { code: string; kind?: string; retryable?: boolean; message: string } {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('SBX_LAUNCHER_');
}

/** The task node handler. */
export function createTaskHandler(): TaskNodeHandler {
  const event = (ctx: NodeContext, task: flyteidl.core.ITaskTemplate, phase: TaskPhase, extra: Partial<Parameters<typeof taskEvent>[0]> = {}) =>
    taskEvent({
      executionId: ctx.exec.executionId,
      producerId: ctx.exec.config.producerId,
      uniqueId: ctx.uniqueId,
      taskId: task.id ?? {},
      taskType: task.type ?? '',
      attempt: ctx.attempt,
      phase,
      phaseVersion: 0,
      now: ctx.exec.eventTime(),
      inputUri: ctx.inputsUri,
      ...extra,
    });

  /**
   * Waits (the node stays QUEUED, no retry spent) for something that should come back — the engine,
   * disk space — within `engineWaitTimeoutMs`: schedules the next look in `everyMs` and returns
   * undefined, or, once the bound has passed, returns how long it waited.
   */
  function waitWithinBound(ctx: NodeContext, waitKey: string, everyMs: number, wakeId = waitKey): number | undefined {
    const { exec } = ctx;
    const waited = exec.now - exec.waitingSince(waitKey);
    if (waited >= exec.config.engineWaitTimeoutMs) return waited;
    exec.wakeAt(wakeId, exec.now + Math.min(everyMs, exec.config.engineWaitTimeoutMs));
    return undefined;
  }

  async function launch(ctx: NodeContext, task: flyteidl.core.ITaskTemplate, uris: AttemptUris, patch: StatusPatch, info: EventInfo): Promise<HandlerResult> {
    const { exec } = ctx;
    if (!task.container) {
      return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.RUNTIME, `task ${task.id?.name} has no container target`), { patch, info });
    }
    const key = attemptKey(exec.request.id.name, ctx.uniqueId, ctx.attempt);
    const full = exec.deps.storageFull?.();
    if (full !== undefined) {
      // No room for its inputs and outputs: wait for space (within the bound) rather than launch
      // a task bound to fail, and spend no retry on it.
      const waited = waitWithinBound(ctx, `disk:${key}`, 2_000);
      if (waited === undefined) return Transition.queued({ patch, info });
      const err = executionError('SYSTEM', EXECUTION_ERROR_CODES.DISK_FULL, `waited ${Math.round(waited / 1000)} s for disk space (engineWaitSeconds): ${full}`);
      return Transition.failure(err, { patch, info });
    }
    if (isRawContainer(task) && !exec.deps.data.localPath) {
      const err = executionError(
        'USER',
        EXECUTION_ERROR_CODES.LAUNCH_FAILED,
        `raw-container tasks (Flyte's copilot) need the sandbox's local blob store; this engine keeps its data in ${exec.deps.data.rootUri} (an object store, or a local run's memory): run it in a sandbox with the default storage (a local run: tflyte-sandbox run --remote), or make the task a regular one`,
      );
      return Transition.failure(err, { patch, info, taskEvents: [event(ctx, task, 'FAILED', { error: err })] });
    }
    if (!task.metadata?.isEager && !exec.taskSlots.tryAcquire(key, exec.wakeSoon)) {
      // The machine is full: stay QUEUED until a running task ends (a fallback look now and then).
      exec.wakeAt(`slot:${key}`, exec.now + 5_000);
      return Transition.queued({ patch, info });
    }
    let spec: LaunchSpec;
    try {
      spec = await buildLaunchSpec(ctx, task, uris, key);
      await exec.deps.launcher.launch(spec);
    } catch (e) {
      exec.taskSlots.release(key);
      if (!isLauncherError(e)) throw e;
      if (e.code === 'SBX_LAUNCHER_ENGINE_UNAVAILABLE') {
        // No engine to launch with: wait for it (within the bound) instead of spending retries.
        if (waitWithinBound(ctx, key, 5_000, `engine:${key}`) === undefined) return Transition.queued({ patch, info });
      }
      const err = executionError(e.kind === 'USER' ? 'USER' : 'SYSTEM', EXECUTION_ERROR_CODES.LAUNCH_FAILED, `${e.code}: ${e.message}`);
      const evs = [event(ctx, task, 'FAILED', { error: err })];
      return e.retryable ? Transition.retryableFailure(err, { patch, info, taskEvents: evs }) : Transition.failure(err, { patch, info, taskEvents: evs });
    }
    exec.deps.faultPoints?.hit('after-launch-before-persist');
    exec.watchAttempt(key);
    const logUri = `file://${spec.logPath}`;
    const attemptState: TaskAttemptState = { attempt: ctx.attempt, key, launchedAt: exec.now, phase: 'RUNNING', phaseVersion: 0, logUri };
    const logs = logsOf(attemptState);
    return Transition.running({
      patch: { ...patch, task: attemptState },
      info,
      taskEvents: [
        event(ctx, task, 'QUEUED', { logs, generatedName: key }),
        event(ctx, task, 'RUNNING', { logs, generatedName: key }),
      ],
    });
  }

  /** Turns an attempt's exit and documents into the node's next state. */
  async function outcome(ctx: NodeContext, task: flyteidl.core.ITaskTemplate, st: TaskAttemptState, exit: ObservedExit, uris: AttemptUris): Promise<AttemptResult> {
    const data = ctx.exec.deps.data;
    const logs = logsOf(st);
    // A reusable container's name goes with the attempt's end (console and CLI show it).
    const ranIn = exit.state === 'EXITED' && exit.ranIn ? { ranIn: exit.ranIn, generatedName: st.key } : {};
    const fail = (retryable: boolean, err: flyteidl.core.IExecutionError, patch: StatusPatch = {}): HandlerResult => {
      const c = { taskEvents: [event(ctx, task, 'FAILED', { error: err, logs, ...ranIn })], patch: { ...patch, task: { ...st, phase: 'FAILED' } } };
      return retryable ? Transition.retryableFailure(err, c) : Transition.failure(err, c);
    };
    // The three documents an attempt may leave: regular files of its own directory, never links.
    const limit = ctx.exec.config.maxTaskOutputBytes;
    const docs = await documentStates(data, [uris.futures, uris.error, uris.outputs], uris.dir);
    for (const [i, d] of docs.entries()) {
      const name = ['futures.pb', 'error.pb', 'outputs.pb'][i];
      if (d.kind === 'unsafe') return fail(false, executionError('USER', EXECUTION_ERROR_CODES.UNSAFE_OUTPUT, `the task's ${name} was not read: ${d.why}`));
      if (d.kind === 'file' && d.size > limit) {
        return fail(false, executionError('USER', EXECUTION_ERROR_CODES.UNSAFE_OUTPUT, `the task's ${name} is ${d.size} bytes, more than the limit of ${limit} (maxTaskOutputBytes in config.yaml)`));
      }
    }
    const [hasFutures, hasError, hasOutputsDoc] = docs.map((d) => d.kind === 'file') as [boolean, boolean, boolean];
    if (hasFutures) {
      return {
        phase: 'FUTURES',
        futuresUri: uris.futures,
        task,
        patch: { task: { ...st, phase: 'SUCCEEDED' } },
        taskEvents: [event(ctx, task, 'SUCCEEDED', { logs, ...ranIn })],
      };
    }
    if (hasError) {
      const doc = await readProto<flyteidl.core.IErrorDocument>(data, uris.error, 'flyteidl.core.ErrorDocument');
      const ce = doc.error ?? {};
      const kind = ce.origin === ErrorKindNum.SYSTEM ? 'SYSTEM' : ce.origin === ErrorKindNum.USER ? 'USER' : 'UNKNOWN';
      return fail(ce.kind === 1, executionError(kind, ce.code || 'UnknownError', ce.message ?? '', { errorUri: uris.error }));
    }
    if (exit.state === 'EXITED' && exit.startFailed !== undefined) {
      // The engine never ran the task (create/start refused, the engine went away meanwhile):
      // the sandbox's failure, retried within the system budget, not the task's retries.
      return fail(true, executionError('SYSTEM', EXECUTION_ERROR_CODES.LAUNCH_FAILED, `the container engine could not start the task: ${exit.startFailed}`));
    }
    if (exit.state === 'EXITED' && exit.containerLost !== undefined) {
      // The warm container died under the attempt: the sandbox's failure, retried in the system budget.
      return fail(true, executionError('SYSTEM', EXECUTION_ERROR_CODES.CONTAINER_LOST, `${exit.containerLost}; see ${st.logUri}`));
    }
    if (exit.state === 'EXITED' && exit.exitCode !== 0) {
      if (exit.oomKilled) {
        const limit = containerResources(task.container?.resources).memoryBytes;
        return fail(true, executionError('USER', EXECUTION_ERROR_CODES.OOM_KILLED, `container was killed because it ran out of memory (limit ${limit !== undefined ? formatBytes(limit) : 'unknown'})`));
      }
      if (exit.storageFull !== undefined) {
        // It could not write (its outputs, its error document): the sandbox's disk, not the task.
        return fail(true, executionError('SYSTEM', EXECUTION_ERROR_CODES.DISK_FULL, `container exited with code ${exit.exitCode} while ${exit.storageFull}; see ${st.logUri}`));
      }
      const kind = exit.signal === 'SIGKILL' ? 'SYSTEM' : 'USER';
      return fail(true, executionError(kind, EXECUTION_ERROR_CODES.NON_ZERO_EXIT, `container exited with code ${exit.exitCode}${exit.signal ? ` (${exit.signal})` : ''}; see ${st.logUri}`));
    }
    if (exit.state === 'NOT_FOUND' && !hasOutputsDoc) {
      return fail(true, executionError('SYSTEM', EXECUTION_ERROR_CODES.ATTEMPT_LOST, `attempt ${st.key} is gone and left no outputs${exit.reason ? `: ${exit.reason}` : ''}`));
    }
    const declared = Object.keys(task.interface?.outputs?.variables ?? {}).length > 0;
    let outputsUri: string | undefined = hasOutputsDoc ? uris.outputs : undefined;
    if (isRawContainer(task) && !hasOutputsDoc) {
      const dirs = copilotDirs(ctx, uris);
      const rawPrefix = data.join(uris.dir, '_copilot', 'raw');
      const r = await readCopilotOutputs(data, task.interface?.outputs, dirs.outputs, rawPrefix, limit);
      if (!r.ok) {
        if ('userError' in r) return fail(false, executionError('USER', EXECUTION_ERROR_CODES.RAW_CONTAINER, r.userError));
        return fail(true, executionError('USER', EXECUTION_ERROR_CODES.OUTPUTS_NOT_FOUND, r.missing));
      }
      await writeProto(data, uris.outputs, 'flyteidl.core.LiteralMap', r.outputs);
      outputsUri = uris.outputs;
    } else if (declared && !hasOutputsDoc) {
      return fail(true, executionError('USER', EXECUTION_ERROR_CODES.OUTPUTS_NOT_FOUND, `outputs not generated by task: no ${uris.outputs}`));
    } else if (outputsUri) {
      // Files and directories an output names: in the attempt's own areas or given to it as input.
      const request = ctx.exec.request;
      const rawPrefix = attemptRawPrefix(data, request.rawOutputPrefix, { execution: request.id.name, nodeId: ctx.uniqueId, attempt: ctx.attempt });
      const roots = [uris.dir, rawPrefix, ...literalMapUris(await ctx.exec.readLiteralMap(ctx.inputsUri))];
      let outputs: flyteidl.core.ILiteralMap;
      try {
        outputs = await ctx.exec.readLiteralMap(outputsUri);
      } catch (e) {
        return fail(false, executionError('USER', EXECUTION_ERROR_CODES.UNSAFE_OUTPUT, `the task's outputs.pb could not be read: ${(e as Error).message}`));
      }
      for (const [name, lit] of Object.entries(outputs.literals ?? {})) {
        for (const u of literalUris(lit)) {
          if (!(await confinedTo(data, u, roots))) {
            return fail(false, executionError('USER', EXECUTION_ERROR_CODES.UNSAFE_OUTPUT, `output ${name} names ${u}, which is not data of this attempt (its outputs or its inputs): a task may return only files it wrote or was given`));
          }
        }
      }
    }
    const patch: StatusPatch = { task: { ...st, phase: 'SUCCEEDED' } };
    const info: EventInfo = {};
    if (task.metadata?.discoverable && ctx.status.cacheStatus !== CacheStatusNum.HIT) {
      const key = catalogKeyFor(task, await ctx.exec.readLiteralMap(ctx.inputsUri));
      info.catalogKey = catalogMetadata(key);
      try {
        const outputs = outputsUri ? await ctx.exec.readLiteralMap(outputsUri) : { literals: {} };
        await ctx.exec.deps.catalog.put(key, outputs);
        patch.cacheStatus = CacheStatusNum.POPULATED;
      } catch (e) {
        ctx.exec.deps.logger.warn('cache put failed', { node: ctx.uniqueId, error: (e as Error).message });
        patch.cacheStatus = CacheStatusNum.PUT_FAILURE;
      }
    }
    return Transition.success(outputsUri, {
      patch,
      info,
      taskEvents: [event(ctx, task, 'SUCCEEDED', { ...(outputsUri ? { outputUri: outputsUri } : {}), logs, ...ranIn })],
    });
  }

  const handler: TaskNodeHandler = {
    countsForParallelism: true,

    async handle(ctx) {
      const r = await handler.handleAttempt(ctx);
      if (r.phase !== 'FUTURES') return r;
      // Only the dynamic wrapper (task nodes) runs generated workflows; a map item cannot.
      return Transition.failure(
        executionError(
          'USER',
          EXECUTION_ERROR_CODES.DYNAMIC_UNSUPPORTED,
          `task ${r.task.id?.name} returned a dynamic workflow (futures.pb) where only a plain task can run (e.g. as a map item); map a regular task, or call the dynamic task directly`,
        ),
        { ...(r.patch ? { patch: r.patch } : {}), ...(r.taskEvents ? { taskEvents: r.taskEvents } : {}) },
      );
    },

    async handleAttempt(ctx) {
      const { exec } = ctx;
      const task = taskOf(ctx);
      const uris = attemptUris(exec.deps.data, ctx.dataDir, ctx.attempt);
      const current = ctx.status.task?.attempt === ctx.attempt ? ctx.status.task : undefined;

      if (!current) {
        const patch: StatusPatch = {};
        const info: EventInfo = {};
        if (task.metadata?.discoverable && ctx.attempt === 0) {
          let key: CatalogKey | undefined;
          try {
            key = catalogKeyFor(task, await exec.readLiteralMap(ctx.inputsUri));
            info.catalogKey = catalogMetadata(key);
            const hit = await exec.deps.catalog.get(key);
            if (hit) {
              await writeProto(exec.deps.data, uris.outputs, 'flyteidl.core.LiteralMap', hit);
              return Transition.success(uris.outputs, { patch: { cacheStatus: CacheStatusNum.HIT }, info });
            }
            patch.cacheStatus = CacheStatusNum.MISS;
          } catch (e) {
            exec.deps.logger.warn('cache lookup failed', { node: ctx.uniqueId, error: (e as Error).message });
            patch.cacheStatus = CacheStatusNum.LOOKUP_FAILURE;
          }
          if (key && task.metadata.cacheSerializable) {
            const k = catalogKeyString(key);
            const owner = `${executionKey(exec.executionId)}#${ctx.uniqueId}`;
            if (!exec.reservations.tryAcquire(k, owner)) {
              exec.reservations.onRelease(k, exec.wakeSoon);
              return Transition.queued({ patch, info });
            }
            patch.reservationKey = k;
          }
        }
        return launch(ctx, task, uris, patch, info);
      }

      const exit = exec.exitOf(current.key);
      if (!exit) {
        exec.watchAttempt(current.key);
        return Transition.running();
      }
      const result = await outcome(ctx, task, current, exit, uris);
      const launcher = exec.deps.launcher;
      const faults = exec.deps.faultPoints;
      exec.afterPersist(async () => {
        faults?.hit('after-outcome-before-cleanup');
        await launcher.cleanup(current.key);
      });
      return result;
    },

    async abort(ctx, reason): Promise<AbortResult> {
      const current = ctx.status.task?.attempt === ctx.attempt ? ctx.status.task : undefined;
      if (!current || current.phase !== 'RUNNING') return {};
      const { launcher, logger } = ctx.exec.deps;
      try {
        await launcher.abort(current.key);
      } catch (e) {
        logger.warn('abort of attempt failed', { key: current.key, error: (e as Error).message });
      }
      ctx.exec.afterPersist(() => launcher.cleanup(current.key));
      const task = taskOf(ctx);
      return { taskEvents: [event(ctx, task, 'ABORTED', { logs: logsOf(current), reason })] };
    },
  };
  return handler;
}
