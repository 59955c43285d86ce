/**
 * What the CLI and the runtime use from the SDK beyond the user API: loading user code,
 * serialization to Flyte's registration payloads, and the hooks direct calls run through. @internal
 */
export { installSdkResolution, loadUserModule, findEntity, findProjectRoot, moduleName, type LoadedModule } from './loader.ts';
export { packageClosure, type NpmPackage } from './npm-packages.ts';
export { UserCodeError, isUserCodeError } from './load-error.ts';
export {
  serializeWorkflow,
  collectRefs,
  taskTemplate,
  workflowTemplate,
  launchPlanSpec,
  launchPlanTemplate,
  identifierOf,
  launchTargetOf,
  DEFAULT_IMAGE,
  SDK_VERSION,
  LOCAL_SETTINGS,
  type SerializationSettings,
  type SerializedWorkflow,
} from './serialize.ts';
export { inputsToLiterals, literalsToValues, callInputs, launchableInputs } from './literal-io.ts';
export { TaskFailedError, NonRetryableError } from './errors.ts';
export { definedEntity } from './entities.ts';
export { setTopLevelRunner } from './context.ts';
export { entityDef, entityName, shortName, ENTITY, type EntityDef, type TaskDef, type WorkflowDef, type LaunchPlanDef } from './entities.ts';
export { packOutputs, unpackOutputs } from './interface.ts';
export { runInContext, currentCallContext, type ExecutionContext } from './context.ts';
export { runInTaskContext, taskContextFromEnv, type TaskContext } from './task-context.ts';
