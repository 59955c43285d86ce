/**
 * What registering a file means, planned without sending anything: the code bundle, the version
 * derived from it, and every task, workflow (with its default launch plan) and launch plan the
 * loaded files export, as Flyte's registration payloads in dependency order. `register` and
 * `run --remote` send the plan to the sandbox; `package` writes it in `pyflyte package`'s format.
 * A local run plans only the entity it runs (`planCalled`), and its engine the rest on demand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ResourceType, sha256Hex, type flyteidl } from '../core/index.ts';
import {
  collectRefs,
  DEFAULT_IMAGE,
  entityName,
  launchPlanSpec,
  loadUserModule,
  packageClosure,
  SDK_VERSION,
  serializeWorkflow,
  taskTemplate,
  type EntityDef,
  type LaunchPlanDef,
  type LoadedModule,
  type SerializationSettings,
  type SerializedWorkflow,
  type TaskDef,
  type WorkflowDef,
} from '../sdk/internal.ts';
import { makeEntity } from '../sdk/entities.ts';
import { createBundle, type Bundle, type BundleFile } from '../storage/index.ts';
import { setupSdk } from './sdk-setup.ts';
import { isSandboxError } from '../core/errors.ts';


/** One entity to register, with its Flyte payload. */
export type PlannedEntity =
  | { kind: 'task'; id: flyteidl.core.IIdentifier; spec: flyteidl.admin.ITaskSpec }
  | { kind: 'workflow'; id: flyteidl.core.IIdentifier; spec: flyteidl.admin.IWorkflowSpec }
  | { kind: 'launchPlan'; id: flyteidl.core.IIdentifier; spec: flyteidl.admin.ILaunchPlanSpec };

/** A planned registration of one file. */
export interface RegistrationPlan {
  loaded: LoadedModule;
  /** The deterministic code bundle (`tar.gz` of the files the module loaded). */
  bundle: { sha256: string; bytes: Uint8Array };
  settings: SerializationSettings;
  /** In dependency order: tasks, then each workflow after what it calls, then launch plans. */
  entities: PlannedEntity[];
  /** Full names of the workflows. */
  workflows: string[];
  /**
   * Entities left out because they do not compile (or call one that does not), with why: their
   * neighbours in the file still register and run, as each entity is its own registration.
   */
  skipped: SkippedEntity[];
}

/** An entity a plan leaves out, and its own error. */
export interface SkippedEntity {
  name: string;
  kind: EntityDef['kind'];
  error: Error;
}

/**
 * What the code bundle holds: the user files the module imports, the project's package.json (its
 * `"type"` decides how `.js` files load) and every file of the npm packages it imports, with their
 * dependencies (see `npm-packages.ts`), so the task container needs nothing but the runtime.
 */
export function bundleFiles(loaded: LoadedModule): BundleFile[] {
  const files: BundleFile[] = loaded.files.map((relPath) => ({ relPath, absPath: path.join(loaded.root, relPath) }));
  const manifest = path.join(loaded.root, 'package.json');
  if (!loaded.files.includes('package.json') && fs.existsSync(manifest)) files.push({ relPath: 'package.json', absPath: manifest });
  const taken = new Set(files.map((f) => f.relPath));
  for (const pkg of packageClosure(loaded.npmImports)) {
    for (const rel of pkg.files) {
      const relPath = `${pkg.bundleDir}/${rel}`;
      if (taken.has(relPath)) continue;
      taken.add(relPath);
      files.push({ relPath, absPath: path.join(pkg.dir, rel) });
    }
  }
  return files;
}

/** Options of {@link planRegistration}. */
export interface PlanOptions {
  project: string;
  domain: string;
  /**
   * Where the bundle will be (`--bundle` of the task templates), given the bundle; without it no
   * bundle is made (local runs: the templates name the module and tasks run from the files).
   */
  bundleUri?: (bundle: Pick<Bundle, 'sha256' | 'bytes'>) => string | Promise<string>;
  /** The tasks' default image. @default the sandbox's runtime image */
  image?: string;
  /** The launch plans' raw-output prefix (`raw_output_data_config`), when not the backend's own. */
  rawOutputPrefix?: string;
}

/**
 * Plans the registration of `file`. The version is a hash of the bundle, the image, the SDK
 * version (and the raw-output prefix when one is set), so the same code always plans the same
 * payloads.
 */
export async function planRegistration(file: string, o: PlanOptions): Promise<RegistrationPlan> {
  setupSdk();
  const loaded = await loadUserModule(file);
  const image = o.image ?? DEFAULT_IMAGE;
  const bundle = o.bundleUri ? await createBundle({ files: bundleFiles(loaded) }) : { sha256: '', bytes: new Uint8Array() };
  const hashed = `${bundle.sha256}|${image}|${SDK_VERSION}${o.rawOutputPrefix ? `|${o.rawOutputPrefix}` : ''}`;
  const version = o.bundleUri ? sha256Hex(hashed).slice(0, 16) : 'local';
  const settings: SerializationSettings = {
    project: o.project,
    domain: o.domain,
    version,
    image,
    ...(o.bundleUri ? { bundleUri: await o.bundleUri(bundle) } : {}),
    ...(o.rawOutputPrefix ? { rawOutputPrefix: o.rawOutputPrefix } : {}),
  };
  return { loaded, bundle, settings, ...planEntities(loaded.allEntities.values(), settings) };
}

/**
 * What an execution of `def` launches: `def` itself, or, for a map (registered through the task it
 * maps, not under its own name), a workflow whose one node is the map, with its inputs and outputs.
 */
export function launchable(def: EntityDef): EntityDef {
  if (def.kind !== 'map') return def;
  const callMap = makeEntity<(inputs: Record<string, unknown>) => unknown>(def);
  const name = `${entityName(def)}_call`;
  const wf: WorkflowDef = { kind: 'workflow', name, fallbackName: name, iface: def.iface, defaults: {}, body: (inputs) => callMap(inputs), failurePolicy: 'FAIL_IMMEDIATELY' };
  return wf;
}

/** What registering `def` takes: it and everything it calls, under `settings`; throws its compile error. */
export function planCalled(def: EntityDef, settings: SerializationSettings): PlannedEntity[] {
  const plan = planEntities([def], settings);
  const own = plan.skipped.find((s) => s.name === entityName(def));
  if (own) throw own.error;
  return plan.entities;
}

/**
 * A local engine's `planOnDemand`: an execution naming an entity not registered yet (what an eager
 * body or a dynamic workflow calls) registers it, found by name with `find`, and what it calls.
 */
export function planOnDemandFrom(find: (name: string) => EntityDef | undefined, settings: SerializationSettings): (target: flyteidl.core.IIdentifier) => PlannedEntity[] | undefined {
  return (target) => {
    const def = find(target.name ?? '');
    return def ? planCalled(def, settings) : undefined;
  };
}

/**
 * The registration payloads of `defs` and of everything they call, under `settings`, in dependency
 * order (see {@link RegistrationPlan.entities}); an entity that does not compile is skipped with
 * its error. Direct calls plan the one entity called.
 */
export function planEntities(defs: Iterable<EntityDef>, settings: SerializationSettings): Pick<RegistrationPlan, 'entities' | 'workflows' | 'skipped'> {
  const listed = [...defs];
  const id = (kind: number, name: string): flyteidl.core.IIdentifier => ({ resourceType: kind, project: settings.project, domain: settings.domain, name, version: settings.version });
  const all: SerializedWorkflow = { template: {}, subWorkflows: new Map(), tasks: new Map(), launchPlans: new Map(), entities: new Map() };
  const workflows = new Map<string, WorkflowDef>();
  const entityOf = (lp: LaunchPlanDef): WorkflowDef => (lp.workflow as unknown as Record<symbol, WorkflowDef>)[Symbol.for('tflyte.entity')] as WorkflowDef;
  const skipped = new Map<string, SkippedEntity>();
  for (const def of listed) {
    const name = entityName(def);
    try {
      planEntity(def, name);
    } catch (e) {
      if (!isEntityProblem(e)) throw e;
      skipped.set(name, { name, kind: def.kind, error: e });
    }
  }
  function planEntity(def: EntityDef, name: string): void {
    if (def.kind === 'workflow') {
      const s = serializeWorkflow(def as WorkflowDef, settings);
      workflows.set(name, def as WorkflowDef);
      for (const [k, v] of s.tasks) all.tasks.set(k, v);
      for (const [k, v] of s.launchPlans) all.launchPlans.set(k, v);
      for (const [k, v] of s.entities) if (v.kind === 'workflow' && !s.subWorkflows.has(k)) workflows.set(k, v as WorkflowDef);
    } else if (def.kind === 'launchPlan') {
      collectRefs(def, settings, all);
      const wf = entityOf(def as LaunchPlanDef);
      workflows.set(entityName(wf as unknown as EntityDef), wf);
    } else if (def.kind === 'map') {
      // A map is registered through the task it maps.
    } else {
      all.tasks.set(name, { def: def as TaskDef, template: taskTemplate(def as TaskDef, settings) });
    }
  }
  const entities: PlannedEntity[] = [];
  const planned = new Set<string>();
  const add = (e: PlannedEntity): void => {
    const k = `${e.kind}/${e.id.name}`;
    if (planned.has(k)) return;
    planned.add(k);
    entities.push(e);
  };
  for (const { template } of all.tasks.values()) add({ kind: 'task', id: template.id ?? {}, spec: { template } });
  // A workflow's launch-plan nodes need their workflows registered first: leaves first.
  const registered = new Set<string>();
  const planWorkflow = (name: string, def: WorkflowDef): void => {
    if (registered.has(name)) return;
    registered.add(name);
    const s = serializeWorkflow(def, settings);
    for (const lp of s.launchPlans.values()) {
      const wf = entityOf(lp.def);
      planWorkflow(entityName(wf as unknown as EntityDef), wf);
      add({ kind: 'launchPlan', id: id(ResourceType.LAUNCH_PLAN, entityName(lp.def)), spec: launchPlanSpec(lp.def, settings) });
    }
    add({ kind: 'workflow', id: s.template.id ?? {}, spec: { template: s.template, subWorkflows: [...s.subWorkflows.values()] } });
    // The default launch plan, named like the workflow (flytekit registers one per workflow).
    const defaultLp: LaunchPlanDef = {
      kind: 'launchPlan',
      name,
      fallbackName: name,
      iface: def.iface,
      defaults: {},
      fixed: {},
      workflow: { [Symbol.for('tflyte.entity')]: def } as never,
    };
    add({ kind: 'launchPlan', id: id(ResourceType.LAUNCH_PLAN, name), spec: launchPlanSpec(defaultLp, settings) });
  };
  for (const [name, def] of workflows) planWorkflow(name, def);
  for (const { def } of all.launchPlans.values()) add({ kind: 'launchPlan', id: id(ResourceType.LAUNCH_PLAN, entityName(def)), spec: launchPlanSpec(def, settings) });
  for (const def of listed) {
    if (def.kind === 'launchPlan' && !skipped.has(entityName(def))) add({ kind: 'launchPlan', id: id(ResourceType.LAUNCH_PLAN, entityName(def)), spec: launchPlanSpec(def as LaunchPlanDef, settings) });
  }
  return { entities, workflows: [...registered], skipped: [...skipped.values()] };
}

/** An error of one entity's definition (it does not compile, a bad option), not of the tool. */
function isEntityProblem(e: unknown): e is Error {
  return (isSandboxError(e) && (e.category === 'COMPILE' || e.category === 'VALIDATION')) || e instanceof TypeError;
}
