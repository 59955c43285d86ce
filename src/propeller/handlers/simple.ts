/**
 * Handlers of the structural nodes: `start-node` (its outputs are the scope's inputs), `end-node`
 * (its resolved inputs become the scope's `outputs.pb`) and the kinds not supported yet.
 */
import type { flyteidl } from '../../core/idl.ts';
import { attemptUris } from '../../storage/layout.ts';
import { writeProto } from '../../storage/proto-io.ts';
import { executionError, EXECUTION_ERROR_CODES } from '../errors.ts';
import { Transition } from './handler.ts';
import type { NodeHandler } from './handler.ts';

/** `start-node`: succeeds at once; outputs point at the (sub-)workflow inputs. */
export const startHandler: NodeHandler = {
  countsForParallelism: false,
  async handle(ctx) {
    return Transition.success(ctx.scope.inputsUri);
  },
  async abort() {
    return {};
  },
};

/** `end-node`: copies its resolved inputs (the workflow output bindings) to `outputs.pb`. */
export const endHandler: NodeHandler = {
  countsForParallelism: false,
  async handle(ctx) {
    const data = ctx.exec.deps.data;
    const inputs = await ctx.exec.readLiteralMap(ctx.inputsUri);
    const out = attemptUris(data, ctx.dataDir, 0).outputs;
    await writeProto(data, out, 'flyteidl.core.LiteralMap', inputs);
    return Transition.success(out);
  },
  async abort() {
    return {};
  },
};

/** Kinds without a handler yet (gate, …): fail the node with a clear code. */
export function unsupportedHandler(kind: string): NodeHandler {
  return {
    countsForParallelism: false,
    async handle(ctx) {
      return Transition.failure(
        executionError(
          'USER',
          EXECUTION_ERROR_CODES.NODE_KIND_UNSUPPORTED,
          `node ${ctx.node.id} is a ${kind} node, which this engine does not run yet`,
        ),
      );
    },
    async abort() {
      return {};
    },
  };
}

/** Copies a LiteralMap document into a node's attempt directory; returns the new URI. */
export async function copyOutputsTo(
  ctx: { exec: { readLiteralMap(uri: string): Promise<flyteidl.core.ILiteralMap>; deps: { data: import('../../storage/data-store.ts').DataStore } }; dataDir: string; attempt: number },
  fromUri: string | undefined,
): Promise<string> {
  const data = ctx.exec.deps.data;
  const outputs = fromUri ? await ctx.exec.readLiteralMap(fromUri) : { literals: {} };
  const out = attemptUris(data, ctx.dataDir, ctx.attempt).outputs;
  await writeProto(data, out, 'flyteidl.core.LiteralMap', outputs);
  return out;
}
