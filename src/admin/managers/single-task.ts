/**
 * Single-task executions (flyteadmin `util/single_task_execution.go`): launching a task id
 * registers a one-node workflow and a launch plan named `.flytegen.<task name>` with the task's
 * version ({@link singleTaskId}), then executes that launch plan. Later launches of the task find
 * them registered and execute them as they are (a task's id names one template for good).
 */
import type { flyteidl } from '../../core/idl.ts';
import type { FullIdentifier } from '../validation/identifiers.ts';
import { ResourceType } from './task-manager.ts';

/** Prefix flyteadmin gives synthesised single-task workflows and launch plans. */
export const FLYTEGEN_PREFIX = '.flytegen.';

/** Node id of the task node: the last dotted segment of the task name, DNS-safe, ≤ 63 chars. */
export function nodeIdForTask(taskName: string): string {
  const last = taskName.split('.').filter((s) => s.length > 0).pop() ?? 'task';
  const cleaned = last.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
  return cleaned.length > 0 ? cleaned : 'task';
}

/** The id of the workflow, and of the launch plan, that wrap the task `taskId`. */
export function singleTaskId(taskId: FullIdentifier): FullIdentifier {
  return { project: taskId.project, domain: taskId.domain, name: `${FLYTEGEN_PREFIX}${taskId.name}`, version: taskId.version };
}

/** The workflow and launch plan that wrap one task. Retries: the task's, else 3 (as flyteadmin). */
export function singleTaskEntities(
  taskId: FullIdentifier,
  template: flyteidl.core.ITaskTemplate,
): { workflowId: FullIdentifier; workflowSpec: flyteidl.admin.IWorkflowSpec; launchPlanId: FullIdentifier; launchPlanSpec: flyteidl.admin.ILaunchPlanSpec } {
  const workflowId = singleTaskId(taskId);
  const iface = template.interface ?? {};
  const nodeId = nodeIdForTask(taskId.name);
  const inputNames = Object.keys(iface.inputs?.variables ?? {}).sort();
  const outputNames = Object.keys(iface.outputs?.variables ?? {}).sort();
  const node: flyteidl.core.INode = {
    id: nodeId,
    metadata: {
      name: nodeId,
      retries: template.metadata?.retries ?? { retries: 3 },
      ...(template.metadata?.timeout ? { timeout: template.metadata.timeout } : {}),
      ...(template.metadata?.interruptible ? { interruptible: true } : {}),
    },
    inputs: inputNames.map((v) => ({ var: v, binding: { promise: { nodeId: 'start-node', var: v } } })),
    taskNode: { referenceId: { resourceType: ResourceType.TASK, ...taskId } },
  };
  const workflowSpec: flyteidl.admin.IWorkflowSpec = {
    template: {
      id: { resourceType: ResourceType.WORKFLOW, ...workflowId },
      metadata: {},
      interface: iface,
      nodes: [node],
      outputs: outputNames.map((v) => ({ var: v, binding: { promise: { nodeId, var: v } } })),
    },
  };
  const launchPlanSpec: flyteidl.admin.ILaunchPlanSpec = {
    workflowId: { resourceType: ResourceType.WORKFLOW, ...workflowId },
    defaultInputs: { parameters: {} },
    fixedInputs: { literals: {} },
  };
  return { workflowId, workflowSpec, launchPlanId: workflowId, launchPlanSpec };
}
