/** The handler registry: one {@link NodeHandler} per node kind (style P6). */
import type { NodeKind } from '../state.ts';
import { branchHandler } from './branch.ts';
import type { NodeHandler } from './handler.ts';
import { launchPlanHandler } from './launchplan.ts';
import { endHandler, startHandler, unsupportedHandler } from './simple.ts';
import { subWorkflowHandler } from './subworkflow.ts';
import { createTaskHandler } from './task.ts';

/** Builds the registry. Dynamic/gate/array/eager handlers plug in here. */
export function createHandlerRegistry(overrides: Partial<Record<NodeKind, NodeHandler>> = {}): Record<NodeKind, NodeHandler> {
  return {
    start: startHandler,
    end: endHandler,
    task: createTaskHandler(),
    subworkflow: subWorkflowHandler,
    launchplan: launchPlanHandler,
    branch: branchHandler,
    gate: unsupportedHandler('gate'),
    array: unsupportedHandler('array'),
    unknown: unsupportedHandler('unknown'),
    ...overrides,
  };
}
