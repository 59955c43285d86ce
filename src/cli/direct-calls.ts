/**
 * Calling an entity directly from JavaScript (`await my_wf({ a: 1 })` in a script or a unit test)
 * runs it through the sandbox's engine, in this process, exactly as `run` without `--remote` does
 * (`local-engine.ts`): the entity and everything it calls are registered in an engine of their
 * own, the call becomes an execution, and its outputs come back in the declared shape. So retries,
 * timeouts, the cache, maps, branches, dynamic and eager workflows behave as in the sandbox.
 *
 * Failures read as in JavaScript: bad inputs throw a `TypeError` naming the input before anything
 * runs; a task that fails (after its retries) throws a {@link TaskFailedError} whose `cause` is
 * what the task's code threw; any other failure of the execution throws an `Error` with its
 * message.
 */
import process from 'node:process';
import {
  callInputs,
  definedEntity,
  entityName,
  launchTargetOf,
  literalsToValues,
  packOutputs,
  setTopLevelRunner,
  TaskFailedError,
  DEFAULT_IMAGE,
  type EntityDef,
  type SerializationSettings,
} from '../sdk/internal.ts';
import { startLocalEngine, type LocalOutcome } from './local-engine.ts';
import { launchable, planCalled, planOnDemandFrom } from './registration-plan.ts';

/** Where direct calls keep their task cache (default: the local runs' cache, in the user cache dir). */
export interface DirectCallOptions {
  cacheDir?: string;
}

const SETTINGS: SerializationSettings = { project: 'flytesnacks', domain: 'development', version: 'direct', image: DEFAULT_IMAGE };

/**
 * Runs `def` with JS `inputs` through an in-process engine and resolves to its outputs in the
 * declared shape (see the module comment for how failures surface).
 */
export async function runDirect(def: EntityDef, inputs: Record<string, unknown>, options: DirectCallOptions = {}): Promise<unknown> {
  const literals = callInputs(def, inputs);
  const target = launchable(def);
  // Compile errors surface before anything runs.
  const entities = planCalled(target, SETTINGS);
  const engine = await startLocalEngine({ codeRoot: process.cwd(), definition: definedEntity, planOnDemand, ...options });
  let outcome: LocalOutcome;
  try {
    engine.register(entities);
    outcome = await engine.run(launchTargetOf(target, SETTINGS), literals);
  } finally {
    await engine.close();
  }
  if (outcome.phase === 'SUCCEEDED') {
    return packOutputs(def.iface.outputShape, literalsToValues(def.iface.outputs, outcome.outputs ?? {}, 'outputs'));
  }
  throw failureOf(def, outcome);
}

/** What an eager body calls is found among the entities defined in this process. */
const planOnDemand = planOnDemandFrom(definedEntity, SETTINGS);

/** The error a failed direct call throws. */
function failureOf(def: EntityDef, outcome: LocalOutcome): Error {
  const message = outcome.error?.message ?? `the execution ended ${outcome.phase}`;
  const failed = outcome.lastTaskFailure;
  // The execution failed because of this task when its error is the task's own (a map's is not).
  const firstLine = failed?.message.split('\n')[0] ?? '';
  if (failed && firstLine !== '' && message.startsWith(firstLine)) {
    return new TaskFailedError(failed.task, failed.attempts, failed.thrown ?? new Error(failed.message));
  }
  return new Error(`${entityName(def)} ${outcome.phase}: ${message}`);
}

/** Makes direct calls of entities (outside workflows and eager bodies) run through the engine. */
export function installDirectCalls(options: DirectCallOptions = {}): void {
  setTopLevelRunner((def, inputs) => runDirect(def, inputs, options));
}
