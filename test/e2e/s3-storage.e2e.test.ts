/**
 * The sandbox with `storage: s3://bucket/prefix` against a real S3-compatible server (SeaweedFS,
 * built by scripts/ci/install-seaweedfs.sh): workflows of every kind run, with tasks as host
 * processes and in Docker containers (on the host network, to reach the server's loopback port),
 * and every blob of their executions is in the bucket — none in the data dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../support/cli.ts';
import { dockerSandboxAvailable, startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { seaweedfsAvailable, startSeaweedfs, type S3Server } from '../support/seaweedfs.ts';

const haveServer = seaweedfsAvailable('the S3 storage suite');
const haveDocker = haveServer && (await dockerSandboxAvailable());
const BUCKET = 'tflyte-e2e';

/** config.yaml of a sandbox keeping its data under `s3://BUCKET/<prefix>`. */
function s3Config(server: S3Server, prefix: string, extra: string[] = []): string {
  const c = server.connection;
  return [
    `storage: s3://${BUCKET}/${prefix}`,
    'storageConnection:',
    `  endpoint: ${c.endpoint}`,
    `  access-key: ${c.accessKeyId}`,
    `  secret-key: ${c.secretAccessKey}`,
    ...extra,
    '',
  ].join('\n');
}

/** Files of a data dir that are not the sandbox's own bookkeeping (database, logs, state, sockets). */
function dataFilesIn(dataDir: string): string[] {
  const own = /^(sandbox\.(db|db-wal|db-shm|json)|config\.yaml|flyte-config\.yaml|task-credential\.key)$/;
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      const rel = path.relative(dataDir, p);
      // logs; the admin's socket; the warm containers' sockets and own output (run/w), and a live
      // warm worker's working directory (process launcher).
      if (rel === 'logs' || rel === path.join('run', 'admin.sock') || rel === path.join('run', 'w')) continue;
      if (rel.startsWith(path.join('run', 'attempts', 'tflyte-warm-'))) continue;
      if (e.isDirectory()) walk(p);
      else if (!own.test(rel)) out.push(rel);
    }
  };
  walk(dataDir);
  return out;
}

/** The cases every launcher runs: one workflow of each kind, and files both ways. */
function storageCases(get: () => { sbx: TestSandbox; server: S3Server; prefix: string }): void {
  const executions: string[] = [];
  const run = async (file: string, entity: string, inputs: string[]): Promise<Record<string, unknown>> => {
    const r = await get().sbx.run(file, entity, inputs);
    expect(r.phase, `${entity}: ${r.stderr}${JSON.stringify(r.error ?? {})}`).toBe('SUCCEEDED');
    executions.push(r.execution);
    return r.outputs;
  };

  test('static, dynamic, map and eager workflows run with their data in the bucket', async () => {
    expect(await run('examples/basic_workflow.ts', 'my_wf', ['--a', '50', '--b', 'hello'])).toEqual({ o0: 52, o1: 'helloworld' });
    expect(await run('examples/dynamic_workflow.ts', 'merge_sort', ['--numbers', '[1813, 3105, 3260, 2634, 383, 7037]', '--numbers_count', '6'])).toEqual({
      o0: [383, 1813, 2634, 3105, 3260, 7037],
    });
    expect(await run('examples/conditional_map.ts', 'sum_of_squares', ['--xs', '[1, 2, 3, 4]'])).toEqual({ o0: 30 });
    expect(await run('examples/eager_workflows.ts', 'simple_eager_workflow', ['--x', '10'])).toEqual({ o0: 22 });
  });

  test('reusable containers read and write the bucket themselves: a chain, and files both ways', async () => {
    // (Not in `executions`: the tests below find theirs by position.)
    const { sbx } = get();
    const chain = await sbx.run('test/fixtures/reuse/reuse.ts', 'chain', ['--x', '1']);
    expect([chain.phase, chain.outputs], chain.stderr).toEqual(['SUCCEEDED', { o0: 5 }]);
    const tasks = await sbx.client.listTaskExecutions({ project: 'flytesnacks', domain: 'development', name: chain.execution }, 'n1', { limit: 5 });
    expect(tasks.taskExecutions?.[0]?.closure?.metadata?.externalResources?.[0]?.externalId).toMatch(/^tflyte-warm-/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-s3-reuse-'));
    fs.writeFileSync(path.join(dir, 'in.txt'), 'to the bucket');
    const files = await sbx.run('test/fixtures/reuse/reuse.ts', 'files_wf', ['--f', path.join(dir, 'in.txt')]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect([files.phase, files.outputs], files.stderr).toEqual(['SUCCEEDED', { o0: 'TO THE BUCKET|13' }]);
  });

  test("a task's error comes back through error.pb in the bucket", async () => {
    // (Not in `executions`: the tests below find theirs by position.)
    const partial = await get().sbx.run('examples/conditional_map.ts', 'halve_some', ['--xs', '[2, 3, 4]']);
    expect(partial.outputs).toEqual({ o0: [1, null, 2] });
    const failed = await get().sbx.run('examples/conditional_map.ts', 'halve_even', ['--x', '3']);
    expect(failed.phase).toBe('FAILED');
    expect(failed.error?.message).toContain('3 is odd');
    const { server, prefix } = get();
    const keys = await server.keys(`s3://${BUCKET}/${prefix}/metadata/flytesnacks/development/${failed.execution}`);
    expect(keys.some((k) => k.endsWith('/error.pb')), keys.join(', ')).toBe(true);
  });

  test('files and directories pass between tasks as S3 objects, and local ones are uploaded there', async () => {
    expect(await run('examples/all_types.ts', 'file_wf', ['--text', 'through S3'])).toEqual({ o0: 'through S3' });
    expect(await run('examples/all_types.ts', 'dir_wf', ['--count', '3'])).toEqual({ o0: ['part-0.txt: part 0', 'part-2.txt: part 2', 'sub/part-1.txt: part 1'] });
    const local = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-s3-input-'));
    fs.writeFileSync(path.join(local, 'note.txt'), 'uploaded by run --remote');
    try {
      expect(await run('examples/all_types.ts', 'read_file', ['--file', path.join(local, 'note.txt')])).toEqual({ o0: 'uploaded by run --remote' });
    } finally {
      fs.rmSync(local, { recursive: true, force: true });
    }
  });

  test('every blob of the executions is in the bucket, none in the data dir', async () => {
    const { sbx, server, prefix } = get();
    const keys = await server.keys(`s3://${BUCKET}/${prefix}`);
    for (const name of executions) {
      const under = keys.filter((k) => k.startsWith(`s3://${BUCKET}/${prefix}/metadata/flytesnacks/development/${name}/`));
      expect(under.some((k) => k.endsWith('/inputs.pb')), `${name}: ${under.join(', ')}`).toBe(true);
      expect(under.some((k) => /\/data\/0\/outputs\.pb$/.test(k)), `${name}: ${under.join(', ')}`).toBe(true);
    }
    // Code bundles arrive through DataProxy uploads: uploads/<project>/<domain>/<md5>/<sha256>.tar.gz.
    expect(keys.some((k) => /\/uploads\/flytesnacks\/development\/[0-9a-f]{32}\/[0-9a-f]{64}\.tar\.gz$/.test(k)), keys.filter((k) => k.includes('/uploads/')).join(', ')).toBe(true);
    expect(keys.some((k) => k.includes(`/${prefix}/raw/`))).toBe(true);
    expect(keys.some((k) => k.includes(`/${prefix}/uploads/`))).toBe(true);
    expect(dataFilesIn(sbx.dataDir)).toEqual([]);
  });

  test('the API and the console read the bucket: execution data, a file output, a directory listing', async () => {
    const { sbx } = get();
    const name = executions.find((_, i) => i === 4) ?? '';
    const data = (await (await fetch(`${sbx.url}/api/v1/data/executions/flytesnacks/development/${name}`)).json()) as {
      full_outputs?: { literals?: Record<string, { scalar?: { primitive?: { string_value?: string } } }> };
    };
    expect(data.full_outputs?.literals?.o0?.scalar?.primitive?.string_value).toBe('through S3');
    const nodes = (await (await fetch(`${sbx.url}/api/v1/data/node_executions/flytesnacks/development/${name}/n0`)).json()) as {
      full_outputs?: { literals?: Record<string, { scalar?: { blob?: { uri?: string } } }> };
    };
    const fileUri = nodes.full_outputs?.literals?.o0?.scalar?.blob?.uri ?? '';
    expect(fileUri).toMatch(/^s3:\/\/tflyte-e2e\//);
    const blob = await fetch(`${sbx.url}/api/v1/blobs?uri=${encodeURIComponent(fileUri)}`);
    expect(blob.status).toBe(200);
    expect(await blob.text()).toBe('through S3');
    const dirExec = executions[5] ?? '';
    const dirNode = (await (await fetch(`${sbx.url}/api/v1/data/node_executions/flytesnacks/development/${dirExec}/n0`)).json()) as typeof nodes;
    const dirUri = dirNode.full_outputs?.literals?.o0?.scalar?.blob?.uri ?? '';
    const listing = (await (await fetch(`${sbx.url}/api/v1/blobs?uri=${encodeURIComponent(dirUri)}`)).json()) as { entries?: { name: string; dir: boolean }[] };
    expect(listing.entries?.map((e) => `${e.name}${e.dir ? '/' : ''}`)).toEqual(['part-0.txt', 'part-2.txt', 'sub/']);
    const outside = await fetch(`${sbx.url}/api/v1/blobs?uri=${encodeURIComponent('s3://another-bucket/x')}`);
    expect(outside.status).toBe(400);
  });
}

describe.skipIf(!haveServer)('S3 storage (SeaweedFS)', () => {
  let server: S3Server;

  beforeAll(async () => {
    server = await startSeaweedfs();
    await server.createBucket(BUCKET);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  describe('tasks as host processes', () => {
    let sbx: TestSandbox;
    beforeAll(async () => {
      sbx = await startTestSandbox({ launcher: 'process', name: 's3-process', config: s3Config(server, 'process') });
    });
    afterAll(async () => {
      await sbx?.destroy();
    });
    storageCases(() => ({ sbx, server, prefix: 'process' }));
  });

  describe.skipIf(!haveDocker)('tasks in Docker containers (taskNetwork: host)', () => {
    let sbx: TestSandbox;
    beforeAll(async () => {
      sbx = await startTestSandbox({ launcher: 'docker', name: 's3-docker', config: s3Config(server, 'docker', ['taskNetwork: host']) });
    });
    afterAll(async () => {
      await sbx?.destroy();
    });
    storageCases(() => ({ sbx, server, prefix: 'docker' }));
  });

  test('a missing bucket, refused credentials or a bad setting stop start with the reason', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-s3-bad-'));
    try {
      const start = async (config: string): Promise<string> => {
        fs.writeFileSync(path.join(dir, 'config.yaml'), config);
        const r = await runCli('source', ['start', '--data-dir', dir, '--port', '0', '--launcher', 'process']);
        await runCli('source', ['stop', '--data-dir', dir]);
        expect(r.exitCode).not.toBe(0);
        return r.stderr;
      };
      expect(await start(s3Config(server, 'x').replace(`s3://${BUCKET}/`, 's3://no-such-bucket/'))).toContain('the bucket no-such-bucket does not exist: create it first');
      expect(await start(s3Config(server, 'x').replace(/secret-key: .*/, 'secret-key: wrong'))).toMatch(/may not use the bucket tflyte-e2e \(403\)/);
      expect(await start('storage: /some/dir\n')).toContain('storage must be "" (the data dir\'s blobs/) or an S3 URI like s3://my-bucket/sandbox');
      expect(await start(`${s3Config(server, 'x')}taskNetwork: "bad net"\n`)).toContain('taskNetwork must be');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
