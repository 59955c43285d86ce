/**
 * Docker adapter of the {@link Launcher} port (dockerode): one container per attempt, named by
 * the attempt key. Loaded lazily (see `createLauncher`) so importing the port never loads dockerode.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { AttemptExit, LaunchedAttempt, Launcher, LaunchSpec } from './launcher.ts';
import { launcherError, LAUNCHER_ERROR_CODES, type LauncherError, signalFromExitCode } from './errors.ts';
import { DockerLogDemuxer } from './docker-logs.ts';

/**
 * Exit code `wait` reports for a container the engine refused to start (bad entrypoint, mount,
 * device…), like `docker run`'s 125; the engine's message is appended to the attempt's log.
 */
export const START_FAILED_EXIT_CODE = 125;

/** Label every container of ours carries; `list` only sees containers with it. */
export const MANAGED_LABEL = 'tflyte.launcher.managed';
const LOG_PATH_LABEL = 'tflyte.launcher.log-path';
const LOG_OFFSET_LABEL = 'tflyte.launcher.log-offset';
const INTERNAL_PREFIX = 'tflyte.launcher.';
/** Where the admin's unix socket appears inside containers. */
export const CONTAINER_ADMIN_SOCKET = '/run/tflyte/admin.sock';
/** Host name containers use for the host (mapped to Docker's `host-gateway`). */
export const HOST_ALIAS = 'host.docker.internal';

/** Options of {@link DockerLauncher}; all optional. */
export interface DockerLauncherOptions {
  /** A ready client; otherwise one is made from `dockerOptions` (default: the local socket). */
  docker?: Docker;
  dockerOptions?: Docker.DockerOptions;
  /**
   * `uid:gid` the containers run as. Default: the launching process's own uid:gid, or
   * 65534:65534 (`nobody`) when that is root, so tasks never run as uid 0 by default; writable
   * mounts are handed to this user. `''` keeps the image's user.
   */
  user?: string;
  /**
   * Host path of the admin API's unix socket. When set, an attempt with `adminUrl` gets the
   * socket's *directory* bind-mounted read-only at `/run/tflyte` (so a socket re-created by a
   * restarted daemon is seen by running containers; a file mount would keep the dead one: keep
   * nothing else in that directory) and `TFLYTE_ADMIN_SOCKET` pointing at the socket in it (the
   * API stays off the network). Otherwise the URL's loopback host is rewritten to
   * {@link HOST_ALIAS}, which reaches the host only if the admin listens on the bridge gateway.
   */
  adminSocketPath?: string;
  /**
   * Docker network of task containers (`NetworkMode`): `host`, `none` or a network's name.
   * @default the engine's default bridge
   */
  network?: string;
  /** Mount the image's root filesystem read-only (with a tmpfs at `/tmp`). @default false */
  readOnlyRootfs?: boolean;
  /** Maximum number of processes per container. @default 4096 */
  pidsLimit?: number;
  /**
   * While waiting for a container, how often the engine is pinged: a wait on an engine that died
   * would otherwise never end. @default 5000
   */
  enginePingMs?: number;
}

/** Whether the engine answers, as the launcher last saw it. */
export interface EngineState {
  /** Where the engine is reached (`unix:///var/run/docker.sock`, `tcp://…`). */
  endpoint: string;
  reachable: boolean;
  /** Since when it has been unreachable (epoch ms), when it is. */
  since?: number;
  /** The last error, when unreachable. */
  error?: string;
}

interface Follower {
  done: Promise<void>;
  stream?: Readable;
  closed: boolean;
}

/**
 * Runs each attempt as a Docker container named `spec.key`, with `spec.labels` (plus internal
 * `tflyte.launcher.*` labels recording the log file, so a new launcher instance can re-adopt the
 * container after a restart and keep appending its logs without duplicating lines).
 *
 * Isolation: no privileges, every capability dropped, `no-new-privileges`, a pids limit, cpu
 * (`NanoCpus`) and memory (`Memory` = `MemorySwap`, so exceeding it is an OOM kill) limits, and no
 * Docker socket (a mount of it is refused). Only `spec.mounts` are shared with the host.
 *
 * Waiting uses Docker's wait API (no polling); the result carries the exit code, `OOMKilled`,
 * and `signal` for 128+N exit codes. `wait` resolves only after the log file has every line.
 */
export class DockerLauncher implements Launcher {
  readonly kind = 'docker';
  readonly confinesToMounts = true;
  readonly docker: Docker;
  readonly #opts: DockerLauncherOptions;
  readonly #followers = new Map<string, Follower>();
  readonly #launching = new Map<string, Promise<void>>();
  /** Containers this instance created and is starting (`launch` does not wait for the start). */
  readonly #starting = new Map<string, Promise<void>>();
  /** Why a container this instance started could not start (reported by `wait`). */
  readonly #startFailures = new Map<string, string>();
  /** Removals that failed and are being retried in the background. */
  readonly #removals = new Map<string, NodeJS.Timeout>();
  #closed = false;
  #engine: { reachable: boolean; since?: number; error?: string } = { reachable: true };

  constructor(opts: DockerLauncherOptions = {}) {
    this.docker = opts.docker ?? new Docker(opts.dockerOptions);
    this.#opts = opts;
  }

  async launch(spec: LaunchSpec): Promise<void> {
    // Concurrent launches of one key in this instance share one attempt at it.
    const pending = this.#launching.get(spec.key);
    if (pending) return pending;
    const p = this.#launch(spec).finally(() => this.#launching.delete(spec.key));
    this.#launching.set(spec.key, p);
    return p;
  }

  async #launch(spec: LaunchSpec): Promise<void> {
    const existing = await this.#inspect(spec.key);
    if (existing) {
      await this.#adopt(spec.key, existing);
      return;
    }
    const offset = logSize(spec.logPath);
    const createOptions = this.#createOptions(spec, offset);
    await giveWritableMounts(spec.mounts, createOptions.User);
    try {
      await this.docker.createContainer(createOptions);
    } catch (e) {
      if (statusOf(e) === 409) {
        // Created concurrently by another launcher instance: adopt it. The name is reserved
        // a moment before the container can be inspected, hence the short retry.
        for (let i = 0; i < 50; i++) {
          const info = await this.#inspect(spec.key);
          if (info) return this.#adopt(spec.key, info);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      if (statusOf(e) === 404) {
        throw launcherError(LAUNCHER_ERROR_CODES.IMAGE_NOT_FOUND, `image ${spec.image} does not exist locally (nothing can be pulled)`, {
          cause: e,
        });
      }
      throw engineError(e, `create container ${spec.key}`);
    }
    // Starting takes a few hundred ms (the engine sets up namespaces and cgroups) and a round of
    // the engine launches its ready nodes one after another: waiting here would serialise the
    // starts of a fan-out or map. The container exists now, so the attempt is launched; `wait`,
    // `abort` and `cleanup` first let a pending start finish.
    void this.#startInBackground(spec.key, spec.logPath, offset);
  }

  #startInBackground(key: string, logPath: string, offset: number): Promise<void> {
    const pending = this.#starting.get(key);
    if (pending) return pending;
    const p = this.#start(key, logPath, offset).finally(() => this.#starting.delete(key));
    this.#starting.set(key, p);
    return p;
  }

  /**
   * Starts a created container and follows its log. Never throws: a start the engine refuses is
   * recorded (and written to the attempt's log) for `wait` to report as exit code
   * {@link START_FAILED_EXIT_CODE}, as `docker run` does.
   */
  async #start(key: string, logPath: string, offset: number): Promise<void> {
    try {
      await this.docker.getContainer(key).start();
    } catch (e) {
      if (statusOf(e) !== 304) {
        // Started meanwhile by another launcher instance (after a restart): not a failure.
        const info = await this.#inspect(key).catch(() => undefined);
        if (!info || info.State.Status === 'created') {
          const message = `container ${key} failed to start: ${(e as Error)?.message ?? String(e)}`;
          this.#startFailures.set(key, message);
          try {
            fs.appendFileSync(logPath, `${message}\n`);
          } catch {
            // The failure is still reported by wait.
          }
          return;
        }
      }
    }
    // Follow after start: Docker replays the log from the beginning, so nothing is missed.
    this.#follow(key, logPath, offset);
  }

  /** Lets a launch or start of `key` in progress in this instance finish (never throws). */
  async #settled(key: string, signal?: AbortSignal): Promise<void> {
    const pending = [this.#launching.get(key), this.#starting.get(key)].filter((p): p is Promise<void> => p !== undefined);
    if (pending.length === 0) return;
    const all = Promise.allSettled(pending).then(() => undefined);
    if (!signal) return all;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void all.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  async wait(key: string, signal?: AbortSignal): Promise<AttemptExit> {
    signal?.throwIfAborted();
    await this.#settled(key, signal);
    if (this.#startFailures.has(key)) return { state: 'EXITED', exitCode: START_FAILED_EXIT_CODE, oomKilled: false, startFailed: this.#startFailures.get(key) as string };
    let info = await this.#inspect(key);
    if (!info) return { state: 'NOT_FOUND' };
    if (info.State.Status === 'created') {
      // Created but never started, and no start pending here: the launching process stopped
      // between create and start. Finish the launch (a concurrent start elsewhere is harmless).
      const labels = info.Config.Labels ?? {};
      const logPath = labels[LOG_PATH_LABEL];
      if (logPath) {
        await this.#startInBackground(key, logPath, Number(labels[LOG_OFFSET_LABEL] ?? 0));
        if (this.#startFailures.has(key)) return { state: 'EXITED', exitCode: START_FAILED_EXIT_CODE, oomKilled: false, startFailed: this.#startFailures.get(key) as string };
        info = await this.#inspect(key);
        if (!info) return { state: 'NOT_FOUND' };
      }
    }
    // A created (never started) container is not followed yet: its log stream would end at once.
    if (info.State.Status !== 'created') this.#followFromLabels(key, info);
    const status = info.State.Status;
    if (status !== 'exited' && status !== 'dead') {
      try {
        await this.#waitWatched(key, status === 'created' ? 'next-exit' : 'not-running', signal);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (statusOf(e) === 404) return { state: 'NOT_FOUND' };
        this.#saw(e);
        throw engineError(e, `wait for container ${key}`);
      }
      info = await this.#inspect(key);
      if (!info) return { state: 'NOT_FOUND' };
      this.#followFromLabels(key, info);
    }
    await this.#followers.get(key)?.done;
    const st = info.State;
    const signalName = st.OOMKilled ? undefined : signalFromExitCode(st.ExitCode);
    return {
      state: 'EXITED',
      exitCode: st.ExitCode,
      oomKilled: st.OOMKilled,
      ...(signalName ? { signal: signalName } : {}),
      ...(validDate(st.StartedAt) ? { startedAt: new Date(st.StartedAt) } : {}),
      ...(validDate(st.FinishedAt) ? { finishedAt: new Date(st.FinishedAt) } : {}),
      // The engine's own error (a network endpoint it could not create, a mount it refused):
      // the task did not fail, the engine did.
      ...(st.Error ? { startFailed: st.Error } : {}),
    };
  }

  async abort(key: string): Promise<void> {
    // A start in progress would otherwise run the container after the kill.
    await this.#settled(key);
    const c = this.docker.getContainer(key);
    try {
      await c.kill();
    } catch (e) {
      const s = statusOf(e);
      if (s === 404) return;
      if (s !== 409) throw engineError(e, `kill container ${key}`); // 409: not running
    }
    try {
      await c.wait({ condition: 'not-running' });
    } catch (e) {
      if (statusOf(e) !== 404) throw engineError(e, `wait for container ${key}`);
    }
  }

  async cleanup(key: string): Promise<void> {
    await this.#settled(key);
    this.#startFailures.delete(key);
    try {
      await this.#remove(key);
    } catch (e) {
      // The engine is away or busy: keep trying in the background until the container is gone,
      // so none is left behind by one failed removal.
      this.#retryRemoval(key, 1_000);
      throw e;
    } finally {
      this.#stopFollower(key);
    }
  }

  async #remove(key: string): Promise<void> {
    try {
      await this.docker.getContainer(key).remove({ force: true, v: true });
    } catch (e) {
      const s = statusOf(e);
      // 404: already gone; 409: removal already in progress.
      if (s !== 404 && s !== 409) throw engineError(e, `remove container ${key}`);
    }
  }

  /** Retries the removal of `key` with backoff (up to a minute apart) until it succeeds or the launcher closes. */
  #retryRemoval(key: string, delayMs: number): void {
    if (this.#closed || (this.#removals.has(key) && delayMs === 1_000)) return;
    const timer = setTimeout(() => {
      this.#removals.delete(key);
      this.#remove(key).catch(() => this.#retryRemoval(key, Math.min(delayMs * 2, 60_000)));
    }, delayMs);
    timer.unref();
    this.#removals.set(key, timer);
  }

  async list(labels: Record<string, string>): Promise<LaunchedAttempt[]> {
    const filters = [`${MANAGED_LABEL}=1`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
    let rows: Docker.ContainerInfo[];
    try {
      rows = await this.docker.listContainers({ all: true, filters: { label: filters } });
    } catch (e) {
      throw engineError(e, 'list containers');
    }
    return rows.map((r) => ({
      key: (r.Names[0] ?? r.Id).replace(/^\//, ''),
      labels: Object.fromEntries(Object.entries(r.Labels).filter(([k]) => !k.startsWith(INTERNAL_PREFIX))),
      // Not exited yet: a container `launch` created is still being started in the background.
      running: r.State !== 'exited' && r.State !== 'dead',
    }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#removals.values()) clearTimeout(t);
    this.#removals.clear();
    for (const key of [...this.#followers.keys()]) this.#stopFollower(key);
  }

  /** Whether the engine answered the launcher's last call, and since when it has not. */
  engineState(): EngineState {
    const m = this.docker.modem as unknown as { socketPath?: string; host?: string; port?: number; protocol?: string };
    const endpoint = m.socketPath ? `unix://${m.socketPath}` : `${m.protocol ?? 'http'}://${m.host ?? 'localhost'}:${m.port ?? ''}`;
    return { endpoint, ...this.#engine };
  }

  /** Records the engine's answer (or its absence) to a call. */
  #saw(e?: unknown): void {
    if (e === undefined) {
      if (!this.#engine.reachable) this.#engine = { reachable: true };
      return;
    }
    if (isEngineGone(e)) {
      const wasReachable = this.#engine.reachable;
      this.#engine = { reachable: false, since: this.#engine.since ?? Date.now(), error: (e as Error)?.message ?? String(e) };
      // Log streams of a dead engine may never end: drop them. Once it is back, waiting follows
      // each container again, and the replay skips what the log file already has.
      if (wasReachable) for (const key of [...this.#followers.keys()]) this.#stopFollower(key);
    }
  }

  /**
   * Waits for a container to stop while pinging the engine: a wait request to an engine that was
   * killed may never end, so a failed ping aborts it with ENGINE_UNAVAILABLE (the caller waits
   * again once the engine is back, and finds the container, or not).
   */
  async #waitWatched(key: string, condition: 'next-exit' | 'not-running', signal?: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let lost: unknown;
    const every = this.#opts.enginePingMs ?? 5000;
    const timer = setInterval(() => {
      const limit = Math.max(1000, every - 500);
      const ping = Promise.race([
        this.docker.ping() as Promise<unknown>,
        new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error(`no answer within ${limit} ms`), { code: 'ECONNRESET' })), limit).unref()),
      ]);
      void ping.then(
        () => this.#saw(),
        (e: unknown) => {
          lost = Object.assign(new Error(`the engine stopped answering (${(e as Error)?.message ?? String(e)})`), { code: 'ECONNREFUSED' });
          this.#saw(lost);
          ac.abort(lost);
        },
      );
    }, every);
    timer.unref();
    // The request may never settle once the engine is gone (not even when aborted): race it
    // with the abort itself.
    const aborted = new Promise<never>((_, reject) => {
      if (ac.signal.aborted) reject(ac.signal.reason);
      ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
    });
    const waiting = this.docker.getContainer(key).wait({ condition, abortSignal: ac.signal }) as Promise<unknown>;
    waiting.catch(() => undefined);
    try {
      await Promise.race([waiting, aborted]);
      this.#saw();
    } catch (e) {
      if (lost !== undefined && !signal?.aborted) throw lost;
      throw e;
    } finally {
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The container create options for a spec (exported through the class for tests). @internal */
  createOptionsFor(spec: LaunchSpec): Docker.ContainerCreateOptions {
    return this.#createOptions(spec, logSize(spec.logPath));
  }

  #createOptions(spec: LaunchSpec, logOffset: number): Docker.ContainerCreateOptions {
    for (const m of spec.mounts) {
      if (/(^|\/)docker\.sock$/.test(m.hostPath) || m.hostPath === '/var/run' || m.hostPath === '/run') {
        throw launcherError(LAUNCHER_ERROR_CODES.INVALID_SPEC, `refusing to mount ${m.hostPath}: containers never get the Docker socket`);
      }
    }
    const env: Record<string, string> = { ...spec.env };
    const mounts: Docker.MountSettings[] = spec.mounts.map((m) => ({
      Type: 'bind',
      Source: m.hostPath,
      Target: m.containerPath,
      ReadOnly: m.readOnly,
    }));
    if (spec.adminUrl !== undefined) {
      if (this.#opts.adminSocketPath) {
        env.TFLYTE_ADMIN_URL = spec.adminUrl;
        const dir = path.posix.dirname(CONTAINER_ADMIN_SOCKET);
        env.TFLYTE_ADMIN_SOCKET = path.posix.join(dir, path.basename(this.#opts.adminSocketPath));
        // Flyte's clients (flytekit's FlyteRemote in eager tasks) speak gRPC over the same socket.
        env.FLYTE_PLATFORM_URL = `unix://${env.TFLYTE_ADMIN_SOCKET}`;
        env.FLYTE_PLATFORM_INSECURE = 'true';
        mounts.push({ Type: 'bind', Source: path.dirname(this.#opts.adminSocketPath), Target: dir, ReadOnly: true });
      } else {
        env.TFLYTE_ADMIN_URL = rewriteLoopback(spec.adminUrl);
      }
    }
    const user = this.#opts.user ?? defaultTaskUser();
    const hostConfig: Docker.HostConfig = {
      Mounts: mounts,
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: this.#opts.pidsLimit ?? 4096,
      // On the host's own network (or none) there is no gateway to alias.
      ...(this.#opts.network === 'host' || this.#opts.network === 'none' ? {} : { ExtraHosts: [`${HOST_ALIAS}:host-gateway`] }),
      ...(this.#opts.network ? { NetworkMode: this.#opts.network } : {}),
      ReadonlyRootfs: this.#opts.readOnlyRootfs ?? false,
      ...(this.#opts.readOnlyRootfs ? { Tmpfs: { '/tmp': 'rw,exec,nosuid,mode=1777' } } : {}),
      ...(spec.resources.cpu !== undefined ? { NanoCpus: Math.round(spec.resources.cpu * 1e9) } : {}),
      ...(spec.resources.memoryBytes !== undefined
        ? { Memory: spec.resources.memoryBytes, MemorySwap: spec.resources.memoryBytes }
        : {}),
    };
    return {
      name: spec.key,
      Image: spec.image,
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
      Cmd: spec.command,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: {
        ...spec.labels,
        [MANAGED_LABEL]: '1',
        [LOG_PATH_LABEL]: spec.logPath,
        [LOG_OFFSET_LABEL]: String(logOffset),
      },
      ...(user ? { User: user } : {}),
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      HostConfig: hostConfig,
    };
  }

  async #inspect(key: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      const info = await this.docker.getContainer(key).inspect();
      this.#saw();
      return info;
    } catch (e) {
      if (statusOf(e) === 404) {
        this.#saw();
        return undefined;
      }
      this.#saw(e);
      throw engineError(e, `inspect container ${key}`);
    }
  }

  async #adopt(key: string, info: Docker.ContainerInspectInfo): Promise<void> {
    // This instance is starting it already (a repeated launch): nothing more to do.
    if (this.#starting.has(key)) return;
    if (info.State.Status === 'created') {
      // A crash between create and start: finish the launch.
      try {
        await this.docker.getContainer(key).start();
      } catch (e) {
        if (statusOf(e) !== 304) throw engineError(e, `start container ${key}`);
      }
    }
    this.#followFromLabels(key, info);
  }

  #followFromLabels(key: string, info: Docker.ContainerInspectInfo): void {
    const logPath = info.Config.Labels?.[LOG_PATH_LABEL];
    if (logPath) this.#follow(key, logPath, Number(info.Config.Labels?.[LOG_OFFSET_LABEL] ?? 0));
  }

  /**
   * Appends the container's output to `logPath`. Docker replays a container's log from its
   * start, so bytes already in the file past `offset` (written by a previous launcher instance)
   * are skipped: replays are byte-identical for the json-file and local log drivers.
   */
  #follow(key: string, logPath: string, offset: number): void {
    if (this.#followers.has(key)) return;
    const f: Follower = { done: Promise.resolve(), closed: false };
    f.done = (async () => {
      let skip = Math.max(0, logSize(logPath) - offset);
      const stream = (await this.docker.getContainer(key).logs({ follow: true, stdout: true, stderr: true })) as unknown as Readable;
      f.stream = stream;
      if (f.closed) {
        stream.destroy();
        return;
      }
      const out = fs.createWriteStream(logPath, { flags: 'a' });
      // A full disk (ENOSPC) must cost the log lines, never the daemon: an unhandled 'error'
      // event of this stream would end the process. The container's output is still drained.
      let broken = false;
      out.on('error', () => {
        broken = true;
        out.emit('drain');
      });
      const demux = new DockerLogDemuxer();
      try {
        for await (const chunk of stream) {
          for (let payload of demux.push(chunk as Buffer)) {
            if (skip > 0) {
              const n = Math.min(skip, payload.length);
              skip -= n;
              payload = payload.subarray(n);
              if (payload.length === 0) continue;
            }
            if (broken) continue;
            if (!out.write(payload)) await new Promise((r) => out.once('drain', r));
          }
        }
      } finally {
        await new Promise<void>((r) => {
          if (broken || out.destroyed) r();
          else out.end(() => r());
        });
      }
    })().catch(() => {
      // The container went away or the launcher closed: the log has what was delivered.
    });
    this.#followers.set(key, f);
  }

  #stopFollower(key: string): void {
    const f = this.#followers.get(key);
    if (!f) return;
    f.closed = true;
    f.stream?.destroy();
    this.#followers.delete(key);
  }
}

/** Replaces a loopback host (`127.0.0.1`, `localhost`, `[::1]`) in `url` by {@link HOST_ALIAS}. */
export function rewriteLoopback(url: string): string {
  const u = new URL(url);
  if (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]') u.hostname = HOST_ALIAS;
  return u.href.endsWith('/') && !url.endsWith('/') ? u.href.slice(0, -1) : u.href;
}

/** uid:gid of tasks when the launching process is root: `nobody` (in the runtime image's passwd). */
export const NON_ROOT_TASK_USER = '65534:65534';

/** The launching process's uid:gid, or {@link NON_ROOT_TASK_USER} when that is root. */
export function defaultTaskUser(): string {
  if (typeof process.getuid !== 'function' || typeof process.getgid !== 'function') return '';
  return process.getuid() === 0 ? NON_ROOT_TASK_USER : `${process.getuid()}:${process.getgid()}`;
}

/**
 * Containers drop every capability, so they write to a bind mount only as its owner: a root
 * launcher hands the writable mounts (fresh, per-attempt directories) to the container's user.
 */
async function giveWritableMounts(mounts: readonly { hostPath: string; readOnly: boolean }[], user: string | undefined): Promise<void> {
  const m = /^(\d+):(\d+)$/.exec(user ?? '');
  if (!m || typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  const [uid, gid] = [Number(m[1]), Number(m[2])];
  for (const mount of mounts) {
    if (mount.readOnly) continue;
    try {
      const st = await fs.promises.stat(mount.hostPath);
      if (st.isDirectory() && (st.uid !== uid || st.gid !== gid)) await fs.promises.chown(mount.hostPath, uid, gid);
    } catch {
      // Missing: Docker reports the mount when it creates the container.
    }
  }
}

function logSize(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch {
    return 0;
  }
}

function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number } | undefined)?.statusCode;
}

function validDate(s: string | undefined): s is string {
  return !!s && !s.startsWith('0001-01-01');
}

/** True for the errors of an engine that does not answer (socket gone, connection cut). */
function isEngineGone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const msg = String((e as Error)?.message ?? '');
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(msg);
}

function engineError(e: unknown, what: string): LauncherError {
  const unavailable = isEngineGone(e);
  return launcherError(
    unavailable ? LAUNCHER_ERROR_CODES.ENGINE_UNAVAILABLE : LAUNCHER_ERROR_CODES.OPERATION_FAILED,
    `Docker failed to ${what}: ${(e as Error)?.message ?? String(e)}`,
    { cause: e },
  );
}
