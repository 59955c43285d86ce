/**
 * `register --profile` and `run --remote --profile`: the CLI talks to another Flyte backend named
 * by an endpoint profile in flytectl's format. The backend here is a real sandbox behind an
 * authenticating front written for the test (test/support/oauth-front.ts): OAuth2 client
 * credentials from a token endpoint discovered through flyteadmin's metadata, the token checked
 * on every API call, code and file inputs uploaded through DataProxy's signed URLs, over http and
 * over https with a certificate the profile names.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.ts';
import { startOAuthFront, selfSignedCertificate, type OAuthFront } from '../support/oauth-front.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const CLIENT = { clientId: 'tflyte-ci', clientSecret: 'ci secret/with:chars', scope: 'all' };
const certificate = selfSignedCertificate();
if (!certificate) console.warn('profile suite: openssl is missing, so the https case is skipped (apt-get install openssl)');

describe('endpoint profiles (an authenticating Flyte backend)', () => {
  let sbx: TestSandbox;
  let front: OAuthFront;
  let secureFront: OAuthFront | undefined;
  let dir: string;

  beforeAll(async () => {
    sbx = await startTestSandbox({ launcher: 'process', name: 'profile' });
    front = await startOAuthFront(sbx.url, CLIENT);
    if (certificate) secureFront = await startOAuthFront(sbx.url, CLIENT, certificate);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-profile-'));
  });
  afterAll(async () => {
    await front?.close();
    await secureFront?.close();
    await sbx?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a profile file; `admin` lines go under `admin:`. */
  const profile = (name: string, admin: string[], extra: string[] = []): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, ['admin:', ...admin.map((l) => `  ${l}`), ...extra, ''].join('\n'));
    return file;
  };
  const endpoint = (f: OAuthFront) => `dns:///${new URL(f.url).host}`;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli('source', args, { env: { FLYTE_CREDENTIALS_CLIENT_ID: '', FLYTE_CREDENTIALS_CLIENT_SECRET: '', ...env }, timeoutMs: 180_000 });
  const withSecret = { FLYTE_CREDENTIALS_CLIENT_SECRET: CLIENT.clientSecret };

  test('register and run --remote through the profile: token from the discovered endpoint, uploads through DataProxy, the raw-output prefix', async () => {
    const rawPrefix = `file://${path.join(sbx.dataDir, 'blobs', 'raw-ci')}`;
    const p = profile('ci.yaml', [`endpoint: ${endpoint(front)}`, 'insecure: true', 'authType: ClientSecret', `clientId: ${CLIENT.clientId}`], ['console:', `  endpoint: ${front.url}`, 'tflyte:', `  rawOutputPrefix: ${rawPrefix}`]);
    const reg = await cli(['register', '--profile', p, 'examples/basic_workflow.ts'], withSecret);
    expect(reg.exitCode, reg.stderr).toBe(0);
    expect(reg.stdout).toMatch(/registered examples\/basic_workflow\.ts as version [0-9a-f]{16}:/);
    expect(reg.stdout).toContain('workflow     examples.basic_workflow.my_wf');

    const run = await cli(['run', '--remote', '--wait', '--profile', p, 'examples/all_types.ts', 'file_wf', '--text', 'through the front'], withSecret);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${front.url}/console/projects/flytesnacks/domains/development/executions/`);
    expect(run.stdout).toContain('o0: "through the front"');
    const name = /executions\/([a-z0-9]+)/.exec(run.stdout)?.[1] ?? '';
    // The file the first task wrote went under the profile's raw-output prefix.
    const node = await sbx.client.getNodeExecutionData({ project: 'flytesnacks', domain: 'development', name }, 'n0');
    expect(node.fullOutputs?.literals?.o0?.scalar?.blob?.uri).toMatch(new RegExp(`^${rawPrefix}/`));

    const note = path.join(dir, 'note.txt');
    fs.writeFileSync(note, 'uploaded through a signed URL');
    const read = await cli(['run', '--remote', '--wait', '--json', '--profile', p, 'examples/all_types.ts', 'read_file', '--file', note], withSecret);
    expect(read.exitCode, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 'uploaded through a signed URL' } });

    // `get` reads the backend through the profile too.
    const list = await cli(['get', 'executions', '--profile', p, '--json'], withSecret);
    expect(list.exitCode, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string; phase: string }[]).find((e) => e.name === name)).toMatchObject({ phase: 'SUCCEEDED' });
    const one = await cli(['get', 'execution', name, '--profile', p, '--json'], withSecret);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.stdout).toContain('"through the front"');

    expect(front.log.tokensGranted).toBeGreaterThanOrEqual(5);
    expect(front.log.refused).toBe(0);
    expect(front.log.uploads).toBeGreaterThanOrEqual(2);
    // Signed URLs carry their own authorization: the token is never sent with them.
    expect(front.log.uploadsWithCredentials).toBe(0);
  });

  test('a token the backend stops accepting is fetched again, and the run goes on', async () => {
    const p = profile('revoking.yaml', [`endpoint: ${endpoint(front)}`, 'insecure: true', `clientId: ${CLIENT.clientId}`, 'scopes: [all]', `tokenUrl: ${front.url}/oauth2/token`]);
    front.revokeEvery = 3;
    const granted = front.log.tokensGranted;
    const refused = front.log.refused;
    try {
      const run = await cli(['run', '--remote', '--wait', '--json', '--profile', p, 'examples/basic_workflow.ts', 'my_wf', '--a', '1', '--b', 'x'], withSecret);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 3, o1: 'xworld' } });
    } finally {
      front.revokeEvery = 0;
    }
    expect(front.log.refused - refused).toBeGreaterThanOrEqual(1);
    expect(front.log.tokensGranted - granted).toBeGreaterThanOrEqual(2);
  });

  test('a wrong or missing secret, and a backend that wants a token the profile has no client for, are explained', async () => {
    const p = profile('wrong.yaml', [`endpoint: ${endpoint(front)}`, 'insecure: true', `clientId: ${CLIENT.clientId}`]);
    const wrong = await cli(['register', '--profile', p, 'examples/basic_workflow.ts'], { FLYTE_CREDENTIALS_CLIENT_SECRET: 'not it' });
    expect(wrong.exitCode).not.toBe(0);
    expect(wrong.stderr).toContain(`the token endpoint ${front.url}/oauth2/token refused client ${CLIENT.clientId} (invalid_client: client authentication failed)`);
    expect(wrong.stderr).toContain('FLYTE_CREDENTIALS_CLIENT_SECRET');

    const missing = await cli(['register', '--profile', p, 'examples/basic_workflow.ts']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('admin.clientId is set but no client secret is given: set FLYTE_CREDENTIALS_CLIENT_SECRET');

    const secretFile = path.join(dir, 'secret');
    fs.writeFileSync(secretFile, `${CLIENT.clientSecret}\n`);
    const fromFile = profile('file-secret.yaml', [`endpoint: ${endpoint(front)}`, 'insecure: true', `clientId: ${CLIENT.clientId}`, 'clientSecretLocation: secret']);
    const ok = await cli(['register', '--profile', fromFile, 'examples/basic_workflow.ts']);
    expect(ok.exitCode, ok.stderr).toBe(0);

    const anonymous = profile('anonymous.yaml', [`endpoint: ${endpoint(front)}`, 'insecure: true']);
    const refused = await cli(['register', '--profile', anonymous, 'examples/basic_workflow.ts']);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain(`${front.url} requires authentication (HTTP 401): use a profile with authType: ClientSecret`);
  });

  test('profile mistakes name the file and the setting', async () => {
    const bad = async (lines: string[], extra: string[] = [], args: string[] = []): Promise<string> => {
      const p = profile('bad.yaml', lines, extra);
      const r = await cli(['register', '--profile', p, ...args, 'examples/basic_workflow.ts']);
      expect(r.exitCode).not.toBe(0);
      return r.stderr;
    };
    expect(await bad(['insecure: true'])).toContain('bad.yaml: admin.endpoint is required');
    expect(await bad([`endpoint: ${endpoint(front)}`, 'authType: Pkce'])).toContain('admin.authType "Pkce" is not supported here: use ClientSecret');
    expect(await bad([`endpoint: ${endpoint(front)}`, 'endpont: x'])).toContain("admin.endpont is not a setting of flytectl's admin section");
    expect(await bad([`endpoint: ${endpoint(front)}`], ['tflyte:', '  rawOutputPrefix: raw'])).toContain('tflyte.rawOutputPrefix must be a URI like s3://my-bucket/raw');
    expect(await bad([`endpoint: ${endpoint(front)}`], [], ['--data-dir', sbx.dataDir])).toContain('--profile and --data-dir name two different backends');
    const noRemote = await cli(['run', '--profile', path.join(dir, 'bad.yaml'), 'examples/basic_workflow.ts', 'my_wf']);
    expect(noRemote.stderr).toContain('--profile names a backend to run on: add --remote');
  });

  test.skipIf(!certificate)('over https: the certificate the profile names is trusted, an unknown one is refused', async () => {
    const f = secureFront as OAuthFront;
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(ca, f.certificate ?? '');
    const trusted = profile('tls.yaml', [`endpoint: ${endpoint(f)}`, `clientId: ${CLIENT.clientId}`, 'caCertFilePath: ca.pem']);
    const note = path.join(dir, 'tls-note.txt');
    fs.writeFileSync(note, 'sent over https');
    const run = await cli(['run', '--remote', '--wait', '--json', '--profile', trusted, 'examples/all_types.ts', 'read_file', '--file', note], withSecret);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 'sent over https' } });
    // The signed URL named https (the front says X-Forwarded-Proto), and the file went through it.
    expect(f.log.uploads).toBeGreaterThanOrEqual(1);

    const untrusted = profile('tls-unknown.yaml', [`endpoint: ${endpoint(f)}`, `clientId: ${CLIENT.clientId}`]);
    const refused = await cli(['register', '--profile', untrusted, 'examples/basic_workflow.ts'], withSecret);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/self[- ]signed certificate/);
  });
});
