/**
 * runtime: what runs inside a task's container — the `execute` entrypoint and the runners of
 * task kinds (dynamic, eager).
 */
export { execute, registerKindRunner, toContainerError, uriToPath, type ExecuteArgs, type ExecuteResult, type KindRunner, type RuntimeContext, type TaskOutcome } from './execute.ts';
