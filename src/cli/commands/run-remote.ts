/**
 * `run --remote`: bundle and register the file's entities in the sandbox (or the backend of
 * `--profile`), launch an execution, print its name
 * and console URL; with `--wait`, follow node progress until it ends (exit 1 if it did not
 * succeed); with `--json`, print one `{ execution, phase, outputs }` object.
 */
import { entityName, launchTargetOf, type EntityDef } from '../../sdk/internal.ts';
import { inputsForApi } from '../entity-inputs.ts';
import { connect, consoleUrl, dataProxyUploader, follow, outputsJson, phaseName, registerFile, registerPlanned, skippedLines } from '../remote.ts';
import { launchable, planCalled } from '../registration-plan.ts';
import { CommandError } from '../usage-error.ts';
import { prepareRun } from './run.ts';

/** Runs an entity in the sandbox. */
export async function runRemote(file: string, entity: string, words: string[], opts: Record<string, unknown>): Promise<void> {
  const prepared = await prepareRun(file, entity, words, opts.given as string[] | undefined);
  if ('help' in prepared && prepared.help) {
    console.log(prepared.help);
    return;
  }
  const { def, inputs } = prepared as { def: EntityDef; inputs: Record<string, unknown> };
  const project = String(opts.project ?? 'flytesnacks');
  const domain = String(opts.domain ?? 'development');
  const json = Boolean(opts.json);
  const conn = await connect({ dataDir: opts.dataDir as string | undefined, profile: opts.profile as string | undefined });
  const reg = await registerFile(conn, file, project, domain);
  // The entity asked for reports its own error; its broken neighbours are only mentioned.
  const own = reg.skipped.find((s) => s.name === entityName(def));
  if (own) throw own.error;
  // A map runs as a workflow of its own, registered beside the file's entities.
  const target = launchable(def);
  if (target !== def) await registerPlanned(conn, file, planCalled(target, reg.settings));
  if (!json) for (const line of skippedLines(reg.skipped)) console.error(`note: ${line}`);
  const literals = await inputsForApi(dataProxyUploader(conn, project, domain), def, inputs);
  const execId = await conn.client.createExecution({
    project,
    domain,
    ...(opts.name ? { name: String(opts.name) } : {}),
    spec: {
      launchPlan: launchTargetOf(target, reg.settings),
      metadata: { mode: 0, principal: 'tflyte-cli' },
      ...(conn.rawOutputPrefix ? { rawOutputDataConfig: { outputLocationPrefix: conn.rawOutputPrefix } } : {}),
    },
    inputs: literals,
  });
  const exec = { project, domain, name: execId.name ?? '' };
  const url = consoleUrl(conn, project, domain, exec.name);
  if (!json) {
    console.log(`execution ${exec.name} of ${entityName(def)} (version ${reg.settings.version})`);
    console.log(`  ${url}`);
  }
  if (!opts.wait) {
    if (json) console.log(JSON.stringify({ execution: exec.name, phase: 'QUEUED', url }));
    return;
  }
  const started = Date.now();
  const final = await follow(conn, exec, json ? undefined : (nodeId, phase) => {
    if (nodeId === 'start-node' || nodeId === 'end-node') return;
    console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  ${nodeId.padEnd(12)} ${phase}`);
  });
  const phase = phaseName(final.closure?.phase);
  const outputs = phase === 'SUCCEEDED' ? await outputsJson(conn, exec) : {};
  const error = final.closure?.error;
  if (json) {
    console.log(
      JSON.stringify({
        execution: exec.name,
        phase,
        outputs,
        ...(error ? { error: { code: error.code, kind: error.kind, message: error.message } } : {}),
      }),
    );
  } else if (phase === 'SUCCEEDED') {
    console.log(`${entityName(def)} succeeded in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    for (const [k, v] of Object.entries(outputs)) console.log(`  ${k}: ${JSON.stringify(v)}`);
  } else {
    console.log(`${entityName(def)} ${phase}${error ? `: ${error.message}` : ''}`);
  }
  if (phase !== 'SUCCEEDED') throw new CommandError('', 1);
}
