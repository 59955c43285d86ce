/**
 * Array nodes (`array_node`, Flyte `nodes/array`): `map(task)` runs the sub-node's task once per
 * item. Every input not in `bound_inputs` must be a list, all of one length N (no mapped input:
 * N = 1); item i gets element i of each mapped input and the bound inputs as they are, written as
 * its own `inputs.pb`, so the task runs exactly like a plain task node.
 *
 * Items are child node executions of the array node (kind `item`, unique id
 * `<array node>-<attempt>-<i>`, spec node id `<i>`, name `<task>[<i>]`): each has its own
 * attempts, retries, timeouts, task events and logs, and the node-executions API lists them with
 * `unique_parent_id=<array node>`. At most `parallelism` run at once (0/unset: the sandbox's
 * `maxParallelism`, 0 there = unlimited); they do not count against the execution's max
 * parallelism (the array node counts as one).
 *
 * The node needs `min_successes` successes (or `ceil(min_success_ratio·N)`, default N). Once
 * that is out of reach it aborts the running items and fails with USER
 * `ArrayNodeMinSuccessesNotMet`; otherwise, when every item has ended, each output becomes a list
 * of N values with NONE in the slots of failed items.
 */
import type { flyteidl } from '../../core/idl.ts';
import type { NodePhase } from '../../core/phases.ts';
import { NodePhases } from '../../core/phases.ts';
import { attemptUris } from '../../storage/layout.ts';
import { writeProto } from '../../storage/proto-io.ts';
import { executionError, EXECUTION_ERROR_CODES } from '../errors.ts';
import { uniqueNodeId } from '../ids.ts';
import { Transition } from './handler.ts';
import type { HandlerResult, NodeContext, NodeHandler } from './handler.ts';
import { minSuccessesNeeded } from '../../core/vocabulary.ts';
import { runsSandboxRuntime } from './task.ts';

type ILiteral = flyteidl.core.ILiteral;
type ILiteralMap = flyteidl.core.ILiteralMap;

const NONE: ILiteral = { scalar: { noneType: {} } };
const SUCCESS: ReadonlySet<NodePhase> = new Set(['SUCCEEDED', 'RECOVERED']);

/** How the items of one array node get their inputs. */
interface ItemPlan {
  n: number;
  inputsOf(i: number): ILiteralMap;
}

/** Splits the array node's inputs into per-item inputs, or explains why they do not fit. */
export function planItems(inputs: ILiteralMap, boundInputs: readonly string[]): ItemPlan | { error: string } {
  const bound = new Set(boundInputs);
  const fixed: Record<string, ILiteral> = {};
  const mapped: Array<[string, ILiteral[]]> = [];
  for (const [name, lit] of Object.entries(inputs.literals ?? {})) {
    if (bound.has(name)) fixed[name] = lit;
    else if (lit.collection) mapped.push([name, lit.collection.literals ?? []]);
    else return { error: `input "${name}" is mapped, so it must be a list (inputs passed unchanged to every item are listed in bound_inputs)` };
  }
  const n = mapped.length === 0 ? 1 : mapped[0]![1].length;
  if (mapped.some(([, xs]) => xs.length !== n)) {
    return { error: `the mapped inputs must be lists of one length, got ${mapped.map(([k, xs]) => `${k}: ${xs.length}`).join(', ')}` };
  }
  return {
    n,
    inputsOf(i) {
      const literals: Record<string, ILiteral> = { ...fixed };
      for (const [name, xs] of mapped) literals[name] = xs[i]!;
      return { literals };
    },
  };
}

/** Successes an array node of `n` items needs (Flyte: `min_successes`, else ceil(ratio·n), else n). */
export function minSuccessesOf(an: flyteidl.core.IArrayNode, n: number): number {
  return minSuccessesNeeded(n, an);
}

/** A float32 ratio as it was written: 0.6, not 0.6000000238418579. */
export function ratioText(ratio: number): string {
  return String(Number(ratio.toPrecision(6)));
}

const itemNodes = new WeakMap<flyteidl.core.INode, flyteidl.core.INode[]>();

/** The node item `i` runs: the sub-node's task, retries and timeout, named `<task>[i]`. */
function itemNode(sub: flyteidl.core.INode, i: number): flyteidl.core.INode {
  let list = itemNodes.get(sub);
  if (!list) {
    list = [];
    itemNodes.set(sub, list);
  }
  let n = list[i];
  if (!n) {
    const md = sub.metadata ?? {};
    n = {
      id: String(i),
      metadata: {
        name: `${md.name || sub.taskNode?.referenceId?.name || sub.id || 'item'}[${i}]`,
        ...(md.retries ? { retries: md.retries } : {}),
        ...(md.timeout ? { timeout: md.timeout } : {}),
        ...(md.interruptible !== undefined && md.interruptible !== null ? { interruptible: md.interruptible } : {}),
      },
      taskNode: sub.taskNode ?? null,
    };
    list[i] = n;
  }
  return n;
}

function itemUid(ctx: NodeContext, i: number): string {
  return uniqueNodeId({ uniqueId: ctx.uniqueId, attempt: ctx.attempt }, String(i));
}

function firstLine(s: string | null | undefined): string {
  return (s ?? '').split('\n', 1)[0] ?? '';
}

function invalid(ctx: NodeContext, message: string): HandlerResult {
  return Transition.failure(executionError('USER', EXECUTION_ERROR_CODES.ARRAY_INPUTS, `map node ${ctx.node.id}: ${message}`));
}

/** Aborts the started, unfinished items. */
async function abortItems(ctx: NodeContext, sub: flyteidl.core.INode, n: number, reason: string): Promise<void> {
  for (let i = 0; i < n; i++) await ctx.exec.abortNode(ctx.scope, itemNode(sub, i), itemUid(ctx, i), reason);
}

/**
 * The name of the task a map runs: flytekit's (and our SDK's) array-node variant
 * `<module>.map_<task>_<hash>-arraynode` runs `<module>.<task>`.
 */
export function mappedTaskName(name: string): string {
  const m = /^(.*\.)?map_(.+)_[0-9a-f]{6,}-arraynode$/.exec(name);
  return m ? `${m[1] ?? ''}${m[2]}` : name;
}

/** The array node handler. */
export const arrayHandler: NodeHandler = {
  countsForParallelism: true,

  async handle(ctx) {
    const { exec } = ctx;
    const an = ctx.node.arrayNode;
    const sub = an?.node;
    if (!an || !sub?.taskNode) return invalid(ctx, 'only a task can be mapped, and this array node has no task sub-node');
    const wholeInputs = await exec.readLiteralMap(ctx.inputsUri);
    const plan = planItems(wholeInputs, an.boundInputs ?? []);
    if ('error' in plan) return invalid(ctx, plan.error);
    // Flyte hands every item the array node's whole inputs and its index (FLYTE_K8S_ARRAY_INDEX),
    // which is what flytekit's map tasks read; the sandbox's own runtime is given its item's inputs.
    const itemInputs = runsSandboxRuntime(exec.findTask(ctx.scope, sub.taskNode.referenceId)) ? (i: number) => plan.inputsOf(i) : () => wholeInputs;
    const { n } = plan;
    const patch = ctx.status.arraySize === n ? {} : { arraySize: n };
    const min = minSuccessesOf(an, n);
    const configured = an.parallelism ?? 0;
    const limit = configured > 0 ? configured : exec.config.maxParallelism;

    let succeeded = 0;
    let failed = 0;
    let active = 0;
    const failures: string[] = [];
    const tally = (i: number, phase: NodePhase, error: flyteidl.core.IExecutionError | undefined): void => {
      if (SUCCESS.has(phase)) succeeded++;
      else if (NodePhases.isTerminal(phase)) {
        failed++;
        if (failures.length < 3) failures.push(`[${i}] ${error?.code ?? phase}: ${firstLine(error?.message)}`);
      } else active++;
    };
    // Started items first (their exits free slots), then new ones in index order; each group is
    // handled together so that their I/O and launches overlap.
    const started: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < n; i++) {
      const st = exec.statusOf(itemUid(ctx, i));
      if (!st) fresh.push(i);
      else if (NodePhases.isTerminal(st.phase)) tally(i, st.phase, st.error);
      else started.push(i);
    }
    const advanced = await Promise.all(started.map((i) => exec.executeNode(ctx.scope, itemNode(sub, i), itemUid(ctx, i), ctx.uniqueId, { kind: 'item' })));
    advanced.forEach((st, k) => tally(started[k]!, st.phase, st.error));
    if (n - failed >= min) {
      const slots = limit === 0 ? fresh.length : Math.max(0, limit - active);
      const starting = fresh.slice(0, slots);
      const results = await Promise.all(
        starting.map((i) => exec.executeNode(ctx.scope, itemNode(sub, i), itemUid(ctx, i), ctx.uniqueId, { kind: 'item', inputs: () => itemInputs(i) })),
      );
      results.forEach((st, k) => tally(starting[k]!, st.phase, st.error));
    }

    if (n - failed < min) {
      await abortItems(ctx, sub, n, `map node ${ctx.node.id} cannot reach its minimum successes`);
      const task = mappedTaskName(sub.taskNode.referenceId?.name ?? 'task');
      return Transition.failure(
        executionError(
          'USER',
          EXECUTION_ERROR_CODES.ARRAY_MIN_SUCCESSES,
          `map over ${task} (node ${ctx.node.id}): ${failed} of ${n} items failed, so at most ${n - failed} can succeed but ${min} must` +
            `${an.minSuccessRatio !== undefined && an.minSuccessRatio !== null ? ` (min success ratio ${ratioText(an.minSuccessRatio)})` : ''}; first failures: ${failures.join('; ')}`,
        ),
        { patch },
      );
    }
    if (succeeded + failed < n) return Transition.running({ patch });

    const outputs: Record<string, ILiteral[]> = {};
    const task = exec.findTask(ctx.scope, sub.taskNode.referenceId);
    for (const name of Object.keys(task.interface?.outputs?.variables ?? {})) outputs[name] = [];
    for (let i = 0; i < n; i++) {
      const st = exec.statusOf(itemUid(ctx, i));
      const m = st && SUCCESS.has(st.phase) && st.outputsUri ? await exec.readLiteralMap(st.outputsUri) : undefined;
      for (const [name, list] of Object.entries(outputs)) list.push(m?.literals?.[name] ?? NONE);
    }
    const literals: Record<string, ILiteral> = {};
    for (const [name, list] of Object.entries(outputs)) literals[name] = { collection: { literals: list } };
    const data = exec.deps.data;
    const out = attemptUris(data, ctx.dataDir, ctx.attempt).outputs;
    await writeProto(data, out, 'flyteidl.core.LiteralMap', { literals });
    return Transition.success(out, { patch });
  },

  async abort(ctx, reason) {
    const sub = ctx.node.arrayNode?.node;
    if (sub) await abortItems(ctx, sub, ctx.status.arraySize ?? 0, reason);
    return {};
  },
};
