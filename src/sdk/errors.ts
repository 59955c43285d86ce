/** The errors the SDK's users throw and catch around task calls. */

/** Thrown by a task to fail without using its retries. */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/**
 * A task failed (after its retries) in an entity called directly (`await my_wf({...})`); carries
 * the task's name, how many attempts ran and, as `cause`, the error the last attempt threw.
 */
export class TaskFailedError extends Error {
  readonly code = 'SBX_TASK_FAILED';
  readonly task: string;
  readonly attempts: number;
  constructor(task: string, attempts: number, cause: unknown) {
    const original = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    // No attempt at all: the task could not run here (a container task in a local run).
    super(attempts === 0 ? `task ${task} did not run: ${cause instanceof Error ? cause.message : String(cause)}` : `task ${task} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${original}`, { cause });
    this.name = 'TaskFailedError';
    this.task = task;
    this.attempts = attempts;
  }
}
