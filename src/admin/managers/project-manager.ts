/** Projects and domains (flyteadmin `project_manager.go`). */
import type { flyteidl } from '../../core/idl.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import { nextToken, type ListParams } from '../repositories/list-query.ts';
import type { ProjectRow } from '../repositories/project-repository.ts';
import { requirePart } from '../validation/identifiers.ts';

const PROJECT_STATES = ['ACTIVE', 'ARCHIVED', 'SYSTEM_GENERATED', 'SYSTEM_ARCHIVED'];

/** Registers, lists and updates projects; every project has every domain. */
export class ProjectManager {
  readonly #ctx: AdminContext;
  constructor(ctx: AdminContext) {
    this.#ctx = ctx;
  }

  domains(): flyteidl.admin.IDomain[] {
    return this.#ctx.repos.projects.domains().map((d) => ({ id: d.id, name: d.name }));
  }

  /** Throws 404 unless the project exists and the domain is one of the configured domains. */
  requireProjectDomain(project: string, domain: string, path: string): void {
    if (!this.#ctx.repos.projects.get(project)) {
      throw adminError('SBX_ADMIN_PROJECT_NOT_FOUND', `project "${project}" is not registered (register it with POST /api/v1/projects)`, { path: `${path}.project` });
    }
    if (!this.#ctx.repos.projects.hasDomain(domain)) {
      const known = this.domains().map((d) => d.id).join(', ');
      throw adminError('SBX_ADMIN_DOMAIN_NOT_FOUND', `domain "${domain}" does not exist (domains: ${known})`, { path: `${path}.domain` });
    }
  }

  register(req: flyteidl.admin.IProjectRegisterRequest): void {
    const p = req.project;
    if (!p) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', 'body.project is required', { path: 'body.project' });
    const id = requirePart(p.id, 'body.project.id');
    const now = this.#ctx.clock.now();
    this.#ctx.repos.projects.insert({
      id,
      name: p.name || id,
      description: p.description ?? '',
      labels: JSON.stringify(p.labels?.values ?? {}),
      state: PROJECT_STATES[Number(p.state ?? 0)] ?? 'ACTIVE',
      created_at: now,
      updated_at: now,
    });
  }

  update(id: string, p: flyteidl.admin.IProject): void {
    const row = this.get(id);
    this.#ctx.repos.projects.update({
      ...row,
      name: p.name || row.name,
      description: p.description ?? row.description,
      labels: p.labels ? JSON.stringify(p.labels.values ?? {}) : row.labels,
      state: p.state !== undefined && p.state !== null ? (PROJECT_STATES[Number(p.state)] ?? row.state) : row.state,
      updated_at: this.#ctx.clock.now(),
    });
  }

  get(id: string): ProjectRow {
    const row = this.#ctx.repos.projects.get(id);
    if (!row) throw adminError('SBX_ADMIN_PROJECT_NOT_FOUND', `project "${id}" not found`);
    return row;
  }

  getProject(id: string): flyteidl.admin.IProject {
    return this.toProject(this.get(id));
  }

  list(params: ListParams): flyteidl.admin.IProjects {
    const rows = this.#ctx.repos.projects.list(params);
    return { projects: rows.map((r) => this.toProject(r)), token: nextToken(params.offset, params.limit, rows.length) };
  }

  toProject(row: ProjectRow): flyteidl.admin.IProject {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      labels: { values: JSON.parse(row.labels) as Record<string, string> },
      state: Math.max(0, PROJECT_STATES.indexOf(row.state)),
      domains: this.domains(),
    };
  }
}
