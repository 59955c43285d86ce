/**
 * A real S3-compatible server for the S3 storage suites: SeaweedFS, built from the Go module proxy
 * by scripts/ci/install-seaweedfs.sh into ~/.cache/tflyte-go/bin/weed, run here on ports of its own
 * with one identity, and stopped (by its PID) when the suite ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { S3DataStore, type S3Connection } from '../../src/storage/index.ts';
import { freePorts } from './ports.ts';

/** Where install-seaweedfs.sh leaves the server. */
export const WEED_BINARY = path.join(process.env.TFLYTE_GO_CACHE ?? path.join(os.homedir(), '.cache', 'tflyte-go'), 'bin', 'weed');

/** Whether the server is built; in CI its absence fails the suite (`.ci/run` builds it). */
export function seaweedfsAvailable(suite: string): boolean {
  if (fs.existsSync(WEED_BINARY)) return true;
  if (process.env.CI) throw new Error(`${WEED_BINARY} is missing in CI: .ci/run builds it (scripts/ci/install-seaweedfs.sh)`);
  console.warn(`skipping ${suite}: SeaweedFS is not built (run scripts/ci/install-seaweedfs.sh; about 10 minutes the first time)`);
  return false;
}


/** A running SeaweedFS with an S3 endpoint and credentials. */
export interface S3Server {
  endpoint: string;
  connection: S3Connection;
  /** flytekit's variables for this server (what a sandbox or a task is given). */
  env: Record<string, string>;
  /** Creates a bucket (never created implicitly, as on a real cluster). */
  createBucket(name: string): Promise<void>;
  /** Every key under `s3://bucket/prefix`. */
  keys(uri: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts SeaweedFS (master, volume, filer and S3 in one process); ready when a signed ListBuckets
 * answers. Another process may take one of its free ports first (suites start servers in
 * parallel): it is then started again on other ports.
 */
export async function startSeaweedfs(): Promise<S3Server> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (e) {
      if (attempt >= 3 || !String(e).includes('address already in use')) throw e;
    }
  }
}

async function startOnce(): Promise<S3Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-weed-'));
  const accessKeyId = 'tflyte-test';
  const secretAccessKey = `secret-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(
    path.join(dir, 'identities.json'),
    JSON.stringify({ identities: [{ name: 'tflyte', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'] }] }),
  );
  // gRPC ports are the HTTP ports + 10000 unless given: give them too, free ones.
  const [s3, master, volume, filer, masterGrpc, volumeGrpc, filerGrpc, s3Grpc] = (await freePorts(8)) as [number, number, number, number, number, number, number, number];
  fs.mkdirSync(path.join(dir, 'data'));
  // Without AWS_* in its environment: it would add them as a second admin identity.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('FLYTE_AWS_')));
  const child: ChildProcess = spawn(
    WEED_BINARY,
    [
      'server',
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-dir=${path.join(dir, 'data')}`,
      '-master.telemetry=false',
      `-master.port=${master}`,
      `-master.port.grpc=${masterGrpc}`,
      `-volume.port=${volume}`,
      `-volume.port.grpc=${volumeGrpc}`,
      '-volume.max=0',
      '-filer',
      `-filer.port=${filer}`,
      `-filer.port.grpc=${filerGrpc}`,
      '-s3',
      `-s3.port=${s3}`,
      `-s3.port.grpc=${s3Grpc}`,
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      `-s3.config=${path.join(dir, 'identities.json')}`,
    ],
    { stdio: ['ignore', fs.openSync(path.join(dir, 'weed.log'), 'a'), fs.openSync(path.join(dir, 'weed.log'), 'a')], env },
  );
  const endpoint = `http://127.0.0.1:${s3}`;
  const connection: S3Connection = { endpoint, accessKeyId, secretAccessKey, region: 'us-east-1' };
  const root = await S3DataStore.open('s3://tflyte-probe', connection);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    root.close();
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      // A graceful stop takes about 15 s: do not wait that long for a test server.
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const s3client = async () => import('@aws-sdk/client-s3');
  const { S3Client, ListBucketsCommand, CreateBucketCommand } = await s3client();
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.send(new ListBucketsCommand({}));
      break;
    } catch (e) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const log = fs.existsSync(path.join(dir, 'weed.log')) ? fs.readFileSync(path.join(dir, 'weed.log'), 'utf8').slice(-2000) : '';
        client.destroy();
        await stop();
        throw new Error(`SeaweedFS did not answer on ${endpoint}: ${String(e)}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    endpoint,
    connection,
    env: { FLYTE_AWS_ENDPOINT: endpoint, FLYTE_AWS_ACCESS_KEY_ID: accessKeyId, FLYTE_AWS_SECRET_ACCESS_KEY: secretAccessKey },
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async keys(uri) {
      const store = await S3DataStore.open(uri, connection);
      try {
        return await store.keys();
      } finally {
        store.close();
      }
    },
    async stop() {
      client.destroy();
      await stop();
    },
  };
}
