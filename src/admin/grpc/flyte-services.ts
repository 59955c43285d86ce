/**
 * Flyte's gRPC services over admin's managers — the same managers the REST routes call, so each
 * rule has one implementation and the transports differ only in how they name things: REST takes
 * ids from the path, gRPC from the request message.
 *
 * Served: `flyteidl.service.AdminService` (entities, executions, node and task executions,
 * projects, events, named entities, version), `DataProxyService.CreateUploadLocation`,
 * `SignalService` (no gate nodes yet: empty lists, NOT_FOUND) and `grpc.health.v1.Health/Check`.
 * Everything else answers UNIMPLEMENTED with what to do instead (docs/flyte-clients.md).
 */
import type { flyteidl } from '../../core/idl.ts';
import { idlService } from '../../core/idl.ts';
import { controlPlaneVersion, formatId, type ExecutionKey } from '../codec.ts';
import { adminError } from '../errors.ts';
import { getNamedEntity, listNamedEntities, namedEntityType } from '../managers/named-entities.ts';
import type { TaskExecutionKey } from '../repositories/task-execution-repository.ts';
import { principalFromHeader, type AdminManagers } from '../routes/helpers.ts';
import { parseListQuery } from '../validation/identifiers.ts';
import { GrpcError, GrpcStatus, type CallInfo, type MethodTable, type UnaryMethod } from './grpc-wire.ts';

type Req = Record<string, unknown>;
type Handler = (req: Req, call: CallInfo) => Promise<object> | object;

/** What the services need besides the managers. */
export interface FlyteServicesOptions {
  managers: AdminManagers;
  /** Shown by GetVersion. */
  version: string;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function required(v: unknown, path: string): string {
  const s = text(v);
  if (s === '') throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} is required`, { path });
  return s;
}

function entityKeyOf(id: unknown, path: string): { project: string; domain: string; name: string; version: string } {
  const o = (id ?? {}) as flyteidl.core.IIdentifier;
  return { project: required(o.project, `${path}.project`), domain: required(o.domain, `${path}.domain`), name: required(o.name, `${path}.name`), version: required(o.version, `${path}.version`) };
}

function execKeyOf(id: unknown, path: string): ExecutionKey {
  const o = (id ?? {}) as flyteidl.core.IWorkflowExecutionIdentifier;
  return { project: required(o.project, `${path}.project`), domain: required(o.domain, `${path}.domain`), name: required(o.name, `${path}.name`) };
}

function nodeIdOf(id: unknown, path: string): { exec: ExecutionKey; nodeId: string } {
  const o = (id ?? {}) as flyteidl.core.INodeExecutionIdentifier;
  return { exec: execKeyOf(o.executionId, `${path}.execution_id`), nodeId: required(o.nodeId, `${path}.node_id`) };
}

function taskExecKeyOf(id: unknown, path: string): TaskExecutionKey {
  const o = (id ?? {}) as flyteidl.core.ITaskExecutionIdentifier;
  const node = nodeIdOf(o.nodeExecutionId, `${path}.node_execution_id`);
  return { exec: node.exec, nodeId: node.nodeId, task: entityKeyOf(o.taskId, `${path}.task_id`), retryAttempt: Number(o.retryAttempt ?? 0) };
}

/** A gRPC list request's paging, validated by the same rules as REST's query parameters. */
function listParams(req: Req): ReturnType<typeof parseListQuery> {
  const sortBy = (req.sortBy ?? {}) as { key?: string; direction?: number };
  return parseListQuery({
    ...(req.limit ? { limit: String(req.limit) } : {}),
    ...(req.token ? { token: text(req.token) } : {}),
    ...(req.filters ? { filters: text(req.filters) } : {}),
    ...(sortBy.key ? { 'sort_by.key': sortBy.key } : {}),
    'sort_by.direction': String(sortBy.direction ?? 0),
  });
}

/** Who asks: the `x-tflyte-principal` metadata, by REST's rule. */
function principalOf(call: CallInfo): string {
  return principalFromHeader(call.metadata['x-tflyte-principal']);
}

/** The `:authority` (host:port) the client called. */
function authorityOf(call: CallInfo): string {
  return text(call.metadata[':authority']);
}

/** `project`, `domain` and the optional `name` of a list request's `id` (a NamedEntityIdentifier). */
function listScope(req: Req): [string, string, string | undefined] {
  const id = (req.id ?? {}) as Req;
  return [required(id.project, 'id.project'), required(id.domain, 'id.domain'), text(id.name) || undefined];
}

function alreadyExists(what: string, id: unknown): never {
  // flyteadmin answers an identical re-registration with ALREADY_EXISTS, which clients tolerate.
  throw new GrpcError(GrpcStatus.ALREADY_EXISTS, `${what} ${formatId((id ?? {}) as flyteidl.core.IIdentifier)} is already registered with the same spec`);
}

function unimplemented(what: string, instead: string): Handler {
  return () => {
    throw new GrpcError(GrpcStatus.UNIMPLEMENTED, `${what} is not supported by tflyte-sandbox: ${instead}`);
  };
}

function adminHandlers(o: FlyteServicesOptions): Record<string, Handler> {
  const m = o.managers;
  return {
    // Tasks, workflows, launch plans
    CreateTask: (req) => (m.tasks.create(req) === 'identical' ? alreadyExists('task', req.id) : {}),
    GetTask: (req) => m.tasks.get(entityKeyOf(req.id, 'id')),
    ListTaskIds: (req) => m.tasks.listIds(required(req.project, 'project'), required(req.domain, 'domain'), listParams(req)),
    ListTasks: (req) => m.tasks.list(...listScope(req), listParams(req)),
    CreateWorkflow: (req) => (m.workflows.create(req) === 'identical' ? alreadyExists('workflow', req.id) : {}),
    GetWorkflow: (req) => m.workflows.get(entityKeyOf(req.id, 'id')),
    ListWorkflowIds: (req) => m.workflows.listIds(required(req.project, 'project'), required(req.domain, 'domain'), listParams(req)),
    ListWorkflows: (req) => m.workflows.list(...listScope(req), listParams(req)),
    CreateLaunchPlan: (req) => (m.launchPlans.create(req) === 'identical' ? alreadyExists('launch plan', req.id) : {}),
    GetLaunchPlan: (req) => m.launchPlans.get(entityKeyOf(req.id, 'id')),
    GetActiveLaunchPlan: (req) => {
      const id = (req.id ?? {}) as Req;
      return m.launchPlans.getActive(required(id.project, 'id.project'), required(id.domain, 'id.domain'), required(id.name, 'id.name'));
    },
    ListActiveLaunchPlans: (req) => m.launchPlans.listActive(required(req.project, 'project'), required(req.domain, 'domain'), listParams(req)),
    ListLaunchPlanIds: (req) => m.launchPlans.listIds(required(req.project, 'project'), required(req.domain, 'domain'), listParams(req)),
    ListLaunchPlans: (req) => m.launchPlans.list(...listScope(req), listParams(req)),
    UpdateLaunchPlan: (req) => {
      m.launchPlans.updateState(entityKeyOf(req.id, 'id'), Number(req.state ?? 0));
      return {};
    },

    // Executions
    CreateExecution: async (req) => ({ id: await m.executions.create(req) }),
    RelaunchExecution: async (req, call) => ({ id: await m.executions.relaunch(req, principalOf(call)) }),
    RecoverExecution: async (req, call) => ({ id: await m.executions.recover(req, principalOf(call)) }),
    GetExecution: (req) => m.executions.get(execKeyOf(req.id, 'id')),
    UpdateExecution: (req) => {
      m.executions.updateState(execKeyOf(req.id, 'id'), Number(req.state ?? 0));
      return {};
    },
    GetExecutionData: (req) => m.executions.getData(execKeyOf(req.id, 'id')),
    ListExecutions: (req) => {
      const id = (req.id ?? {}) as Req;
      return m.executions.list(required(id.project, 'id.project'), required(id.domain, 'id.domain'), listParams(req));
    },
    TerminateExecution: async (req, call) => {
      await m.executions.terminate(execKeyOf(req.id, 'id'), text(req.cause) || 'terminated by user', principalOf(call));
      return {};
    },

    // Node and task executions
    GetNodeExecution: (req) => {
      const { exec, nodeId } = nodeIdOf(req.id, 'id');
      return m.nodes.get(exec, nodeId);
    },
    GetDynamicNodeWorkflow: (req) => {
      const { exec, nodeId } = nodeIdOf(req.id, 'id');
      return m.nodes.dynamicWorkflow(exec, nodeId);
    },
    ListNodeExecutions: (req) => m.nodes.list(execKeyOf(req.workflowExecutionId, 'workflow_execution_id'), text(req.uniqueParentId) || undefined, listParams(req)),
    ListNodeExecutionsForTask: (req) => m.nodes.listForTask(taskExecKeyOf(req.taskExecutionId, 'task_execution_id'), listParams(req)),
    GetNodeExecutionData: (req) => {
      const { exec, nodeId } = nodeIdOf(req.id, 'id');
      return m.nodes.getData(exec, nodeId);
    },
    GetTaskExecution: (req) => m.nodes.getTask(taskExecKeyOf(req.id, 'id')),
    ListTaskExecutions: (req) => {
      const { exec, nodeId } = nodeIdOf(req.nodeExecutionId, 'node_execution_id');
      return m.nodes.listTasks(exec, nodeId, listParams(req));
    },
    GetTaskExecutionData: (req) => m.nodes.getTaskData(taskExecKeyOf(req.id, 'id')),

    // Projects and domains
    RegisterProject: (req) => {
      m.projects.register(req);
      return {};
    },
    UpdateProject: (req) => {
      m.projects.update(required(req.id, 'id'), req);
      return {};
    },
    GetProject: (req) => m.projects.getProject(required(req.id, 'id')),
    ListProjects: (req) => m.projects.list(listParams(req)),
    GetDomains: () => ({ domains: m.projects.domains() }),

    // Events (what a propeller reports)
    CreateWorkflowEvent: async (req) => {
      await m.events.workflowEvent((req.event ?? {}) as flyteidl.event.IWorkflowExecutionEvent, 'event');
      return {};
    },
    CreateNodeEvent: async (req) => {
      await m.events.nodeEvent((req.event ?? {}) as flyteidl.event.INodeExecutionEvent, 'event');
      return {};
    },
    CreateTaskEvent: async (req) => {
      await m.events.taskEvent((req.event ?? {}) as flyteidl.event.ITaskExecutionEvent, 'event');
      return {};
    },

    // Named entities, version
    ListNamedEntities: (req) => listNamedEntities(m, namedEntityType(Number(req.resourceType ?? 0), 'resource_type'), required(req.project, 'project'), required(req.domain, 'domain'), listParams(req)),
    GetNamedEntity: (req) => {
      const id = (req.id ?? {}) as Req;
      return getNamedEntity(m, namedEntityType(Number(req.resourceType ?? 0), 'resource_type'), required(id.project, 'id.project'), required(id.domain, 'id.domain'), required(id.name, 'id.name'));
    },
    UpdateNamedEntity: unimplemented('UpdateNamedEntity', 'named entity metadata (description, archived state) is not stored'),
    GetVersion: () => ({ controlPlaneVersion: controlPlaneVersion(o.version) }),

    // Matchable attributes and description entities: none are stored.
    GetProjectDomainAttributes: () => {
      throw adminError('SBX_ADMIN_ATTRIBUTES_NOT_FOUND', 'no project-domain attributes are set (the sandbox stores none)');
    },
    GetProjectAttributes: () => {
      throw adminError('SBX_ADMIN_ATTRIBUTES_NOT_FOUND', 'no project attributes are set (the sandbox stores none)');
    },
    GetWorkflowAttributes: () => {
      throw adminError('SBX_ADMIN_ATTRIBUTES_NOT_FOUND', 'no workflow attributes are set (the sandbox stores none)');
    },
    ListMatchableAttributes: () => ({ configurations: [] }),
    UpdateProjectDomainAttributes: unimplemented('UpdateProjectDomainAttributes', 'set task resources and env per task, or sandbox defaults in config.yaml'),
    UpdateProjectAttributes: unimplemented('UpdateProjectAttributes', 'set task resources and env per task, or sandbox defaults in config.yaml'),
    UpdateWorkflowAttributes: unimplemented('UpdateWorkflowAttributes', 'set task resources and env per task, or sandbox defaults in config.yaml'),
    DeleteProjectDomainAttributes: unimplemented('DeleteProjectDomainAttributes', 'the sandbox stores no matchable attributes'),
    DeleteProjectAttributes: unimplemented('DeleteProjectAttributes', 'the sandbox stores no matchable attributes'),
    DeleteWorkflowAttributes: unimplemented('DeleteWorkflowAttributes', 'the sandbox stores no matchable attributes'),
    GetDescriptionEntity: () => {
      throw adminError('SBX_ADMIN_TASK_NOT_FOUND', 'description entities are not stored by the sandbox');
    },
    ListDescriptionEntities: () => ({ descriptionEntities: [] }),
    GetExecutionMetrics: unimplemented('GetExecutionMetrics', 'read node and task execution times with ListNodeExecutions / ListTaskExecutions'),
  };
}

function dataProxyHandlers(o: FlyteServicesOptions): Record<string, Handler> {
  return {
    // Signed URLs name the host and port the client reached the sandbox at.
    CreateUploadLocation: (req, call) => o.managers.uploads.createLocation(req as flyteidl.service.ICreateUploadLocationRequest, authorityOf(call)),
    CreateDownloadLocation: (req, call) => o.managers.downloads.createLocation(req as flyteidl.service.ICreateDownloadLocationRequest, authorityOf(call)),
    CreateDownloadLink: (req, call) => o.managers.downloads.createLink(req as flyteidl.service.ICreateDownloadLinkRequest, authorityOf(call)),
    GetData: (req, call) => o.managers.downloads.getData(req as flyteidl.service.IGetDataRequest, authorityOf(call)),
  };
}

function signalHandlers(): Record<string, Handler> {
  // No gate nodes run yet, so there is never a signal to list or set.
  return {
    ListSignals: () => ({ signals: [], token: '' }),
    GetOrCreateSignal: unimplemented('GetOrCreateSignal', 'gate nodes (sleep, approve, wait for input) do not run in the sandbox yet'),
    SetSignal: (req) => {
      const id = ((req.id ?? {}) as { signalId?: string }).signalId ?? '';
      throw new GrpcError(GrpcStatus.NOT_FOUND, `no gate node waits for signal ${JSON.stringify(id)} (gate nodes do not run in the sandbox yet)`);
    },
  };
}

function healthHandlers(): Record<string, Handler> {
  return {
    Check: () => ({ status: 1 }),
    Watch: unimplemented('Health/Watch', 'poll Health/Check'),
  };
}

/**
 * Every method of the four services, by gRPC path, with request/response types read from the
 * protos. A method the protos declare and no handler answers is UNIMPLEMENTED (so a new Flyte
 * RPC is refused clearly, never unknown).
 */
export function flyteServices(o: FlyteServicesOptions): MethodTable {
  const table = new Map<string, UnaryMethod>();
  const services: [string, Record<string, Handler>][] = [
    ['flyteidl.service.AdminService', adminHandlers(o)],
    ['flyteidl.service.DataProxyService', dataProxyHandlers(o)],
    ['flyteidl.service.SignalService', signalHandlers()],
    ['grpc.health.v1.Health', healthHandlers()],
  ];
  for (const [serviceName, handlers] of services) {
    const service = idlService(serviceName);
    for (const method of service.methodsArray) {
      method.resolve();
      const requestType = method.resolvedRequestType?.fullName.slice(1);
      const responseType = method.resolvedResponseType?.fullName.slice(1);
      if (!requestType || !responseType) continue;
      const handle = handlers[method.name] ?? unimplemented(`${serviceName}/${method.name}`, 'see docs/flyte-clients.md for the calls the sandbox answers');
      table.set(`/${serviceName}/${method.name}`, { requestType, responseType, handle });
    }
  }
  return table;
}
