/** Projects, domains, tasks, workflows, launch plans and named entities (`/api/v1/...`). */
import { Router } from 'express';
import type { flyteidl } from '../../core/idl.ts';
import { getNamedEntity, listNamedEntities, namedEntityType } from '../managers/named-entities.ts';
import { parseBody, parseListQuery } from '../validation/identifiers.ts';
import { entityKey, param, sendMessage, type AdminManagers } from './helpers.ts';

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
  r.get('/named_entities/:type/:project/:domain', (req, res) => {
    const type = namedEntityType(param(req, 'type'), 'params.resource_type');
    sendMessage(res, 'flyteidl.admin.NamedEntityList', listNamedEntities(m, type, param(req, 'project'), param(req, 'domain'), parseListQuery(req.query)));
  });
  r.get('/named_entities/:type/:project/:domain/:name', (req, res) => {
    const type = namedEntityType(param(req, 'type'), 'params.resource_type');
    sendMessage(res, 'flyteidl.admin.NamedEntity', getNamedEntity(m, type, param(req, 'project'), param(req, 'domain'), param(req, 'name')));
  });

  return r;
}
