/**
 * The authoring functions users import from "tflyte": `task`, `workflow`, `launchPlan`.
 */
import {
  makeEntity,
  ENTITY,
  type LaunchPlanDef,
  type LaunchPlanEntity,
  type TaskDef,
  type TaskEntity,
  type TaskOptions,
  type WorkflowDef,
  type WorkflowEntity,
  type CallOutputs,
} from './entities.ts';
import {
  resolveInterface,
  type InputSpec,
  type InputValues,
  type OutputSpec,
  type OutputValue,
} from './interface.ts';
import type { NodeOutput } from './promise.ts';
import type { TypeDescriptor, ValueOf } from '../core/types.ts';

/**
 * Values of tuple outputs. A homomorphic mapped type (not a conditional one), so that TypeScript
 * types a returned array literal as a tuple.
 */
export type TupleValue<O extends readonly TypeDescriptor[]> = { -readonly [K in keyof O]: ValueOf<O[K]> };

let anonymous = 0;

function fallbackName(fn: Function | undefined, options: { name?: string }, kind: string): string {
  return options.name ?? (fn?.name && fn.name !== 'anonymous' ? fn.name : `${kind}_${anonymous++}`);
}

function checkRetries(retries: number | undefined, where: string): void {
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) {
    throw new TypeError(`${where}: retries must be a non-negative integer, got ${retries}`);
  }
}

/** @internal builds a task definition for any task kind. */
export function defineTask<I extends InputSpec, O extends OutputSpec>(
  kind: TaskDef['kind'],
  options: TaskOptions<I, O>,
  fn: ((inputs: InputValues<I>) => unknown) | undefined,
  extra: Partial<TaskDef> = {},
): TaskDef {
  const name = fallbackName(fn, options, kind);
  checkRetries(options.retries, name);
  if (options.cache !== undefined && (typeof options.cache.version !== 'string' || options.cache.version === '')) {
    throw new TypeError(`${name}: cache.version must be a non-empty string (bump it to invalidate cached outputs)`);
  }
  const def: TaskDef = {
    kind,
    fallbackName: name,
    iface: resolveInterface(options.inputs, options.outputs, name),
    defaults: {},
    options: options as TaskOptions<InputSpec, OutputSpec>,
    ...(fn ? { fn: fn as (inputs: Record<string, unknown>) => unknown } : {}),
    ...extra,
  };
  if (options.name) def.name = options.name;
  return def;
}

/**
 * Declares a task: a function that runs in its own container in the sandbox (or in-process
 * locally). `outputs` may be one type (output `o0`), a tuple (`o0, o1, …`) or named outputs.
 *
 * @example
 * export const t2 = task({ inputs: { a: t.str, b: t.str }, outputs: t.str }, ({ a, b }) => b + a);
 */
export function task<const I extends InputSpec, const O extends readonly TypeDescriptor[]>(
  options: TaskOptions<I, O> & { outputs: O },
  fn: (inputs: InputValues<I>) => NoInfer<TupleValue<O>> | Promise<NoInfer<TupleValue<O>>>,
): TaskEntity<I, O>;
export function task<const I extends InputSpec = Record<string, never>, const O extends OutputSpec = undefined>(
  options: TaskOptions<I, O>,
  fn: (inputs: InputValues<I>) => NoInfer<OutputValue<O>> | Promise<NoInfer<OutputValue<O>>>,
): TaskEntity<I, O>;
export function task(
  options: TaskOptions<InputSpec, OutputSpec>,
  fn: (inputs: Record<string, unknown>) => unknown,
): unknown {
  if (typeof fn !== 'function') throw new TypeError('task(options, fn): fn must be a function');
  return makeEntity(defineTask('task', options, fn));
}

/** Options of a static workflow. */
export interface WorkflowOptions<I extends InputSpec, O extends OutputSpec, D extends Partial<InputValues<I>>> {
  name?: string;
  inputs?: I;
  outputs?: O;
  /** Default values for inputs; they become optional in calls and launch forms. */
  defaults?: D;
  /** Flyte's failure policy; default: fail immediately. */
  failurePolicy?: 'FAIL_IMMEDIATELY' | 'FAIL_AFTER_EXECUTABLE_NODES_COMPLETE';
}

/** Promises of a workflow's inputs, as its body receives them. */
export type WorkflowInputs<I extends InputSpec> = { [K in keyof I]: NodeOutput & CallOutputs<I[K]> };

/**
 * Declares a static workflow. The body runs once, at compile time, to wire calls together: calls
 * return promises of outputs that can be passed on but not read (use `dynamic` or `eager` for that).
 *
 * @example
 * export const my_wf = workflow({ inputs: { a: t.int, b: t.str }, outputs: [t.int, t.str] }, ({ a, b }) => {
 *   const { t1_int_output: x, c: y } = t1({ a });
 *   return [x, t2({ a: y, b })];
 * });
 */
export function workflow<
  const I extends InputSpec = Record<string, never>,
  const O extends OutputSpec = undefined,
  D extends Partial<InputValues<I>> = Record<never, never>,
>(
  options: WorkflowOptions<I, O, D>,
  body: (inputs: WorkflowInputs<I>) => unknown,
): WorkflowEntity<I, O, keyof D & keyof I> {
  if (typeof body !== 'function') throw new TypeError('workflow(options, body): body must be a function');
  const name = fallbackName(body, options, 'workflow');
  const iface = resolveInterface(options.inputs, options.outputs, name);
  const defaults: Record<string, unknown> = { ...(options.defaults ?? {}) };
  for (const [k, v] of Object.entries(defaults)) {
    const d = iface.inputs.get(k);
    if (!d) throw new TypeError(`${name}: default given for unknown input "${k}"`);
    d.toLiteral(v, `${name}: defaults.${k}`);
  }
  const def: WorkflowDef = {
    kind: 'workflow',
    fallbackName: name,
    iface,
    defaults,
    body: body as (inputs: Record<string, unknown>) => unknown,
    failurePolicy: options.failurePolicy ?? 'FAIL_IMMEDIATELY',
  };
  if (options.name) def.name = options.name;
  return makeEntity(def);
}

/** Options of a launch plan. */
export interface LaunchPlanOptions {
  /** The launch plan's name; default `<workflow name>` (the default launch plan). */
  name: string;
  /** Defaults for inputs (override the workflow's). */
  defaults?: Record<string, unknown>;
  /** Inputs fixed for every execution; they cannot be given at launch. */
  fixed?: Record<string, unknown>;
}

/**
 * Declares a launch plan of a workflow, with default and fixed inputs. Calling it inside a
 * workflow adds a launch-plan node (a child execution).
 */
export function launchPlan<I extends InputSpec, O extends OutputSpec>(
  wf: WorkflowEntity<I, O, never> | WorkflowEntity<I, O, keyof I>,
  options: LaunchPlanOptions,
): LaunchPlanEntity<I, O> {
  const wfDef = (wf as unknown as { [ENTITY]: WorkflowDef })[ENTITY];
  if (!wfDef || wfDef.kind !== 'workflow') throw new TypeError('launchPlan(wf, options): wf must be a workflow');
  const where = `launch plan ${options.name}`;
  const check = (vals: Record<string, unknown> | undefined, what: string): Record<string, unknown> => {
    for (const [k, v] of Object.entries(vals ?? {})) {
      const d = wfDef.iface.inputs.get(k);
      if (!d) throw new TypeError(`${where}: ${what} input "${k}" is not an input of the workflow`);
      d.toLiteral(v, `${where}: ${what}.${k}`);
    }
    return { ...(vals ?? {}) };
  };
  const def: LaunchPlanDef = {
    kind: 'launchPlan',
    fallbackName: options.name,
    name: options.name,
    iface: wfDef.iface,
    defaults: check(options.defaults, 'defaults'),
    fixed: check(options.fixed, 'fixed'),
    workflow: wf as unknown as LaunchPlanDef['workflow'],
  };
  return makeEntity(def);
}
