/**
 * gRPC over the task socket: what a flytekit eager task may ask the admin (its `FlyteRemote`
 * registers the entities it calls, starts them as child executions labelled with its own
 * execution, follows them and reads their outputs). Every call but `Health/Check` needs the
 * attempt's task credential as a bearer token (`authorization` or `proxy-authorization`:
 * flytekit's proxy authenticator sends the latter after an UNAUTHENTICATED answer, running the
 * command in `FLYTE_CREDENTIALS_PROXY_COMMAND`), and then:
 *
 * - reads (`Get*`, `List*`, `Get*Data`) only within the attempt's project and domain;
 * - `Create{Task,Workflow,LaunchPlan}` only there (an identical spec is ALREADY_EXISTS, a different
 *   one INVALID_ARGUMENT: nothing registered can be replaced);
 * - `CreateExecution` only of children: labelled `eager-exec=<its execution>` (flytekit's label) or
 *   with `parent_node_execution` = its node, no raw output prefix of their own, and file inputs
 *   it may read (its inputs, its raw output area, its children's outputs);
 * - `TerminateExecution` only of its children;
 * - nothing else (PERMISSION_DENIED, saying why).
 */
import { EAGER_LABELS } from '../../core/vocabulary.ts';
import { GrpcError, GrpcStatus, type CallInfo, type MethodTable, type UnaryMethod } from './grpc-wire.ts';
import { bearerToken, TASK_REFUSALS, urisIn, type TaskCredentials, type TaskScopeRules } from '../http/task-credential.ts';

/** Decides whether a call may proceed; throws a {@link GrpcError} when not. */
export type GrpcGuard = (path: string, request: Record<string, unknown>, call: CallInfo) => Promise<void>;

/** `methods` with `guard` run before each handler. */
export function guardMethods(methods: MethodTable, guard: GrpcGuard): MethodTable {
  const out = new Map<string, UnaryMethod>();
  for (const [path, m] of methods) {
    out.set(path, {
      ...m,
      handle: async (request, call) => {
        await guard(path, request, call);
        return m.handle(request, call);
      },
    });
  }
  return out;
}

type Req = Record<string, unknown>;

/** Every `project`/`domain` string in a request (ids, filters' targets), with where it was found. */
function scopesIn(v: unknown, at: string, out: { path: string; key: 'project' | 'domain'; value: string }[] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => scopesIn(x, `${at}[${i}]`, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Req)) {
      if ((k === 'project' || k === 'domain') && typeof x === 'string') out.push({ path: `${at}${k}`, key: k, value: x });
      // Literals carry no ids; skip them (large, and a string literal could be named anything).
      else if (k !== 'inputs' && k !== 'literals' && k !== 'fixedInputs' && k !== 'defaultInputs') scopesIn(x, `${at}${k}.`, out);
    }
  }
  return out;
}

const READ = /^(Get|List)/;
const REGISTER = new Set(['CreateTask', 'CreateWorkflow', 'CreateLaunchPlan']);

/** The guard of the task socket's gRPC (see the module comment). */
export function taskGrpcGuard(creds: TaskCredentials, rules: TaskScopeRules): GrpcGuard {
  return async (path, request, call) => {
    if (path === '/grpc.health.v1.Health/Check') return;
    const scope = creds.verify(bearerToken(call.metadata.authorization) ?? bearerToken(call.metadata['proxy-authorization']));
    if (!scope) {
      throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'SBX_ADMIN_UNAUTHENTICATED: calls over the task socket need the credential of an eager task attempt (TFLYTE_ADMIN_TOKEN, sent by FLYTE_CREDENTIALS_PROXY_COMMAND)');
    }
    const deny = (why: string): never => {
      throw new GrpcError(GrpcStatus.PERMISSION_DENIED, `SBX_ADMIN_FORBIDDEN: ${TASK_REFUSALS.forbidden(scope, why)}`);
    };
    const method = path.slice(path.lastIndexOf('/') + 1);
    const service = path.slice(1, path.lastIndexOf('/'));
    if (service !== 'flyteidl.service.AdminService') deny(`${service} is not reachable from a task`);
    if (method === 'ListProjects' || method === 'GetVersion') return;
    for (const s of scopesIn(request, '')) {
      if (s.value !== '' && s.value !== scope[s.key]) deny(`${s.path} is ${s.value}; a task reaches only its own ${s.key} (${scope[s.key]})`);
    }
    if (READ.test(method) || REGISTER.has(method)) return;
    if (method === 'CreateExecution') {
      const spec = (request.spec ?? {}) as Req;
      const parent = ((spec.metadata ?? {}) as Req).parentNodeExecution as Req | undefined;
      const pe = (parent?.executionId ?? {}) as Req;
      const refusal = await rules.childExecutionRefusal(scope, {
        project: request.project,
        domain: request.domain,
        ...(parent ? { parent: { project: pe.project, domain: pe.domain, name: pe.name, nodeId: parent.nodeId } } : {}),
        eagerLabel: (((spec.labels ?? {}) as Req).values as Req | undefined)?.[EAGER_LABELS.parent],
        rawOutputDataConfig: spec.rawOutputDataConfig ?? undefined,
        inputUris: urisIn([request.inputs, spec.inputs]),
      });
      if (refusal) deny(refusal);
      return;
    }
    if (method === 'TerminateExecution') {
      const id = (request.id ?? {}) as Req;
      if (rules.childOf(scope, String(id.project ?? ''), String(id.domain ?? ''), String(id.name ?? ''))) return;
      deny(`execution ${String(id.name ?? '')} is not a child of ${scope.execution}`);
    }
    deny(`${method} is not a call an eager task makes`);
  };
}
