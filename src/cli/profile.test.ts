import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminBaseUrl, loadProfile } from './profile.ts';

const dirs: string[] = [];
function write(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-profile-unit-'));
  dirs.push(dir);
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, text);
  return file;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('adminBaseUrl', () => {
  const bad = (what: string) => new Error(what);
  it('reads the endpoint forms flytectl writes', () => {
    expect(adminBaseUrl('dns:///flyte.example.com:443', false, bad)).toBe('https://flyte.example.com');
    expect(adminBaseUrl('dns:///localhost:30080', true, bad)).toBe('http://localhost:30080');
    expect(adminBaseUrl('flyte.example.com:8089', false, bad)).toBe('https://flyte.example.com:8089');
    expect(adminBaseUrl('http://127.0.0.1:30080', false, bad)).toBe('http://127.0.0.1:30080');
    expect(adminBaseUrl('https://flyte.example.com/', true, bad)).toBe('https://flyte.example.com');
  });
  it('refuses paths, credentials and garbage', () => {
    expect(() => adminBaseUrl('https://flyte.example.com/api', false, bad)).toThrow('must name only a host and port');
    expect(() => adminBaseUrl('https://user:pw@flyte.example.com', false, bad)).toThrow('must name only a host and port');
    expect(() => adminBaseUrl('dns:///', false, bad)).toThrow('is not host:port');
  });
});

describe('loadProfile', () => {
  it("reads flytectl's admin section, the console endpoint and the tflyte section", async () => {
    const file = write(
      [
        'admin:',
        '  endpoint: dns:///flyte.example.com:443',
        '  authType: ClientSecret',
        '  clientId: ci',
        '  clientSecretLocation: secret.txt',
        '  scopes: [all, offline]',
        '  audience: flyte',
        '  maxRetries: 5',
        'console:',
        '  endpoint: https://console.example.com/console',
        'logger:',
        '  level: 4',
        'tflyte:',
        '  defaultImage: registry.example.com/team/task:1',
        '  rawOutputPrefix: s3://bucket/raw',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(path.dirname(file), 'secret.txt'), 'from-file\n');
    const p = await loadProfile(file, {});
    expect(p).toMatchObject({
      baseUrl: 'https://flyte.example.com',
      consoleUrl: 'https://console.example.com',
      defaultImage: 'registry.example.com/team/task:1',
      rawOutputPrefix: 's3://bucket/raw',
      credentials: { clientId: 'ci', clientSecret: 'from-file', scopes: ['all', 'offline'], audience: 'flyte' },
    });
  });

  it("takes the client id and secret from flytekit's variables first", async () => {
    const file = write(['admin:', '  endpoint: localhost:30080', '  insecure: true', '  clientId: from-profile', '  clientSecretLocation: missing.txt'].join('\n'));
    const p = await loadProfile(file, { FLYTE_CREDENTIALS_CLIENT_ID: 'from-env', FLYTE_CREDENTIALS_CLIENT_SECRET: 's', FLYTE_CREDENTIALS_SCOPES: 'a,b' });
    expect(p.credentials).toMatchObject({ clientId: 'from-env', clientSecret: 's', scopes: ['a', 'b'] });
    expect(p.baseUrl).toBe('http://localhost:30080');
    expect(p.consoleUrl).toBe('http://localhost:30080');
  });

  it('reads the secret from the variable clientSecretEnvVar names, and says when it is unset', async () => {
    const file = write(['admin:', '  endpoint: localhost:30080', '  clientId: ci', '  clientSecretEnvVar: MY_SECRET'].join('\n'));
    expect((await loadProfile(file, { MY_SECRET: 'x', FLYTE_CREDENTIALS_CLIENT_SECRET: 'y' })).credentials?.clientSecret).toBe('x');
    await expect(loadProfile(file, {})).rejects.toThrow('admin.clientSecretEnvVar names MY_SECRET, which is not set');
  });

  it('has no credentials without a client id', async () => {
    const p = await loadProfile(write('admin:\n  endpoint: localhost:30080\n  insecure: true\n'), {});
    expect(p.credentials).toBeUndefined();
  });

  it('names the file and the setting of every mistake', async () => {
    const fails = (text: string, env: NodeJS.ProcessEnv = {}) => loadProfile(write(text), env);
    await expect(fails('admin: [1]')).rejects.toThrow(/config\.yaml: admin must be a mapping/);
    await expect(fails('admin:\n  endpoint: x:1\n  insecure: "yes"\n')).rejects.toThrow('admin.insecure must be true or false, got "yes"');
    await expect(fails('admin:\n  endpoint: x:1\n  clientId: ci\n  clientSecretLocation: nope\n')).rejects.toThrow(/admin\.clientSecretLocation names .*nope, which cannot be read \(ENOENT\)/);
    await expect(fails('admin:\n  endpoint: x:1\n  caCertFilePath: ca.pem\n')).rejects.toThrow(/admin\.caCertFilePath names .*ca\.pem, which cannot be read/);
    await expect(fails('admin:\n  endpoint: x:1\n  authType: DeviceFlow\n')).rejects.toThrow('admin.authType "DeviceFlow" is not supported here');
    await expect(fails('admin:\n  endpoint: x:1\n  clientId: ci\n  scopes: all\n', { FLYTE_CREDENTIALS_CLIENT_SECRET: 's' })).rejects.toThrow('admin.scopes must be a list of strings');
    await expect(fails('tflyte:\n  image: x\nadmin:\n  endpoint: x:1\n')).rejects.toThrow('tflyte.image is not a setting (known: defaultImage, rawOutputPrefix)');
    await expect(fails('admin:\n  endpoint: [\n')).rejects.toThrow('is not valid YAML');
    await expect(loadProfile('/no/such/profile.yaml', {})).rejects.toThrow('--profile /no/such/profile.yaml: cannot read it (ENOENT)');
  });
});
