/**
 * Process adapter of the {@link Launcher} port: each attempt is a local subprocess (execa).
 * For machines without a container engine and for fast tests. See README.md for its limits.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { constants as osConstants } from 'node:os';
import { execa } from 'execa';
import type { AttemptExit, LaunchedAttempt, Launcher, LaunchSpec } from './launcher.ts';
import { launcherError, LAUNCHER_ERROR_CODES } from './errors.ts';

/** Options of {@link ProcessLauncher}; all optional. */
export interface ProcessLauncherOptions {
  /**
   * Prepended when a spec has no `entrypoint` (a container image would supply its own): e.g.
   * `['/usr/local/bin/tflyte-sandbox']`, or `[process.execPath, 'src/cli/main.ts']` from source.
   * @default []
   */
  defaultEntrypoint?: string[];
  /** Variables every attempt gets beneath `spec.env` (e.g. `PATH`, `HOME`). @default {} */
  baseEnv?: Record<string, string>;
  /** Working directory of the subprocesses (when there is no `workRoot`). @default the launcher's own cwd */
  cwd?: string;
  /**
   * Gives each attempt a working directory of its own, `<workRoot>/<attempt key>`, made at launch
   * and removed at cleanup — as a container starts in a fresh filesystem. A task that writes next
   * to itself (pyflyte-fast-execute unpacks its code into `.`) then writes there, not into the
   * sandbox's own directory.
   */
  workRoot?: string;
  /** Symbolic links made in each attempt's working directory (name → target), with `workRoot`. @default {} */
  workDirLinks?: Record<string, string>;
  /** Clock for `startedAt` / `finishedAt`. @default () => new Date() */
  now?: () => Date;
}

interface ProcessAttempt {
  /** Settles when the subprocess has been spawned (or failed to be). */
  started: Promise<void>;
  labels: Record<string, string>;
  running: boolean;
  pid: number | undefined;
  exit: Promise<AttemptExit>;
}

/**
 * Runs `[...(spec.entrypoint ?? defaultEntrypoint), ...spec.command]` with `spec.env` in its own
 * process group; stdout and stderr go straight to `spec.logPath` (opened for append).
 *
 * Differences from containers, by design:
 * - `image` is ignored and nothing is isolated: the task sees the host's filesystem. Mounts are
 *   therefore only accepted when `hostPath === containerPath` (else `SBX_LAUNCHER_INVALID_SPEC`).
 * - `resources` are not enforced (no cgroups; an address-space rlimit would break V8), and
 *   `oomKilled` is always false.
 * - `adminUrl` is passed unchanged as `TFLYTE_ADMIN_URL` (the subprocess is on the host).
 * - Attempts are known in memory only: after the sandbox restarts, `wait` answers `NOT_FOUND`
 *   and `list` is empty (the detached subprocesses may still finish and write their outputs;
 *   propeller treats `NOT_FOUND` as a lost attempt).
 * - A process killed by a signal reports exit code 128 + signal number, like Docker.
 */
export class ProcessLauncher implements Launcher {
  readonly kind = 'process';
  readonly confinesToMounts = false;
  readonly #attempts = new Map<string, ProcessAttempt>();
  readonly #opts: Required<Omit<ProcessLauncherOptions, 'cwd' | 'workRoot'>> & { cwd?: string; workRoot?: string };

  constructor(opts: ProcessLauncherOptions = {}) {
    this.#opts = {
      defaultEntrypoint: opts.defaultEntrypoint ?? [],
      baseEnv: opts.baseEnv ?? {},
      workDirLinks: opts.workDirLinks ?? {},
      now: opts.now ?? (() => new Date()),
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
      ...(opts.workRoot === undefined ? {} : { workRoot: opts.workRoot }),
    };
  }

  /** The attempt's own working directory, if the launcher gives each one. */
  #workDir(key: string): string | undefined {
    return this.#opts.workRoot === undefined ? undefined : path.join(this.#opts.workRoot, key.replace(/[^A-Za-z0-9._-]/g, '_'));
  }

  async launch(spec: LaunchSpec): Promise<void> {
    const known = this.#attempts.get(spec.key);
    if (known) return known.started;
    // Registered before the first await, so concurrent launches of one key start one process.
    let settle!: (x: AttemptExit) => void;
    const attempt: ProcessAttempt = {
      started: Promise.resolve(),
      labels: { ...spec.labels },
      running: true,
      pid: undefined,
      exit: new Promise<AttemptExit>((r) => (settle = r)),
    };
    attempt.started = this.#start(spec, attempt, settle);
    this.#attempts.set(spec.key, attempt);
    try {
      await attempt.started;
    } catch (e) {
      this.#attempts.delete(spec.key);
      throw e;
    }
  }

  async #start(spec: LaunchSpec, attempt: ProcessAttempt, settle: (x: AttemptExit) => void): Promise<void> {
    const argv = [...(spec.entrypoint ?? this.#opts.defaultEntrypoint), ...spec.command];
    const [file, ...args] = argv;
    if (file === undefined) throw launcherError(LAUNCHER_ERROR_CODES.INVALID_SPEC, `attempt ${spec.key} has no command`);
    for (const m of spec.mounts) {
      if (m.hostPath !== m.containerPath) {
        throw launcherError(
          LAUNCHER_ERROR_CODES.INVALID_SPEC,
          `the process launcher cannot mount ${m.hostPath} at ${m.containerPath}: it runs on the host, so mounts must use the same path`,
        );
      }
    }
    const env: Record<string, string> = { ...this.#opts.baseEnv, ...spec.env };
    if (spec.adminUrl !== undefined) env.TFLYTE_ADMIN_URL = spec.adminUrl;

    let log: fsp.FileHandle;
    try {
      log = await fsp.open(spec.logPath, 'a');
    } catch (e) {
      throw launcherError(LAUNCHER_ERROR_CODES.OPERATION_FAILED, `cannot open log ${spec.logPath}: ${(e as Error).message}`, { cause: e });
    }
    const workDir = this.#workDir(spec.key);
    if (workDir !== undefined) {
      await fsp.mkdir(workDir, { recursive: true });
      for (const [name, target] of Object.entries(this.#opts.workDirLinks)) {
        await fsp.symlink(target, path.join(workDir, name)).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
      }
    }
    const cwd = workDir ?? this.#opts.cwd;
    const startedAt = this.#opts.now();
    let child;
    try {
      // A FileHandle is handed to the child as its fd (execa passes it to node:child_process
      // untouched, though its types omit it): output never flows through this process, so a
      // restart of the sandbox does not cut the task's stdout.
      const logFd = log as unknown as 'inherit';
      child = execa(file, args, {
        env,
        extendEnv: false,
        stdin: 'ignore',
        stdout: logFd,
        stderr: logFd,
        detached: true,
        reject: false,
        ...(cwd === undefined ? {} : { cwd }),
      });
    } finally {
      await log.close(); // the child holds its own copy
    }
    attempt.pid = child.pid;
    void child.then((r) => {
      attempt.running = false;
      const signal = r.signal ?? undefined;
      const signalNumber = signal === undefined ? undefined : (osConstants.signals as Record<string, number>)[signal];
      let exitCode = r.exitCode ?? (signalNumber === undefined ? 1 : 128 + signalNumber);
      if (r.failed && r.exitCode === undefined && signal === undefined) {
        // Spawn failure (ENOENT, EACCES): the shell convention for "command not found/runnable".
        exitCode = 127;
        try {
          fs.appendFileSync(spec.logPath, `tflyte: cannot run ${file}: ${r.message}\n`);
        } catch {
          // A full disk loses this line, not the attempt's exit.
        }
      }
      settle({
        state: 'EXITED',
        exitCode,
        oomKilled: false,
        ...(signal === undefined ? {} : { signal }),
        startedAt,
        finishedAt: this.#opts.now(),
      });
    });
  }

  async wait(key: string, signal?: AbortSignal): Promise<AttemptExit> {
    const a = this.#attempts.get(key);
    if (!a) return { state: 'NOT_FOUND' };
    if (!signal) return a.exit;
    signal.throwIfAborted();
    return new Promise<AttemptExit>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      a.exit.then(
        (x) => {
          signal.removeEventListener('abort', onAbort);
          resolve(x);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  async abort(key: string): Promise<void> {
    const a = this.#attempts.get(key);
    if (!a) return;
    await a.started.catch(() => undefined);
    if (!a.running || a.pid === undefined) return;
    try {
      process.kill(-a.pid, 'SIGKILL'); // the whole process group: the task and its children
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
    await a.exit;
  }

  async cleanup(key: string): Promise<void> {
    if (this.#attempts.has(key)) {
      await this.abort(key);
      this.#attempts.delete(key);
    }
    const workDir = this.#workDir(key);
    if (workDir !== undefined) await fsp.rm(workDir, { recursive: true, force: true });
  }

  async list(labels: Record<string, string>): Promise<LaunchedAttempt[]> {
    const out: LaunchedAttempt[] = [];
    for (const [key, a] of this.#attempts) {
      if (Object.entries(labels).every(([k, v]) => a.labels[k] === v)) {
        out.push({ key, labels: { ...a.labels }, running: a.running });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    // Nothing to release: subprocesses are detached and write their logs themselves.
  }
}
