/**
 * Where a call happens decides what it does:
 * 1. inside a workflow or dynamic body being built → a node is added, promises are returned;
 * 2. inside an execution context (an eager body, or the runtime) → the context runs the call;
 * 3. anywhere else (a user script, a test) → the entity runs in-process (local execution).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkflowBuilder } from './builder.ts';
import { setDispatcher, type EntityDef } from './entities.ts';

/**
 * State shared by every copy of the SDK loaded in this process (a user file may resolve "tflyte"
 * to another copy than the CLI's): calls must reach the same builder stack and contexts.
 */
interface SharedState {
  builders: WorkflowBuilder[];
  contexts: AsyncLocalStorage<ExecutionContext>;
  topLevel?: (def: EntityDef, inputs: Record<string, unknown>) => Promise<unknown>;
}
const STATE_KEY = Symbol.for('tflyte.sdk.state');
const shared: SharedState = ((globalThis as Record<symbol, unknown>)[STATE_KEY] as SharedState | undefined) ??
  ((globalThis as Record<symbol, unknown>)[STATE_KEY] = {
    builders: [],
    contexts: new AsyncLocalStorage<ExecutionContext>(),
  } satisfies SharedState) as SharedState;
const builders = shared.builders;

/** Runs `fn` with `builder` receiving the calls it makes (synchronously). */
export function runInBuilder<T>(builder: WorkflowBuilder, fn: () => T): T {
  builders.push(builder);
  try {
    return fn();
  } finally {
    builders.pop();
  }
}

/** The builder receiving calls right now, if any. */
export function currentBuilder(): WorkflowBuilder | undefined {
  return builders[builders.length - 1];
}

/** Runs calls made inside an eager body (locally or against the sandbox). */
export interface ExecutionContext {
  call(def: EntityDef, inputs: Record<string, unknown>): Promise<unknown>;
}

const contexts = shared.contexts;

/** Runs `fn` with calls inside it (and in everything it awaits) going to `ctx`. */
export function runInContext<T>(ctx: ExecutionContext, fn: () => T): T {
  return contexts.run(ctx, fn);
}

/** The execution context of the current async flow, if any. */
export function currentCallContext(): ExecutionContext | undefined {
  return contexts.getStore();
}

/** Installs what top-level calls do (the local executor). */
export function setTopLevelRunner(fn: (def: EntityDef, inputs: Record<string, unknown>) => Promise<unknown>): void {
  shared.topLevel ??= fn;
}

setDispatcher((def, inputs) => {
  const b = currentBuilder();
  if (b) return b.addCall(def, inputs);
  const ctx = currentCallContext();
  if (ctx) return ctx.call(def, inputs);
  if (!shared.topLevel) throw new Error('tflyte: local execution is not available');
  return shared.topLevel(def, inputs);
});
