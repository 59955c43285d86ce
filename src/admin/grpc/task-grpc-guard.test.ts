import { describe, expect, it } from 'vitest';
import { refuseChildExecution, TaskCredentials, type TaskScope, type TaskScopeRules } from '../http/task-credential.ts';
import { GrpcError, GrpcStatus, type CallInfo } from './grpc-wire.ts';
import { taskGrpcGuard } from './task-grpc-guard.ts';

const scope: TaskScope = {
  project: 'flytesnacks',
  domain: 'development',
  execution: 'a1',
  nodeId: 'n0',
  attempt: 0,
  rawOutputPrefix: 'file:///s/raw/ab/a1-n0-0',
  inputsUri: 'file:///s/metadata/a1/n0/inputs.pb',
};
const creds = TaskCredentials.signed(Buffer.alloc(32, 3));
const token = creds.issue(scope);

/** Rules as the admin's: `c1` is a child of `a1`; only the raw output area may be passed on. */
const rules: TaskScopeRules = {
  childOf: (s, p, d, name) => p === s.project && d === s.domain && name === 'c1',
  childOutputs: () => Promise.resolve([]),
  mayPass: (s, uri) => Promise.resolve(uri.startsWith(s.rawOutputPrefix)),
  childExecutionRefusal: (s, child) => refuseChildExecution(s, child, rules.mayPass),
};
const guard = taskGrpcGuard(creds, rules);

const call = (metadata: Record<string, string> = { 'proxy-authorization': `Bearer ${token}` }): CallInfo => ({
  path: '',
  metadata,
  signal: new AbortController().signal,
});
const admin = (m: string): string => `/flyteidl.service.AdminService/${m}`;
const id = (name: string, project = 'flytesnacks'): Record<string, string> => ({ project, domain: 'development', name });

/** The status the guard answers, or OK. */
async function statusOf(p: Promise<void>): Promise<number> {
  try {
    await p;
    return GrpcStatus.OK;
  } catch (e) {
    expect(e).toBeInstanceOf(GrpcError);
    return (e as GrpcError).status;
  }
}

const child = (labels: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  project: 'flytesnacks',
  domain: 'development',
  name: 'c2',
  spec: { launchPlan: { ...id('lp'), version: 'v1' }, labels: { values: labels }, ...extra },
});

describe('the task socket gRPC guard (flytekit eager tasks)', () => {
  it('answers health checks without a credential, and UNAUTHENTICATED to anything else without a valid one', async () => {
    expect(await statusOf(guard('/grpc.health.v1.Health/Check', {}, call({})))).toBe(GrpcStatus.OK);
    expect(await statusOf(guard(admin('GetExecution'), { id: id('c1') }, call({})))).toBe(GrpcStatus.UNAUTHENTICATED);
    const forged = `${token.split('.')[0]}.x`;
    expect(await statusOf(guard(admin('GetExecution'), { id: id('c1') }, call({ authorization: `Bearer ${forged}` })))).toBe(GrpcStatus.UNAUTHENTICATED);
  });

  it('reads and registers within its own project and domain only (either bearer header)', async () => {
    expect(await statusOf(guard(admin('GetTask'), { id: { ...id('t'), version: 'v' } }, call()))).toBe(GrpcStatus.OK);
    expect(await statusOf(guard(admin('CreateTask'), { id: { ...id('t'), version: 'v' }, spec: {} }, call({ authorization: `Bearer ${token}` })))).toBe(GrpcStatus.OK);
    expect(await statusOf(guard(admin('ListNodeExecutions'), { workflowExecutionId: id('c1') }, call()))).toBe(GrpcStatus.OK);
    expect(await statusOf(guard(admin('GetExecution'), { id: id('x', 'other') }, call()))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await statusOf(guard(admin('CreateWorkflow'), { id: { ...id('w', 'other'), version: 'v' } }, call()))).toBe(GrpcStatus.PERMISSION_DENIED);
  });

  it('starts only its own children, with data it may read and no raw output prefix of their own', async () => {
    expect(await statusOf(guard(admin('CreateExecution'), child({ 'eager-exec': 'a1' }), call()))).toBe(GrpcStatus.OK);
    expect(await statusOf(guard(admin('CreateExecution'), child({ 'eager-exec': 'someone-else' }), call()))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await statusOf(guard(admin('CreateExecution'), child({}), call()))).toBe(GrpcStatus.PERMISSION_DENIED);
    const linkedToNode = child({}, { metadata: { parentNodeExecution: { executionId: id('a1'), nodeId: 'n0' } } });
    expect(await statusOf(guard(admin('CreateExecution'), linkedToNode, call()))).toBe(GrpcStatus.OK);
    const otherNode = child({}, { metadata: { parentNodeExecution: { executionId: id('a1'), nodeId: 'n9' } } });
    expect(await statusOf(guard(admin('CreateExecution'), otherNode, call()))).toBe(GrpcStatus.PERMISSION_DENIED);
    const rawPrefix = child({ 'eager-exec': 'a1' }, { rawOutputDataConfig: { outputLocationPrefix: 'file:///etc' } });
    expect(await statusOf(guard(admin('CreateExecution'), rawPrefix, call()))).toBe(GrpcStatus.PERMISSION_DENIED);
    const blob = (uri: string): Record<string, unknown> => ({ literals: { f: { scalar: { blob: { uri } } } } });
    expect(await statusOf(guard(admin('CreateExecution'), { ...child({ 'eager-exec': 'a1' }), inputs: blob(`${scope.rawOutputPrefix}/f.txt`) }, call()))).toBe(GrpcStatus.OK);
    expect(await statusOf(guard(admin('CreateExecution'), { ...child({ 'eager-exec': 'a1' }), inputs: blob('file:///etc/shadow') }, call()))).toBe(GrpcStatus.PERMISSION_DENIED);
  });

  it('terminates only its children, and refuses every other write and service', async () => {
    expect(await statusOf(guard(admin('TerminateExecution'), { id: id('c1'), cause: 'x' }, call()))).toBe(GrpcStatus.OK);
    expect(await statusOf(guard(admin('TerminateExecution'), { id: id('a9'), cause: 'x' }, call()))).toBe(GrpcStatus.PERMISSION_DENIED);
    for (const m of ['UpdateLaunchPlan', 'RelaunchExecution', 'CreateWorkflowEvent', 'RegisterProject', 'UpdateExecution']) {
      expect(await statusOf(guard(admin(m), { id: id('c1') }, call())), m).toBe(GrpcStatus.PERMISSION_DENIED);
    }
    expect(await statusOf(guard('/flyteidl.service.DataProxyService/CreateUploadLocation', { project: 'flytesnacks', domain: 'development' }, call()))).toBe(
      GrpcStatus.PERMISSION_DENIED,
    );
  });
});
