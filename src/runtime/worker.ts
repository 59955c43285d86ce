/**
 * The warm worker, `tflyte-sandbox worker` (the entrypoint of a reusable container, see
 * `launcher/warm-pool.ts`): connects to the daemon over its own unix socket and runs the attempts
 * it is given, one at a time, in this process — the code of a task is loaded once per container,
 * not once per attempt.
 *
 * Each attempt still gets its own: `process.env` variables (`FLYTE_ATTEMPT_NUMBER`,
 * `FLYTE_INTERNAL_*`, its admin token), working directory (made empty, removed after), output
 * (sent to the daemon, which writes the attempt's log), and blob access — `file://` URIs are read
 * and written through the daemon, which allows exactly what the attempt's mounts would have
 * allowed a cold container (no store is mounted here). `s3://` URIs are reached directly, as in a
 * cold container.
 */
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  encodeFrame,
  FrameReader,
  WORKER_SOCKET_ENV,
  type CallMessage,
  type DaemonMessage,
  type JobMessage,
  type ReplyMessage,
} from '../launcher/worker-protocol.ts';
import { taskBlobs, type FileAccess } from './blobs.ts';
import { execute, type ExecuteArgs } from './execute.ts';
import { runWithTaskEnv } from './task-env.ts';

/** `--flag value` pairs after `execute` → {@link ExecuteArgs} (the flags `execute` takes). */
export function parseExecuteArgs(argv: readonly string[]): ExecuteArgs {
  const flags: Record<string, keyof ExecuteArgs> = {
    '--inputs': 'inputs',
    '--output-prefix': 'outputPrefix',
    '--raw-output-data-prefix': 'rawOutputDataPrefix',
    '--checkpoint-path': 'checkpointPath',
    '--prev-checkpoint': 'prevCheckpoint',
    '--bundle': 'bundle',
    '--module': 'module',
    '--entity': 'entity',
  };
  const out: Partial<Record<keyof ExecuteArgs, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const name = flags[argv[i] as string];
    if (!name || i + 1 >= argv.length) throw new Error(`execute: unexpected argument ${JSON.stringify(argv[i])}`);
    out[name] = argv[++i] as string;
  }
  for (const k of ['inputs', 'outputPrefix', 'rawOutputDataPrefix', 'entity'] as const) {
    if (!out[k]) throw new Error(`execute: missing --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  }
  // Empty optional flags (an unused checkpoint) mean "none", as the CLI's parser reads them.
  for (const k of Object.keys(out) as (keyof ExecuteArgs)[]) if (out[k] === '') delete out[k];
  return out as ExecuteArgs;
}

/**
 * Runs the worker until the daemon closes its socket (then the process ends, and with it the
 * container). `socketPath` defaults to `$TFLYTE_WORKER_SOCKET`.
 */
export async function runWorker(sdkExports: Record<string, unknown>, socketPath = process.env[WORKER_SOCKET_ENV] ?? ''): Promise<void> {
  if (!socketPath) throw new Error(`worker: no socket (set ${WORKER_SOCKET_ENV})`);
  const socket = net.createConnection(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const reader = new FrameReader<DaemonMessage>();
  const pending = new Map<number, { resolve: (r: { reply: ReplyMessage; body: Buffer }) => void; reject: (e: Error) => void }>();
  let nextCall = 1;
  const jobs: JobMessage[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  const send = (frame: Buffer): void => {
    if (!socket.destroyed) socket.write(frame);
  };
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = reader.push(chunk);
    } catch (e) {
      socket.destroy(e as Error);
      return;
    }
    for (const { message, body } of frames) {
      if (message.type === 'job') {
        jobs.push(message);
        wake?.();
      } else if (message.type === 'reply') {
        pending.get(message.id)?.resolve({ reply: message, body });
        pending.delete(message.id);
      }
    }
  });
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) =>
    socket.on('close', () => {
      closed = true;
      for (const p of pending.values()) p.reject(new Error('the sandbox closed the worker connection'));
      pending.clear();
      wake?.();
      resolve();
    }),
  );

  const call = (job: string, op: CallMessage['op'], uri: string, body?: Uint8Array): Promise<{ reply: ReplyMessage; body: Buffer }> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new Error('the sandbox closed the worker connection'));
      const id = nextCall++;
      pending.set(id, { resolve, reject });
      send(encodeFrame({ type: 'call', id, job, op, uri }, body));
    });
  const filesOf = (job: string): FileAccess => {
    const checked = async (op: CallMessage['op'], uri: string, body?: Uint8Array): Promise<{ reply: ReplyMessage; body: Buffer }> => {
      const r = await call(job, op, uri, body);
      if (!r.reply.ok) throw Object.assign(new Error(r.reply.error ?? `${op} ${uri} refused`), { code: 'EACCES' });
      return r;
    };
    return {
      read: async (uri) => new Uint8Array((await checked('read', uri)).body),
      write: async (uri, bytes) => void (await checked('write', uri, bytes)),
      stat: async (uri) => (await checked('stat', uri)).reply.kind ?? 'missing',
      list: async (uri) => (await checked('list', uri)).reply.files ?? [],
    };
  };

  send(encodeFrame({ type: 'hello', pid: process.pid }));
  const home = process.cwd();
  for (;;) {
    while (jobs.length === 0 && !closed) await new Promise<void>((r) => (wake = r));
    const job = jobs.shift();
    if (!job) break;
    const exitCode = await runJob(job, filesOf(job.job), sdkExports, (chunk) => send(encodeFrame({ type: 'log', job: job.job }, chunk)), home);
    send(encodeFrame({ type: 'done', job: job.job, exitCode }));
  }
  await ended;
}

/** Runs one attempt; its exit code as a cold container's `execute` would end with. */
async function runJob(job: JobMessage, files: FileAccess, sdkExports: Record<string, unknown>, log: (chunk: Buffer) => void, home: string): Promise<number> {
  const scratch = path.join(os.tmpdir(), 'tflyte-job', job.job.replace(/[^A-Za-z0-9._-]/g, '_'));
  const restoreOutput = captureOutput(log);
  try {
    await fsp.rm(scratch, { recursive: true, force: true });
    await fsp.mkdir(path.join(scratch, 'work'), { recursive: true });
    process.chdir(path.join(scratch, 'work'));
    const args = parseExecuteArgs(job.args);
    const env = { ...process.env, ...job.env } as NodeJS.ProcessEnv;
    const blobs = taskBlobs(env, { files, localRoot: path.join(scratch, 'blobs') });
    const result = await runWithTaskEnv(job.env, () => execute(args, sdkExports, env, { blobs }));
    if (!result.ok) process.stderr.write(`task failed: ${result.error.message ?? ''}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  } finally {
    restoreOutput();
    process.chdir(home);
    await fsp.rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Sends what the process writes to stdout and stderr to `log` until the returned function is called. */
function captureOutput(log: (chunk: Buffer) => void): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  for (const s of streams) {
    s.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error | null) => void), cb?: (e?: Error | null) => void): boolean => {
      log(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : Buffer.from(chunk));
      const done = typeof encoding === 'function' ? encoding : cb;
      if (done) queueMicrotask(() => done());
      return true;
    }) as typeof s.write;
  }
  return () => streams.forEach((s, i) => (s.write = originals[i] as typeof s.write));
}

