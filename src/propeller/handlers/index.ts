/** The handler registry: one {@link NodeHandler} per node kind (style P6). */
import type { NodeKind } from '../state.ts';
import { arrayHandler } from './array.ts';
import { branchHandler } from './branch.ts';
import { createDynamicTaskHandler } from './dynamic.ts';
import type { NodeHandler } from './handler.ts';
import { launchPlanHandler } from './launchplan.ts';
import { endHandler, startHandler, unsupportedHandler } from './simple.ts';
import { subWorkflowHandler } from './subworkflow.ts';
import { createTaskHandler } from './task.ts';

/**
 * Builds the registry. Task nodes go through the dynamic wrapper (any task may return a
 * `futures.pb`); map items use the plain task handler and do not count against max parallelism
 * (their array node does). Gate and eager handlers plug in through `overrides`.
 */
export function createHandlerRegistry(overrides: Partial<Record<NodeKind, NodeHandler>> = {}): Record<NodeKind, NodeHandler> {
  const task = createTaskHandler();
  return {
    start: startHandler,
    end: endHandler,
    task: createDynamicTaskHandler(task),
    item: { countsForParallelism: false, handle: (ctx) => task.handle(ctx), abort: (ctx, reason) => task.abort(ctx, reason) },
    subworkflow: subWorkflowHandler,
    launchplan: launchPlanHandler,
    branch: branchHandler,
    gate: unsupportedHandler('gate'),
    array: arrayHandler,
    unknown: unsupportedHandler('unknown'),
    ...overrides,
  };
}
