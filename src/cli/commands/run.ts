/**
 * `tflyte-sandbox run [--remote] [--wait] [--json] FILE ENTITY [--input value]...` — like
 * `pyflyte run`: in-process by default, in the sandbox with `--remote`.
 */
import { literalMapToJs } from '../../core/index.ts';
import { entityName, findEntity, loadUserModule, runLocallyToLiterals, type EntityDef, type LaunchPlanDef } from '../../sdk/internal.ts';
import { assertRequiredInputs, describeInputs, parseEntityInputs } from '../entity-inputs.ts';
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
}

/** Inputs an entity can be given on the command line, with defaults (fixed inputs excluded). */
export function launchableInputs(def: EntityDef): { vars: EntityDef['iface']['inputs']; defaults: Record<string, unknown> } {
  if (def.kind === 'launchPlan') {
    const lp = def as LaunchPlanDef;
    const wf = lp.workflow[Symbol.for('tflyte.entity') as never] as EntityDef;
    return {
      vars: new Map([...def.iface.inputs].filter(([k]) => !(k in lp.fixed))),
      defaults: { ...wf.defaults, ...lp.defaults },
    };
  }
  return { vars: def.iface.inputs, defaults: def.defaults };
}

/** Loads the file, finds the entity and parses its inputs; `--help` after the entity lists them. */
export async function prepareRun(file: string, entity: string, words: string[]) {
  setupSdk();
  const loaded = await loadUserModule(file);
  const def = findEntity(loaded, entity);
  const { vars, defaults } = launchableInputs(def);
  if (words.includes('--help') || words.includes('-h')) {
    return { loaded, def, help: `Usage: tflyte-sandbox run [--remote] ${file} ${entity} [inputs]\n\n${entityName(def)} (${def.kind})\nInputs:\n${describeInputs(vars, defaults)}` };
  }
  const inputs = parseEntityInputs(entityName(def), vars, defaults, words);
  assertRequiredInputs(entityName(def), vars, defaults, inputs);
  return { loaded, def, inputs };
}

/** Runs in-process and prints outputs (or the JSON object of `--json`). */
export async function runLocal(file: string, entity: string, words: string[], opts: RunOptions): Promise<void> {
  const prepared = await prepareRun(file, entity, words);
  if ('help' in prepared && prepared.help) {
    console.log(prepared.help);
    return;
  }
  const { def, inputs } = prepared as { def: EntityDef; inputs: Record<string, unknown> };
  const execution = `local-${Date.now().toString(36)}`;
  try {
    const outputs = await runLocallyToLiterals(def, inputs);
    const js = literalMapToJs(outputs);
    if (opts.json) {
      console.log(JSON.stringify({ execution, phase: 'SUCCEEDED', outputs: js }));
    } else {
      console.log(`${entityName(def)} succeeded (local run)`);
      for (const [k, v] of Object.entries(js)) console.log(`  ${k}: ${JSON.stringify(v)}`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const err = e instanceof Error ? e : new Error(String(e));
    if (opts.json) {
      console.log(JSON.stringify({ execution, phase: 'FAILED', error: { code: (err as { code?: string }).code ?? err.name, message: err.message } }));
      throw new CommandError('', 1);
    }
    if (err instanceof TypeError || (err as { code?: string }).code === 'SBX_COMPILE_FAILED') throw new UsageError(err.message);
    throw new CommandError(`${entityName(def)} failed: ${err.message}`);
  }
}
