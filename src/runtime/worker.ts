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
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  encodeFrame,
  filesOf,
  FrameReader,
  WORKER_SOCKET_ENV,
  type CallMessage,
  type DaemonMessage,
  type JobMessage,
  type ReplyMessage,
} from '../launcher/worker-protocol.ts';
import { taskBlobs, type FileAccess } from './blobs.ts';
import { DOCUMENT_NAMES } from '../storage/layout.ts';
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
  const jobs: { job: JobMessage; body: Buffer }[] = [];
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
        jobs.push({ job: message, body });
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
  /** The attempt's blob access: what came with the job, kept bundles, then calls; its documents kept for `done`. */
  const accessOf = (job: JobMessage, preloaded: ReadonlyMap<string, Uint8Array>, args: ExecuteArgs, last: Map<string, Uint8Array>): FileAccess => {
    const checked = async (op: CallMessage['op'], uri: string, body?: Uint8Array): Promise<{ reply: ReplyMessage; body: Buffer }> => {
      const r = await call(job.job, op, uri, body);
      if (!r.reply.ok) throw Object.assign(new Error(r.reply.error ?? `${op} ${uri} refused`), { code: 'EACCES' });
      return r;
    };
    const bundle = args.bundle;
    const documents = lastDocuments(args.outputPrefix);
    return {
      read: async (uri) => {
        const given = preloaded.get(uri);
        if (given) return given;
        // Code bundles are named by their content: one read per container.
        const cached = uri === bundle ? bundles.get(uri) : undefined;
        if (cached) return cached;
        const bytes = new Uint8Array((await checked('read', uri)).body);
        if (uri === bundle) remember(bundles, uri, bytes);
        return bytes;
      },
      // The attempt's documents are its last writes: they go with `done`.
      write: async (uri, bytes) => {
        if (documents.has(uri)) last.set(uri, bytes);
        else await checked('write', uri, bytes);
      },
      stat: async (uri) => (await checked('stat', uri)).reply.kind ?? 'missing',
      list: async (uri) => (await checked('list', uri)).reply.files ?? [],
    };
  };
  const bundles = new Map<string, Uint8Array>();

  send(encodeFrame({ type: 'hello', pid: process.pid }));
  const home = process.cwd();
  for (;;) {
    while (jobs.length === 0 && !closed) await new Promise<void>((r) => (wake = r));
    const next = jobs.shift();
    if (!next) break;
    const { job } = next;
    const preloaded = new Map(filesOf(job.files ?? [], next.body).map((f) => [f.uri, new Uint8Array(f.bytes)]));
    const last = new Map<string, Uint8Array>();
    const accessFor = (args: ExecuteArgs): FileAccess => accessOf(job, preloaded, args, last);
    const exitCode = await runJob(job, accessFor, sdkExports, (chunk) => send(encodeFrame({ type: 'log', job: job.job }, chunk)), home);
    const writes = [...last].map(([uri, bytes]) => ({ uri, bytes: bytes.length }));
    send(encodeFrame({ type: 'done', job: job.job, exitCode, writes }, Buffer.concat([...last.values()])));
    await removeScratch(job);
  }
  await ended;
}

/**
 * The documents an attempt writes last, under its output prefix, when the daemon writes them
 * (`file://`; the worker writes `s3://` ones itself).
 */
function lastDocuments(outputPrefix: string): Set<string> {
  const prefix = outputPrefix.replace(/\/$/, '');
  const names = [DOCUMENT_NAMES.outputs, DOCUMENT_NAMES.error, DOCUMENT_NAMES.futures];
  return new Set(prefix.startsWith('file:') ? names.map((d) => `${prefix}/${d}`) : []);
}

/** Keeps a few entries (the most recent). */
function remember(cache: Map<string, Uint8Array>, key: string, value: Uint8Array): void {
  cache.set(key, value);
  while (cache.size > 8) cache.delete(cache.keys().next().value as string);
}

/** The task modules this worker loaded, by file: kept between attempts, like the modules themselves. */
const modules = new Map<string, Awaited<ReturnType<typeof import('../sdk/internal.ts').loadUserModule>>>();

/** Runs one attempt; its exit code as a cold container's `execute` would end with. */
async function runJob(job: JobMessage, accessFor: (args: ExecuteArgs) => FileAccess, sdkExports: Record<string, unknown>, log: (chunk: Buffer) => void, home: string): Promise<number> {
  const scratch = scratchOf(job);
  const restoreOutput = captureOutput(log);
  try {
    // Two metadata calls: synchronous, as the job waits for them.
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(path.join(scratch, 'work'), { recursive: true });
    process.chdir(path.join(scratch, 'work'));
    const args = parseExecuteArgs(job.args);
    const env = { ...process.env, ...job.env } as NodeJS.ProcessEnv;
    const blobs = taskBlobs(env, { files: accessFor(args), localRoot: path.join(scratch, 'blobs') });
    const result = await runWithTaskEnv(job.env, () => execute(args, sdkExports, env, { blobs, modules }));
    if (!result.ok) process.stderr.write(`task failed: ${result.error.message ?? ''}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  } finally {
    restoreOutput();
    process.chdir(home);
  }
}

/** Removes what an attempt left in its scratch directory (after its end was sent: nobody waits). */
function removeScratch(job: JobMessage): Promise<void> {
  return fsp.rm(scratchOf(job), { recursive: true, force: true }).catch(() => undefined);
}

function scratchOf(job: JobMessage): string {
  return path.join(os.tmpdir(), 'tflyte-job', job.job.replace(/[^A-Za-z0-9._-]/g, '_'));
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

