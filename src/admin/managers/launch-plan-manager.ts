/** Launch plans: create (INACTIVE), activate/deactivate, queries (flyteadmin `launch_plan_manager.go`). */
import type { flyteidl } from '../../core/idl.ts';
import { canonicalSpec, formatId, fromBlob, msToTimestamp, toBlob } from '../codec.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import type { EntityKey, LaunchPlanRow } from '../repositories/entity-repository.ts';
import { nextToken, type ListParams } from '../repositories/list-query.ts';
import { requireIdentifier, type FullIdentifier } from '../validation/identifiers.ts';
import { assertInputsInStore, expectedInputs, validateLaunchPlanInputs } from '../validation/inputs.ts';
import type { ProjectManager } from './project-manager.ts';
import { ResourceType, type CreateOutcome } from './task-manager.ts';
import type { WorkflowManager } from './workflow-manager.ts';

/** A launch plan ready to insert (or already stored identically). */
export interface PreparedLaunchPlan {
  id: FullIdentifier;
  spec: flyteidl.admin.ILaunchPlanSpec;
  closure: flyteidl.admin.ILaunchPlanClosure;
  row?: LaunchPlanRow;
}

/** Registers and serves launch plans. */
export class LaunchPlanManager {
  readonly #ctx: AdminContext;
  readonly #projects: ProjectManager;
  readonly #workflows: WorkflowManager;
  constructor(ctx: AdminContext, projects: ProjectManager, workflows: WorkflowManager) {
    this.#ctx = ctx;
    this.#projects = projects;
    this.#workflows = workflows;
  }

  /**
   * Validates a launch plan against its workflow's interface. `workflowInterface` may be given
   * for a workflow not stored yet (synthesised single-task workflows).
   */
  prepare(
    rawId: flyteidl.core.IIdentifier | null | undefined,
    rawSpec: flyteidl.admin.ILaunchPlanSpec | null | undefined,
    path = 'body',
    workflowInterface?: flyteidl.core.ITypedInterface,
  ): PreparedLaunchPlan {
    const id = requireIdentifier(rawId, `${path}.id`, ResourceType.LAUNCH_PLAN);
    this.#projects.requireProjectDomain(id.project, id.domain, `${path}.id`);
    if (!rawSpec) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path}.spec is required`, { path: `${path}.spec` });
    const wfId = requireIdentifier(rawSpec.workflowId, `${path}.spec.workflow_id`, ResourceType.WORKFLOW);
    const spec: flyteidl.admin.ILaunchPlanSpec = { ...rawSpec, workflowId: { resourceType: ResourceType.WORKFLOW, ...wfId } };
    let iface = workflowInterface;
    if (!iface) {
      const compiled = this.#workflows.find(wfId);
      if (!compiled) throw adminError('SBX_ADMIN_WORKFLOW_NOT_FOUND', `workflow ${formatId(wfId)} of launch plan ${formatId(id)} is not registered`, { path: `${path}.spec.workflow_id` });
      iface = compiled.primary?.template?.interface ?? {};
    }
    const inputs = iface.inputs?.variables ?? {};
    validateLaunchPlanInputs(inputs, spec, `${path}.spec`);
    const inStoreUri = (uri: string) => this.#ctx.dataStore.contains(uri);
    assertInputsInStore(spec.fixedInputs?.literals ?? {}, inStoreUri, (n) => `${path}.spec.fixed_inputs.literals.${n}`);
    assertInputsInStore(
      Object.fromEntries(Object.entries(spec.defaultInputs?.parameters ?? {}).map(([n, p]) => [n, p.default])),
      inStoreUri,
      (n) => `${path}.spec.default_inputs.parameters.${n}.default`,
    );
    const closure: flyteidl.admin.ILaunchPlanClosure = {
      expectedInputs: expectedInputs(inputs, spec),
      expectedOutputs: iface.outputs ?? { variables: {} },
    };
    const { bytes: specBytes, digest } = canonicalSpec('flyteidl.admin.LaunchPlanSpec', spec);
    const existing = this.#ctx.repos.launchPlans.get(id);
    if (existing) {
      if (existing.digest !== digest) {
        throw adminError(
          'SBX_ADMIN_ALREADY_EXISTS_DIFFERENT',
          `launch plan ${formatId(id)} is already registered with a different spec; register a new version instead`,
          { path: `${path}.id.version`, details: { id } },
        );
      }
      return { id, spec, closure };
    }
    const now = this.#ctx.clock.now();
    return {
      id,
      spec,
      closure,
      row: {
        ...id,
        workflow_project: wfId.project,
        workflow_domain: wfId.domain,
        workflow_name: wfId.name,
        workflow_version: wfId.version,
        spec: specBytes,
        closure: toBlob('flyteidl.admin.LaunchPlanClosure', closure),
        digest,
        state: 'INACTIVE',
        created_at: now,
        updated_at: now,
      },
    };
  }

  /** Inserts a prepared launch plan (no-op when identical). Call inside a transaction. */
  insertPrepared(p: PreparedLaunchPlan): void {
    if (p.row && !this.#ctx.repos.launchPlans.get(p.id)) this.#ctx.repos.launchPlans.insert(p.row);
  }

  create(req: flyteidl.admin.ILaunchPlanCreateRequest): CreateOutcome {
    const prepared = this.prepare(req.id, req.spec);
    if (!prepared.row) return 'identical';
    this.#ctx.tx(() => this.#ctx.repos.launchPlans.insert(prepared.row as LaunchPlanRow));
    return 'created';
  }

  /** Activating a version deactivates the previously active version of the same name. */
  updateState(key: EntityKey, state: number): void {
    this.#ctx.tx(() => {
      this.getRow(key);
      this.#ctx.repos.launchPlans.setState(key, state === 1 ? 'ACTIVE' : 'INACTIVE', this.#ctx.clock.now());
    });
  }

  getRow(key: EntityKey): LaunchPlanRow {
    const row = this.#ctx.repos.launchPlans.get(key);
    if (!row) throw adminError('SBX_ADMIN_LAUNCH_PLAN_NOT_FOUND', `launch plan ${formatId(key)} not found`);
    return row;
  }

  get(key: EntityKey): flyteidl.admin.ILaunchPlan {
    return toLaunchPlan(this.getRow(key));
  }

  getActive(project: string, domain: string, name: string): flyteidl.admin.ILaunchPlan {
    const row = this.#ctx.repos.launchPlans.getActive(project, domain, name);
    if (!row) throw adminError('SBX_ADMIN_LAUNCH_PLAN_NOT_FOUND', `no active launch plan named ${project}/${domain}/${name}`);
    return toLaunchPlan(row);
  }

  listActive(project: string, domain: string, params: ListParams): flyteidl.admin.ILaunchPlanList {
    const rows = this.#ctx.repos.launchPlans.listActive(project, domain, params);
    return { launchPlans: rows.map(toLaunchPlan), token: nextToken(params.offset, params.limit, rows.length) };
  }

  list(project: string, domain: string, name: string | undefined, params: ListParams): flyteidl.admin.ILaunchPlanList {
    const rows = this.#ctx.repos.launchPlans.list(project, domain, name, params);
    return { launchPlans: rows.map(toLaunchPlan), token: nextToken(params.offset, params.limit, rows.length) };
  }

  listIds(project: string, domain: string, params: ListParams): flyteidl.admin.INamedEntityIdentifierList {
    const rows = this.#ctx.repos.launchPlans.listNames(project, domain, params);
    return { entities: rows.map((r) => ({ project: r.project, domain: r.domain, name: r.name })), token: nextToken(params.offset, params.limit, rows.length) };
  }
}

/** Decodes a row into the API message. */
export function toLaunchPlan(row: LaunchPlanRow): flyteidl.admin.ILaunchPlan {
  const closure = fromBlob<flyteidl.admin.ILaunchPlanClosure>('flyteidl.admin.LaunchPlanClosure', row.closure) ?? {};
  return {
    id: { resourceType: ResourceType.LAUNCH_PLAN, project: row.project, domain: row.domain, name: row.name, version: row.version },
    spec: fromBlob<flyteidl.admin.ILaunchPlanSpec>('flyteidl.admin.LaunchPlanSpec', row.spec) ?? {},
    closure: { ...closure, state: row.state === 'ACTIVE' ? 1 : 0, createdAt: msToTimestamp(row.created_at), updatedAt: msToTimestamp(row.updated_at) },
  };
}
