/** Projects, domains, tasks, workflows, launch plans and named entities (`/api/v1/...`). */
import { Router } from 'express';
import type { flyteidl } from '../../core/idl.ts';
import { adminError } from '../errors.ts';
import { ResourceType } from '../managers/task-manager.ts';
import { parseBody, parseListQuery, RESOURCE_TYPE_NAMES } from '../validation/identifiers.ts';
import { entityKey, param, sendMessage, type AdminManagers } from './helpers.ts';

function resourceTypeParam(text: string): number {
  const byName = RESOURCE_TYPE_NAMES.indexOf(text.toUpperCase());
  const n = byName >= 0 ? byName : /^\d$/.test(text) ? Number(text) : -1;
  if (n !== ResourceType.TASK && n !== ResourceType.WORKFLOW && n !== ResourceType.LAUNCH_PLAN) {
    throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `resource type must be TASK, WORKFLOW or LAUNCH_PLAN, got ${JSON.stringify(text)}`, { path: 'params.resource_type' });
  }
  return n;
}

/** Routes for registered entities. */
export function entityRoutes(m: AdminManagers): Router {
  const r = Router();

  r.get('/domains', (_req, res) => sendMessage(res, 'flyteidl.admin.GetDomainsResponse', { domains: m.projects.domains() }));
  r.get('/projects', (req, res) => sendMessage(res, 'flyteidl.admin.Projects', m.projects.list(parseListQuery(req.query))));
  r.post('/projects', (req, res) => {
    m.projects.register(parseBody<flyteidl.admin.IProjectRegisterRequest>('flyteidl.admin.ProjectRegisterRequest', req.body));
    sendMessage(res, 'flyteidl.admin.ProjectRegisterResponse', {});
  });
  r.get('/projects/:id', (req, res) => sendMessage(res, 'flyteidl.admin.Project', m.projects.getProject(param(req, 'id'))));
  r.put('/projects/:id', (req, res) => {
    m.projects.update(param(req, 'id'), parseBody<flyteidl.admin.IProject>('flyteidl.admin.Project', req.body));
    sendMessage(res, 'flyteidl.admin.ProjectUpdateResponse', {});
  });

  // Tasks
  r.post('/tasks', (req, res) => {
    m.tasks.create(parseBody<flyteidl.admin.ITaskCreateRequest>('flyteidl.admin.TaskCreateRequest', req.body));
    sendMessage(res, 'flyteidl.admin.TaskCreateResponse', {});
  });
  r.get('/tasks/:project/:domain/:name/:version', (req, res) => sendMessage(res, 'flyteidl.admin.Task', m.tasks.get(entityKey(req))));
  r.get('/tasks/:project/:domain/:name', (req, res) =>
    sendMessage(res, 'flyteidl.admin.TaskList', m.tasks.list(param(req, 'project'), param(req, 'domain'), param(req, 'name'), parseListQuery(req.query))),
  );
  r.get('/tasks/:project/:domain', (req, res) =>
    sendMessage(res, 'flyteidl.admin.TaskList', m.tasks.list(param(req, 'project'), param(req, 'domain'), undefined, parseListQuery(req.query))),
  );
  r.get('/task_ids/:project/:domain', (req, res) =>
    sendMessage(res, 'flyteidl.admin.NamedEntityIdentifierList', m.tasks.listIds(param(req, 'project'), param(req, 'domain'), parseListQuery(req.query))),
  );

  // Workflows
  r.post('/workflows', (req, res) => {
    m.workflows.create(parseBody<flyteidl.admin.IWorkflowCreateRequest>('flyteidl.admin.WorkflowCreateRequest', req.body));
    sendMessage(res, 'flyteidl.admin.WorkflowCreateResponse', {});
  });
  r.get('/workflows/:project/:domain/:name/:version', (req, res) => sendMessage(res, 'flyteidl.admin.Workflow', m.workflows.get(entityKey(req))));
  r.get('/workflows/:project/:domain/:name', (req, res) =>
    sendMessage(res, 'flyteidl.admin.WorkflowList', m.workflows.list(param(req, 'project'), param(req, 'domain'), param(req, 'name'), parseListQuery(req.query))),
  );
  r.get('/workflows/:project/:domain', (req, res) =>
    sendMessage(res, 'flyteidl.admin.WorkflowList', m.workflows.list(param(req, 'project'), param(req, 'domain'), undefined, parseListQuery(req.query))),
  );
  r.get('/workflow_ids/:project/:domain', (req, res) =>
    sendMessage(res, 'flyteidl.admin.NamedEntityIdentifierList', m.workflows.listIds(param(req, 'project'), param(req, 'domain'), parseListQuery(req.query))),
  );

  // Launch plans
  r.post('/launch_plans', (req, res) => {
    m.launchPlans.create(parseBody<flyteidl.admin.ILaunchPlanCreateRequest>('flyteidl.admin.LaunchPlanCreateRequest', req.body));
    sendMessage(res, 'flyteidl.admin.LaunchPlanCreateResponse', {});
  });
  r.get('/launch_plans/:project/:domain/:name/:version', (req, res) => sendMessage(res, 'flyteidl.admin.LaunchPlan', m.launchPlans.get(entityKey(req))));
  r.put('/launch_plans/:project/:domain/:name/:version', (req, res) => {
    const body = parseBody<flyteidl.admin.ILaunchPlanUpdateRequest>('flyteidl.admin.LaunchPlanUpdateRequest', req.body);
    m.launchPlans.updateState(entityKey(req), Number(body.state ?? 0));
    sendMessage(res, 'flyteidl.admin.LaunchPlanUpdateResponse', {});
  });
  r.get('/launch_plans/:project/:domain/:name', (req, res) =>
    sendMessage(res, 'flyteidl.admin.LaunchPlanList', m.launchPlans.list(param(req, 'project'), param(req, 'domain'), param(req, 'name'), parseListQuery(req.query))),
  );
  r.get('/launch_plans/:project/:domain', (req, res) =>
    sendMessage(res, 'flyteidl.admin.LaunchPlanList', m.launchPlans.list(param(req, 'project'), param(req, 'domain'), undefined, parseListQuery(req.query))),
  );
  r.get('/launch_plan_ids/:project/:domain', (req, res) =>
    sendMessage(res, 'flyteidl.admin.NamedEntityIdentifierList', m.launchPlans.listIds(param(req, 'project'), param(req, 'domain'), parseListQuery(req.query))),
  );
  r.get('/active_launch_plans/:project/:domain/:name', (req, res) =>
    sendMessage(res, 'flyteidl.admin.LaunchPlan', m.launchPlans.getActive(param(req, 'project'), param(req, 'domain'), param(req, 'name'))),
  );
  r.get('/active_launch_plans/:project/:domain', (req, res) =>
    sendMessage(res, 'flyteidl.admin.LaunchPlanList', m.launchPlans.listActive(param(req, 'project'), param(req, 'domain'), parseListQuery(req.query))),
  );

  // Named entities (derived from the registered names; metadata is not stored).
  const named = (type: number, project: string, domain: string, name: string): flyteidl.admin.INamedEntity => ({
    resourceType: type,
    id: { project, domain, name },
    metadata: { description: '', state: 0 },
  });
  const managerFor = (type: number) => (type === ResourceType.TASK ? m.tasks : type === ResourceType.WORKFLOW ? m.workflows : m.launchPlans);
  r.get('/named_entities/:type/:project/:domain', (req, res) => {
    const type = resourceTypeParam(param(req, 'type'));
    const params = parseListQuery(req.query);
    const list = managerFor(type).listIds(param(req, 'project'), param(req, 'domain'), params);
    sendMessage(res, 'flyteidl.admin.NamedEntityList', {
      entities: (list.entities ?? []).map((e) => named(type, e.project ?? '', e.domain ?? '', e.name ?? '')),
      token: list.token ?? '',
    });
  });
  r.get('/named_entities/:type/:project/:domain/:name', (req, res) => {
    const type = resourceTypeParam(param(req, 'type'));
    const [project, domain, name] = [param(req, 'project'), param(req, 'domain'), param(req, 'name')];
    const page = { limit: 1, offset: 0, filters: `eq(name,${name})`, sortDirection: 'DESCENDING' as const };
    const exists = (managerFor(type).listIds(project, domain, page).entities ?? []).some((e) => e.name === name);
    if (!exists) {
      const code = type === ResourceType.TASK ? 'SBX_ADMIN_TASK_NOT_FOUND' : type === ResourceType.WORKFLOW ? 'SBX_ADMIN_WORKFLOW_NOT_FOUND' : 'SBX_ADMIN_LAUNCH_PLAN_NOT_FOUND';
      throw adminError(code, `no ${RESOURCE_TYPE_NAMES[type]?.toLowerCase()} named ${project}/${domain}/${name}`);
    }
    sendMessage(res, 'flyteidl.admin.NamedEntity', named(type, project, domain, name));
  });

  return r;
}
