/**
 * In-process `ChildExecutionPort` (propeller's port): launch-plan nodes create child executions
 * through admin's execution manager (mode CHILD_WORKFLOW, nesting, parent node execution), and
 * inherit the parent's labels, envs, max parallelism, raw output config and overwrite_cache.
 * Dynamic nodes look up the launch plans their generated workflows call through `getLaunchPlan`.
 */
import { isSandboxError } from '../../core/errors.ts';
import type { flyteidl } from '../../core/idl.ts';
import { WorkflowPhases } from '../../core/phases.ts';
import type { ChildExecutionPort } from '../../propeller/ports.ts';
import { fromBlob } from '../codec.ts';
import type { AdminContext } from '../context.ts';
import { ExecutionMode, inheritedSpec, type ExecutionManager } from '../managers/execution-manager.ts';

/** Creates, polls and terminates child executions inside this admin; looks up launch plans for dynamic workflows. */
export class AdminChildPort implements ChildExecutionPort {
  readonly #ctx: AdminContext;
  readonly #executions: ExecutionManager;
  readonly #lookupLaunchPlan: (id: flyteidl.core.IIdentifier) => flyteidl.core.ILaunchPlanTemplate | undefined;
  constructor(
    ctx: AdminContext,
    executions: ExecutionManager,
    lookupLaunchPlan: (id: flyteidl.core.IIdentifier) => flyteidl.core.ILaunchPlanTemplate | undefined = () => undefined,
  ) {
    this.#ctx = ctx;
    this.#executions = executions;
    this.#lookupLaunchPlan = lookupLaunchPlan;
  }

  /** The registered launch plan's id, interface and fixed inputs (what the compiler needs). */
  async getLaunchPlan(id: flyteidl.core.IIdentifier): Promise<flyteidl.core.ILaunchPlanTemplate | undefined> {
    return this.#lookupLaunchPlan(id);
  }

  async createChild(req: Parameters<ChildExecutionPort['createChild']>[0]): Promise<void> {
    const parentExec = req.parentNodeExecution.executionId;
    let inherit: flyteidl.admin.IExecutionSpec = {};
    if (parentExec?.project && parentExec.domain && parentExec.name) {
      const parentRow = this.#ctx.repos.executions.get({ project: parentExec.project, domain: parentExec.domain, name: parentExec.name });
      const spec = parentRow ? fromBlob<flyteidl.admin.IExecutionSpec>('flyteidl.admin.ExecutionSpec', parentRow.spec) : undefined;
      if (spec) inherit = inheritedSpec(spec);
    }
    await this.#executions.create(
      { project: req.project, domain: req.domain, name: req.name, spec: { launchPlan: req.launchPlan }, inputs: req.inputs },
      { mode: ExecutionMode.CHILD_WORKFLOW, nesting: req.nesting, parentNodeExecution: req.parentNodeExecution, idempotent: true, inherit },
    );
  }

  async getStatus(id: { project: string; domain: string; name: string }): ReturnType<ChildExecutionPort['getStatus']> {
    const row = this.#ctx.repos.executions.get(id);
    if (!row) return undefined;
    const error = fromBlob<flyteidl.core.IExecutionError>('flyteidl.core.ExecutionError', row.error);
    return {
      phase: WorkflowPhases.toNumber(row.phase),
      ...(row.outputs_uri ? { outputsUri: row.outputs_uri } : {}),
      ...(error ? { error } : {}),
    };
  }

  async terminate(id: { project: string; domain: string; name: string }, cause: string): Promise<void> {
    try {
      await this.#executions.terminate(id, cause, 'parent');
    } catch (e) {
      // Already finished or gone: nothing to terminate.
      if (isSandboxError(e, 'SBX_ADMIN_ALREADY_TERMINAL') || isSandboxError(e, 'SBX_ADMIN_EXECUTION_NOT_FOUND')) return;
      throw e;
    }
  }
}
