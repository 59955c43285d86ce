/**
 * `package FILE... -o pkg.tgz` (like `pyflyte package`): writes what `register` would send, in the
 * format `flytectl register files` and `flytectl compile --file` read — `<n>_<name>_1.pb` task
 * specs, `<n>_<name>_2.pb` workflow specs, `<n>_<name>_3.pb` launch plans, numbered in dependency
 * order, launch plans with their expected inputs and outputs as flytekit writes them — plus each
 * file's code bundle as `fast<sha256>.tar.gz` (`--no-code` leaves it out: `flytectl compile` reads
 * every file of a package as protobuf). Task templates name the bundle
 * `{{ .remote_package_path }}`, which `flytectl register files --archive` replaces by where it
 * uploaded it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode, type flyteidl } from '../../core/idl.ts';
import { planRegistration, type PlannedEntity, type RegistrationPlan } from '../registration-plan.ts';
import { CommandError } from '../usage-error.ts';

/** The placeholder flytectl replaces by the uploaded code archive's location. */
export const REMOTE_PACKAGE_PATH = '{{ .remote_package_path }}';

/** One file of a package. */
export interface PackageEntry {
  name: string;
  bytes: Uint8Array;
  /** The entity it holds (absent for the code bundle). */
  entity?: PlannedEntity;
}

const SUFFIX = { task: 1, workflow: 2, launchPlan: 3 } as const;

/**
 * A launch plan's closure as flytekit packages it: its expected inputs (the workflow's, less the
 * fixed ones, with their defaults) and outputs. `flytectl compile` needs it.
 */
export function launchPlanClosure(spec: flyteidl.admin.ILaunchPlanSpec, wf: flyteidl.core.IWorkflowTemplate | undefined): flyteidl.admin.ILaunchPlanClosure {
  const fixed = spec.fixedInputs?.literals ?? {};
  const defaults = spec.defaultInputs?.parameters ?? {};
  const parameters: Record<string, flyteidl.core.IParameter> = {};
  for (const [k, v] of Object.entries(wf?.interface?.inputs?.variables ?? {})) {
    if (k in fixed) continue;
    const d = defaults[k]?.default;
    parameters[k] = d ? { var: v, default: d } : { var: v, required: true };
  }
  return { expectedInputs: { parameters }, expectedOutputs: wf?.interface?.outputs ?? { variables: {} } };
}

/** The payload bytes of a planned entity, as its `_1/_2/_3.pb` file holds them. */
export function entityBytes(e: PlannedEntity, workflowOf: (id: flyteidl.core.IIdentifier) => flyteidl.core.IWorkflowTemplate | undefined = () => undefined): Uint8Array {
  switch (e.kind) {
    case 'task':
      return encode('flyteidl.admin.TaskSpec', e.spec);
    case 'workflow':
      return encode('flyteidl.admin.WorkflowSpec', e.spec);
    case 'launchPlan':
      return encode('flyteidl.admin.LaunchPlan', { id: e.id, spec: e.spec, closure: launchPlanClosure(e.spec, workflowOf(e.spec.workflowId ?? {})) });
  }
}

/** Plans every file and lays the result out as package entries (entities once each, in order). */
export async function packageEntries(
  files: string[],
  project: string,
  domain: string,
  opts: { code?: boolean; image?: string } = {},
): Promise<{ entries: PackageEntry[]; plans: RegistrationPlan[] }> {
  const entries: PackageEntry[] = [];
  const plans: RegistrationPlan[] = [];
  const seen = new Set<string>();
  let n = 0;
  for (const f of files) {
    if (!fs.existsSync(f)) throw new CommandError(`${f} does not exist`);
    const plan = await planRegistration(f, { project, domain, bundleUri: () => REMOTE_PACKAGE_PATH, ...(opts.image ? { image: opts.image } : {}) });
    // A package is what a cluster gets: all of the file, or nothing.
    const broken = plan.skipped[0];
    if (broken) throw broken.error;
    plans.push(plan);
    const workflows = new Map<string, flyteidl.core.IWorkflowTemplate>();
    for (const e of plan.entities) if (e.kind === 'workflow' && e.spec.template) workflows.set(`${e.id.name}/${e.id.version}`, e.spec.template);
    const workflowOf = (id: flyteidl.core.IIdentifier) => workflows.get(`${id.name}/${id.version}`);
    const bundleName = `fast${plan.bundle.sha256}.tar.gz`;
    if (opts.code !== false && !seen.has(bundleName)) {
      seen.add(bundleName);
      entries.push({ name: bundleName, bytes: plan.bundle.bytes });
    }
    for (const e of plan.entities) {
      const key = `${e.kind}/${e.id.name}/${e.id.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const safe = (e.id.name ?? '').replace(/[^A-Za-z0-9_.-]/g, '_');
      entries.push({ name: `${String(n++).padStart(4, '0')}_${safe}_${SUFFIX[e.kind]}.pb`, bytes: entityBytes(e, workflowOf), entity: e });
    }
  }
  return { entries, plans };
}

/** `package FILE... -o OUT` */
export async function packageCommand(files: string[], opts: { output?: string; project?: string; domain?: string; code?: boolean; image?: string }): Promise<void> {
  const out = path.resolve(opts.output ?? 'flyte-package.tgz');
  const { entries, plans } = await packageEntries(files, opts.project ?? 'flytesnacks', opts.domain ?? 'development', { code: opts.code !== false, ...(opts.image ? { image: opts.image } : {}) });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-package-'));
  try {
    for (const e of entries) fs.writeFileSync(path.join(tmp, e.name), e.bytes);
    const tar = await import('tar');
    // Written beside the target, then renamed: a failed run leaves no half-written package.
    const part = `${out}.part`;
    await tar.c({ gzip: true, file: part, cwd: tmp, portable: true, noMtime: true }, entries.map((e) => e.name));
    fs.renameSync(part, out);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const count = (k: PlannedEntity['kind']) => entries.filter((e) => e.entity?.kind === k).length;
  console.log(`wrote ${out}: ${count('task')} tasks, ${count('workflow')} workflows, ${count('launchPlan')} launch plans (version${plans.length > 1 ? 's' : ''} ${[...new Set(plans.map((p) => p.settings.version))].join(', ')})`);
}
