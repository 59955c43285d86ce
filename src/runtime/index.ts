/**
 * runtime: what runs inside a task's container — the `execute` entrypoint and the runners of
 * task kinds (dynamic, eager).
 */
import { registerKindRunner } from './execute.ts';
import { runDynamic } from './dynamic-runner.ts';
import { runEager } from './eager-runner.ts';

registerKindRunner('dynamic', runDynamic);
registerKindRunner('eager', runEager);

export { execute, registerKindRunner, toContainerError, type ExecuteArgs, type ExecuteResult, type KindRunner, type RuntimeContext, type TaskOutcome } from './execute.ts';
export { uriToPath } from './blobs.ts';
export { runWorker, parseExecuteArgs } from './worker.ts';
export { runDynamic, settingsFromEnv } from './dynamic-runner.ts';
export { runEager, eagerSettingsFromEnv, DEFAULT_EAGER_CONCURRENCY } from './eager-runner.ts';
export { EagerController, EAGER_ERROR_CODES, EAGER_ROOT_ENV, type ChildRecord, type EagerSettings } from './eager-controller.ts';
export { childName, inputsDigest, parseExecutionError, retryName } from './eager-names.ts';
export { EAGER_LABELS } from '../core/vocabulary.ts';
