/** Workflow registration (compiled on create) and queries (flyteadmin `workflow_manager.go`). */
import { CompileError, IllegalStateError } from '../../core/errors.ts';
import type { flyteidl } from '../../core/idl.ts';
import { canonicalSpec, formatId, fromBlob, msToTimestamp, toBlob } from '../codec.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import type { EntityKey, WorkflowRow } from '../repositories/entity-repository.ts';
import { nextToken, type ListParams } from '../repositories/list-query.ts';
import { requireIdentifier, type FullIdentifier } from '../validation/identifiers.ts';
import type { ProjectManager } from './project-manager.ts';
import { alignTemplateId, ResourceType, type CreateOutcome, type TaskManager } from './task-manager.ts';

/** A workflow ready to be inserted (or already stored identically). */
export interface PreparedWorkflow {
  id: FullIdentifier;
  compiled: flyteidl.core.ICompiledWorkflowClosure;
  /** The row to insert, or undefined when an identical workflow is already stored. */
  row?: WorkflowRow;
}

/** How many decoded closures a manager keeps (the most recently used). */
const DECODED_CLOSURES = 16;

/** Registers and serves workflows. */
export class WorkflowManager {
  readonly #ctx: AdminContext;
  readonly #projects: ProjectManager;
  readonly #tasks: TaskManager;
  /**
   * Closures decoded from stored workflows, by key: a workflow never changes once stored, and its
   * closure is read at each launch plan registered for it and each execution created of it.
   * Shared: callers only read them.
   */
  readonly #closures = new Map<string, flyteidl.core.ICompiledWorkflowClosure>();
  constructor(ctx: AdminContext, projects: ProjectManager, tasks: TaskManager) {
    this.#ctx = ctx;
    this.#projects = projects;
    this.#tasks = tasks;
  }

  /**
   * Validates and compiles a workflow without writing: throws 409 for the same id with a
   * different spec, a CompileError (400) with every diagnostic for a bad spec.
   */
  prepare(rawId: flyteidl.core.IIdentifier | null | undefined, rawSpec: flyteidl.admin.IWorkflowSpec | null | undefined, path = 'body'): PreparedWorkflow {
    const id = requireIdentifier(rawId, `${path}.id`, ResourceType.WORKFLOW);
    this.#projects.requireProjectDomain(id.project, id.domain, `${path}.id`);
    const template = rawSpec?.template;
    if (!template) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path}.spec.template is required`, { path: `${path}.spec.template` });
    const spec: flyteidl.admin.IWorkflowSpec = {
      ...rawSpec,
      template: { ...template, id: alignTemplateId(template.id, id, ResourceType.WORKFLOW, `${path}.spec.template.id`) },
    };
    const { bytes: specBytes, digest } = canonicalSpec('flyteidl.admin.WorkflowSpec', spec);
    const existing = this.#ctx.repos.workflows.get(id);
    if (existing) {
      if (existing.digest !== digest) {
        throw adminError(
          'SBX_ADMIN_ALREADY_EXISTS_DIFFERENT',
          `workflow ${formatId(id)} is already registered with a different structure; register a new version instead`,
          { path: `${path}.id.version`, details: { id } },
        );
      }
      return { id, compiled: this.#decoded(id, () => existing) ?? {} };
    }
    const result = this.#ctx.compileWorkflow(
      { template: spec.template ?? {}, subWorkflows: spec.subWorkflows ?? [] },
      (tid) => {
        if (!tid.project || !tid.domain || !tid.name || !tid.version) return undefined;
        return this.#tasks.template({ project: tid.project, domain: tid.domain, name: tid.name, version: tid.version });
      },
      (lid) => this.launchPlanTemplate(lid),
    );
    const errors = result.diagnostics.filter((d) => d.severity !== 'warning');
    if (errors.length > 0 || !result.closure) {
      if (errors.length === 0) throw new IllegalStateError('SBX_ADMIN_INTERNAL', `compiler returned no closure and no error for ${formatId(id)}`);
      const first = errors.slice(0, 3).map((d) => `${d.path ? `${d.path}: ` : ''}${d.message}`).join('; ');
      throw new CompileError('SBX_ADMIN_COMPILE_FAILED', `workflow ${formatId(id)} failed to compile (${errors.length} error${errors.length > 1 ? 's' : ''}): ${first}`, result.diagnostics, {
        path: `${path}.spec`,
      });
    }
    return {
      id,
      compiled: result.closure,
      row: {
        ...id,
        spec: specBytes,
        compiled: toBlob('flyteidl.core.CompiledWorkflowClosure', result.closure),
        digest,
        created_at: this.#ctx.clock.now(),
      },
    };
  }

  /** A registered launch plan as the compiler sees it: id, interface (expected inputs + outputs), fixed inputs. */
  launchPlanTemplate(lid: flyteidl.core.IIdentifier): flyteidl.core.ILaunchPlanTemplate | undefined {
    if (!lid.project || !lid.domain || !lid.name || !lid.version) return undefined;
    const row = this.#ctx.repos.launchPlans.get({ project: lid.project, domain: lid.domain, name: lid.name, version: lid.version });
    if (!row) return undefined;
    const spec = fromBlob<flyteidl.admin.ILaunchPlanSpec>('flyteidl.admin.LaunchPlanSpec', row.spec) ?? {};
    const closure = fromBlob<flyteidl.admin.ILaunchPlanClosure>('flyteidl.admin.LaunchPlanClosure', row.closure) ?? {};
    const variables: Record<string, flyteidl.core.IVariable> = {};
    for (const [name, p] of Object.entries(closure.expectedInputs?.parameters ?? {})) if (p.var) variables[name] = p.var;
    return {
      id: { resourceType: ResourceType.LAUNCH_PLAN, project: row.project, domain: row.domain, name: row.name, version: row.version },
      interface: { inputs: { variables }, outputs: closure.expectedOutputs ?? { variables: {} } },
      fixedInputs: spec.fixedInputs ?? { literals: {} },
    };
  }

  /** Inserts a prepared workflow (no-op when identical). Call inside a transaction. */
  insertPrepared(p: PreparedWorkflow): void {
    if (p.row && !this.#ctx.repos.workflows.get(p.id)) this.#ctx.repos.workflows.insert(p.row);
  }

  create(req: flyteidl.admin.IWorkflowCreateRequest): CreateOutcome {
    const prepared = this.prepare(req.id, req.spec);
    if (!prepared.row) return 'identical';
    this.#ctx.tx(() => this.#ctx.repos.workflows.insert(prepared.row as WorkflowRow));
    return 'created';
  }

  getRow(key: EntityKey): WorkflowRow {
    const row = this.#ctx.repos.workflows.get(key);
    if (!row) throw notFound(key);
    return row;
  }

  /** The compiled closure of a stored workflow (404 if missing). */
  compiled(key: EntityKey): flyteidl.core.ICompiledWorkflowClosure {
    const closure = this.find(key);
    if (!closure) throw notFound(key);
    return closure;
  }

  /**
   * The compiled closure of a stored workflow as it is stored (its encoding) and decoded, for an
   * execution's engine: it keeps the bytes and this very object instead of encoding and decoding
   * the closure again. 404 when there is no such workflow.
   */
  stored(key: EntityKey): { closure: flyteidl.core.ICompiledWorkflowClosure; bytes: Uint8Array } {
    const row = this.getRow(key);
    return { closure: this.#decoded(key, () => row) ?? {}, bytes: row.compiled };
  }

  /** The compiled closure of a stored workflow, or undefined. */
  find(key: EntityKey): flyteidl.core.ICompiledWorkflowClosure | undefined {
    return this.#decoded(key, () => this.#ctx.repos.workflows.get(key));
  }

  /**
   * The closure of the workflow `key`, kept among the most recently used; `row` gives its stored
   * row when it is not kept (undefined: no such workflow).
   */
  #decoded(key: EntityKey, row: () => WorkflowRow | undefined): flyteidl.core.ICompiledWorkflowClosure | undefined {
    const id = decodedKey(key);
    let closure = this.#closures.get(id);
    if (closure) {
      this.#closures.delete(id);
    } else {
      const stored = row();
      if (!stored) return undefined;
      closure = decodeClosure(stored);
      if (this.#closures.size >= DECODED_CLOSURES) this.#closures.delete(this.#closures.keys().next().value as string);
    }
    this.#closures.set(id, closure);
    return closure;
  }

  get(key: EntityKey): flyteidl.admin.IWorkflow {
    return toWorkflow(this.getRow(key));
  }

  list(project: string, domain: string, name: string | undefined, params: ListParams): flyteidl.admin.IWorkflowList {
    const rows = this.#ctx.repos.workflows.list(project, domain, name, params);
    return { workflows: rows.map(toWorkflow), token: nextToken(params.offset, params.limit, rows.length) };
  }

  listIds(project: string, domain: string, params: ListParams): flyteidl.admin.INamedEntityIdentifierList {
    const rows = this.#ctx.repos.workflows.listNames(project, domain, params);
    return { entities: rows.map((r) => ({ project: r.project, domain: r.domain, name: r.name })), token: nextToken(params.offset, params.limit, rows.length) };
  }
}

function notFound(key: EntityKey): Error {
  return adminError('SBX_ADMIN_WORKFLOW_NOT_FOUND', `workflow ${formatId(key)} not found`);
}

function decodedKey(key: EntityKey): string {
  return `${key.project}\n${key.domain}\n${key.name}\n${key.version}`;
}

function decodeClosure(row: WorkflowRow): flyteidl.core.ICompiledWorkflowClosure {
  return fromBlob<flyteidl.core.ICompiledWorkflowClosure>('flyteidl.core.CompiledWorkflowClosure', row.compiled) ?? {};
}

function toWorkflow(row: WorkflowRow): flyteidl.admin.IWorkflow {
  const spec = fromBlob<flyteidl.admin.IWorkflowSpec>('flyteidl.admin.WorkflowSpec', row.spec) ?? {};
  return {
    id: { resourceType: ResourceType.WORKFLOW, project: row.project, domain: row.domain, name: row.name, version: row.version },
    closure: { compiledWorkflow: decodeClosure(row), createdAt: msToTimestamp(row.created_at) },
    shortDescription: spec.description?.shortDescription ?? '',
  };
}
