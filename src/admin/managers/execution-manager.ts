/**
 * Workflow executions (flyteadmin `execution_manager.go`): create from a launch plan (or a task
 * or workflow id), relaunch, recover, terminate, archive, get/list/data.
 *
 * Create order, so that a failure leaves nothing half-written: validate everything (ids, launch
 * plan, inputs) → write `inputs.pb` + `user_inputs.pb` → one transaction inserting the row in
 * UNDEFINED (and any synthesised `.flytegen.` entities) → `runner.start`. If the transaction
 * fails the two documents are deleted again.
 *
 * Children: an execution created with `metadata.parent_node_execution` (launch-plan nodes, eager
 * tasks) must name a live parent; it inherits the parent's settings and nesting + 1. Children
 * never outlive their parent: terminating an execution terminates its running children, and
 * when an execution reaches a terminal phase any child still running is terminated too.
 */
import { isSandboxError, UnavailableError } from '../../core/errors.ts';
import { encode, type flyteidl } from '../../core/idl.ts';
import { WorkflowPhases, type WorkflowPhase } from '../../core/phases.ts';
import type { ExecutionRequest } from '../../propeller/ports.ts';
import { formatId, fromBlob, toBlob, type ExecutionKey } from '../codec.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import type { ExecutionRow } from '../repositories/execution-repository.ts';
import { nextToken, type ListParams } from '../repositories/list-query.ts';
import { ExecutionWaiters } from './execution-waiters.ts';
import { requireExecutionName, requireIdentifier, requirePart, type FullIdentifier } from '../validation/identifiers.ts';
import { assertInputsInStore, mergeExecutionInputs } from '../validation/inputs.ts';
import { assertInStore, EXECUTION_MODES, readLiteralMap, toExecution, urlBlob } from './execution-views.ts';
import { toLaunchPlan, type LaunchPlanManager } from './launch-plan-manager.ts';
import type { ProjectManager } from './project-manager.ts';
import { FLYTEGEN_PREFIX, singleTaskEntities, singleTaskId } from './single-task.ts';
import { ResourceType, type TaskManager } from './task-manager.ts';
import type { WorkflowManager } from './workflow-manager.ts';

/** `ExecutionMetadata.ExecutionMode` numbers. */
export const ExecutionMode = { MANUAL: 0, SCHEDULED: 1, SYSTEM: 2, RELAUNCH: 3, CHILD_WORKFLOW: 4, RECOVERED: 5, TRIGGER: 6 } as const;

/** Extra settings of internal creates (children, relaunch, recover). */
export interface CreateExecutionOptions {
  mode?: number;
  nesting?: number;
  parentNodeExecution?: flyteidl.core.INodeExecutionIdentifier;
  referenceExecution?: flyteidl.core.IWorkflowExecutionIdentifier;
  /** Return the existing execution instead of a 409 when the name is taken. */
  idempotent?: boolean;
  /** Labels/envs/etc. inherited from a parent execution (spec values win). */
  inherit?: flyteidl.admin.IExecutionSpec;
}

interface ResolvedLaunchPlan {
  lpId: FullIdentifier;
  lpSpec: flyteidl.admin.ILaunchPlanSpec;
  lpClosure: flyteidl.admin.ILaunchPlanClosure;
  /** The workflow to run: stored, or among `pending` (its closure is read once they are in). */
  wfId: FullIdentifier;
  taskName: string | null;
  /** Inserts of synthesised entities, run inside the create transaction. */
  pending: (() => void)[];
}

function kvToRecord(kvs: flyteidl.core.IKeyValuePair[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of kvs ?? []) if (kv.key) out[kv.key] = kv.value ?? '';
  return out;
}

/** Phases of an execution that may still be stopped (ABORTING is already on its way). */
const STOPPABLE_PHASES = WorkflowPhases.byNumber.filter((p) => !WorkflowPhases.isTerminal(p) && p !== 'ABORTING');

/** What a child inherits from its parent's spec (spec values of the child win). */
export function inheritedSpec(spec: flyteidl.admin.IExecutionSpec): flyteidl.admin.IExecutionSpec {
  return {
    ...(spec.labels ? { labels: spec.labels } : {}),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
    ...(spec.envs ? { envs: spec.envs } : {}),
    ...(spec.maxParallelism ? { maxParallelism: spec.maxParallelism } : {}),
    ...(spec.rawOutputDataConfig ? { rawOutputDataConfig: spec.rawOutputDataConfig } : {}),
    ...(spec.overwriteCache ? { overwriteCache: true } : {}),
    ...(spec.interruptible ? { interruptible: spec.interruptible } : {}),
    ...(spec.securityContext ? { securityContext: spec.securityContext } : {}),
  };
}

/** Creates and controls executions. */
export class ExecutionManager {
  readonly #ctx: AdminContext;
  readonly #projects: ProjectManager;
  readonly #tasks: TaskManager;
  readonly #workflows: WorkflowManager;
  readonly #launchPlans: LaunchPlanManager;
  readonly #waiters = new ExecutionWaiters();

  constructor(ctx: AdminContext, projects: ProjectManager, tasks: TaskManager, workflows: WorkflowManager, launchPlans: LaunchPlanManager) {
    this.#ctx = ctx;
    this.#projects = projects;
    this.#tasks = tasks;
    this.#workflows = workflows;
    this.#launchPlans = launchPlans;
  }

  #resolve(ref: flyteidl.core.IIdentifier, path: string): ResolvedLaunchPlan {
    const rt = Number(ref.resourceType ?? 0);
    const id = requireIdentifier(ref, path);
    if (rt === ResourceType.TASK) {
      // A task run before has its workflow and launch plan (flyteadmin's create-or-get): read
      // them, as a task's id names one template for good, instead of compiling them again.
      const wrapper = singleTaskId(id);
      if (this.#ctx.repos.launchPlans.get(wrapper)) return this.#fromLaunchPlanRow(wrapper);
      const template = this.#tasks.template(id);
      if (!template) throw adminError('SBX_ADMIN_TASK_NOT_FOUND', `task ${formatId(id)} not found`, { path });
      const ent = singleTaskEntities(id, template);
      const wf = this.#workflows.prepare({ resourceType: ResourceType.WORKFLOW, ...ent.workflowId }, ent.workflowSpec, path);
      const iface = wf.compiled.primary?.template?.interface ?? template.interface ?? {};
      const lp = this.#launchPlans.prepare({ resourceType: ResourceType.LAUNCH_PLAN, ...ent.launchPlanId }, ent.launchPlanSpec, path, iface);
      return {
        lpId: lp.id,
        lpSpec: lp.spec,
        lpClosure: lp.closure,
        wfId: wf.id,
        taskName: id.name,
        pending: [() => this.#workflows.insertPrepared(wf), () => this.#launchPlans.insertPrepared(lp)],
      };
    }
    if (rt === ResourceType.WORKFLOW) {
      const compiled = this.#workflows.compiled(id);
      const existing = this.#ctx.repos.launchPlans.get(id);
      if (existing) return this.#fromLaunchPlanRow(id);
      const lp = this.#launchPlans.prepare(
        { resourceType: ResourceType.LAUNCH_PLAN, ...id },
        { workflowId: { resourceType: ResourceType.WORKFLOW, ...id } },
        path,
        compiled.primary?.template?.interface ?? {},
      );
      return { lpId: lp.id, lpSpec: lp.spec, lpClosure: lp.closure, wfId: id, taskName: null, pending: [() => this.#launchPlans.insertPrepared(lp)] };
    }
    if (rt !== ResourceType.LAUNCH_PLAN && rt !== ResourceType.UNSPECIFIED) {
      throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path}.resource_type must be LAUNCH_PLAN, TASK or WORKFLOW`, { path: `${path}.resource_type` });
    }
    return this.#fromLaunchPlanRow(id);
  }

  #fromLaunchPlanRow(id: FullIdentifier): ResolvedLaunchPlan {
    const row = this.#launchPlans.getRow(id);
    const lp = toLaunchPlan(row);
    const wfId = { project: row.workflow_project, domain: row.workflow_domain, name: row.workflow_name, version: row.workflow_version };
    const wfRow = this.#workflows.getRow(wfId);
    const taskName = wfRow.name.startsWith(FLYTEGEN_PREFIX) ? wfRow.name.slice(FLYTEGEN_PREFIX.length) : null;
    return { lpId: id, lpSpec: lp.spec ?? {}, lpClosure: lp.closure ?? {}, wfId, taskName, pending: [] };
  }

  /** Creates an execution and hands it to the runner. Returns its id. */
  async create(req: flyteidl.admin.IExecutionCreateRequest, opts: CreateExecutionOptions = {}): Promise<ExecutionKey> {
    const ctx = this.#ctx;
    const project = requirePart(req.project, 'body.project');
    const domain = requirePart(req.domain, 'body.domain');
    this.#projects.requireProjectDomain(project, domain, 'body');
    const name = req.name ? requireExecutionName(req.name, 'body.name') : ctx.ids.executionName();
    const key: ExecutionKey = { project, domain, name };
    const spec = req.spec;
    if (!spec?.launchPlan) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', 'body.spec.launch_plan is required (a launch plan, task or workflow id)', { path: 'body.spec.launch_plan' });
    if (ctx.repos.executions.get(key)) {
      if (opts.idempotent) return key;
      throw adminError('SBX_ADMIN_ALREADY_EXISTS', `execution ${formatId(key)} already exists`, { path: 'body.name' });
    }
    const r = this.#resolve(spec.launchPlan, 'body.spec.launch_plan');
    const inputsPath = req.inputs ? 'body.inputs' : 'body.spec.inputs';
    const userInputs: flyteidl.core.ILiteralMap = req.inputs ?? spec.inputs ?? { literals: {} };
    const merged = mergeExecutionInputs(r.lpClosure.expectedInputs, r.lpSpec.fixedInputs, userInputs, inputsPath);
    assertInputsInStore(userInputs.literals ?? {}, (uri) => ctx.dataStore.contains(uri), (n) => `${inputsPath}.literals.${n}`);
    const parent = opts.parentNodeExecution ?? spec.metadata?.parentNodeExecution ?? undefined;
    let inherit = opts.inherit ?? {};
    let parentNesting: number | undefined;
    if (parent?.executionId && !opts.inherit) {
      // A child created through the API (an eager task's call): the parent must be alive.
      const path = 'body.spec.metadata.parent_node_execution.execution_id';
      const pk = {
        project: requirePart(parent.executionId.project, `${path}.project`),
        domain: requirePart(parent.executionId.domain, `${path}.domain`),
        name: requirePart(parent.executionId.name, `${path}.name`),
      };
      const parentRow = ctx.repos.executions.get(pk);
      if (!parentRow) throw adminError('SBX_ADMIN_EXECUTION_NOT_FOUND', `parent execution ${formatId(pk)} not found`, { path });
      if (WorkflowPhases.isTerminal(parentRow.phase) || parentRow.phase === 'ABORTING') {
        throw adminError('SBX_ADMIN_ALREADY_TERMINAL', `parent execution ${formatId(pk)} is ${parentRow.phase}: it can start no more child executions`, { path });
      }
      inherit = inheritedSpec(fromBlob<flyteidl.admin.IExecutionSpec>('flyteidl.admin.ExecutionSpec', parentRow.spec) ?? {});
      parentNesting = parentRow.nesting;
    }

    const rawOutputPrefix =
      spec.rawOutputDataConfig?.outputLocationPrefix ||
      inherit.rawOutputDataConfig?.outputLocationPrefix ||
      r.lpSpec.rawOutputDataConfig?.outputLocationPrefix ||
      ctx.options.rawOutputPrefix;
    assertInStore(ctx.dataStore, rawOutputPrefix, 'body.spec.raw_output_data_config.output_location_prefix');

    const labels = { ...(r.lpSpec.labels?.values ?? {}), ...(inherit.labels?.values ?? {}), ...(spec.labels?.values ?? {}) };
    const envs = { ...kvToRecord(r.lpSpec.envs?.values), ...kvToRecord(inherit.envs?.values), ...kvToRecord(spec.envs?.values) };
    const mode = opts.mode ?? Number(spec.metadata?.mode ?? ExecutionMode.MANUAL);
    const nesting = opts.nesting ?? Math.max(Number(spec.metadata?.nesting ?? 0), parentNesting === undefined ? 0 : parentNesting + 1);
    const maxParallelism = spec.maxParallelism || inherit.maxParallelism || r.lpSpec.maxParallelism || ctx.options.maxParallelism;
    const storedSpec: flyteidl.admin.IExecutionSpec = {
      ...inherit,
      ...spec,
      inputs: null,
      launchPlan: { resourceType: ResourceType.LAUNCH_PLAN, ...r.lpId },
      metadata: {
        ...spec.metadata,
        mode,
        nesting,
        principal: spec.metadata?.principal || 'sandbox',
        ...(parent ? { parentNodeExecution: parent } : {}),
        ...(opts.referenceExecution ? { referenceExecution: opts.referenceExecution } : {}),
      },
      labels: { values: labels },
      envs: { values: Object.entries(envs).map(([k, v]) => ({ key: k, value: v })) },
      maxParallelism,
      rawOutputDataConfig: { outputLocationPrefix: rawOutputPrefix },
      overwriteCache: spec.overwriteCache || inherit.overwriteCache || r.lpSpec.overwriteCache || false,
    };

    const execPrefix = ctx.dataStore.join(ctx.options.metadataPrefix, project, domain, name);
    const inputsUri = ctx.dataStore.join(execPrefix, 'inputs.pb');
    const userInputsUri = ctx.dataStore.join(execPrefix, 'user_inputs.pb');
    await ctx.dataStore.write(inputsUri, encode('flyteidl.core.LiteralMap', merged));
    await ctx.dataStore.write(userInputsUri, encode('flyteidl.core.LiteralMap', userInputs));

    const now = ctx.clock.now();
    const parentExec = parent?.executionId;
    const row: ExecutionRow = {
      ...key,
      phase: 'UNDEFINED',
      launch_plan_project: r.lpId.project,
      launch_plan_domain: r.lpId.domain,
      launch_plan_name: r.lpId.name,
      launch_plan_version: r.lpId.version,
      workflow_project: r.wfId.project,
      workflow_domain: r.wfId.domain,
      workflow_name: r.wfId.name,
      workflow_version: r.wfId.version,
      task_name: r.taskName,
      mode: EXECUTION_MODES[mode] ?? 'MANUAL',
      nesting,
      parent_project: parentExec?.project ?? null,
      parent_domain: parentExec?.domain ?? null,
      parent_name: parentExec?.name ?? null,
      parent_node_id: parent?.nodeId ?? null,
      spec: toBlob('flyteidl.admin.ExecutionSpec', storedSpec),
      inputs_uri: inputsUri,
      user_inputs_uri: userInputsUri,
      outputs_uri: null,
      error: null,
      error_code: null,
      abort_cause: null,
      abort_principal: null,
      state: 'EXECUTION_ACTIVE',
      created_at: now,
      updated_at: now,
      started_at: null,
      duration_ms: null,
    };
    let inserted = false;
    let workflow: { closure: flyteidl.core.ICompiledWorkflowClosure; bytes: Uint8Array } | undefined;
    try {
      inserted = ctx.tx(() => {
        for (const p of r.pending) p();
        if (ctx.repos.executions.get(key)) {
          if (opts.idempotent) return false;
          throw adminError('SBX_ADMIN_ALREADY_EXISTS', `execution ${formatId(key)} already exists`, { path: 'body.name' });
        }
        // Read before the execution is in: a closure that does not decode leaves nothing behind.
        workflow = this.#workflows.stored(r.wfId);
        ctx.repos.executions.insert(row, labels);
        return true;
      });
    } catch (e) {
      if (!ctx.repos.executions.get(key)) await this.#deleteQuietly([inputsUri, userInputsUri]);
      throw e;
    }
    if (!inserted || !workflow) return key;

    const request: ExecutionRequest = {
      id: key,
      closure: workflow.closure,
      closureBytes: workflow.bytes,
      inputsUri,
      metadataPrefix: execPrefix,
      rawOutputPrefix,
      maxParallelism,
      labels,
      envs,
      nesting,
      entityVersion: r.lpId.version,
      ...(parent?.executionId
        ? { parent: { nodeExecutionId: { nodeId: parent.nodeId ?? '', executionId: { project: parentExec?.project ?? '', domain: parentExec?.domain ?? '', name: parentExec?.name ?? '' } } } }
        : {}),
    };
    try {
      await ctx.runner.start(request);
    } catch (e) {
      ctx.logger.error('runner failed to start execution', { execution: formatId(key), error: String(e) });
      const error: flyteidl.core.IExecutionError = { code: 'RunnerUnavailable', message: `the engine did not accept the execution: ${(e as Error)?.message ?? String(e)}`, kind: 2 };
      const failed = ctx.tx(() => {
        const cur = ctx.repos.executions.get(key);
        if (!cur || WorkflowPhases.isTerminal(cur.phase)) return false;
        const t = ctx.clock.now();
        ctx.repos.executions.update(key, { phase: 'FAILED', error: toBlob('flyteidl.core.ExecutionError', error), error_code: 'RunnerUnavailable', updated_at: t, duration_ms: 0 });
        return true;
      });
      if (failed) this.onPhaseChange(key, 'FAILED');
      throw new UnavailableError('SBX_ADMIN_RUNNER_UNAVAILABLE', `execution ${formatId(key)} was created but the engine did not accept it; it is marked FAILED`, { cause: e });
    }
    return key;
  }

  async #deleteQuietly(uris: string[]): Promise<void> {
    for (const uri of uris) {
      try {
        await this.#ctx.dataStore.delete(uri);
      } catch (e) {
        this.#ctx.logger.warn('could not delete orphaned document', { uri, error: String(e) });
      }
    }
  }

  getRow(key: ExecutionKey): ExecutionRow {
    const row = this.#ctx.repos.executions.get(key);
    if (!row) throw adminError('SBX_ADMIN_EXECUTION_NOT_FOUND', `execution ${formatId(key)} not found`);
    return row;
  }

  get(key: ExecutionKey): flyteidl.admin.IExecution {
    return toExecution(this.getRow(key), this.#ctx.clock.now());
  }

  list(project: string, domain: string, params: ListParams): flyteidl.admin.IExecutionList {
    const rows = this.#ctx.repos.executions.list(project, domain, params);
    const now = this.#ctx.clock.now();
    return { executions: rows.map((r) => toExecution(r, now)), token: nextToken(params.offset, params.limit, rows.length) };
  }

  /**
   * Relaunch: a new execution of the same launch plan with the original user inputs, launched by
   * `principal` (who asked for it, as flyteadmin records the caller; not the original launcher).
   */
  async relaunch(req: flyteidl.admin.IExecutionRelaunchRequest, principal = 'sandbox'): Promise<ExecutionKey> {
    return this.#again(req.id, req.name ?? '', ExecutionMode.RELAUNCH, principal, { overwriteCache: req.overwriteCache ?? false });
  }

  /** Recover: like relaunch, with mode RECOVERED and `reference_execution` set (propeller reuses outputs). */
  async recover(req: flyteidl.admin.IExecutionRecoverRequest, principal = 'sandbox'): Promise<ExecutionKey> {
    return this.#again(req.id, req.name ?? '', ExecutionMode.RECOVERED, principal, {});
  }

  async #again(
    rawId: flyteidl.core.IWorkflowExecutionIdentifier | null | undefined,
    name: string,
    mode: number,
    principal: string,
    extra: flyteidl.admin.IExecutionSpec,
  ): Promise<ExecutionKey> {
    const key = {
      project: requirePart(rawId?.project, 'body.id.project'),
      domain: requirePart(rawId?.domain, 'body.id.domain'),
      name: requirePart(rawId?.name, 'body.id.name'),
    };
    const row = this.getRow(key);
    const spec = fromBlob<flyteidl.admin.IExecutionSpec>('flyteidl.admin.ExecutionSpec', row.spec) ?? {};
    const userInputs = await readLiteralMap(this.#ctx.dataStore, row.user_inputs_uri);
    return this.create(
      {
        project: key.project,
        domain: key.domain,
        ...(name ? { name } : {}),
        spec: { ...spec, ...extra, metadata: { ...spec.metadata, principal, parentNodeExecution: null, mode } },
        inputs: userInputs,
      },
      { mode, nesting: 0, ...(mode === ExecutionMode.RECOVERED ? { referenceExecution: key } : {}) },
    );
  }

  /**
   * Terminate: moves the execution to ABORTING, terminates its running children (recursively),
   * then asks the runner to abort it. Terminating an ABORTING execution again is a no-op; a
   * terminal one is `SBX_ADMIN_ALREADY_TERMINAL` (409).
   */
  async terminate(key: ExecutionKey, cause: string, principal = 'sandbox'): Promise<void> {
    const ctx = this.#ctx;
    const proceed = ctx.tx(() => {
      const row = this.getRow(key);
      if (row.phase === 'ABORTING') return false;
      WorkflowPhases.assertTransition(row.phase, 'ABORTING', `execution ${formatId(key)}`);
      ctx.repos.executions.update(key, { phase: 'ABORTING', abort_cause: cause, abort_principal: principal, updated_at: ctx.clock.now() });
      return true;
    });
    if (!proceed) return;
    this.#waiters.notify(key, 'ABORTING');
    // The engine first, then the children: an eager task must not see its children aborted (and
    // fail) before the engine knows the parent is being aborted.
    try {
      await ctx.runner.abort(key, cause);
      await this.#terminateChildren(key, `parent execution ${key.name} was terminated: ${cause}`);
    } catch (e) {
      if (isSandboxError(e) && e.category === 'NOT_FOUND') {
        // The engine does not know this execution (never started, or long gone): abort it here.
        const aborted = ctx.tx(() => {
          const row = this.getRow(key);
          if (row.phase !== 'ABORTING') return false;
          const t = ctx.clock.now();
          ctx.repos.executions.update(key, { phase: 'ABORTED', updated_at: t, duration_ms: row.started_at !== null ? t - row.started_at : 0 });
          return true;
        });
        if (aborted) this.#waiters.notify(key, 'ABORTED');
        await this.#terminateChildren(key, `parent execution ${key.name} was terminated: ${cause}`);
        return;
      }
      throw new UnavailableError('SBX_ADMIN_RUNNER_UNAVAILABLE', `execution ${formatId(key)} is ABORTING but the engine could not be told: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    }
  }

  /**
   * Called after every committed phase change of an execution (events, terminate, failed
   * start): wakes its long-polls, and once it is terminal terminates any child still running
   * (an eager task's container was killed, or a call was never awaited). Never throws.
   */
  onPhaseChange(key: ExecutionKey, phase: WorkflowPhase): void {
    this.#waiters.notify(key, phase);
    if (!WorkflowPhases.isTerminal(phase)) return;
    // An aborted parent passes its own cause on, whichever of the two paths gets there first.
    let cause = `parent execution ${key.name} ended ${phase}`;
    if (phase === 'ABORTED') {
      try {
        const row = this.getRow(key);
        if (row.abort_cause) cause = `parent execution ${key.name} was terminated: ${row.abort_cause}`;
      } catch {
        // The row is gone: keep the generic cause.
      }
    }
    this.#terminateChildren(key, cause).catch((e: unknown) =>
      this.#ctx.logger.warn('terminating the children of a finished execution failed', { execution: formatId(key), error: String(e) }),
    );
  }

  /**
   * The execution once it is terminal, or after `timeoutMs` (or when `signal` aborts) as it is
   * then. Backs `GET …/executions/{p}/{d}/{name}?wait_for_terminal=…` (sandbox extension).
   */
  async waitForTerminal(key: ExecutionKey, timeoutMs: number, signal?: AbortSignal): Promise<flyteidl.admin.IExecution> {
    const row = this.getRow(key);
    if (WorkflowPhases.isTerminal(row.phase) || timeoutMs <= 0) return toExecution(row, this.#ctx.clock.now());
    // No await between the check above and registering: a change cannot slip in between.
    await this.#waiters.wait(key, timeoutMs, signal);
    return this.get(key);
  }

  /** Number of parked long-polls (tests). @internal */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * A page of the child executions of `parent` (their `parent_node_execution` names it), only
   * those of `nodeId` when given; `params.filters` narrow it further. Sandbox extension behind
   * `GET /api/v1/children/executions/{p}/{d}/{name}[/{node}]`.
   */
  listChildren(parent: ExecutionKey, nodeId: string | undefined, params: ListParams): flyteidl.admin.IExecutionList {
    this.getRow(parent);
    const own = [`eq(parent_project,${parent.project})`, `eq(parent_domain,${parent.domain})`, `eq(parent_name,${parent.name})`];
    if (nodeId !== undefined) own.push(`eq(parent_node_id,${nodeId})`);
    const filters = [...own, ...(params.filters.trim() ? [params.filters.trim()] : [])].join('+');
    const rows = this.#ctx.repos.executions.list(parent.project, parent.domain, { ...params, filters });
    const now = this.#ctx.clock.now();
    return { executions: rows.map((r) => toExecution(r, now)), token: nextToken(params.offset, params.limit, rows.length) };
  }

  /** Terminates every child of `parent` that is still running (each one recursively). */
  async #terminateChildren(parent: ExecutionKey, cause: string): Promise<void> {
    const filters = `eq(parent_project,${parent.project})+eq(parent_domain,${parent.domain})+eq(parent_name,${parent.name})+value_in(phase,${STOPPABLE_PHASES.join(';')})`;
    const seen = new Set<string>();
    for (;;) {
      // Terminated children leave the filter (they are ABORTING), so always read the first page.
      const rows = this.#ctx.repos.executions
        .list(parent.project, parent.domain, { limit: 200, offset: 0, filters, sortDirection: 'ASCENDING' })
        .filter((r) => !seen.has(r.name));
      if (rows.length === 0) return;
      for (const r of rows) {
        seen.add(r.name);
        try {
          await this.terminate({ project: r.project, domain: r.domain, name: r.name }, cause, 'parent');
        } catch (e) {
          if (isSandboxError(e, 'SBX_ADMIN_ALREADY_TERMINAL') || isSandboxError(e, 'SBX_ADMIN_EXECUTION_NOT_FOUND')) continue;
          this.#ctx.logger.warn('could not terminate a child execution', { parent: formatId(parent), child: r.name, error: String(e) });
        }
      }
    }
  }

  /** Archive / unarchive (`PUT /api/v1/executions/...` with `{state}`). */
  updateState(key: ExecutionKey, state: number): void {
    this.#ctx.tx(() => {
      this.getRow(key);
      this.#ctx.repos.executions.update(key, { state: state === 1 ? 'EXECUTION_ARCHIVED' : 'EXECUTION_ACTIVE', updated_at: this.#ctx.clock.now() });
    });
  }

  /** Inputs and outputs, inline (flyteadmin's default with signed URLs off). */
  async getData(key: ExecutionKey): Promise<flyteidl.admin.IWorkflowExecutionGetDataResponse> {
    const row = this.getRow(key);
    const [fullInputs, fullOutputs] = await Promise.all([
      readLiteralMap(this.#ctx.dataStore, row.inputs_uri),
      readLiteralMap(this.#ctx.dataStore, row.outputs_uri),
    ]);
    const inputs = urlBlob(row.inputs_uri);
    const outputs = urlBlob(row.outputs_uri);
    return { fullInputs, fullOutputs, ...(inputs ? { inputs } : {}), ...(outputs ? { outputs } : {}) };
  }
}
