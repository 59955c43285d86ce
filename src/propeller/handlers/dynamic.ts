/**
 * Dynamic task nodes (Flyte `nodes/dynamic`). Every task node runs through this handler: it runs
 * the task attempt like the task handler does, and when the attempt exits with a `futures.pb`
 * (a `DynamicJobSpec`) instead of outputs, it
 *
 * 1. checks the nesting depth (dynamic nodes enclosing this one + the execution's launch-plan
 *    nesting) against `maxNesting`;
 * 2. builds a workflow template from the spec (interface = the task's, id
 *    `dynamic_<node unique id>`), fetches the launch plans it calls through
 *    {@link ChildExecutionPort.getLaunchPlan}, and compiles it with `compileWorkflow`; any
 *    diagnostic fails the node with USER `DynamicWorkflowBuildFailed` listing them all;
 * 3. writes the compiled closure next to the futures file (`futures_compiled.pb`), remembers its
 *    URI in the node status and reports DYNAMIC_RUNNING with the closure (admin serves it at
 *    `…/node_executions/…/{node}/dynamic_workflow`);
 * 4. runs the generated workflow as children of this node (unique ids
 *    `<node>-<attempt>-<child>`, hashed beyond 20 characters; events carry the parent node and
 *    the task attempt that generated them) and, when its end-node succeeds, copies the outputs to
 *    this attempt's `outputs.pb`. A failed child aborts the others and fails the node (retryable
 *    only if the child timed out: a retry reruns the task).
 *
 * Everything is idempotent: after a crash, a repeated build rewrites the same closure and the
 * children keep their deterministic ids.
 */
import { compileWorkflow } from '../../compiler/index.ts';
import type { flyteidl } from '../../core/idl.ts';
import { attemptUris } from '../../storage/layout.ts';
import { readProto, writeProto } from '../../storage/proto-io.ts';
import { identifierKey, indexClosure } from '../closure-index.ts';
import { executionError, EXECUTION_ERROR_CODES } from '../errors.ts';
import { Transition } from './handler.ts';
import type { Common, HandlerResult, NodeContext, NodeHandler, Scope } from './handler.ts';
import { copyOutputsTo } from './simple.ts';
import type { FuturesResult, TaskNodeHandler } from './task.ts';
import { ResourceType } from '../../core/vocabulary.ts';

/** File name of the compiled generated workflow, next to `futures.pb` (Flyte: `dynamic_compiled.pb`). */
export const COMPILED_FUTURES_FILE = 'futures_compiled.pb';

/** The task attempt that generated a dynamic node's children (their `parent_task_metadata`). */
function parentTaskOf(ctx: NodeContext, task: flyteidl.core.ITaskTemplate | undefined): flyteidl.core.ITaskExecutionIdentifier {
  return {
    taskId: task?.id ?? {},
    nodeExecutionId: { nodeId: ctx.uniqueId, executionId: ctx.exec.executionId },
    retryAttempt: ctx.attempt,
  };
}

/** The scope of the generated workflow of attempt `dyn.attempt`. */
async function generatedScope(ctx: NodeContext, dyn: { attempt: number; closureUri: string }): Promise<Scope> {
  const closure = await ctx.exec.readClosure(dyn.closureUri);
  const primary = closure.primary ?? {};
  let task: flyteidl.core.ITaskTemplate | undefined;
  try {
    task = ctx.exec.findTask(ctx.scope, ctx.node.taskNode?.referenceId);
  } catch {
    task = undefined;
  }
  return ctx.exec.subScope(ctx.scope, ctx.exec.dagOf(primary), { uniqueId: ctx.uniqueId, attempt: dyn.attempt }, ctx.inputsUri, {
    closure: indexClosure(closure),
    parentTask: parentTaskOf(ctx, task),
    depth: ctx.scope.depth + 1,
  });
}

/** Launch plans called anywhere in these nodes (branch cases and array sub-nodes included). */
function launchPlanRefs(nodes: readonly flyteidl.core.INode[] | null | undefined, out: Map<string, flyteidl.core.IIdentifier>): void {
  for (const n of nodes ?? []) {
    const lp = n.workflowNode?.launchplanRef;
    if (lp) out.set(identifierKey(lp), lp);
    const ie = n.branchNode?.ifElse;
    if (ie) launchPlanRefs([ie.case?.thenNode, ...(ie.other ?? []).map((c) => c.thenNode), ie.elseNode].filter((x): x is flyteidl.core.INode => !!x), out);
    if (n.arrayNode?.node) launchPlanRefs([n.arrayNode.node], out);
  }
}

function withCommon(r: FuturesResult): Common {
  return { ...(r.patch ? { patch: r.patch } : {}), ...(r.taskEvents ? { taskEvents: r.taskEvents } : {}) };
}

function buildFailure(ctx: NodeContext, r: FuturesResult, message: string): HandlerResult {
  return Transition.failure(
    executionError('USER', EXECUTION_ERROR_CODES.DYNAMIC_BUILD_FAILED, `dynamic workflow of node ${ctx.node.id} (task ${r.task.id?.name ?? '?'}): ${message}`),
    withCommon(r),
  );
}

/** Turns the futures file of a finished attempt into a compiled, running generated workflow. */
async function startGenerated(ctx: NodeContext, r: FuturesResult): Promise<HandlerResult> {
  const { exec } = ctx;
  const depth = exec.request.nesting + ctx.scope.depth + 1;
  if (depth > exec.config.maxNesting) {
    return Transition.failure(
      executionError(
        'USER',
        EXECUTION_ERROR_CODES.MAX_NESTING,
        `node ${ctx.node.id} (task ${r.task.id?.name ?? '?'}) would run a dynamic workflow nested ${depth} levels deep, above the sandbox's maxNesting of ${exec.config.maxNesting}. ` +
          'A dynamic task that calls itself (directly or through a workflow) needs a base case that stops the recursion; if this depth is intended, raise maxNesting in the sandbox config.yaml and restart it.',
      ),
      withCommon(r),
    );
  }
  let spec: flyteidl.core.IDynamicJobSpec;
  try {
    spec = await readProto<flyteidl.core.IDynamicJobSpec>(exec.deps.data, r.futuresUri, 'flyteidl.core.DynamicJobSpec');
  } catch (e) {
    return buildFailure(ctx, r, `${r.futuresUri} is not a readable DynamicJobSpec (${(e as Error).message})`);
  }
  const template: flyteidl.core.IWorkflowTemplate = {
    id: {
      resourceType: ResourceType.WORKFLOW,
      project: exec.executionId.project,
      domain: exec.executionId.domain,
      name: `dynamic_${ctx.uniqueId}`,
      version: `${exec.executionId.name}-${ctx.uniqueId}-${ctx.attempt}`,
    },
    metadata: {},
    interface: r.task.interface ?? {},
    nodes: spec.nodes ?? [],
    outputs: spec.outputs ?? [],
  };
  const refs = new Map<string, flyteidl.core.IIdentifier>();
  launchPlanRefs(spec.nodes, refs);
  for (const sw of spec.subworkflows ?? []) launchPlanRefs(sw.nodes, refs);
  const launchPlans: flyteidl.core.ILaunchPlanTemplate[] = [];
  for (const id of refs.values()) {
    const lp = await exec.deps.children.getLaunchPlan?.(id);
    if (lp) launchPlans.push(lp);
  }
  const compiled = compileWorkflow({ primary: template, subWorkflows: spec.subworkflows ?? [], tasks: spec.tasks ?? [], launchPlans });
  const errors = compiled.diagnostics.filter((d) => d.severity !== 'warning');
  if (errors.length > 0 || !compiled.closure) {
    const list = errors.map((d) => `${d.message} [${d.code}${d.path ? ` at ${d.path}` : ''}]`).join('; ');
    return buildFailure(ctx, r, `the generated workflow does not compile (${errors.length} problem${errors.length === 1 ? '' : 's'}): ${list || 'no closure produced'}`);
  }
  const data = exec.deps.data;
  const closureUri = data.join(attemptUris(data, ctx.dataDir, ctx.attempt).dir, COMPILED_FUTURES_FILE);
  await writeProto(data, closureUri, 'flyteidl.core.CompiledWorkflowClosure', compiled.closure);
  return Transition.dynamicRunning({
    patch: { ...r.patch, dynamic: { attempt: ctx.attempt, closureUri } },
    ...(r.taskEvents ? { taskEvents: r.taskEvents } : {}),
    info: { dynamicWorkflow: { id: template.id, compiledWorkflow: compiled.closure, dynamicJobSpecUri: r.futuresUri } },
  });
}

/** Advances the generated workflow of the current attempt. */
async function runGenerated(ctx: NodeContext, dyn: { attempt: number; closureUri: string }): Promise<HandlerResult> {
  const scope = await generatedScope(ctx, dyn);
  const out = await ctx.exec.walk(scope);
  switch (out.phase) {
    case 'RUNNING':
      return Transition.dynamicRunning();
    case 'SUCCEEDED':
      return Transition.success(await copyOutputsTo(ctx, out.outputsUri));
    case 'FAILED':
      await ctx.exec.abortScope(scope, `a node of the dynamic workflow of ${ctx.node.id} failed`);
      return out.timedOut ? Transition.retryableFailure(out.error) : Transition.failure(out.error);
  }
}

/** Wraps the task handler so that any task may turn dynamic (as Flyte's dynamic node handler does). */
export function createDynamicTaskHandler(task: TaskNodeHandler): NodeHandler {
  const current = (ctx: NodeContext) => (ctx.status.dynamic?.attempt === ctx.attempt ? ctx.status.dynamic : undefined);
  return {
    countsForParallelism: task.countsForParallelism,
    async handle(ctx) {
      const dyn = current(ctx);
      if (dyn) return runGenerated(ctx, dyn);
      const r = await task.handleAttempt(ctx);
      return r.phase === 'FUTURES' ? startGenerated(ctx, r) : r;
    },
    async abort(ctx, reason) {
      const dyn = current(ctx);
      if (!dyn) return task.abort(ctx, reason);
      await ctx.exec.abortScope(await generatedScope(ctx, dyn), reason);
      return {};
    },
  };
}
