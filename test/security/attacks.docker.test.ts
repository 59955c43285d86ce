/**
 * Security regressions (SECURITY.md): each attack of the threat model against a real sandbox
 * (the built binary, real SQLite, real Docker containers), tried as an attacker would — a web
 * page, a task, a forged event. Every one must fail with a clear 4xx or task error and leave
 * nothing of the host or of another execution read or written.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { ensureToolsImage } from '../support/shell-image.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

const FIXTURE = 'test/fixtures/security/attacks.ts';
const haveDocker = await dockerSandboxAvailable();
if (!haveDocker) console.warn('skipping the security suite: it needs a Docker engine and the built binary (npm run build)');

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request with exactly the headers given (no client adds any). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname: u.hostname, port: u.port, method, path: `${u.pathname}${u.search}`, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, setHost: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function errorCode(r: Reply): string | undefined {
  try {
    return (JSON.parse(r.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(needle)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

describe.skipIf(!haveDocker)('security: attacks on a real sandbox', () => {
  let sbx: TestSandbox;
  let hostDir: string;
  let secret: string;
  let secretFile: string;
  /** An execution of someone else, whose data the attacks aim at. */
  let victim: { name: string; inputsPath: string; inputsBytes: Buffer };

  beforeAll(async () => {
    await ensureToolsImage();
    hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-host-secret-'));
    fs.chmodSync(hostDir, 0o755);
    secret = `SECRET-${crypto.randomBytes(8).toString('hex')}`;
    secretFile = path.join(hostDir, 'credentials.txt');
    fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o644 });
    sbx = await startTestSandbox({ launcher: 'docker', name: 'security', config: 'maxTaskOutputBytes: 100000\n' });
    const r = await sbx.run(FIXTURE, 'double', ['--x', '5']);
    expect(r.phase).toBe('SUCCEEDED');
    const execDir = path.join(sbx.dataDir, 'blobs', 'metadata', 'flytesnacks', 'development', r.execution);
    const inputsPath = fs
      .readdirSync(execDir, { recursive: true, encoding: 'utf8' })
      .map((f) => path.join(execDir, f))
      .find((f) => f.endsWith(`${path.sep}data${path.sep}inputs.pb`)) as string;
    expect(inputsPath).toBeDefined();
    victim = { name: r.execution, inputsPath, inputsBytes: fs.readFileSync(inputsPath) };
  });

  afterAll(async () => {
    await sbx?.destroy();
    if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
  });

  describe('a web page cannot drive the API', () => {
    const createBody = () => JSON.stringify({ project: 'flytesnacks', domain: 'development', spec: {}, inputs: {} });

    it('refuses bodies that are not application/json (text/plain, form posts) with 415', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const r = await raw(`${sbx.url}/api/v1/executions`, 'POST', { host: new URL(sbx.url).host, 'content-type': type }, createBody());
        expect(r.status, type).toBe(415);
        expect(errorCode(r)).toBe('SBX_ADMIN_UNSUPPORTED_MEDIA_TYPE');
      }
    });

    it('refuses a foreign Host (DNS rebinding) on reads and writes, and for the console', async () => {
      for (const [method, p] of [
        ['GET', '/api/v1/executions/flytesnacks/development'],
        ['GET', `/api/v1/data/executions/flytesnacks/development/${victim.name}`],
        ['POST', '/api/v1/executions'],
        ['GET', '/console/'],
      ] as const) {
        const r = await raw(`${sbx.url}${p}`, method, { host: 'evil.example.com', 'content-type': 'application/json' }, method === 'POST' ? createBody() : undefined);
        expect(r.status, `${method} ${p}`).toBe(403);
        expect(errorCode(r)).toBe('SBX_ADMIN_HOST_NOT_ALLOWED');
      }
    });

    it('refuses cross-origin requests (Origin, Sec-Fetch-Site) and grants no CORS', async () => {
      const host = new URL(sbx.url).host;
      const attempts: [string, string, Record<string, string>, string?][] = [
        ['POST', '/api/v1/tasks', { origin: 'http://evil.example.com', 'content-type': 'application/json' }, '{}'],
        ['DELETE', `/api/v1/executions/flytesnacks/development/${victim.name}`, { origin: 'http://evil.example.com', 'content-type': 'application/json' }, '{"cause":"x"}'],
        ['GET', `/api/v1/data/executions/flytesnacks/development/${victim.name}`, { origin: 'null' }],
        ['GET', `/api/v1/data/executions/flytesnacks/development/${victim.name}`, { 'sec-fetch-site': 'cross-site' }],
        ['GET', `/api/v1/data/executions/flytesnacks/development/${victim.name}`, { origin: `http://localhost:1` }],
      ];
      for (const [method, p, headers, body] of attempts) {
        const r = await raw(`${sbx.url}${p}`, method, { host, ...headers }, body);
        expect(r.status, `${method} ${p} ${JSON.stringify(headers)}`).toBe(403);
        expect(errorCode(r)).toBe('SBX_ADMIN_CROSS_ORIGIN');
        expect(r.headers['access-control-allow-origin']).toBeUndefined();
      }
      const preflight = await raw(`${sbx.url}/api/v1/executions`, 'OPTIONS', { host, origin: 'http://evil.example.com', 'access-control-request-method': 'POST' });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const still = await sbx.client.getExecution({ project: 'flytesnacks', domain: 'development', name: victim.name });
      expect(still.closure?.phase).toBe(4); // SUCCEEDED, not aborted
    });

    it('still serves the console and its same-origin API calls', async () => {
      const host = new URL(sbx.url).host;
      const page = await raw(`${sbx.url}/console/`, 'GET', { host, 'sec-fetch-site': 'none' });
      expect(page.status).toBe(200);
      const api = await raw(`${sbx.url}/api/v1/executions/flytesnacks/development?limit=1`, 'GET', { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
      expect(api.status).toBe(200);
    });

    it('will not listen on a non-loopback address without --expose', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-expose-'));
      try {
        const r = await runCli('binary', ['start', '--data-dir', dir, '--host', '0.0.0.0', '--port', '0']);
        expect(r.exitCode).not.toBe(0);
        expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0: .*no authentication.*--expose/);
        expect(fs.existsSync(path.join(dir, 'sandbox.json'))).toBe(false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('outputs never leave the attempt', () => {
    it('a t.str output linked to a host file fails the task and reads nothing', async () => {
      const r = await sbx.run(FIXTURE, 'link_str', ['--target', secretFile]);
      expect(r.phase).toBe('FAILED');
      expect(r.error?.message).toMatch(/output out is a link to .*outside the task's output directory/);
      expect(JSON.stringify(r)).not.toContain(secret);
    });

    it('a t.file output linked to a host file is not copied into the store', async () => {
      const r = await sbx.run(FIXTURE, 'link_file', ['--target', secretFile]);
      expect(r.phase).toBe('FAILED');
      expect(r.error?.message).toMatch(/output out .*outside the task's output directory/);
      expect(filesContaining(path.join(sbx.dataDir, 'blobs'), secret)).toEqual([]);
    });

    it('a t.dir output holding a link to a host directory is not copied', async () => {
      const r = await sbx.run(FIXTURE, 'link_dir', ['--target', hostDir]);
      expect(r.phase).toBe('FAILED');
      expect(r.error?.message).toMatch(/output out contains host, a link to .*outside the task's output directory/);
      expect(filesContaining(path.join(sbx.dataDir, 'blobs'), secret)).toEqual([]);
    });

    it('links that stay inside the output directory still work', async () => {
      const r = await sbx.run(FIXTURE, 'inner_link_dir', ['--n', '7']);
      expect(r.phase).toBe('SUCCEEDED');
      const dir = String(r.outputs.out).replace(/^file:\/\//, '');
      expect(fs.readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('hello7\n');
      expect(fs.lstatSync(path.join(dir, 'b.txt')).isSymbolicLink()).toBe(false);
    });

    it('outputs larger than maxTaskOutputBytes fail the task with a clear error', async () => {
      const r = await sbx.run(FIXTURE, 'big_output', ['--n', '5000']);
      expect(r.phase).toBe('FAILED');
      expect(r.error?.message).toMatch(/larger than the limit on a task's outputs \(maxTaskOutputBytes/);
    });

    it("a Node task that swaps its outputs.pb for a link to another execution's document fails", async () => {
      const r = await sbx.run(FIXTURE, 'swap_outputs', ['--target', victim.inputsPath]);
      expect(r.phase).toBe('FAILED');
      expect(r.error?.message).toMatch(/outputs\.pb was not read: it is a symbolic link/);
    });
  });

  describe('tasks are isolated', () => {
    it("a task sees nothing of another execution, runs as non-root, and has a memory limit", async () => {
      const r = await sbx.run(FIXTURE, 'snoop', ['--victim', victim.inputsPath]);
      expect(r.phase).toBe('SUCCEEDED');
      const report = JSON.parse(String(r.outputs.o0)) as Record<string, unknown>;
      expect(report).toMatchObject({ read: 'ENOENT', storeVisible: false, socket: false, token: false });
      expect(report.write).not.toBe('ok');
      expect(report.uid).not.toBe(0);
      expect(report.memoryMax).toBe(String(1024 ** 3));
      expect(fs.readFileSync(victim.inputsPath).equals(victim.inputsBytes)).toBe(true);
    });

    it('an eager task reaches the admin only for its own children', async () => {
      const r = await sbx.run(FIXTURE, 'probe_admin', ['--victim_execution', victim.name]);
      expect(r.phase, r.error?.message).toBe('SUCCEEDED');
      const codes = JSON.parse(String(r.outputs.o0)) as Record<string, number>;
      expect(codes).toEqual({
        noToken: 401,
        forgedToken: 401,
        listAll: 403,
        readVictim: 403,
        terminateVictim: 403,
        registerTask: 403,
        createUnrelated: 403,
        legit: 42,
      });
      const still = await sbx.client.getExecution({ project: 'flytesnacks', domain: 'development', name: victim.name });
      expect(still.closure?.phase).toBe(4);
    });
  });

  it("an eager task still reads its children's files and directories and passes them on", async () => {
    const r = await sbx.run(FIXTURE, 'eager_reads_children', ['--text', 'hi']);
    expect(r.phase, r.error?.message).toBe('SUCCEEDED');
    expect(r.outputs.o0).toBe('hi|hi!|hi');
  });

  describe('forged events', () => {
    it('cannot point an attempt\'s log at another file of the data dir, nor lose the real log', async () => {
      const exec = { project: 'flytesnacks', domain: 'development', name: victim.name };
      const nodes = await sbx.client.listNodeExecutions(exec);
      const nodeId = nodes.nodeExecutions?.find((n) => n.id?.nodeId !== 'start-node' && n.id?.nodeId !== 'end-node')?.id?.nodeId as string;
      const attempts = await sbx.client.listTaskExecutions(exec, nodeId);
      const attempt = attempts.taskExecutions?.[0];
      expect(attempt?.id).toBeDefined();
      const before = await sbx.client.getTaskLog(attempt!.id!, 0);
      const host = new URL(sbx.url).host;
      for (const file of ['sandbox.db', 'config.yaml', 'task-credential.key']) {
        const r = await raw(`${sbx.url}/api/v1/events/tasks`, 'POST', { host, 'content-type': 'application/json' }, JSON.stringify({
          event: {
            task_id: { resource_type: 'TASK', project: attempt!.id!.taskId!.project, domain: attempt!.id!.taskId!.domain, name: attempt!.id!.taskId!.name, version: attempt!.id!.taskId!.version },
            parent_node_execution_id: { node_id: nodeId, execution_id: exec },
            retry_attempt: 0,
            phase: 'SUCCEEDED',
            phase_version: 9,
            logs: [{ name: 'stdout/stderr', uri: `file://${path.join(sbx.dataDir, file)}` }],
          },
        }));
        expect(r.status, file).toBe(400);
        expect(errorCode(r)).toBe('SBX_ADMIN_LOG_OUTSIDE_DATA_DIR');
      }
      const after = await sbx.client.listTaskExecutions(exec, nodeId);
      expect(after.taskExecutions?.[0]?.closure?.logs?.map((l) => l.uri)).toEqual(attempt?.closure?.logs?.map((l) => l.uri));
      expect(await sbx.client.getTaskLog(attempt!.id!, 0)).toBe(before);
      await expect(sbx.client.getTaskLog(attempt!.id!, 1)).rejects.toThrow(/index 1 does not exist/);
    });
  });
});
