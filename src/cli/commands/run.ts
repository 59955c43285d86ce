/**
 * `tflyte-sandbox run [--remote] [--wait] [--json] FILE ENTITY [--input value]...` — like
 * `pyflyte run`: in-process by default, in the sandbox with `--remote`.
 */
import { literalMapToJs } from '../../core/index.ts';
import { entityName, findEntity, launchableInputs, launchTargetOf, loadUserModule, LOCAL_SETTINGS, type EntityDef, type LoadedModule, type SerializationSettings } from '../../sdk/internal.ts';
import { startLocalEngine } from '../local-engine.ts';
import { launchable, planCalled, planOnDemandFrom } from '../registration-plan.ts';
import { assertRequiredInputs, describeInputs, inputsForApi, isOptionalInput, parseEntityInputs } from '../entity-inputs.ts';
import { setupSdk } from '../sdk-setup.ts';
import { CommandError, UsageError } from '../usage-error.ts';

/** Options of `run` after commander parsed them. */
export interface RunOptions {
  remote?: boolean;
  wait?: boolean;
  json?: boolean;
  project?: string;
  domain?: string;
  name?: string;
  dataDir?: string;
  /** run's own options given on the command line (`name`, `project`, …): inputs of those names must come after `--`. */
  given?: string[];
}

/**
 * Loads the file, finds the entity and parses its inputs; `--help` after the entity lists them.
 * `given` names run's own options on the command line: one that is also an input's name went to
 * run, so that input, if missing, is explained (give it after `--`).
 */
export async function prepareRun(file: string, entity: string, words: string[], given: string[] = []) {
  setupSdk();
  const loaded = await loadUserModule(file);
  const def = findEntity(loaded, entity);
  const { vars, defaults } = launchableInputs(def);
  if (words.includes('--help') || words.includes('-h')) {
    return { loaded, def, help: `Usage: tflyte-sandbox run [--remote] ${file} ${entity} [inputs]\n\n${entityName(def)} (${def.kind})\nInputs:\n${describeInputs(vars, defaults)}` };
  }
  const inputs = parseEntityInputs(entityName(def), vars, defaults, words);
  const taken = given.filter((o) => vars.has(o) && !(o in inputs));
  if (taken.length > 0) {
    const flags = taken.map((o) => `--${o}`).join(', ');
    const hint = `${flags} went to run itself (its own option${taken.length > 1 ? 's' : ''}), not to the input of ${entityName(def)} with that name: give the entity's inputs after \`--\`, e.g. tflyte-sandbox run ${file} ${entity} -- ${taken.map((o) => `--${o} VALUE`).join(' ')}`;
    if (taken.some((o) => !(o in defaults) && !isOptionalInput(vars.get(o)))) throw new UsageError(hint);
    console.error(`note: ${hint} (the input keeps its default)`);
  }
  assertRequiredInputs(entityName(def), vars, defaults, inputs);
  return { loaded, def, inputs };
}

/** Runs in-process and prints outputs (or the JSON object of `--json`). */
export async function runLocal(file: string, entity: string, words: string[], opts: RunOptions): Promise<void> {
  const prepared = await prepareRun(file, entity, words, opts.given);
  if ('help' in prepared && prepared.help) {
    console.log(prepared.help);
    return;
  }
  const { loaded, def, inputs } = prepared as { loaded: LoadedModule; def: EntityDef; inputs: Record<string, unknown> };
  // What the sandbox would register for this entity, without a code bundle (tasks run from these
  // files): the entity and what it calls, as `pyflyte run` registers its target; an entity of the
  // files that only an eager body or a dynamic workflow calls is registered when first launched.
  const settings: SerializationSettings = { ...LOCAL_SETTINGS, project: opts.project ?? 'flytesnacks', domain: opts.domain ?? 'development' };
  const target = launchable(def);
  const entities = planCalled(target, settings);
  const planOnDemand = planOnDemandFrom((name) => loaded.allEntities.get(name), settings);
  const engine = await startLocalEngine({ codeRoot: loaded.root, planOnDemand });
  try {
    engine.register(entities);
    const literals = await inputsForApi((abs) => engine.upload(abs), def, inputs);
    const outcome = await engine.run(launchTargetOf(target, settings), literals);
    const js = outcome.outputs ? literalMapToJs(outcome.outputs) : {};
    const error = outcome.error;
    if (opts.json) {
      console.log(
        JSON.stringify({
          execution: outcome.execution,
          phase: outcome.phase,
          outputs: js,
          ...(error ? { error: { code: error.code, kind: error.kind, message: error.message } } : {}),
        }),
      );
    } else if (outcome.phase === 'SUCCEEDED') {
      console.log(`${entityName(def)} succeeded (local run)`);
      for (const [k, v] of Object.entries(js)) console.log(`  ${k}: ${JSON.stringify(v)}`);
    }
    if (outcome.phase !== 'SUCCEEDED') throw new CommandError(opts.json ? '' : `${entityName(def)} ${outcome.phase}${error ? `: ${error.message}` : ''}`, 1);
  } finally {
    await engine.close();
  }
}
