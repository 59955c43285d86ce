/**
 * `eager(opts, async body)`: a workflow written as ordinary async TypeScript. Awaiting a task,
 * workflow or eager call inside gives its real outputs; `Promise.all` runs calls in parallel; a
 * failed call throws {@link EagerException}. The eager task runs as a task (in its
 * container, or in-process in a local run) and each call becomes a child execution.
 */
import { currentCallContext, runInContext, type ExecutionContext } from './context.ts';
import { defineTask, type TupleValue } from './api.ts';
import { entityName, makeEntity, type EntityDef, type TaskEntity, type TaskOptions } from './entities.ts';
import type { InputSpec, InputValues, OutputSpec, OutputValue } from './interface.ts';
import type { TypeDescriptor } from '../core/types.ts';

/** Whose fault a failure was, as Flyte's `ExecutionError.kind`. */
export type ErrorKind = 'USER' | 'SYSTEM' | 'UNKNOWN';

/**
 * A call awaited in an eager workflow failed. Like flytekit's `EagerException`, and beyond it:
 * it names the entity, the child execution (in the sandbox) and the original error's name,
 * message and kind.
 */
export class EagerException extends Error {
  /** Full name of the entity whose call failed. */
  readonly entity: string;
  /** The child execution's name (sandbox runs only). */
  readonly executionId?: string;
  /** Name of the original error (e.g. `TypeError`). */
  readonly errorName: string;
  /** Message of the original error, without its name. */
  readonly errorMessage: string;
  readonly kind: ErrorKind;
  constructor(fields: { entity: string; executionId?: string; errorName: string; errorMessage: string; kind: ErrorKind; cause?: unknown }) {
    super(
      `${fields.entity}${fields.executionId ? ` (execution ${fields.executionId})` : ''} failed: ${fields.errorName}: ${fields.errorMessage}`,
      fields.cause === undefined ? undefined : { cause: fields.cause },
    );
    this.name = 'EagerException';
    this.entity = fields.entity;
    if (fields.executionId !== undefined) this.executionId = fields.executionId;
    this.errorName = fields.errorName;
    this.errorMessage = fields.errorMessage;
    this.kind = fields.kind;
  }

  /** Works across copies of the SDK (the CLI's and a user file's). */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as { name?: string }).name === 'EagerException' && 'errorName' in x;
  }
}

/**
 * Declares an eager workflow: an async function whose awaited calls return real values.
 *
 * @example
 * export const simple = eager({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
 *   const out = await add_one({ x });
 *   return out < 0 ? -1 : await double({ x: out });
 * });
 */
export function eager<const I extends InputSpec, const O extends readonly TypeDescriptor[]>(
  options: TaskOptions<I, O> & { outputs: O },
  body: (inputs: InputValues<I>) => Promise<NoInfer<TupleValue<O>>>,
): TaskEntity<I, O>;
export function eager<const I extends InputSpec = Record<string, never>, const O extends OutputSpec = undefined>(
  options: TaskOptions<I, O>,
  body: (inputs: InputValues<I>) => Promise<NoInfer<OutputValue<O>>>,
): TaskEntity<I, O>;
export function eager(options: TaskOptions<InputSpec, OutputSpec>, body: (inputs: Record<string, unknown>) => Promise<unknown>): unknown {
  if (typeof body !== 'function') throw new TypeError('eager(options, body): body must be an async function');
  return makeEntity(defineTask('eager', options, body));
}

/** Runs an eager body with calls going to `ctx` (the runtime passes the sandbox's context). */
export function runEagerBody(def: EntityDef & { fn?: (i: Record<string, unknown>) => unknown }, inputs: Record<string, unknown>, ctx: ExecutionContext): Promise<unknown> {
  return runInContext(ctx, () => Promise.resolve((def.fn as (i: Record<string, unknown>) => unknown)(inputs)));
}
