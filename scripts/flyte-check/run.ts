/**
 * `npm run flyte-check`: Flyte's own compiler as the second judge of everything we compile.
 *
 * 1. Builds `tools/flyte-check` (flytepropeller v1.16.8's compiler, in Go) into `.build/`, with
 *    modules cached under `~/.cache/tflyte-go/mod` and Go's own build cache (skipped when the
 *    binary is newer than its sources).
 * 2. Packages every example, every test fixture that should compile and a set of generated random
 *    workflows exactly as `tflyte-sandbox package` does (`_1/_2/_3.pb`), with our own compiled
 *    closure of each workflow beside it (`_2.closure.pb`).
 * 3. Runs every dynamic task it finds through our runtime's dynamic runner on sample inputs and
 *    keeps the futures file it writes, the task's template and our compiled closure of it.
 * 4. Runs the checker over all of it with `tools/flyte-check/known-differences.json` (any compile
 *    error or unexplained difference fails).
 * 5. Builds flyteorg/flyte's own `flytectl` v0.9.8 (`tools/flytectl`) and runs `flytectl compile
 *    --file` over a package of the examples and fixtures, as `tflyte-sandbox package --no-code`
 *    writes it. Exits non-zero if either judge objects.
 *
 * Flags: `--random N` (default 30) generated files, `--seed S` (default 1) the first seed,
 * `--keep DIR` keeps the inputs in DIR.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageEntries } from '../../src/cli/commands/package.ts';
import type { PlannedEntity, RegistrationPlan } from '../../src/cli/registration-plan.ts';
import { compileWorkflow } from '../../src/compiler/index.ts';
import { encode, type flyteidl } from '../../src/core/idl.ts';
import type { TypeDescriptor } from '../../src/core/types.ts';
import { runDynamic } from '../../src/runtime/dynamic-runner.ts';
import { entityName, taskTemplate, type TaskDef } from '../../src/sdk/internal.ts';
import { randomWorkflowSource } from './random-workflows.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOOL_DIR = path.join(ROOT, 'tools', 'flyte-check');
const BINARY = path.join(ROOT, '.build', 'flyte-check');
/** Fixtures written not to compile (each test expects its diagnostics). */
const NOT_MEANT_TO_COMPILE = new Set(['test/fixtures/compile/bad_workflows.ts', 'test/fixtures/eager/eager_in_workflow.ts']);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

function newestMtime(files: string[]): number {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

/** Builds a Go program of tools/ unless its binary is newer than its sources. */
export function buildGoTool(dir: string, binary: string, what: string): void {
  const sources = ['main.go', 'go.mod', 'go.sum'].map((f) => path.join(dir, f));
  if (fs.existsSync(binary) && fs.statSync(binary).mtimeMs > newestMtime(sources)) return;
  const cache = path.join(os.homedir(), '.cache', 'tflyte-go');
  const t0 = Date.now();
  console.log(`flyte-check: building ${path.relative(ROOT, dir)} (${what}; the first build takes minutes)`);
  execFileSync('go', ['build', '-o', binary, '.'], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, GOMODCACHE: path.join(cache, 'mod'), GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
  });
  console.log(`flyte-check: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** flyteorg/flyte's own flytectl v0.9.8, for `flytectl compile --file` on our packages. */
export const FLYTECTL = path.join(ROOT, '.build', 'flytectl');

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** The launch plan templates of a plan, as our compiler sees registered ones. */
function launchPlanTemplates(plans: RegistrationPlan[]): flyteidl.core.ILaunchPlanTemplate[] {
  const workflows = new Map<string, flyteidl.core.IWorkflowTemplate>();
  for (const p of plans) for (const e of p.entities) if (e.kind === 'workflow' && e.spec.template) workflows.set(idKey(e.id), e.spec.template);
  const out: flyteidl.core.ILaunchPlanTemplate[] = [];
  for (const p of plans) {
    for (const e of p.entities) {
      if (e.kind !== 'launchPlan') continue;
      const wf = workflows.get(idKey(e.spec.workflowId ?? {}));
      const fixed = e.spec.fixedInputs?.literals ?? {};
      const inputs: Record<string, flyteidl.core.IVariable> = {};
      for (const [k, v] of Object.entries(wf?.interface?.inputs?.variables ?? {})) if (!(k in fixed)) inputs[k] = v;
      out.push({ id: e.id, interface: { inputs: { variables: inputs }, outputs: wf?.interface?.outputs ?? { variables: {} } }, fixedInputs: e.spec.fixedInputs ?? { literals: {} } });
    }
  }
  return out;
}

function idKey(id: flyteidl.core.IIdentifier): string {
  return `${id.project}/${id.domain}/${id.name}/${id.version}`;
}

/** A value of a type, for running a dynamic body; undefined when none can be made up. */
function sample(d: TypeDescriptor): unknown {
  const x = d as TypeDescriptor & { element?: TypeDescriptor; value?: TypeDescriptor; inner?: TypeDescriptor; variants?: TypeDescriptor[]; values?: string[] };
  switch (d.kind) {
    case 'int':
      return 3;
    case 'float':
      return 1.5;
    case 'str':
      return 'Pear';
    case 'bool':
      return true;
    case 'datetime':
      return new Date(0);
    case 'duration':
      return 1000;
    case 'none':
      return null;
    case 'list':
      return [3, 1, 2].map(() => sample(x.element as TypeDescriptor)).map((v, i) => (typeof v === 'number' ? v + i : v));
    case 'dict':
      return { k: sample(x.value as TypeDescriptor) };
    case 'optional':
      return sample(x.inner as TypeDescriptor);
    case 'union':
      return sample((x.variants ?? [])[0] as TypeDescriptor);
    case 'enum':
      return x.values?.[0];
    case 'struct':
      return {};
    default:
      return undefined;
  }
}

/** Writes one file's package and our closures into `dir`; returns its dynamic tasks. */
function writePackage(dir: string, entries: { name: string; bytes: Uint8Array; entity?: PlannedEntity }[], plans: RegistrationPlan[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const tasks = plans.flatMap((p) => p.entities.filter((e): e is Extract<PlannedEntity, { kind: 'task' }> => e.kind === 'task').map((e) => e.spec.template ?? {}));
  const launchPlans = launchPlanTemplates(plans);
  for (const e of entries) {
    if (!e.name.endsWith('.pb')) continue;
    fs.writeFileSync(path.join(dir, e.name), e.bytes);
    if (e.entity?.kind !== 'workflow') continue;
    const r = compileWorkflow({ primary: e.entity.spec.template ?? {}, subWorkflows: e.entity.spec.subWorkflows ?? [], tasks, launchPlans });
    if (!r.closure) {
      console.log(`OURS  ${e.name}: our compiler refused it: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      continue;
    }
    fs.writeFileSync(path.join(dir, e.name.replace(/\.pb$/, '.closure.pb')), encode('flyteidl.core.CompiledWorkflowClosure', r.closure));
  }
}

/** Runs every dynamic task of the plans on sample inputs and writes its futures file. */
const dynamicsSeen = new Set<string>();

async function writeFutures(dir: string, plans: RegistrationPlan[]): Promise<number> {
  let n = 0;
  const launchPlans = launchPlanTemplates(plans);
  for (const plan of plans) {
    for (const def of plan.loaded.allEntities.values()) {
      if (def.kind !== 'dynamic') continue;
      const task = def as TaskDef;
      // Files import each other: each dynamic task once.
      if (dynamicsSeen.has(entityName(task))) continue;
      dynamicsSeen.add(entityName(task));
      const inputs: Record<string, unknown> = {};
      let ok = true;
      for (const [k, d] of task.iface.inputs) {
        inputs[k] = sample(d);
        if (inputs[k] === undefined) ok = false;
      }
      const name = entityName(task);
      if (!ok) {
        console.log(`flyte-check: no sample inputs for dynamic task ${name}; its futures file is not checked`);
        continue;
      }
      const env = { FLYTE_INTERNAL_TASK_PROJECT: plan.settings.project, FLYTE_INTERNAL_TASK_DOMAIN: plan.settings.domain, FLYTE_INTERNAL_TASK_VERSION: plan.settings.version };
      const ctx = {
        args: { inputs: '', outputPrefix: '', rawOutputDataPrefix: '', entity: name, ...(plan.settings.bundleUri ? { bundle: plan.settings.bundleUri } : {}) },
        env,
        outputsToLiterals: async () => ({ literals: {} }),
      };
      let outcome: Awaited<ReturnType<typeof runDynamic>>;
      try {
        outcome = await runDynamic(task, inputs, ctx as never);
      } catch (e) {
        // A dynamic body written to fail (a test of that failure) writes no futures file.
        console.log(`flyte-check: dynamic task ${name} wrote no futures file: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      if (outcome.kind !== 'futures') continue;
      const base = path.join(dir, `${String(n++).padStart(3, '0')}_${name}`);
      const parent = taskTemplate(task, plan.settings);
      fs.writeFileSync(`${base}.futures.pb`, encode('flyteidl.core.DynamicJobSpec', outcome.spec));
      fs.writeFileSync(`${base}.futures.parent.pb`, encode('flyteidl.core.TaskTemplate', parent));
      const r = compileWorkflow({
        primary: {
          id: { resourceType: 2, project: plan.settings.project, domain: plan.settings.domain, name: 'dynamic_check', version: 'check' },
          interface: { outputs: parent.interface?.outputs ?? { variables: {} } },
          nodes: outcome.spec.nodes ?? [],
          outputs: outcome.spec.outputs ?? [],
        },
        subWorkflows: outcome.spec.subworkflows ?? [],
        tasks: outcome.spec.tasks ?? [],
        launchPlans,
      });
      if (r.closure) fs.writeFileSync(`${base}.futures.closure.pb`, encode('flyteidl.core.CompiledWorkflowClosure', r.closure));
      else console.log(`OURS  futures of ${name}: our compiler refused it: ${r.diagnostics.map((d) => d.message).join('; ')}`);
    }
  }
  return n;
}

/** `flytectl compile --file` (Flyte's own CLI) over a package of every file, without code. */
async function flytectlCompile(files: string[], dir: string): Promise<boolean> {
  buildGoTool(path.join(ROOT, 'tools', 'flytectl'), FLYTECTL, 'flytectl v0.9.8');
  const { entries } = await packageEntries(files, 'flytesnacks', 'development', { code: false });
  const tgz = path.join(dir, 'all.tgz');
  const pbDir = path.join(dir, 'flytectl-pkg');
  fs.mkdirSync(pbDir, { recursive: true });
  for (const e of entries) fs.writeFileSync(path.join(pbDir, e.name), e.bytes);
  execFileSync('tar', ['-czf', tgz, '-C', pbDir, ...entries.map((e) => e.name)]);
  const r = spawnSync(FLYTECTL, ['compile', '--file', tgz], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
  const out = `${r.stdout}${r.stderr}`;
  const ok = r.status === 0 && out.includes('All Workflows compiled successfully!');
  const summary = out.split('\n').filter((l) => /found in package|compiled successfully|Error|error/i.test(l));
  console.log(`flytectl compile --file (${entries.length} files): ${ok ? 'ok' : 'FAILED'}\n  ${summary.join('\n  ')}`);
  if (!ok) console.log(out);
  return ok;
}

async function main(): Promise<void> {
  buildGoTool(TOOL_DIR, BINARY, "Flyte v1.16.8's compiler");
  const keep = arg('--keep', '');
  const out = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-flyte-check-'));
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const randomCount = Number(arg('--random', '30'));
  const firstSeed = Number(arg('--seed', '1'));
  const randomDir = path.join(out, 'random-src');
  fs.mkdirSync(randomDir, { recursive: true });
  const files = [...filesUnder('examples'), ...filesUnder('test/fixtures').filter((f) => !NOT_MEANT_TO_COMPILE.has(f))].map((f) => path.join(ROOT, f));
  for (let s = firstSeed; s < firstSeed + randomCount; s++) {
    const f = path.join(randomDir, `random_${s}.ts`);
    fs.writeFileSync(f, randomWorkflowSource(s));
    files.push(f);
  }
  let futures = 0;
  for (const [i, file] of files.entries()) {
    const { entries, plans } = await packageEntries([file], 'flytesnacks', 'development');
    const dir = path.join(out, 'pkg', `${String(i).padStart(3, '0')}_${path.basename(file, '.ts')}`);
    writePackage(dir, entries, plans);
    futures += await writeFutures(dir, plans);
  }
  console.log(`flyte-check: ${files.length} files (${randomCount} generated, seeds ${firstSeed}–${firstSeed + randomCount - 1}), ${futures} futures files, in ${out}`);
  const r = spawnSync(BINARY, ['-known', path.join(TOOL_DIR, 'known-differences.json'), path.join(out, 'pkg')], { stdio: 'inherit' });
  // The package format, judged by Flyte's own CLI (the examples and fixtures; the generated
  // files went through the same compiler above).
  const compiled = await flytectlCompile(files.filter((f) => !f.startsWith(randomDir)), out);
  if (!keep) fs.rmSync(out, { recursive: true, force: true });
  process.exit(r.status === 0 && compiled ? 0 : 1);
}

await main();
