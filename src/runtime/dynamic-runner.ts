/**
 * Runs a dynamic task inside its container: the body builds a workflow from the real inputs, and
 * the runtime writes it as Flyte's futures file (`DynamicJobSpec`: nodes, every task and
 * sub-workflow they reference, output bindings) for propeller to compile and run. A body that
 * builds no nodes produces its outputs directly, as flytekit does.
 */
import type { flyteidl } from '../core/idl.ts';
import { buildDynamic } from '../sdk/dynamic.ts';
import {
  collectRefs,
  DEFAULT_IMAGE,
  entityName,
  type SerializationSettings,
  type SerializedWorkflow,
  type TaskDef,
} from '../sdk/internal.ts';
import type { RuntimeContext, TaskOutcome } from './execute.ts';

/** Settings for the entities a dynamic body references: same project/domain/version as the task. */
export function settingsFromEnv(env: NodeJS.ProcessEnv, bundleUri: string | undefined): SerializationSettings {
  return {
    project: env.FLYTE_INTERNAL_TASK_PROJECT ?? env.FLYTE_INTERNAL_EXECUTION_PROJECT ?? 'flytesnacks',
    domain: env.FLYTE_INTERNAL_TASK_DOMAIN ?? env.FLYTE_INTERNAL_EXECUTION_DOMAIN ?? 'development',
    version: env.FLYTE_INTERNAL_TASK_VERSION ?? 'dynamic',
    image: env.TFLYTE_DEFAULT_IMAGE ?? DEFAULT_IMAGE,
    ...(bundleUri ? { bundleUri } : {}),
  };
}

/** A binding without promises (a body that built no nodes can bind only values) as a literal. */
function constantLiteral(b: flyteidl.core.IBindingData, where: string): flyteidl.core.ILiteral {
  let lit: flyteidl.core.ILiteral;
  if (b.collection) lit = { collection: { literals: (b.collection.bindings ?? []).map((x, i) => constantLiteral(x, `${where}[${i}]`)) } };
  else if (b.map) lit = { map: { literals: Object.fromEntries(Object.entries(b.map.bindings ?? {}).map(([k, x]) => [k, constantLiteral(x, `${where}.${k}`)])) } };
  else if (b.scalar) lit = { scalar: b.scalar };
  else throw new Error(`${where}: a dynamic body that built no nodes can only return values`);
  return b.union?.targetType ? { scalar: { union: { value: lit, type: b.union.targetType } } } : lit;
}

/** The futures file for a dynamic task, or its outputs when it built no nodes. */
export async function runDynamic(def: TaskDef, inputs: Record<string, unknown>, ctx: RuntimeContext): Promise<TaskOutcome> {
  const settings = settingsFromEnv(ctx.env, ctx.args.bundle);
  const build = buildDynamic(def, inputs, settings);
  const nodes = build.template.nodes ?? [];
  if (nodes.length === 0) {
    const literals: Record<string, flyteidl.core.ILiteral> = {};
    const outVars = build.template.interface?.outputs?.variables ?? {};
    for (const b of build.template.outputs ?? []) {
      literals[b.var ?? ''] = constantLiteral(b.binding ?? {}, `output ${b.var ?? ''}`);
    }
    return { kind: 'outputs', outputs: { literals } };
  }
  const collected: SerializedWorkflow = {
    template: build.template,
    subWorkflows: new Map(),
    tasks: new Map(),
    launchPlans: new Map(),
    entities: new Map(),
  };
  for (const ref of build.refs.values()) {
    const n = entityName(ref);
    if (collected.entities.has(n)) continue;
    collected.entities.set(n, ref);
    collectRefs(ref, settings, collected);
  }
  return {
    kind: 'futures',
    spec: {
      nodes,
      minSuccesses: nodes.length,
      outputs: build.template.outputs ?? [],
      tasks: [...collected.tasks.values()].map((t) => t.template),
      subworkflows: [...collected.subWorkflows.values()],
    },
  };
}
