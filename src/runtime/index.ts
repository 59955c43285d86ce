/**
 * runtime: what runs inside a task's container — the `execute` entrypoint and the runners of
 * task kinds (dynamic, eager).
 */
import { registerKindRunner } from './execute.ts';
import { runDynamic } from './dynamic-runner.ts';

registerKindRunner('dynamic', runDynamic);

export { execute, registerKindRunner, toContainerError, uriToPath, type ExecuteArgs, type ExecuteResult, type KindRunner, type RuntimeContext, type TaskOutcome } from './execute.ts';
export { runDynamic, settingsFromEnv } from './dynamic-runner.ts';
