/**
 * `currentContext()`: what a running task knows about itself, like flytekit's
 * `current_context()` — its execution, node, task, attempt number, a working directory of its own
 * and a logger. The runtime (a container, a process, or an in-process local run) builds it from
 * the attempt's environment and runs the task inside it; local and sandbox runs give the same.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A line logger of the task: lines go to the task's log (stderr) with their level. */
export interface TaskLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a running task knows about itself. */
export interface TaskContext {
  /** The execution this attempt belongs to (`FLYTE_INTERNAL_EXECUTION_*`). */
  readonly execution: { readonly project: string; readonly domain: string; readonly name: string };
  /** The node's unique id in the execution (`n0`, `n2-0-dn1`, `f…` when Flyte shortens it). */
  readonly nodeId: string;
  /** The task's registered name (`FLYTE_INTERNAL_TASK_NAME`). */
  readonly taskName: string;
  /** 0 for the first attempt, 1 for the first retry… (`FLYTE_ATTEMPT_NUMBER`). */
  readonly attemptNumber: number;
  /** A directory of this attempt's own for scratch files (created on first use). */
  readonly workingDirectory: string;
  readonly logger: TaskLogger;
}

/** Shared by every copy of the SDK in the process (see `context.ts`). */
const KEY = Symbol.for('tflyte.sdk.taskContexts');
const contexts: AsyncLocalStorage<TaskContext> = ((globalThis as Record<symbol, unknown>)[KEY] as AsyncLocalStorage<TaskContext> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[KEY] = new AsyncLocalStorage<TaskContext>());

/**
 * The context of the task running now. Throws outside a running task (at module load, in a
 * workflow body — which runs at registration, not as a task).
 */
export function currentContext(): TaskContext {
  const ctx = contexts.getStore();
  if (!ctx) throw new Error('currentContext() is only available while a task runs (not at load time or in a workflow body)');
  return ctx;
}

/** @internal Builds a task context from an attempt's environment (the variables propeller sets). */
export function taskContextFromEnv(env: Readonly<Record<string, string | undefined>>): TaskContext {
  const execution = { project: env.FLYTE_INTERNAL_EXECUTION_PROJECT ?? '', domain: env.FLYTE_INTERNAL_EXECUTION_DOMAIN ?? '', name: env.FLYTE_INTERNAL_EXECUTION_ID ?? '' };
  const nodeId = env.TFLYTE_NODE_ID ?? '';
  const attemptNumber = Number(env.FLYTE_ATTEMPT_NUMBER ?? 0) || 0;
  const taskName = env.FLYTE_INTERNAL_TASK_NAME ?? '';
  let dir: string | undefined;
  const line = (level: string, message: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${level} [${taskName || 'task'}] ${message}\n`);
  };
  return {
    execution,
    nodeId,
    taskName,
    attemptNumber,
    get workingDirectory(): string {
      if (!dir) {
        const safe = `${execution.name}-${nodeId}-${attemptNumber}`.replace(/[^\w.-]+/g, '_');
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `tflyte-task-${safe}-`));
      }
      return dir;
    },
    logger: {
      debug: (m) => line('DEBUG', m),
      info: (m) => line('INFO', m),
      warn: (m) => line('WARN', m),
      error: (m) => line('ERROR', m),
    },
  };
}

/** @internal Runs a task's code inside its context. */
export function runInTaskContext<T>(ctx: TaskContext, fn: () => T): T {
  return contexts.run(ctx, fn);
}
