/**
 * `map(task, { concurrency, minSuccessRatio })`: runs a task once per element of its list inputs
 * (Flyte's map task, compiled to an array node). Inputs given as lists of the task's input type
 * are mapped; the others are passed unchanged to every run. The outputs are lists, one element
 * per run; with `minSuccessRatio < 1` the failed runs' elements are `null`.
 */
import { ENTITY, entityName, makeEntity, shortName, type CallResult, type EntityDef, type TaskDef, type TaskEntity } from './entities.ts';
import type { InputSpec, OutputSpec, ResolvedInterface } from './interface.ts';
import { t, type TypeDescriptor, type ValueOf } from '../core/types.ts';

/** Options of a map. */
export interface MapOptions {
  /** Max runs at once (Flyte `parallelism`); default: unlimited (the sandbox's limit applies). */
  concurrency?: number;
  /** Fraction of runs that must succeed (0–1]; default 1 (all). */
  minSuccessRatio?: number;
}

/** The definition of a map: the task mapped and how. */
export interface MapDef extends EntityDef {
  readonly kind: 'map';
  readonly task: TaskDef;
  readonly concurrency?: number;
  readonly minSuccessRatio: number;
}

/** Outputs of a mapped task: each output becomes a list (of optionals when failures are allowed). */
export function mappedInterface(task: TaskDef, minSuccessRatio: number): ResolvedInterface {
  const outputs = new Map<string, TypeDescriptor>();
  for (const [k, d] of task.iface.outputs) outputs.set(k, t.list(minSuccessRatio < 1 ? t.optional(d) : d));
  const inputs = new Map<string, TypeDescriptor>();
  for (const [k, d] of task.iface.inputs) inputs.set(k, t.list(d));
  return { inputs, outputs, outputShape: task.iface.outputShape };
}

type MappedInputs<I extends InputSpec> = { [K in keyof I]: unknown };

/** Output declaration of a mapped task: every output becomes a list. */
export type ListOutputs<O extends OutputSpec> = O extends TypeDescriptor<infer V>
  ? TypeDescriptor<V[]>
  : O extends readonly TypeDescriptor[]
    ? { -readonly [K in keyof O]: TypeDescriptor<ValueOf<O[K]>[]> }
    : O extends Record<string, TypeDescriptor>
      ? { [K in keyof O]: TypeDescriptor<ValueOf<O[K]>[]> }
      : undefined;

/**
 * Maps a task over list inputs.
 *
 * @example
 * const squares = map(square, { concurrency: 10 })({ x: [1, 2, 3] }); // [1, 4, 9]
 */
export function map<I extends InputSpec, O extends OutputSpec>(
  task: TaskEntity<I, O>,
  options: MapOptions = {},
): (inputs: MappedInputs<I>) => CallResult<ListOutputs<O>> {
  const def = (task as unknown as { [ENTITY]: TaskDef })[ENTITY];
  if (!def || !['task', 'container'].includes(def.kind)) throw new TypeError('map(task, options): the first argument must be a task');
  const ratio = options.minSuccessRatio ?? 1;
  if (!(ratio > 0 && ratio <= 1)) throw new TypeError(`map(${shortName(def)}): minSuccessRatio must be in (0, 1], got ${ratio}`);
  if (options.concurrency !== undefined && (!Number.isInteger(options.concurrency) || options.concurrency < 1)) {
    throw new TypeError(`map(${shortName(def)}): concurrency must be a positive integer, got ${options.concurrency}`);
  }
  const mapDef: MapDef = {
    kind: 'map',
    task: def,
    fallbackName: `map_${def.fallbackName}`,
    get name() {
      return `${entityName(def)}.map`;
    },
    iface: mappedInterface(def, ratio),
    defaults: {},
    minSuccessRatio: ratio,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  } as MapDef;
  return makeEntity(mapDef);
}
