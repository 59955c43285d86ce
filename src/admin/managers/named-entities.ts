/**
 * Named entities (flyteadmin's `NamedEntity`): derived from the registered names of tasks,
 * workflows and launch plans; their metadata is not stored (always empty, ACTIVE). Served by the
 * REST routes and the gRPC AdminService alike.
 */
import type { flyteidl } from '../../core/idl.ts';
import { adminError } from '../errors.ts';
import type { ListParams } from '../repositories/list-query.ts';
import { RESOURCE_TYPE_NAMES } from '../validation/identifiers.ts';
import type { LaunchPlanManager } from './launch-plan-manager.ts';
import { ResourceType, type TaskManager } from './task-manager.ts';
import type { WorkflowManager } from './workflow-manager.ts';

/** The managers whose names make the named entities. */
export interface NamedEntitySources {
  tasks: TaskManager;
  workflows: WorkflowManager;
  launchPlans: LaunchPlanManager;
}

/** A resource type a named entity may have (TASK, WORKFLOW, LAUNCH_PLAN), or a clear error. */
export function namedEntityType(type: number | string, path: string): number {
  const text = String(type);
  const byName = RESOURCE_TYPE_NAMES.indexOf(text.toUpperCase());
  const n = byName >= 0 ? byName : /^\d$/.test(text) ? Number(text) : -1;
  if (n !== ResourceType.TASK && n !== ResourceType.WORKFLOW && n !== ResourceType.LAUNCH_PLAN) {
    throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `resource type must be TASK, WORKFLOW or LAUNCH_PLAN, got ${JSON.stringify(text)}`, { path });
  }
  return n;
}

function named(type: number, project: string, domain: string, name: string): flyteidl.admin.INamedEntity {
  return { resourceType: type, id: { project, domain, name }, metadata: { description: '', state: 0 } };
}

function managerFor(m: NamedEntitySources, type: number): Pick<TaskManager, 'listIds'> {
  return type === ResourceType.TASK ? m.tasks : type === ResourceType.WORKFLOW ? m.workflows : m.launchPlans;
}

/** The named entities of one type in a project/domain. */
export function listNamedEntities(m: NamedEntitySources, type: number, project: string, domain: string, params: ListParams): flyteidl.admin.INamedEntityList {
  const list = managerFor(m, type).listIds(project, domain, params);
  return {
    entities: (list.entities ?? []).map((e) => named(type, e.project ?? '', e.domain ?? '', e.name ?? '')),
    token: list.token ?? '',
  };
}

/** One named entity; NOT_FOUND when nothing of that type is registered under the name. */
export function getNamedEntity(m: NamedEntitySources, type: number, project: string, domain: string, name: string): flyteidl.admin.INamedEntity {
  const page: ListParams = { limit: 1, offset: 0, filters: `eq(name,${name})`, sortDirection: 'DESCENDING' };
  const exists = (managerFor(m, type).listIds(project, domain, page).entities ?? []).some((e) => e.name === name);
  if (!exists) {
    const code = type === ResourceType.TASK ? 'SBX_ADMIN_TASK_NOT_FOUND' : type === ResourceType.WORKFLOW ? 'SBX_ADMIN_WORKFLOW_NOT_FOUND' : 'SBX_ADMIN_LAUNCH_PLAN_NOT_FOUND';
    throw adminError(code, `no ${RESOURCE_TYPE_NAMES[type]?.toLowerCase()} named ${project}/${domain}/${name}`);
  }
  return named(type, project, domain, name);
}
