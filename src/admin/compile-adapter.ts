/**
 * Adapts a whole-closure compiler (`compileWorkflow({ primary, subWorkflows, tasks, launchPlans })`,
 * the compiler component's API) to admin's {@link CompileWorkflowFn}, which resolves references
 * against the registry: every task and launch plan a workflow (or its sub-workflows, branches,
 * array nodes, failure node) references is looked up and handed to the compiler.
 */
import type { Diagnostic } from '../core/errors.ts';
import type { flyteidl } from '../core/idl.ts';
import type { CompileWorkflowFn } from './ports.ts';

/** The shape of the compiler component's entry point. */
export type WholeClosureCompiler = (input: {
  primary: flyteidl.core.IWorkflowTemplate;
  subWorkflows?: flyteidl.core.IWorkflowTemplate[];
  tasks: flyteidl.core.ITaskTemplate[];
  launchPlans?: flyteidl.core.ILaunchPlanTemplate[];
}) => { closure?: flyteidl.core.ICompiledWorkflowClosure; diagnostics: Diagnostic[] };

/** Looks up a registered launch plan's template (id + interface + fixed inputs). */
export type LaunchPlanLookup = (id: flyteidl.core.IIdentifier) => flyteidl.core.ILaunchPlanTemplate | undefined;

function collectRefs(nodes: flyteidl.core.INode[] | null | undefined, tasks: flyteidl.core.IIdentifier[], lps: flyteidl.core.IIdentifier[]): void {
  for (const n of nodes ?? []) {
    if (n.taskNode?.referenceId) tasks.push(n.taskNode.referenceId);
    if (n.workflowNode?.launchplanRef) lps.push(n.workflowNode.launchplanRef);
    const ie = n.branchNode?.ifElse;
    if (ie) {
      const branchNodes = [ie.case?.thenNode, ...(ie.other ?? []).map((c) => c.thenNode), ie.elseNode].filter((x): x is flyteidl.core.INode => !!x);
      collectRefs(branchNodes, tasks, lps);
    }
    if (n.arrayNode?.node) collectRefs([n.arrayNode.node], tasks, lps);
  }
}

const key = (id: flyteidl.core.IIdentifier): string => `${id.project}/${id.domain}/${id.name}/${id.version}`;

/**
 * Builds a {@link CompileWorkflowFn} from the compiler component's function. Unknown task or
 * launch plan references are left out: the compiler reports them as diagnostics.
 */
export function adaptCompiler(compile: WholeClosureCompiler, lookupLaunchPlan: LaunchPlanLookup = () => undefined): CompileWorkflowFn {
  return (spec, lookupTask, lookupLp) => {
    const taskIds: flyteidl.core.IIdentifier[] = [];
    const lpIds: flyteidl.core.IIdentifier[] = [];
    for (const wf of [spec.template, ...spec.subWorkflows]) {
      collectRefs(wf.nodes, taskIds, lpIds);
      if (wf.failureNode) collectRefs([wf.failureNode], taskIds, lpIds);
    }
    const tasks = new Map<string, flyteidl.core.ITaskTemplate>();
    for (const id of taskIds) {
      const t = tasks.has(key(id)) ? undefined : lookupTask(id);
      if (t) tasks.set(key(id), t);
    }
    const launchPlans = new Map<string, flyteidl.core.ILaunchPlanTemplate>();
    for (const id of lpIds) {
      const lp = launchPlans.has(key(id)) ? undefined : (lookupLp ?? lookupLaunchPlan)(id);
      if (lp) launchPlans.set(key(id), lp);
    }
    return compile({ primary: spec.template, subWorkflows: spec.subWorkflows, tasks: [...tasks.values()], launchPlans: [...launchPlans.values()] });
  };
}
