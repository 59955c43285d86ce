/**
 * Reusable containers: a {@link Launcher} that runs attempts whose spec asks for `reuse` in warm
 * containers of its own (each started through the inner launcher, running `tflyte-sandbox worker`),
 * and hands every other attempt to the inner launcher unchanged.
 *
 * A pool is the set of warm containers that may run an attempt: same image, entrypoint, resources,
 * container environment, mounts, admin access and `reuse.group` (project/domain). It grows to
 * `replicas` containers while attempts wait, and a container idle for `idleTtlMs` is removed.
 *
 * Per attempt, as in a container of its own:
 * - inputs and outputs: the warm container mounts no store; its worker reads and writes `file://`
 *   blobs over its socket, and the pool allows exactly what the attempt's mounts (`reuse.access`)
 *   would have allowed, and only while the attempt runs;
 * - log: what the worker's process writes while the attempt runs goes to `spec.logPath`;
 * - `FLYTE_*` variables and its admin token (`reuse.attemptEnv`), sent with the job;
 * - timeout and cancellation: `abort` kills the container running it (a task's code cannot be
 *   stopped otherwise); the pool starts another when attempts wait;
 * - a container that dies fails only the attempt it was running, as `containerLost` (SYSTEM).
 *
 * Attempts are known in memory: after a restart, `wait` answers `NOT_FOUND` for them (propeller
 * retries a lost attempt), and warm containers left by a previous daemon are removed on first use.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttemptExit, LaunchedAttempt, Launcher, LaunchSpec, Mount, ReusePolicy } from './launcher.ts';
import { launcherError, LAUNCHER_ERROR_CODES } from './errors.ts';
import { filesUnder } from '../storage/local-files.ts';
import { isInside, realpathOfDeepestExisting } from '../storage/path-inside.ts';
import { sha256Hex } from '../core/sha256.ts';
import {
  encodeFrame,
  filesOf,
  FrameReader,
  WORKER_SOCKET_DIR,
  WORKER_SOCKET_ENV,
  WORKER_SOCKET_NAME,
  type CallMessage,
  type FileEntry,
  type ReplyMessage,
  type WorkerMessage,
} from './worker-protocol.ts';

/** Label of every warm container (value `1`); they are not attempts, `list` never shows them. */
export const WARM_LABEL = 'tflyte.warm';
/** Label naming the pool of a warm container. */
const WARM_POOL_LABEL = 'tflyte.warm.pool';

/** Options of {@link WarmPool}. */
export interface WarmPoolOptions {
  /**
   * Directory of the workers' sockets and own logs (one sub-directory each). Unix socket paths are
   * short (108 bytes): keep it short.
   */
  root: string;
  /** How long a new container may take to say hello before it counts as failed. @default 60000 */
  helloTimeoutMs?: number;
  /** Clock for `startedAt` / `finishedAt`. @default () => new Date() */
  now?: () => Date;
}

interface Job {
  key: string;
  spec: LaunchSpec & { reuse: ReusePolicy };
  /** The arguments after `execute`, and the attempt's own variables: what its job carries. */
  args: string[];
  env: Record<string, string>;
  pool: Pool;
  state: 'queued' | 'running' | 'done';
  worker?: Worker;
  aborted?: boolean;
  startedAt?: Date;
  log?: fs.WriteStream;
  exit: Promise<AttemptExit>;
  settle: (exit: AttemptExit) => void;
}

interface Pool {
  key: string;
  id: string;
  replicas: number;
  idleTtlMs: number;
  /** The spec of the warm containers (from the first attempt of the pool; `command` is the runtime's, before `execute`). */
  template: LaunchSpec;
  workers: Set<Worker>;
  queue: Job[];
}

interface Worker {
  name: string;
  pool: Pool;
  dir: string;
  server: net.Server;
  conn?: net.Socket;
  ready: boolean;
  alive: boolean;
  busy?: Job;
  idleTimer?: NodeJS.Timeout;
  helloTimer?: NodeJS.Timeout;
  /** Settles when the container has been started (or could not be). */
  launched: Promise<void>;
  logPath: string;
}

/** See the module comment. */
export class WarmPool implements Launcher {
  readonly kind: string;
  readonly confinesToMounts: boolean;
  readonly #inner: Launcher;
  readonly #opts: WarmPoolOptions;
  readonly #pools = new Map<string, Pool>();
  readonly #jobs = new Map<string, Job>();
  #swept: Promise<void> | undefined;
  #closed = false;

  constructor(inner: Launcher, opts: WarmPoolOptions) {
    this.#inner = inner;
    this.#opts = opts;
    this.kind = inner.kind;
    this.confinesToMounts = inner.confinesToMounts;
  }

  /** The warm containers running now, by pool (for status and tests). */
  warmContainers(): { pool: string; name: string; busy?: string }[] {
    return [...this.#pools.values()].flatMap((p) => [...p.workers].map((w) => ({ pool: p.id, name: w.name, ...(w.busy ? { busy: w.busy.key } : {}) })));
  }

  async launch(spec: LaunchSpec): Promise<void> {
    if (!spec.reuse) return this.#inner.launch(spec);
    if (this.#jobs.has(spec.key)) return;
    if (this.#closed) throw launcherError(LAUNCHER_ERROR_CODES.OPERATION_FAILED, 'the launcher is closing');
    if (!spec.command.includes('execute')) {
      throw launcherError(LAUNCHER_ERROR_CODES.INVALID_SPEC, `attempt ${spec.key} cannot reuse a container: only tasks that run the sandbox's runtime (… execute …) can`);
    }
    await (this.#swept ??= this.#sweep());
    // The command splits into the runtime (the container's) and the attempt's arguments; the
    // environment into the container's and the attempt's own variables.
    const at = spec.command.indexOf('execute');
    const own = new Set(spec.reuse.attemptEnv);
    const [attemptEnv, containerEnv] = partition(spec.env, (k) => own.has(k));
    const pool = this.#poolFor({ ...spec, command: spec.command.slice(0, at), env: containerEnv }, spec.reuse);
    let settle!: (exit: AttemptExit) => void;
    const exit = new Promise<AttemptExit>((r) => (settle = r));
    const job: Job = { key: spec.key, spec: spec as Job['spec'], args: spec.command.slice(at + 1), env: attemptEnv, pool, state: 'queued', exit, settle };
    this.#jobs.set(job.key, job);
    pool.queue.push(job);
    const started = this.#dispatch(pool);
    if (started.length === 0) return;
    // This launch needed a new container: an engine that cannot make one fails the launch itself,
    // so propeller treats it as any failed launch (waits for the engine, a missing image…).
    const results = await Promise.allSettled(started.map((w) => w.launched));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && job.state === 'queued') {
      pool.queue.splice(pool.queue.indexOf(job), 1);
      this.#jobs.delete(job.key);
      throw failed.reason;
    }
  }

  async wait(key: string, signal?: AbortSignal): Promise<AttemptExit> {
    const job = this.#jobs.get(key);
    if (!job) return this.#inner.wait(key, signal);
    signal?.throwIfAborted();
    if (!signal) return job.exit;
    return new Promise<AttemptExit>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void job.exit.then((x) => {
        signal.removeEventListener('abort', onAbort);
        resolve(x);
      });
    });
  }

  async abort(key: string): Promise<void> {
    const job = this.#jobs.get(key);
    if (!job) return this.#inner.abort(key);
    if (job.state === 'done') return;
    job.aborted = true;
    if (job.state === 'queued') {
      job.pool.queue.splice(job.pool.queue.indexOf(job), 1);
      this.#finish(job, { state: 'EXITED', exitCode: 137, oomKilled: false, signal: 'SIGKILL' });
      return;
    }
    // Code running in the worker's process cannot be stopped on its own: the container goes.
    const worker = job.worker as Worker;
    await this.#retire(worker);
    await job.exit;
  }

  async cleanup(key: string): Promise<void> {
    const job = this.#jobs.get(key);
    if (!job) return this.#inner.cleanup(key);
    if (job.state !== 'done') await this.abort(key);
    this.#jobs.delete(key);
  }

  async list(labels: Record<string, string>): Promise<LaunchedAttempt[]> {
    const cold = (await this.#inner.list(labels)).filter((a) => a.labels[WARM_LABEL] === undefined);
    const warm = [...this.#jobs.values()]
      .filter((j) => Object.entries(labels).every(([k, v]) => j.spec.labels[k] === v))
      .map((j) => ({ key: j.key, labels: j.spec.labels, running: j.state !== 'done' }));
    return [...cold, ...warm];
  }

  async close(): Promise<void> {
    this.#closed = true;
    const workers = [...this.#pools.values()].flatMap((p) => [...p.workers]);
    await Promise.allSettled(workers.map((w) => this.#retire(w)));
    for (const job of this.#jobs.values()) {
      if (job.state !== 'done') this.#finish(job, { state: 'NOT_FOUND', reason: 'the sandbox stopped' });
    }
    await this.#inner.close();
  }

  /** Removes warm containers a previous daemon left (their sockets are gone: they serve nobody). */
  async #sweep(): Promise<void> {
    let left: LaunchedAttempt[] = [];
    try {
      left = await this.#inner.list({ [WARM_LABEL]: '1' });
    } catch {
      return; // The engine is away: the next daemon start tries again.
    }
    await Promise.allSettled(left.map(async (a) => {
      await this.#inner.abort(a.key);
      await this.#inner.cleanup(a.key);
    }));
  }

  /** The pool of a warm container spec (`command`: the runtime's; `env`: the container's). */
  #poolFor(template: LaunchSpec, reuse: ReusePolicy): Pool {
    const key = JSON.stringify({
      group: reuse.group,
      image: template.image,
      entrypoint: template.entrypoint ?? null,
      command: template.command,
      // Code-unit order: localeCompare would map ICU's collation data into the daemon (~2.6 MB).
      env: Object.entries(template.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      resources: template.resources,
      mounts: template.mounts,
      admin: template.adminUrl ?? null,
    });
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = { key, id: sha256Hex(key).slice(0, 8), replicas: reuse.replicas, idleTtlMs: reuse.idleTtlMs, template, workers: new Set(), queue: [] };
      this.#pools.set(key, pool);
    }
    // Tasks sharing a pool may ask for different sizes: the largest wins.
    pool.replicas = Math.max(pool.replicas, reuse.replicas);
    pool.idleTtlMs = Math.max(pool.idleTtlMs, reuse.idleTtlMs);
    return pool;
  }

  /** Gives waiting attempts to idle workers, and starts workers for the rest (up to `replicas`); the started ones. */
  #dispatch(pool: Pool): Worker[] {
    for (const w of pool.workers) {
      if (pool.queue.length === 0) break;
      if (w.ready && w.alive && !w.busy) this.#assign(w, pool.queue.shift() as Job);
    }
    const starting = [...pool.workers].filter((w) => !w.ready && w.alive).length;
    const started: Worker[] = [];
    let wanted = pool.queue.length - starting;
    while (wanted-- > 0 && pool.workers.size < pool.replicas && !this.#closed) started.push(this.#startWorker(pool));
    return started;
  }

  #startWorker(pool: Pool): Worker {
    const id = randomBytes(4).toString('hex');
    const name = `tflyte-warm-${pool.id}-${id}`;
    const dir = path.join(this.#opts.root, id);
    const socketPath = path.join(dir, WORKER_SOCKET_NAME);
    const worker: Worker = {
      name,
      pool,
      dir,
      server: net.createServer((conn) => this.#accept(worker, conn)),
      ready: false,
      alive: true,
      launched: Promise.resolve(),
      logPath: path.join(this.#opts.root, `${id}.log`),
    };
    pool.workers.add(worker);
    worker.launched = (async () => {
      if (Buffer.byteLength(socketPath) > 107) {
        throw launcherError(LAUNCHER_ERROR_CODES.OPERATION_FAILED, `the worker socket path ${socketPath} is longer than a unix socket allows (107 bytes): use a shorter data dir`);
      }
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
      await new Promise<void>((resolve, reject) => {
        worker.server.once('error', reject);
        worker.server.listen(socketPath, () => resolve());
      });
      // The directory is handed to the container's user (a writable mount): only it and root reach the socket.
      await fsp.chmod(socketPath, 0o666);
      const t = pool.template;
      const inside = this.#inner.confinesToMounts ? WORKER_SOCKET_DIR : dir;
      const spec: LaunchSpec = {
        key: name,
        labels: { [WARM_LABEL]: '1', [WARM_POOL_LABEL]: pool.id },
        image: t.image,
        ...(t.entrypoint ? { entrypoint: t.entrypoint } : {}),
        command: [...t.command, 'worker'],
        env: { ...t.env, [WORKER_SOCKET_ENV]: path.posix.join(inside, WORKER_SOCKET_NAME) },
        resources: t.resources,
        mounts: [...t.mounts, { hostPath: dir, containerPath: inside, readOnly: false }],
        logPath: worker.logPath,
        ...(t.adminUrl !== undefined ? { adminUrl: t.adminUrl } : {}),
      };
      await this.#inner.launch(spec);
      worker.helloTimer = setTimeout(() => void this.#retire(worker), this.#opts.helloTimeoutMs ?? 60_000);
      worker.helloTimer.unref();
      void this.#inner.wait(name).then(
        (exit) => this.#gone(worker, exit),
        (e: unknown) => this.#gone(worker, { state: 'NOT_FOUND', reason: (e as Error)?.message ?? String(e) }),
      );
    })();
    worker.launched.catch(() => {
      worker.alive = false;
      pool.workers.delete(worker);
      worker.server.close();
      void fsp.rm(dir, { recursive: true, force: true });
      // Attempts still waiting with no container left to run them: the launch failure is theirs.
      if (pool.workers.size === 0) {
        for (const job of pool.queue.splice(0)) this.#finish(job, { state: 'EXITED', exitCode: 125, oomKilled: false, startFailed: 'no warm container could be started' });
      }
    });
    return worker;
  }

  #accept(worker: Worker, conn: net.Socket): void {
    if (worker.conn || !worker.alive) {
      conn.destroy();
      return;
    }
    worker.conn = conn;
    const reader = new FrameReader<WorkerMessage>();
    conn.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = reader.push(chunk);
      } catch {
        void this.#retire(worker);
        return;
      }
      for (const f of frames) this.#onMessage(worker, f.message, f.body);
    });
    conn.on('error', () => undefined);
    // The worker's process is the container's: a closed connection means it is going. Its exit
    // (code, OOM) usually arrives at once through the container's wait; retire it if not.
    conn.on('close', () => setTimeout(() => void this.#retire(worker), 2_000).unref());
  }

  #onMessage(worker: Worker, m: WorkerMessage, body: Buffer): void {
    const job = worker.busy;
    switch (m.type) {
      case 'hello':
        if (worker.ready) return;
        worker.ready = true;
        clearTimeout(worker.helloTimer);
        this.#idle(worker);
        this.#dispatch(worker.pool);
        return;
      case 'log':
        if (job && m.job === job.key) job.log?.write(body);
        return;
      case 'call':
        void this.#serve(worker, m, body).then(
          (r) => worker.conn?.write(encodeFrame(r.reply, r.body)),
          (e: unknown) => worker.conn?.write(encodeFrame({ type: 'reply', id: m.id, ok: false, error: (e as Error)?.message ?? String(e) })),
        );
        return;
      case 'done':
        if (!job || m.job !== job.key) return;
        void this.#lastWrites(worker, job, m.writes ?? [], body).then((refused) => {
          if (worker.busy !== job) return;
          worker.busy = undefined;
          this.#finish(job, { state: 'EXITED', exitCode: refused ? 1 : Number(m.exitCode) || 0, oomKilled: false, ranIn: worker.name });
          this.#idle(worker);
          this.#dispatch(worker.pool);
        });
        return;
      default:
        void this.#retire(worker);
    }
  }

  /**
   * Makes the writes a worker sent with `done` (the attempt's documents), each under the rule of a
   * `write` call; whether one was refused (the reason goes to the attempt's log).
   */
  async #lastWrites(worker: Worker, job: Job, entries: readonly FileEntry[], body: Buffer): Promise<boolean> {
    let files: { uri: string; bytes: Buffer }[];
    try {
      files = filesOf(entries, body);
    } catch (e) {
      job.log?.write(`[tflyte-sandbox] the worker's last writes were malformed: ${(e as Error).message}\n`);
      return true;
    }
    for (const [i, f] of files.entries()) {
      const r = await this.#serve(worker, { type: 'call', id: -1 - i, job: job.key, op: 'write', uri: f.uri }, f.bytes).catch((e: unknown) => ({
        reply: { type: 'reply' as const, id: -1, ok: false, error: (e as Error)?.message ?? String(e) },
      }));
      if (!r.reply.ok) {
        job.log?.write(`[tflyte-sandbox] ${r.reply.error ?? `writing ${f.uri} failed`}\n`);
        return true;
      }
    }
    return false;
  }

  /** A blob call of the running attempt, allowed by its access list only. */
  async #serve(worker: Worker, m: CallMessage, body: Buffer): Promise<{ reply: ReplyMessage; body?: Buffer }> {
    const job = worker.busy;
    const refuse = (why: string): { reply: ReplyMessage } => ({ reply: { type: 'reply', id: m.id, ok: false, error: why } });
    if (!job || m.job !== job.key) return refuse(`no attempt ${m.job} runs in this container`);
    let p: string;
    try {
      if (!String(m.uri).startsWith('file:')) throw new Error('not a file URI');
      p = path.resolve(fileURLToPath(m.uri));
    } catch {
      return refuse(`${m.uri} is not a file:// URI of the sandbox's store`);
    }
    const access = job.spec.reuse.access;
    const writable = m.op === 'write';
    const grant = allowedPath(p, access, writable);
    if (!grant) return refuse(`attempt ${job.key} may not ${m.op} ${m.uri}: it is not ${writable ? 'a writable' : 'a'} part of the store this attempt was given`);
    const ok = { type: 'reply' as const, id: m.id, ok: true };
    switch (m.op) {
      case 'read': {
        const st = await fsp.lstat(grant);
        if (!st.isFile()) return refuse(`${m.uri} is not a file`);
        return { reply: ok, body: await fsp.readFile(grant) };
      }
      case 'stat': {
        const st = await fsp.lstat(grant).catch(() => undefined);
        return { reply: { ...ok, kind: st?.isFile() ? 'file' : st?.isDirectory() ? 'directory' : 'missing' } };
      }
      case 'list':
        return { reply: { ...ok, files: await filesUnder(grant) } };
      case 'write': {
        const existing = await fsp.lstat(grant).catch(() => undefined);
        if (existing && !existing.isFile()) return refuse(`${m.uri} exists and is not a regular file`);
        const tmp = `${grant}.${randomBytes(4).toString('hex')}.tmp`;
        await fsp.writeFile(tmp, body, { flag: 'wx' });
        await fsp.rename(tmp, grant);
        return { reply: ok };
      }
      default:
        return refuse(`unknown operation ${String((m as { op: unknown }).op)}`);
    }
  }

  #assign(worker: Worker, job: Job): void {
    clearTimeout(worker.idleTimer);
    worker.busy = job;
    job.state = 'running';
    job.worker = worker;
    job.startedAt = (this.#opts.now ?? (() => new Date()))();
    job.log = fs.createWriteStream(job.spec.logPath, { flags: 'a' });
    // A full disk costs log lines, never the daemon.
    job.log.on('error', () => undefined);
    // Its inputs go with the job (a call the worker would make at once), when it may read them.
    const at = job.args.indexOf('--inputs');
    const inputs = at >= 0 ? job.args[at + 1] : undefined;
    const files = inputs ? preload(inputs, job.spec.reuse.access) : [];
    const entries = files.map((f) => ({ uri: f.uri, bytes: f.bytes.length }));
    worker.conn?.write(encodeFrame({ type: 'job', job: job.key, args: job.args, env: job.env, files: entries }, Buffer.concat(files.map((f) => f.bytes))));
  }

  #idle(worker: Worker): void {
    clearTimeout(worker.idleTimer);
    if (worker.busy || !worker.alive) return;
    worker.idleTimer = setTimeout(() => {
      if (!worker.busy) void this.#retire(worker);
    }, worker.pool.idleTtlMs);
    worker.idleTimer.unref();
  }

  /** Stops a warm container (its running attempt, if any, ends as lost or aborted). */
  async #retire(worker: Worker): Promise<void> {
    if (!worker.alive) return;
    await worker.launched.catch(() => undefined);
    try {
      await this.#inner.abort(worker.name);
    } catch {
      // The engine is away: the container is removed by the next sweep.
    }
    // The container's wait settles and #gone cleans up; make sure of it when the engine is away.
    await this.#gone(worker, { state: 'NOT_FOUND', reason: 'the container was stopped' });
  }

  /** The warm container ended: its running attempt (if any) ends with it; what it held is released. */
  async #gone(worker: Worker, exit: AttemptExit): Promise<void> {
    if (!worker.alive) return;
    worker.alive = false;
    clearTimeout(worker.idleTimer);
    clearTimeout(worker.helloTimer);
    const pool = worker.pool;
    pool.workers.delete(worker);
    worker.conn?.destroy();
    worker.server.close();
    const job = worker.busy;
    worker.busy = undefined;
    if (job) {
      const code = exit.state === 'EXITED' ? exit.exitCode : 137;
      if (job.aborted) this.#finish(job, { state: 'EXITED', exitCode: 137, oomKilled: false, signal: 'SIGKILL', ranIn: worker.name });
      else {
        const oom = exit.state === 'EXITED' && exit.oomKilled;
        const why = oom
          ? `the warm container ${worker.name} ran out of memory while running this attempt`
          : `the warm container ${worker.name} ended (exit code ${code}) while running this attempt${exit.state === 'NOT_FOUND' && exit.reason ? `: ${exit.reason}` : ''}`;
        const own = await tail(worker.logPath);
        job.log?.write(`[tflyte-sandbox] ${why}${own ? `; the container's own last output:\n${own}` : ''}\n`);
        this.#finish(job, { state: 'EXITED', exitCode: code, oomKilled: oom, ranIn: worker.name, containerLost: why });
      }
    }
    if (!worker.ready && ![...pool.workers].some((w) => w.alive)) {
      // It never became ready (a worker that cannot start, an image without it): the attempts
      // waiting for it fail as not started — retried by propeller — instead of starting another.
      const code = exit.state === 'EXITED' ? ` (exit code ${exit.exitCode})` : '';
      const own = await tail(worker.logPath);
      const why = `the warm container ${worker.name} ended before it was ready${code}${own ? `: ${own}` : ''}`;
      for (const waiting of pool.queue.splice(0)) this.#finish(waiting, { state: 'EXITED', exitCode: 125, oomKilled: false, startFailed: why });
    }
    await this.#inner.cleanup(worker.name).catch(() => undefined);
    await fsp.rm(worker.dir, { recursive: true, force: true }).catch(() => undefined);
    await fsp.rm(worker.logPath, { force: true }).catch(() => undefined);
    if (!this.#closed) this.#dispatch(pool);
  }

  #finish(job: Job, exit: AttemptExit): void {
    if (job.state === 'done') return;
    job.state = 'done';
    const now = (this.#opts.now ?? (() => new Date()))();
    const full: AttemptExit = exit.state === 'EXITED' ? { ...exit, ...(job.startedAt ? { startedAt: job.startedAt } : {}), finishedAt: now } : exit;
    const log = job.log;
    job.log = undefined;
    if (!log) return job.settle(full);
    // `wait` resolves once the log has every line.
    log.end(() => job.settle(full));
    log.once('error', () => job.settle(full));
  }
}

/** `record` split by `test` of its keys: [matching, the rest]. */
function partition(record: Record<string, string>, test: (key: string) => boolean): [Record<string, string>, Record<string, string>] {
  const yes: Record<string, string> = {};
  const no: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) (test(k) ? yes : no)[k] = v;
  return [yes, no];
}

/**
 * The real path an attempt may use for `p` (reads: inside any of its mounts; writes: inside a
 * writable one, parents made), or undefined. Links are resolved first, so none leads outside.
 * Synchronous: a few metadata calls, so that a job can be sent in the round that launched it.
 */
function allowedPath(p: string, access: readonly Mount[], write: boolean): string | undefined {
  const mounts = access.filter((m) => !write || !m.readOnly);
  const root = mounts.find((m) => isInside(p, path.resolve(m.hostPath)));
  if (!root || !fs.existsSync(root.hostPath)) return undefined;
  const rootReal = fs.realpathSync.native(root.hostPath);
  if (!write) {
    // Where `p` is (or would be): a link on the way cannot lead out. Missing: `stat` answers so,
    // `read` fails with ENOENT.
    const real = realpathOfDeepestExisting(p);
    return isInside(real, rootReal) ? real : undefined;
  }
  // A write replaces the name itself (never what a link there points at): its directory, links
  // resolved, must lie inside before anything is made, and again once made.
  const dir = realpathOfDeepestExisting(path.dirname(p));
  if (!isInside(dir, rootReal)) return undefined;
  fs.mkdirSync(dir, { recursive: true });
  return isInside(fs.realpathSync.native(dir), rootReal) ? path.join(dir, path.basename(p)) : undefined;
}

/** Largest blob sent with a job (its inputs.pb); a larger one is read by the worker's call. */
const MAX_PRELOAD_BYTES = 1024 * 1024;

/** A small blob the attempt may read, to send with its job (none if refused, missing or large). */
function preload(uri: string, access: readonly Mount[]): { uri: string; bytes: Buffer }[] {
  try {
    const p = allowedPath(path.resolve(fileURLToPath(uri)), access, false);
    if (!p) return [];
    const st = fs.lstatSync(p);
    return st.isFile() && st.size <= MAX_PRELOAD_BYTES ? [{ uri, bytes: fs.readFileSync(p) }] : [];
  } catch {
    return [];
  }
}

/** The last lines of a file (a worker's own output), or ''. */
async function tail(file: string): Promise<string> {
  try {
    const text = await fsp.readFile(file, 'utf8');
    return text.split('\n').slice(-20).join('\n').trim();
  } catch {
    return '';
  }
}
