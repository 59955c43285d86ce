/**
 * Runs an eager task inside its container: the body runs with the sandbox's execution context
 * ({@link EagerController}), so each awaited call becomes a child execution of this task's
 * execution, and the value the body returns becomes the task's outputs. An uncaught
 * `EagerException` fails the task with its message (it names the child execution and the
 * original error).
 */
import fs from 'node:fs';
import { AdminClient } from '../admin/client.ts';
import { createError } from '../core/errors.ts';
import { runEagerBody } from '../sdk/eager.ts';
import { entityName, type TaskDef } from '../sdk/internal.ts';
import { EAGER_ERROR_CODES, EAGER_ROOT_ENV, EagerController, type EagerAdmin, type EagerSettings } from './eager-controller.ts';
import type { RuntimeContext, TaskOutcome } from './execute.ts';

/** Default number of child executions an eager task runs at once. */
export const DEFAULT_EAGER_CONCURRENCY = 10;

function positiveInt(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * Reads the attempt's environment (set by propeller and the launcher): the execution and node
 * of this task, the admin API and where called entities are registered.
 */
export function eagerSettingsFromEnv(env: NodeJS.ProcessEnv, rawOutputPrefix: string, taskName: string): EagerSettings & { adminUrl: string; adminSocket?: string; token?: string } {
  const adminUrl = env.TFLYTE_ADMIN_URL;
  const execution = env.FLYTE_INTERNAL_EXECUTION_ID;
  if (!adminUrl || !execution) {
    throw createError(
      'VALIDATION',
      EAGER_ERROR_CODES.NO_ADMIN,
      `eager task ${taskName} can run only in a sandbox, which gives it the admin API (TFLYTE_ADMIN_URL) and its execution (FLYTE_INTERNAL_EXECUTION_ID): ` +
        'start it with `tflyte-sandbox run --remote`, or run it in-process without --remote',
      { kind: 'USER', retryable: false },
    );
  }
  const project = env.FLYTE_INTERNAL_EXECUTION_PROJECT || 'flytesnacks';
  const domain = env.FLYTE_INTERNAL_EXECUTION_DOMAIN || 'development';
  return {
    adminUrl,
    ...(env.TFLYTE_ADMIN_SOCKET ? { adminSocket: env.TFLYTE_ADMIN_SOCKET } : {}),
    ...(env.TFLYTE_ADMIN_TOKEN ? { token: env.TFLYTE_ADMIN_TOKEN } : {}),
    project,
    domain,
    execution,
    nodeId: env.TFLYTE_NODE_ID ?? '',
    attempt: Number(env.FLYTE_ATTEMPT_NUMBER ?? 0) || 0,
    entityProject: env.FLYTE_INTERNAL_TASK_PROJECT || project,
    entityDomain: env.FLYTE_INTERNAL_TASK_DOMAIN || domain,
    version: env.FLYTE_INTERNAL_TASK_VERSION ?? '',
    concurrency: positiveInt(env.TFLYTE_EAGER_CONCURRENCY, DEFAULT_EAGER_CONCURRENCY),
    root: env[EAGER_ROOT_ENV] || execution,
    rawOutputPrefix,
  };
}

/** The `eager` kind runner (registered in `index.ts`). */
export async function runEager(def: TaskDef, inputs: Record<string, unknown>, ctx: RuntimeContext): Promise<TaskOutcome> {
  const settings = { ...eagerSettingsFromEnv(ctx.env, ctx.args.rawOutputDataPrefix, entityName(def)), inProcess: ctx.args.module === undefined && ctx.args.bundle === undefined };
  const client: EagerAdmin = ctx.eagerAdmin
    ? ctx.eagerAdmin(settings.token)
    : new AdminClient(settings.adminUrl, {
        ...(settings.adminSocket ? { socketPath: settings.adminSocket } : {}),
        ...(settings.token ? { token: settings.token } : {}),
      });
  // In a container, stderr is the attempt's log; a task run in-process (a local run) names the
  // attempt's log file instead, so the terminal shows only what the task itself prints.
  const logFile = ctx.env.TFLYTE_ATTEMPT_LOG;
  const log = (line: string): void => {
    const text = `[eager ${settings.execution}] ${line}\n`;
    if (logFile) fs.appendFileSync(logFile, text);
    else process.stderr.write(text);
  };
  const controller = new EagerController(client, settings, log, ctx.blobs);
  log(`attempt ${settings.attempt}: up to ${settings.concurrency} child executions at once`);
  let value: unknown;
  try {
    value = await runEagerBody(def, inputs, controller);
  } finally {
    // Calls the body never awaited must not keep this process (and the task) alive.
    controller.close();
  }
  return { kind: 'outputs', outputs: await ctx.outputsToLiterals(def, value) };
}
