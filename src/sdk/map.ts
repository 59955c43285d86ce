/**
 * `map(task, { concurrency, minSuccessRatio })`: runs a task once per element of its list inputs
 * (Flyte's map task, compiled to an array node). Inputs given as lists of the task's input type
 * are mapped; the others are passed unchanged to every run. The outputs are lists, one element
 * per run; with `minSuccessRatio < 1` the failed runs' elements are `null`.
 */
import { ENTITY, entityName, makeEntity, shortName, type CallResult, type EntityDef, type TaskDef, type TaskEntity } from './entities.ts';
import type { InputSpec, OutputSpec, ResolvedInterface } from './interface.ts';
import { sha256Hex } from '../core/sha256.ts';
import { t, type TypeDescriptor, type ValueOf } from '../core/types.ts';

/** Options of a map. */
/**
 * Whether a plain value given to a map for input `d` is mapped over (one element per item) or
 * passed unchanged to every item: an array is mapped, unless the input is itself a list and the
 * value is a list of that (a list of lists maps; a plain list is the list input of each item).
 * Workflow bodies (`builder.ts`) and eager maps both decide with this.
 */
export function mapsOver(d: TypeDescriptor | undefined, v: unknown): v is unknown[] {
  if (!Array.isArray(v)) return false;
  return d?.kind !== 'list' || (v.length > 0 && v.every(Array.isArray));
}

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

/** Where an array-node task variant keeps the task it maps. */
export const MAPPED_TASK = Symbol.for('tflyte.mappedTask');

/**
 * The task an array node's sub-node references, as flytekit registers it for Flyte 1.16 (whose
 * compiler takes an array node's interface as is from its sub-node): the mapped task's container,
 * under the name `<module>.map_<task>_<hash>-arraynode`, with every mapped input and every output
 * a list (of optionals when failures are allowed). Each item still runs the mapped task's own
 * function on one element: the container's args name the original task.
 */
export interface ArrayNodeTaskDef extends TaskDef {
  readonly [MAPPED_TASK]: TaskDef;
}

/** The task a task def runs: the mapped task of an array-node variant, else itself. */
export function mappedTaskOf(def: TaskDef): TaskDef {
  return (def as Partial<ArrayNodeTaskDef>)[MAPPED_TASK] ?? def;
}

/** The array-node variant of `task` with these (already list-typed where mapped) inputs. */
export function arrayNodeTask(task: TaskDef, inputs: Map<string, TypeDescriptor>, partial: boolean): ArrayNodeTaskDef {
  const base = entityName(task);
  const dot = base.lastIndexOf('.');
  const mapped = [...inputs].filter(([k, d]) => d !== task.iface.inputs.get(k)).map(([k]) => k).sort();
  const hash = sha256Hex(JSON.stringify({ mapped, partial })).slice(0, 8);
  const name = `${base.slice(0, dot + 1)}map_${base.slice(dot + 1)}_${hash}-arraynode`;
  const outputs = new Map<string, TypeDescriptor>();
  for (const [k, d] of task.iface.outputs) outputs.set(k, t.list(partial ? t.optional(d) : d));
  const { origin: _origin, ...rest } = task;
  return { ...rest, name, fallbackName: name, iface: { inputs, outputs, outputShape: task.iface.outputShape }, [MAPPED_TASK]: task };
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
