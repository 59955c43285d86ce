/**
 * The entity model behind `task`, `workflow`, `launchPlan` (and later `dynamic`, `eager`,
 * `containerTask`): callable functions carrying a definition. What a call does depends on where it
 * happens (see {@link dispatchCall}): inside a workflow/dynamic body it adds a node and returns
 * promises; inside an eager body or at top level it runs and resolves to real values.
 */
import type { TypeDescriptor, ValueOf } from '../core/types.ts';
import type { InputSpec, OutputSpec, OutputValue, ResolvedInterface } from './interface.ts';
import type { NodeOutput } from './promise.ts';

/** Marks an object as a tflyte entity. */
export const ENTITY = Symbol.for('tflyte.entity');

/** Kinds of entities; `dynamic`, `eager` and `container` are tasks for Flyte. */
export type EntityKind = 'task' | 'dynamic' | 'eager' | 'container' | 'map' | 'workflow' | 'launchPlan';

/** Resources as users write them: cpu in cores (`1`, `0.5`, `"500m"`), mem like `"512Mi"`. */
export interface ResourceSpec {
  cpu?: number | string;
  mem?: string;
}

/** Options every task accepts (design §3). */
export interface TaskOptions<I extends InputSpec, O extends OutputSpec> {
  /** Overrides the discovered name (`<module>.<export>`). */
  name?: string;
  inputs?: I;
  outputs?: O;
  /** Retries after a failed attempt (Flyte `retries`); default 0. */
  retries?: number;
  /** Per-attempt time limit: milliseconds or a string like `"30s"`, `"5m"`. */
  timeout?: number | string;
  /** Cache outputs by task name, cache version, interface and inputs (Flyte data catalog). */
  cache?: { version: string; serialize?: boolean; ignoreInputs?: string[] };
  /** Container image; default: the sandbox runtime image. */
  image?: string;
  resources?: ResourceSpec;
  env?: Record<string, string>;
  interruptible?: boolean;
  /**
   * Run attempts in warm, reusable containers (Flyte 2's `ReusePolicy`) instead of a new container
   * each: `true` for the defaults (2 replicas, 5 minutes idle), or how many containers to keep and
   * how long an idle one lives (`idleTtl`: milliseconds or like `"5m"`). Attempts still get their
   * own inputs, outputs, logs, variables, timeout and retries; they share the container's process
   * (modules stay loaded), `/tmp` and memory. See docs/reusable-containers.md.
   */
  reuse?: boolean | { replicas?: number; idleTtl?: number | string };
}

/** Definition shared by all entities. */
export interface EntityDef {
  readonly kind: EntityKind;
  /** Full name `<module path with dots>.<export>`; set by discovery or `options.name`. */
  name?: string;
  /** Where discovery found it: module path relative to the project root, and export name. */
  origin?: { module: string; exportName: string };
  /** Name from the function or options, used until discovery names the entity. */
  readonly fallbackName: string;
  readonly iface: ResolvedInterface;
  /** Input defaults (workflows, launch plans). */
  readonly defaults: Record<string, unknown>;
}

/** A task definition (`task`, `dynamic`, `eager`, `containerTask`). */
export interface TaskDef extends EntityDef {
  readonly kind: 'task' | 'dynamic' | 'eager' | 'container';
  readonly options: TaskOptions<InputSpec, OutputSpec>;
  /** The user function (absent for container tasks). */
  readonly fn?: (inputs: Record<string, unknown>) => unknown;
  /** Raw container tasks: image, command and where inputs/outputs live. */
  readonly container?: { image: string; command: string[]; inputDir: string; outputDir: string };
}

/** A workflow definition. */
export interface WorkflowDef extends EntityDef {
  readonly kind: 'workflow';
  readonly body: (inputs: Record<string, unknown>) => unknown;
  readonly failurePolicy: 'FAIL_IMMEDIATELY' | 'FAIL_AFTER_EXECUTABLE_NODES_COMPLETE';
}

/** A launch plan definition. */
export interface LaunchPlanDef extends EntityDef {
  readonly kind: 'launchPlan';
  readonly workflow: WorkflowEntity<InputSpec, OutputSpec>;
  readonly fixed: Record<string, unknown>;
}

/** A promise of a value of type V inside a workflow body (see {@link NodeOutput}). */
export type Promised<V> = NodeOutput & { readonly __value?: V } & (V extends readonly unknown[]
    ? { readonly [index: number]: Promised<V[number]> }
    : V extends Date
      ? unknown
      : V extends Record<string, unknown>
        ? { readonly [K in keyof V]: Promised<V[K]> }
        : unknown);

/** What a call accepts for an input of JS type V: a value, a promise, or a list/map of either. */
export type Bindable<V> =
  | V
  | Promised<V>
  | (V extends readonly (infer E)[] ? Bindable<E>[] : never)
  | (V extends Record<string, infer E> ? Record<string, Bindable<E>> : never);

/** Call inputs: every declared input, except those with defaults which may be omitted. */
export type CallInputs<I extends InputSpec, D extends keyof I = never> = {
  [K in Exclude<keyof I, D>]: Bindable<ValueOf<I[K]>>;
} & { [K in D]?: Bindable<ValueOf<I[K]>> };

/** Promises of the declared outputs, shaped like the declaration. */
export type CallOutputs<O extends OutputSpec> = O extends undefined
  ? Record<string, never>
  : O extends TypeDescriptor<infer V>
    ? Promised<V>
    : O extends readonly TypeDescriptor[]
      ? { -readonly [K in keyof O]: Promised<ValueOf<O[K]>> }
      : O extends Record<string, TypeDescriptor>
        ? { [K in keyof O]: Promised<ValueOf<O[K]>> }
        : never;

/**
 * What a call returns: in a workflow/dynamic body, promises shaped like the outputs; elsewhere
 * (eager bodies, top level) a Promise of the real values — hence both types.
 */
export type CallResult<O extends OutputSpec> = CallOutputs<O> & PromiseLike<OutputValue<O>>;

/** A callable task. */
export type TaskEntity<I extends InputSpec, O extends OutputSpec> = ((inputs: CallInputs<I>) => CallResult<O>) & {
  readonly [ENTITY]: TaskDef;
};

/** A callable workflow. */
export type WorkflowEntity<I extends InputSpec, O extends OutputSpec, D extends keyof I = never> = ((
  inputs: CallInputs<I, D>,
) => CallResult<O>) & {
  readonly [ENTITY]: WorkflowDef;
};

/** A callable launch plan. */
export type LaunchPlanEntity<I extends InputSpec, O extends OutputSpec> = ((
  inputs: Partial<CallInputs<I>>,
) => CallResult<O>) & {
  readonly [ENTITY]: LaunchPlanDef;
};

/** Any entity. */
export type AnyEntity = ((inputs: never) => unknown) & { readonly [ENTITY]: EntityDef };

/** The definition of an entity, or undefined for anything else. */
export function entityDef(x: unknown): EntityDef | undefined {
  if ((typeof x === 'function' || typeof x === 'object') && x !== null && ENTITY in x) {
    return (x as { [ENTITY]: EntityDef })[ENTITY];
  }
  return undefined;
}

/** The entity's full name (discovered), or its fallback name. */
export function entityName(def: EntityDef): string {
  return def.name ?? def.fallbackName;
}

/** The last dotted part of the entity's name: what flytekit shows as a node's name. */
export function shortName(def: EntityDef): string {
  const n = entityName(def);
  return n.slice(n.lastIndexOf('.') + 1);
}

/** Call dispatcher, installed by `context.ts` (kept as a hook to avoid an import cycle). */
let dispatcher: ((def: EntityDef, inputs: Record<string, unknown>) => unknown) | undefined;

/** @internal */
export function setDispatcher(fn: (def: EntityDef, inputs: Record<string, unknown>) => unknown): void {
  dispatcher = fn;
}

/**
 * Every entity made in this process (by every copy of the SDK), weakly held, so that an engine
 * running tasks in-process can find a task's definition by name (see {@link definedEntity}).
 */
const made: Set<WeakRef<EntityDef>> = (((globalThis as Record<symbol, unknown>)[Symbol.for('tflyte.sdk.made')] as Set<WeakRef<EntityDef>> | undefined) ??= new Set());

/**
 * The most recently made live entity named `name`, if any: how a task called directly
 * (`await my_wf({...})`) is found when its attempt runs, wherever it was defined. @internal
 */
export function definedEntity(name: string): EntityDef | undefined {
  let found: EntityDef | undefined;
  for (const ref of made) {
    const def = ref.deref();
    if (!def) made.delete(ref);
    else if (entityName(def) === name) found = def;
  }
  return found;
}

/** Makes a callable entity from its definition. */
export function makeEntity<E>(def: EntityDef): E {
  made.add(new WeakRef(def));
  const fn = function tflyteEntity(inputs?: Record<string, unknown>): unknown {
    if (!dispatcher) throw new Error('tflyte SDK is not initialised');
    if (inputs !== undefined && (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs))) {
      throw new TypeError(
        `${entityName(def)}: call it with one object of named inputs, e.g. ${shortName(def)}({ ${[...def.iface.inputs.keys()].map((k) => `${k}: …`).join(', ')} })`,
      );
    }
    return dispatcher(def, inputs ?? {});
  };
  Object.defineProperty(fn, ENTITY, { value: def, enumerable: false });
  Object.defineProperty(fn, 'name', { value: def.fallbackName });
  return fn as unknown as E;
}
