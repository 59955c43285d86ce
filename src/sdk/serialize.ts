/**
 * Turns SDK entities into Flyte's registration payloads: `TaskTemplate`s, `WorkflowTemplate`s
 * (by running the body once in a {@link WorkflowBuilder}) and launch plan specs — what flytekit's
 * `pyflyte serialize` produces. Task containers follow Flyte's container contract: the whole
 * invocation is in `args`, with Flyte's `{{.input}}`-style templates.
 */
import { compileError, CompileCode, type Diagnostic } from '../core/diagnostics.ts';
import type { flyteidl, google } from '../core/idl.ts';
import { WorkflowBuilder, START_NODE } from './builder.ts';
import { runInBuilder } from './context.ts';
import {
  ENTITY,
  entityName,
  type EntityDef,
  type LaunchPlanDef,
  type TaskDef,
  type WorkflowDef,
} from './entities.ts';
import { toTypedInterface } from './interface.ts';
import { PromiseReadError } from './promise.ts';
import { parseDuration } from './time.ts';
import { mappedTaskOf } from './map.ts';
import { ResourceType, REUSE_CONFIG, REUSE_DEFAULTS, REUSE_LIMITS } from '../core/vocabulary.ts';

/** Version of the SDK, recorded in task metadata. */
export const SDK_VERSION = '0.1.0';

/** The runtime image the sandbox builds from its own binary. */
export const DEFAULT_IMAGE = `tflyte-sandbox-runtime:${SDK_VERSION}`;

/** Where and how entities are registered. */
export interface SerializationSettings {
  project: string;
  domain: string;
  version: string;
  /** Default image for tasks without their own. */
  image: string;
  /** URI of the code bundle the runtime fetches (absent for local runs). */
  bundleUri?: string;
  /** Raw-output prefix of the launch plans (`raw_output_data_config`); the backend's when absent. */
  rawOutputPrefix?: string;
}

/** Settings for in-process runs, where ids only need to be unique. */
export const LOCAL_SETTINGS: SerializationSettings = {
  project: 'local',
  domain: 'development',
  version: 'local',
  image: DEFAULT_IMAGE,
};


/** The Flyte identifier of an entity under the given settings. */
export function identifierOf(def: EntityDef, s: SerializationSettings): flyteidl.core.IIdentifier {
  const resourceType =
    def.kind === 'workflow' ? ResourceType.WORKFLOW : def.kind === 'launchPlan' ? ResourceType.LAUNCH_PLAN : ResourceType.TASK;
  return { resourceType, project: s.project, domain: s.domain, name: entityName(def), version: s.version };
}

/**
 * The id an execution of `def` is created from: for a workflow, its default launch plan (named
 * like it); for a launch plan, itself; for any task kind, the task (admin wraps it in a
 * single-task workflow, as flyteadmin does). The CLI and eager tasks both launch through this.
 */
export function launchTargetOf(def: EntityDef, s: Pick<SerializationSettings, 'project' | 'domain' | 'version'>): flyteidl.core.IIdentifier {
  const resourceType = def.kind === 'workflow' || def.kind === 'launchPlan' ? ResourceType.LAUNCH_PLAN : ResourceType.TASK;
  return { resourceType, project: s.project, domain: s.domain, name: entityName(def), version: s.version };
}

function durationOf(ms: number): google.protobuf.IDuration {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
}

function cpuQuantity(cpu: number | string): string {
  return typeof cpu === 'number' ? String(cpu) : cpu;
}

/** The `args` our runtime accepts, with Flyte's templates for data locations. */
export function runtimeArgs(def: TaskDef, s: SerializationSettings): string[] {
  const args = [
    'tflyte-sandbox',
    'execute',
    '--inputs',
    '{{.input}}',
    '--output-prefix',
    '{{.outputPrefix}}',
    '--raw-output-data-prefix',
    '{{.rawOutputDataPrefix}}',
    '--checkpoint-path',
    '{{.checkpointOutputPrefix}}',
    '--prev-checkpoint',
    '{{.prevCheckpointPrefix}}',
  ];
  if (s.bundleUri) args.push('--bundle', s.bundleUri);
  // An array-node variant runs the task it maps.
  const target = mappedTaskOf(def);
  if (target.origin) args.push('--module', target.origin.module, '--entity', target.origin.exportName);
  else args.push('--entity', entityName(target));
  return args;
}

/** A task's `reuse` option as `TaskTemplate.config` entries, checked; undefined without one. */
function reuseConfig(def: TaskDef): Record<string, string> | undefined {
  const r = def.options.reuse;
  if (r === undefined || r === false) return undefined;
  const where = `${entityName(def)}: reuse`;
  if (def.kind === 'container') throw new TypeError(`${where}: a container task runs its own image's command, which cannot serve attempts in a warm container; remove reuse`);
  const o = r === true ? {} : r;
  if (typeof o !== 'object' || o === null) throw new TypeError(`${where}: expected true or { replicas?, idleTtl? }, got ${JSON.stringify(r)}`);
  const replicas = o.replicas ?? REUSE_DEFAULTS.replicas;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > REUSE_LIMITS.maxReplicas) {
    throw new TypeError(`${where}.replicas: expected an integer from 1 to ${REUSE_LIMITS.maxReplicas}, got ${JSON.stringify(o.replicas)}`);
  }
  const ttlSeconds = parseDuration(o.idleTtl ?? REUSE_DEFAULTS.idleTtlSeconds * 1000, `${where}.idleTtl`) / 1000;
  if (ttlSeconds < REUSE_LIMITS.minIdleTtlSeconds || ttlSeconds > REUSE_LIMITS.maxIdleTtlSeconds) {
    throw new TypeError(`${where}.idleTtl: expected 1s to 24h, got ${JSON.stringify(o.idleTtl)}`);
  }
  return { [REUSE_CONFIG.replicas]: String(replicas), [REUSE_CONFIG.idleTtlSeconds]: String(ttlSeconds) };
}

/** Builds the `TaskTemplate` of a task (any task kind). */
export function taskTemplate(def: TaskDef, s: SerializationSettings): flyteidl.core.ITaskTemplate {
  const o = def.options;
  const metadata: flyteidl.core.ITaskMetadata = {
    runtime: { type: 1, version: SDK_VERSION, flavor: 'typescript' },
    retries: { retries: o.retries ?? 0 },
  };
  if (o.timeout !== undefined) metadata.timeout = durationOf(parseDuration(o.timeout, `${entityName(def)}: timeout`));
  if (o.cache) {
    metadata.discoverable = true;
    metadata.discoveryVersion = o.cache.version;
    if (o.cache.serialize) metadata.cacheSerializable = true;
    if (o.cache.ignoreInputs?.length) metadata.cacheIgnoreInputVars = o.cache.ignoreInputs;
  }
  if (o.interruptible !== undefined) metadata.interruptible = o.interruptible;
  if (def.kind === 'eager') metadata.isEager = true;
  const limits: flyteidl.core.Resources.IResourceEntry[] = [];
  if (o.resources?.cpu !== undefined) limits.push({ name: 1, value: cpuQuantity(o.resources.cpu) });
  if (o.resources?.mem !== undefined) limits.push({ name: 3, value: o.resources.mem });
  const env = Object.entries(o.env ?? {}).map(([key, value]) => ({ key, value }));
  const container: flyteidl.core.IContainer = {
    image: o.image ?? s.image,
    args: runtimeArgs(def, s),
    env,
    resources: { requests: limits, limits },
  };
  if (def.kind === 'container' && def.container) {
    container.image = def.container.image;
    container.command = def.container.command;
    container.args = [];
    container.dataConfig = {
      enabled: true,
      inputPath: def.container.inputDir,
      outputPath: def.container.outputDir,
      format: 0,
    };
  }
  const reuse = reuseConfig(def);
  return {
    id: identifierOf(def, s),
    type: def.kind === 'container' ? 'raw-container' : def.kind === 'dynamic' ? 'dynamic-task' : 'container',
    metadata,
    interface: toTypedInterface(def.iface),
    container,
    custom: { fields: {} },
    ...(reuse ? { config: reuse } : {}),
  };
}

/** A workflow and everything it references, ready to register or compile. */
export interface SerializedWorkflow {
  template: flyteidl.core.IWorkflowTemplate;
  /** Every workflow reached through sub-workflow nodes (recursively), by name. */
  subWorkflows: Map<string, flyteidl.core.IWorkflowTemplate>;
  /** Every task reached (recursively), by name, with its definition. */
  tasks: Map<string, { def: TaskDef; template: flyteidl.core.ITaskTemplate }>;
  /** Launch plans referenced by launch-plan nodes, by name. */
  launchPlans: Map<string, { def: LaunchPlanDef; template: flyteidl.core.ILaunchPlanTemplate }>;
  /** Every definition reached, by name (workflows included). */
  entities: Map<string, EntityDef>;
}

const templateCache = new WeakMap<WorkflowDef, Map<string, { template: flyteidl.core.IWorkflowTemplate; refs: Map<string, EntityDef> }>>();

function settingsKey(s: SerializationSettings): string {
  return JSON.stringify([s.project, s.domain, s.version, s.image, s.bundleUri ?? '', s.rawOutputPrefix ?? '']);
}

/**
 * Runs a workflow body once and returns its `WorkflowTemplate` plus the entities its nodes call.
 * Throws a `CompileError` listing every problem. Cached per settings.
 */
export function workflowTemplate(
  def: WorkflowDef,
  s: SerializationSettings,
): { template: flyteidl.core.IWorkflowTemplate; refs: Map<string, EntityDef> } {
  let perDef = templateCache.get(def);
  const key = settingsKey(s);
  const hit = perDef?.get(key);
  if (hit) return hit;
  const name = entityName(def);
  const builder = new WorkflowBuilder(name, (d) => identifierOf(d, s));
  const diagnostics: Diagnostic[] = builder.diagnostics;
  let returned: unknown;
  if (def.body.constructor.name === 'AsyncFunction') {
    builder.report(
      CompileCode.AsyncWorkflow,
      'a workflow body must not be async or await anything: it runs once at compile time to wire calls together. Use dynamic() to build a graph from run-time values, or eager() to await real results.',
    );
  } else {
    try {
      returned = runInBuilder(builder, () => def.body(builder.inputPromises(def.iface.inputs)));
    } catch (e) {
      if (e instanceof PromiseReadError) {
        builder.report(CompileCode.PromiseRead, `${e.message}`);
      } else if (e instanceof Error && 'diagnostics' in e) {
        throw e;
      } else {
        builder.report(CompileCode.BodyFailed, `the workflow body threw: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (returned instanceof Promise) {
      builder.report(CompileCode.AsyncWorkflow, 'the workflow body returned a Promise: static workflows cannot await; use dynamic() or eager()');
    }
  }
  const outputs = diagnostics.length === 0 ? builder.bindOutputs(def, returned) : [];
  if (diagnostics.length > 0) throw compileError(name, diagnostics);
  const template: flyteidl.core.IWorkflowTemplate = {
    id: identifierOf(def, s),
    metadata: { onFailure: def.failurePolicy === 'FAIL_AFTER_EXECUTABLE_NODES_COMPLETE' ? 1 : 0 },
    interface: toTypedInterface(def.iface),
    nodes: builder.nodes.map((n) => n.node),
    outputs,
    metadataDefaults: {},
  };
  const result = { template, refs: builder.references };
  if (!perDef) {
    perDef = new Map();
    templateCache.set(def, perDef);
  }
  perDef.set(key, result);
  return result;
}

/** The `LaunchPlanTemplate` (id + interface + fixed inputs) a launch-plan node is compiled against. */
export function launchPlanTemplate(def: LaunchPlanDef, s: SerializationSettings): flyteidl.core.ILaunchPlanTemplate {
  const wf = def.workflow[ENTITY];
  // Fixed inputs are not inputs of a launch-plan node (as in Flyte's expected_inputs).
  const iface = toTypedInterface({ ...wf.iface, inputs: new Map([...wf.iface.inputs].filter(([k]) => !(k in def.fixed))) });
  return { id: identifierOf(def, s), interface: iface, fixedInputs: { literals: fixedLiterals(def) } };
}

function fixedLiterals(def: LaunchPlanDef): Record<string, flyteidl.core.ILiteral> {
  const out: Record<string, flyteidl.core.ILiteral> = {};
  for (const [k, v] of Object.entries(def.fixed)) {
    const d = def.iface.inputs.get(k);
    if (d) out[k] = d.toLiteral(v, `${entityName(def)}: fixed input "${k}"`);
  }
  return out;
}

/** The admin `LaunchPlanSpec` of a launch plan (defaults as parameters, fixed inputs). */
export function launchPlanSpec(def: LaunchPlanDef, s: SerializationSettings): flyteidl.admin.ILaunchPlanSpec {
  const wf = def.workflow[ENTITY];
  const parameters: Record<string, flyteidl.core.IParameter> = {};
  const defaults = { ...wf.defaults, ...def.defaults };
  for (const [name, d] of wf.iface.inputs) {
    if (name in def.fixed) continue;
    const param: flyteidl.core.IParameter = { var: { type: d.literalType(), description: name } };
    if (name in defaults) param.default = d.toLiteral(defaults[name], `${entityName(def)}: default input "${name}"`);
    else if ((d.literalType().unionType?.variants ?? []).some((v) => v.simple === 0)) {
      // Like flytekit: an optional input without a default defaults to none.
      param.default = d.toLiteral(null, `${entityName(def)}: input "${name}"`);
    } else param.required = true;
    parameters[name] = param;
  }
  return {
    workflowId: identifierOf(wf, s),
    defaultInputs: { parameters },
    fixedInputs: { literals: fixedLiterals(def) },
    entityMetadata: {},
    ...(s.rawOutputPrefix ? { rawOutputDataConfig: { outputLocationPrefix: s.rawOutputPrefix } } : {}),
  };
}

/** Serializes a workflow with everything it reaches (tasks, sub-workflows, launch plans). */
export function serializeWorkflow(def: WorkflowDef, s: SerializationSettings): SerializedWorkflow {
  const out: SerializedWorkflow = {
    template: workflowTemplate(def, s).template,
    subWorkflows: new Map(),
    tasks: new Map(),
    launchPlans: new Map(),
    entities: new Map([[entityName(def), def]]),
  };
  collectRefs(def, s, out, true);
  return out;
}

/** Adds everything `def` references to `out` (recursively). */
export function collectRefs(def: EntityDef, s: SerializationSettings, out: SerializedWorkflow, isPrimary = false): void {
  if (def.kind === 'workflow') {
    const wf = def as WorkflowDef;
    const { template, refs } = workflowTemplate(wf, s);
    if (!isPrimary) out.subWorkflows.set(entityName(def), template);
    for (const r of refs.values()) {
      const n = entityName(r);
      if (out.entities.has(n)) continue;
      out.entities.set(n, r);
      collectRefs(r, s, out);
    }
  } else if (def.kind === 'launchPlan') {
    const lp = def as LaunchPlanDef;
    out.launchPlans.set(entityName(def), { def: lp, template: launchPlanTemplate(lp, s) });
    const wf = lp.workflow[ENTITY];
    const n = entityName(wf);
    if (!out.entities.has(n)) {
      out.entities.set(n, wf);
      // The launched workflow is registered on its own, not as a sub-workflow.
      collectRefs(wf, s, out, true);
    }
  } else {
    const task = def as TaskDef;
    out.tasks.set(entityName(def), { def: task, template: taskTemplate(task, s) });
  }
}

/** The start node's id as the builder writes it into bindings. */
export { START_NODE };
