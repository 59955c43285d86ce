/**
 * The Launcher port: runs one task attempt in an isolated environment (a Docker container, or a
 * subprocess) and reports how it ended. Propeller depends only on this file; adapters
 * (`docker-launcher.ts`, `process-launcher.ts`) are loaded lazily by the composition root.
 *
 * Contract (every method is idempotent, so a propeller round may repeat after a crash):
 * - `launch(spec)`: starts the attempt named `spec.key`. If one with that key already exists
 *   (running or exited), it is adopted, never started twice.
 * - `wait(key)`: resolves once the attempt has exited (immediately if it already has), with its
 *   exit; resolves `{ state: 'NOT_FOUND' }` if no attempt with that key is known.
 * - `abort(key)`: kills the attempt; a missing or finished attempt is success.
 * - `cleanup(key)`: removes what the attempt left (container, temp files); always after
 *   `wait` resolved or `abort`. Logs stay at `spec.logPath`.
 * - `list(labels)`: attempts (running or exited, not yet cleaned up) whose labels include all
 *   the given ones; used on restart to re-adopt containers instead of running them twice.
 */
export interface Launcher {
  /** `docker`, `process`, or `fake` in tests. */
  readonly kind: string;
  /**
   * Whether an attempt sees only what its spec mounts (a container). Launchers that run tasks on
   * the host (process, in memory) ignore mounts, so propeller does not work them out for them.
   */
  readonly confinesToMounts: boolean;
  launch(spec: LaunchSpec): Promise<void>;
  wait(key: string, signal?: AbortSignal): Promise<AttemptExit>;
  abort(key: string): Promise<void>;
  cleanup(key: string): Promise<void>;
  list(labels: Record<string, string>): Promise<LaunchedAttempt[]>;
  /** Releases connections and timers held by the launcher (not the attempts). */
  close(): Promise<void>;
}

/** Everything needed to start one attempt. Args are already rendered (no `{{.input}}` left). */
export interface LaunchSpec {
  /** Deterministic attempt key `<execution>-<node unique id>-<attempt>`, DNS-safe; the container name. */
  key: string;
  /** At least `tflyte.execution`, `tflyte.node`, `tflyte.attempt`; plus `tflyte.sandbox` (the data dir id). */
  labels: Record<string, string>;
  image: string;
  /** Overrides the image entrypoint when set (a task's own image gets the runtime this way). */
  entrypoint?: string[];
  command: string[];
  env: Record<string, string>;
  /** CPU in cores (e.g. 0.5) and memory in bytes; undefined = no limit. */
  resources: { cpu?: number; memoryBytes?: number };
  /** Bind mounts; the blob store is mounted at the same absolute path inside the container. */
  mounts: Mount[];
  /** Host file that receives the attempt's stdout and stderr, appended while it runs. */
  logPath: string;
  /** Lets the attempt reach the sandbox's admin API (eager tasks); the launcher rewrites the host. */
  adminUrl?: string;
  /**
   * The SDK that wrote a task that does not run this sandbox's runtime, from its template's
   * `metadata.runtime` (`{ flavor: 'python', version: '1.16.31' }` for flytekit): lets the daemon
   * run it in an equivalent image when `image` is not present locally.
   */
  sdk?: { flavor: string; version: string };
  /**
   * Run the attempt in a warm, reusable container (`warm-pool.ts`) instead of a new one. Only for
   * commands that run the sandbox's runtime (`… execute …`).
   */
  reuse?: ReusePolicy;
}

/** How an attempt may share a warm container (`reuse` of a task, or the sandbox's `reuse` setting). */
export interface ReusePolicy {
  /** At most this many warm containers per pool. */
  replicas: number;
  /** A container idle this long is removed. */
  idleTtlMs: number;
  /**
   * Which attempts may share a container, beyond an equal image, resources, mounts and
   * environment: the sandbox passes `<project>/<domain>` (one trust domain).
   */
  group: string;
  /** Names of `env` variables that are the attempt's own (sent with each job, not part of the pool). */
  attemptEnv: readonly string[];
  /**
   * The attempt's access to the blob store, as bind mounts a cold container would get: a warm
   * container mounts none of them, and the daemon serves its reads (any) and writes (writable
   * ones) under exactly these paths, while the attempt runs.
   */
  access: readonly Mount[];
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** How an attempt ended, as the launcher observed it. */
export type AttemptExit =
  | {
      state: 'EXITED';
      exitCode: number;
      oomKilled: boolean;
      signal?: string;
      startedAt?: Date;
      finishedAt?: Date;
      /** Set when the engine could not start the attempt at all (the task never ran): why. */
      startFailed?: string;
      /** The warm container that ran the attempt, when it ran in one. */
      ranIn?: string;
      /**
       * Set when the warm container running the attempt died under it (a crash, not the task's
       * own exit): why. The sandbox's failure (SYSTEM), like a container that never started.
       */
      containerLost?: string;
    }
  | { state: 'NOT_FOUND'; /** Why it could not be found or waited for, when known. */ reason?: string };

export interface LaunchedAttempt {
  key: string;
  labels: Record<string, string>;
  running: boolean;
}
