/**
 * Flyte's gRPC API on the sandbox's one port (real daemon from source, real SQLite, process
 * launcher): the calls pyflyte, flytectl and FlyteRemote make, the statuses they expect, HTTP/1.1
 * still served beside it, signed uploads (DataProxy CreateUploadLocation + PUT) and downloads
 * (CreateDownloadLocation + GET, CreateDownloadLink, GetData of flyte:// URLs).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TestGrpcClient } from '../support/grpc-client.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const ADMIN = 'flyteidl.service.AdminService';
const P = { project: 'flytesnacks', domain: 'development' };
const WF = 'examples.basic_workflow.my_wf';

describe('gRPC on the REST port', () => {
  let sbx: TestSandbox;
  let grpc: TestGrpcClient;
  let version = '';

  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'process', name: 'grpc' });
    grpc = new TestGrpcClient(sbx.url);
    const r = await sbx.cli(['register', 'examples/basic_workflow.ts']);
    expect(r.exitCode).toBe(0);
    const lps = await grpc.call<{ launchPlans?: { id?: { version?: string } }[] }>(ADMIN, 'ListLaunchPlans', { id: { ...P, name: WF }, limit: 10 });
    version = lps.response?.launchPlans?.[0]?.id?.version ?? '';
    expect(version).not.toBe('');
  });
  afterAll(async () => {
    grpc?.close();
    await sbx?.destroy();
  });

  test('health check answers SERVING, and HTTP/1.1 (REST, console) is served on the same port', async () => {
    const h = await grpc.call<{ status?: number }>('grpc.health.v1.Health', 'Check', {});
    expect([h.status, h.response?.status]).toEqual([0, 1]);
    const rest = await fetch(`${sbx.url}/healthz`);
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { status: string }).status).toBe('ok');
    expect((await fetch(`${sbx.url}/console/`)).status).toBe(200);
  });

  test('projects, domains and version', async () => {
    const projects = await grpc.call<{ projects?: { id?: string }[] }>(ADMIN, 'ListProjects', {});
    expect(projects.status).toBe(0);
    expect(projects.response?.projects?.map((p) => p.id)).toContain('flytesnacks');
    const domains = await grpc.call<{ domains?: { id?: string }[] }>(ADMIN, 'GetDomains', {});
    expect(domains.response?.domains?.map((d) => d.id)).toEqual(expect.arrayContaining(['development', 'staging', 'production']));
    const v = await grpc.call<{ controlPlaneVersion?: { Build?: string } }>(ADMIN, 'GetVersion', {});
    expect(v.response?.controlPlaneVersion?.Build).toBe('tflyte-sandbox');
  });

  test('registration: an identical spec is ALREADY_EXISTS, a different one INVALID_ARGUMENT, a missing one NOT_FOUND', async () => {
    const id = { resourceType: 1, ...P, name: 'examples.basic_workflow.t1', version };
    const got = await grpc.call<{ id?: object; closure?: { compiledTask?: { template?: Record<string, unknown> } } }>(ADMIN, 'GetTask', { id });
    expect(got.status).toBe(0);
    const template = got.response!.closure!.compiledTask!.template!;
    const again = await grpc.call(ADMIN, 'CreateTask', { id, spec: { template } });
    expect(again.status).toBe(6);
    const changed = await grpc.call(ADMIN, 'CreateTask', { id, spec: { template: { ...template, type: 'other-type' } } });
    expect(changed.status).toBe(3);
    expect(changed.message).toContain('SBX_ADMIN_ALREADY_EXISTS_DIFFERENT');
    const missing = await grpc.call(ADMIN, 'GetTask', { id: { ...id, name: 'no.such.task' } });
    expect(missing.status).toBe(5);
    expect(missing.message).toContain('not found');
    const noVersion = await grpc.call(ADMIN, 'GetTask', { id: { ...id, version: '' } });
    expect([noVersion.status, noVersion.message]).toEqual([3, expect.stringContaining('id.version is required')]);
  });

  test('no call ends UNKNOWN: unsupported calls are UNIMPLEMENTED, a garbled message INVALID_ARGUMENT', async () => {
    const attrs = await grpc.call(ADMIN, 'UpdateProjectAttributes', { attributes: { project: 'flytesnacks' } });
    expect([attrs.status, attrs.message]).toEqual([12, expect.stringContaining('not supported by tflyte-sandbox')]);
    const metrics = await grpc.call(ADMIN, 'GetExecutionMetrics', {});
    expect(metrics.status).toBe(12);
    // None are stored: NOT_FOUND, as flyteadmin answers when none are set.
    const attributes = await grpc.call(ADMIN, 'GetProjectDomainAttributes', { project: 'flytesnacks', domain: 'development', resourceType: 1 });
    expect([attributes.status, attributes.message]).toEqual([5, expect.stringContaining('SBX_ADMIN_ATTRIBUTES_NOT_FOUND')]);
    const garbled = await grpc.call(ADMIN, 'GetTask', {}, { raw: Buffer.from([0x0a, 0xff, 0xff]) });
    expect(garbled.status).toBe(3);
    const unknownService = await new Promise<string | undefined>((resolve) => {
      // A path no proto declares.
      void import('node:http2').then(({ default: http2 }) => {
        const s = http2.connect(sbx.url);
        const req = s.request({ ':method': 'POST', ':path': '/flyteidl.service.NoSuchService/Call', 'content-type': 'application/grpc', te: 'trailers' });
        req.on('response', (h) => {
          resolve(h['grpc-status'] as string | undefined);
          s.close();
        });
        req.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    });
    expect(unknownService).toBe('12');
  });

  test('a request larger than 20 MB is received (flytekit allows 20 MB); a gzip-compressed one is read', async () => {
    const big = await grpc.call(ADMIN, 'GetTask', { id: { resourceType: 1, ...P, name: 'x'.repeat(21 * 1024 * 1024), version } });
    expect(big.status).toBe(5);
    const zipped = await grpc.call<{ projects?: unknown[] }>(ADMIN, 'ListProjects', {}, { gzip: true });
    expect(zipped.status).toBe(0);
    expect(zipped.response?.projects?.length).toBeGreaterThan(0);
  });

  test('an execution created over gRPC runs; its outputs, nodes and task attempts are read over gRPC', async () => {
    const created = await grpc.call<{ id?: { name?: string } }>(ADMIN, 'CreateExecution', {
      ...P,
      spec: { launchPlan: { resourceType: 3, ...P, name: WF, version } },
      inputs: { literals: { a: { scalar: { primitive: { integer: '50' } } }, b: { scalar: { primitive: { stringValue: 'hello' } } } } },
    });
    expect(created.status).toBe(0);
    const execId = { ...P, name: created.response!.id!.name! };
    let phase = 0;
    for (let i = 0; i < 300 && phase !== 4; i++) {
      const got = await grpc.call<{ closure?: { phase?: number } }>(ADMIN, 'GetExecution', { id: execId });
      phase = got.response?.closure?.phase ?? 0;
      if (phase === 5 || phase === 6) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(phase).toBe(4); // SUCCEEDED
    const data = await grpc.call<{ fullOutputs?: { literals?: Record<string, { scalar?: { primitive?: { integer?: string; stringValue?: string } } }> } }>(ADMIN, 'GetExecutionData', { id: execId });
    expect(data.response?.fullOutputs?.literals?.o0?.scalar?.primitive?.integer).toBe('52');
    expect(data.response?.fullOutputs?.literals?.o1?.scalar?.primitive?.stringValue).toBe('helloworld');
    const nodes = await grpc.call<{ nodeExecutions?: { id?: { nodeId?: string } }[] }>(ADMIN, 'ListNodeExecutions', { workflowExecutionId: execId, limit: 100 });
    expect(nodes.response?.nodeExecutions?.map((n) => n.id?.nodeId)).toEqual(expect.arrayContaining(['n0', 'n1']));
    const tasks = await grpc.call<{ taskExecutions?: { id?: object; closure?: { phase?: number } }[] }>(ADMIN, 'ListTaskExecutions', { nodeExecutionId: { nodeId: 'n0', executionId: execId }, limit: 10 });
    expect(tasks.response?.taskExecutions?.[0]?.closure?.phase).toBe(3); // TaskExecution SUCCEEDED
    const taskData = await grpc.call<{ fullOutputs?: { literals?: Record<string, unknown> } }>(ADMIN, 'GetTaskExecutionData', { id: tasks.response!.taskExecutions![0]!.id });
    expect(Object.keys(taskData.response?.fullOutputs?.literals ?? {}).sort()).toEqual(['c', 't1_int_output']);
    await checkDownloads(execId);
    const relaunched = await grpc.call<{ id?: { name?: string } }>(ADMIN, 'RelaunchExecution', { id: execId, name: 'grpc-relaunch' });
    expect([relaunched.status, relaunched.response?.id?.name]).toEqual([0, 'grpc-relaunch']);
    const terminated = await grpc.call(ADMIN, 'TerminateExecution', { id: { ...P, name: 'grpc-relaunch' }, cause: 'test' });
    // Terminating may race the relaunch finishing: either it stops or it had already ended.
    expect([0, 9]).toContain(terminated.status);
  });

  /** DataProxy downloads of a finished execution's node n0 (outputs c and t1_int_output). */
  async function checkDownloads(execId: { project: string; domain: string; name: string }): Promise<void> {
    const PROXY = 'flyteidl.service.DataProxyService';
    type Lit = { scalar?: { primitive?: { integer?: string; stringValue?: string } } };
    const nodeData = await grpc.call<{ outputs?: { url?: string }; flyteUrls?: { inputs?: string; outputs?: string; deck?: string } }>(ADMIN, 'GetNodeExecutionData', {
      id: { nodeId: 'n0', executionId: execId },
    });
    // flyteadmin's data URLs, which GetData reads.
    expect(nodeData.response?.flyteUrls).toEqual({ inputs: `flyte://v1/flytesnacks/development/${execId.name}/n0/i`, outputs: `flyte://v1/flytesnacks/development/${execId.name}/n0/o` });
    const all = await grpc.call<{ literalMap?: { literals?: Record<string, Lit> } }>(PROXY, 'GetData', { flyteUrl: nodeData.response!.flyteUrls!.outputs });
    expect(Object.keys(all.response?.literalMap?.literals ?? {}).sort()).toEqual(['c', 't1_int_output']);
    const one = await grpc.call<{ literal?: Lit }>(PROXY, 'GetData', { flyteUrl: `${nodeData.response!.flyteUrls!.outputs}/c` });
    expect(one.response?.literal?.scalar?.primitive?.stringValue).toBe('world');
    const inAttempt = await grpc.call<{ literalMap?: { literals?: Record<string, Lit> } }>(PROXY, 'GetData', { flyteUrl: `flyte://v1/flytesnacks/development/${execId.name}/n0/0/i` });
    expect(inAttempt.response?.literalMap?.literals?.a?.scalar?.primitive?.integer).toBe('50');
    const noSuch = await grpc.call(PROXY, 'GetData', { flyteUrl: `${nodeData.response!.flyteUrls!.outputs}/nope` });
    expect([noSuch.status, noSuch.message]).toEqual([5, expect.stringContaining('no output named nope (it has c, t1_int_output)')]);
    expect((await grpc.call(PROXY, 'GetData', { flyteUrl: 's3://bucket/x' })).status).toBe(3);
    // A signed GET URL of a blob, on this port; changed or outside the store: refused.
    const loc = await grpc.call<{ signedUrl?: string; expiresAt?: { seconds?: string } }>(PROXY, 'CreateDownloadLocation', { nativeUrl: nodeData.response!.outputs!.url });
    expect(loc.status).toBe(0);
    expect(new URL(loc.response!.signedUrl!).host).toBe(new URL(sbx.url).host);
    const got = await fetch(loc.response!.signedUrl!);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(fs.readFileSync(new URL(nodeData.response!.outputs!.url!).pathname))).toBe(true);
    const forged = new URL(loc.response!.signedUrl!);
    forged.searchParams.set('uri', forged.searchParams.get('uri')!.replace(/outputs\.pb$/, 'inputs.pb'));
    expect((await fetch(forged)).status).toBe(403);
    const outside = await grpc.call(PROXY, 'CreateDownloadLocation', { nativeUrl: 'file:///etc/passwd' });
    expect([outside.status, outside.message]).toEqual([3, expect.stringContaining("must be a URI in the sandbox's blob store")]);
    const deck = await grpc.call(PROXY, 'CreateDownloadLink', { artifactType: 1, nodeExecutionId: { nodeId: 'n0', executionId: execId } });
    expect([deck.status, deck.message]).toEqual([5, expect.stringContaining('has no deck')]);
  }

  test('CreateUploadLocation gives a signed PUT URL on this port; the file lands at the native URL, checked for MD5', async () => {
    const body = Buffer.from('fast registration tarball bytes');
    const md5 = crypto.createHash('md5').update(body).digest();
    const loc = await grpc.call<{ signedUrl?: string; nativeUrl?: string; headers?: Record<string, string> }>('flyteidl.service.DataProxyService', 'CreateUploadLocation', {
      ...P,
      filename: `fast${md5.toString('hex')}.tar.gz`,
      contentMd5: md5,
    });
    expect(loc.status).toBe(0);
    const { signedUrl, nativeUrl } = loc.response!;
    expect(new URL(signedUrl!).host).toBe(new URL(sbx.url).host);
    expect(nativeUrl).toMatch(/^file:\/\//);
    const file = new URL(nativeUrl!).pathname;
    expect(file.startsWith(fs.realpathSync(sbx.dataDir)) || file.startsWith(sbx.dataDir)).toBe(true);

    // Wrong bytes for the MD5: refused, nothing left behind.
    const wrong = await fetch(signedUrl!, { method: 'PUT', body: Buffer.from('something else entirely'), headers: { 'Content-Type': 'application/octet-stream' } });
    expect(wrong.status).toBe(400);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(path.dirname(file)) ? fs.readdirSync(path.dirname(file)) : []).toEqual([]);
    // A changed URL: refused.
    const forged = await fetch(signedUrl!.replace(/sig=[^&]+/, 'sig=AAAA'), { method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream' } });
    expect(forged.status).toBe(403);
    // The real thing, as flytekit sends it (Content-MD5, Content-Length).
    const ok = await fetch(signedUrl!, { method: 'PUT', body, headers: { 'Content-Type': 'application/octet-stream', 'Content-MD5': md5.toString('base64') } });
    expect(ok.status).toBe(200);
    expect(fs.readFileSync(file).equals(body)).toBe(true);

    const noProject = await grpc.call('flyteidl.service.DataProxyService', 'CreateUploadLocation', { project: 'nope', domain: 'development', filename: 'a.tar.gz', contentMd5: md5 });
    expect(noProject.status).toBe(5);
    const badName = await grpc.call('flyteidl.service.DataProxyService', 'CreateUploadLocation', { ...P, filename: '../escape', contentMd5: md5 });
    expect(badName.status).toBe(3);
  });

  test('SignalService: no gate nodes, so no signals; setting one is NOT_FOUND', async () => {
    const list = await grpc.call<{ signals?: unknown[] }>('flyteidl.service.SignalService', 'ListSignals', { workflowExecutionId: { ...P, name: 'x' } });
    expect([list.status, list.response?.signals ?? []]).toEqual([0, []]);
    const set = await grpc.call('flyteidl.service.SignalService', 'SetSignal', { id: { signalId: 'approve', executionId: { ...P, name: 'x' } } });
    expect(set.status).toBe(5);
  });
});
