/**
 * tflyte — the authoring SDK users import: tasks, workflows and launch plans written in
 * TypeScript, compiled to Flyte's IDL, run locally in-process or in the sandbox.
 */
export { t, type TypeDescriptor, type ValueOf } from '../core/types.ts';
export { task, workflow, launchPlan, type WorkflowOptions, type LaunchPlanOptions } from './api.ts';
export { dynamic } from './dynamic.ts';
export { conditional, fail, type ConditionalBuilder } from './conditional.ts';
export { map, type MapOptions } from './map.ts';
export { eager, EagerException } from './eager.ts';
export { containerTask, type ContainerTaskOptions } from './container-task.ts';
export type { TaskOptions, TaskEntity, WorkflowEntity, LaunchPlanEntity, Promised, CallResult } from './entities.ts';
export { NonRetryableError, TaskFailedError } from './errors.ts';
export { PromiseReadError, NodeOutput, Condition } from './promise.ts';
export { CompileError } from '../core/errors.ts';
export { currentContext, type TaskContext, type TaskLogger } from './task-context.ts';
