/** Task registration and queries (flyteadmin `task_manager.go`). */
import type { flyteidl } from '../../core/idl.ts';
import { canonicalSpec, formatId, fromBlob, msToTimestamp, toBlob } from '../codec.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import type { EntityKey, TaskRow } from '../repositories/entity-repository.ts';
import { nextToken, type ListParams } from '../repositories/list-query.ts';
import { requireIdentifier, type FullIdentifier } from '../validation/identifiers.ts';
import type { ProjectManager } from './project-manager.ts';
import { ResourceType } from '../../core/vocabulary.ts';

/** `core.ResourceType` numbers. */
export { ResourceType };

/**
 * Checks that an embedded template id (if set) names the same entity as the request id, and
 * returns the full id with the resource type set.
 */
export function alignTemplateId(
  templateId: flyteidl.core.IIdentifier | null | undefined,
  id: FullIdentifier,
  resourceType: number,
  path: string,
): flyteidl.core.IIdentifier {
  if (templateId) {
    for (const part of ['project', 'domain', 'name', 'version'] as const) {
      const v = templateId[part];
      if (v !== undefined && v !== null && v !== '' && v !== id[part]) {
        throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path}.${part} is "${v}" but the request id says "${id[part]}"`, { path: `${path}.${part}` });
      }
    }
  }
  return { resourceType, ...id };
}

/** Outcome of an idempotent create. */
export type CreateOutcome = 'created' | 'identical';

/** Registers tasks; an identical re-registration is a no-op, a different one a 409. */
export class TaskManager {
  readonly #ctx: AdminContext;
  readonly #projects: ProjectManager;
  constructor(ctx: AdminContext, projects: ProjectManager) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  create(req: flyteidl.admin.ITaskCreateRequest): CreateOutcome {
    const id = requireIdentifier(req.id, 'body.id', ResourceType.TASK);
    this.#projects.requireProjectDomain(id.project, id.domain, 'body.id');
    const template = req.spec?.template;
    if (!template) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', 'body.spec.template is required', { path: 'body.spec.template' });
    if (!template.type) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', 'body.spec.template.type is required (e.g. "python-task")', { path: 'body.spec.template.type' });
    const spec: flyteidl.admin.ITaskSpec = {
      ...req.spec,
      template: { ...template, id: alignTemplateId(template.id, id, ResourceType.TASK, 'body.spec.template.id') },
    };
    const { bytes: specBytes, digest } = canonicalSpec('flyteidl.admin.TaskSpec', spec);
    return this.#ctx.tx(() => {
      const existing = this.#ctx.repos.tasks.get(id);
      if (existing) {
        if (existing.digest === digest) return 'identical';
        throw adminError(
          'SBX_ADMIN_ALREADY_EXISTS_DIFFERENT',
          `task ${formatId(id)} is already registered with a different spec; register a new version instead`,
          { path: 'body.id.version', details: { id } },
        );
      }
      this.#ctx.repos.tasks.insert({
        ...id,
        task_type: template.type ?? '',
        spec: specBytes,
        digest,
        created_at: this.#ctx.clock.now(),
      });
      return 'created';
    });
  }

  /** The stored template, or undefined. */
  template(key: EntityKey): flyteidl.core.ITaskTemplate | undefined {
    const row = this.#ctx.repos.tasks.get(key);
    return row ? fromBlob<flyteidl.admin.ITaskSpec>('flyteidl.admin.TaskSpec', row.spec)?.template ?? undefined : undefined;
  }

  getRow(key: EntityKey): TaskRow {
    const row = this.#ctx.repos.tasks.get(key);
    if (!row) throw adminError('SBX_ADMIN_TASK_NOT_FOUND', `task ${formatId(key)} not found`);
    return row;
  }

  get(key: EntityKey): flyteidl.admin.ITask {
    return toTask(this.getRow(key));
  }

  list(project: string, domain: string, name: string | undefined, params: ListParams): flyteidl.admin.ITaskList {
    const rows = this.#ctx.repos.tasks.list(project, domain, name, params);
    return { tasks: rows.map(toTask), token: nextToken(params.offset, params.limit, rows.length) };
  }

  listIds(project: string, domain: string, params: ListParams): flyteidl.admin.INamedEntityIdentifierList {
    const rows = this.#ctx.repos.tasks.listNames(project, domain, params);
    return { entities: rows.map((r) => ({ project: r.project, domain: r.domain, name: r.name })), token: nextToken(params.offset, params.limit, rows.length) };
  }
}

function toTask(row: TaskRow): flyteidl.admin.ITask {
  const spec = fromBlob<flyteidl.admin.ITaskSpec>('flyteidl.admin.TaskSpec', row.spec) ?? {};
  return {
    id: { resourceType: ResourceType.TASK, project: row.project, domain: row.domain, name: row.name, version: row.version },
    closure: { compiledTask: { template: spec.template ?? null }, createdAt: msToTimestamp(row.created_at) },
    shortDescription: spec.description?.shortDescription ?? '',
  };
}
