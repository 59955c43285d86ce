/**
 * What propeller is built from: injected ports (style P11) and its resolved configuration.
 * Nothing inside propeller reads the wall clock, `process.env` or random numbers; the
 * composition root (cli `start`) supplies them here.
 */
import type { Launcher, Mount } from '../launcher/launcher.ts';
import type { DataStore } from '../storage/data-store.ts';
import type { Catalog } from './catalog.ts';
import type { FaultPoints } from './fault-points.ts';
import type { ChildExecutionPort, ExecutionEventSink, WorkflowStateStore } from './ports.ts';

/**
 * Time, injected. `now()` is epoch milliseconds. `sleep(ms, signal)` resolves after `ms` of this
 * clock's time and rejects (or resolves early, either is fine) when `signal` aborts; propeller
 * uses it for every timer (attempt timeouts, active deadlines, retry of failed rounds, child polls).
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Structured logger, injected (no `console` inside propeller). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The ports propeller needs; see each port's TSDoc for its contract. */
export interface PropellerDeps {
  clock: Clock;
  launcher: Launcher;
  store: WorkflowStateStore;
  events: ExecutionEventSink;
  data: DataStore;
  children: ChildExecutionPort;
  logger: Logger;
  /** Cache of task outputs; default: {@link createDataStoreCatalog} over `data`. */
  catalog?: Catalog;
  /** Named crash points for tests; default: a fresh set that is never armed (no-ops). */
  faultPoints?: FaultPoints;
  /**
   * Why the data store cannot take writes now (a full disk), or undefined when it can. Tasks wait
   * for space before they launch, and a task that failed while it was full fails as SYSTEM.
   * Default: never full.
   */
  storageFull?: () => string | undefined;
  /** Issues the admin credential of an eager attempt; without it eager tasks get none. */
  credentials?: TaskCredentialIssuer;
}

/** What an eager attempt's admin credential allows: its own execution and node, and its data. */
export interface TaskCredentialScope {
  project: string;
  domain: string;
  execution: string;
  nodeId: string;
  attempt: number;
  rawOutputPrefix: string;
  inputsUri: string;
}

/** Port: issues admin credentials for eager attempts (admin's `TaskCredentials`). */
export interface TaskCredentialIssuer {
  issue(scope: TaskCredentialScope): string;
}

/** How to run the in-container runtime (`tflyte-sandbox execute …`). */
export interface RuntimeCommandConfig {
  /**
   * Replaces `args[0] === 'tflyte-sandbox'` of SDK task templates: `['tflyte-sandbox']` for the
   * default Docker image (on PATH), `[nodePath, '/abs/src/cli/main.ts']` for the process launcher.
   */
  command: string[];
}

/** Resolved propeller configuration: every field required (style P11). */
export interface ResolvedPropellerConfig {
  /** Used when neither the execution nor the launch plan sets one; 0 = unlimited. */
  maxParallelism: number;
  /** Flyte `max-node-retries-system-failures`: SYSTEM failures allowed per node. */
  maxSystemRetries: number;
  /** The sandbox runtime image; SDK task templates carry it as `container.image`. */
  defaultImage: string;
  runtime: RuntimeCommandConfig;
  /**
   * Set when the launcher honours images (Docker): a task with its own image gets this
   * entrypoint (the runtime mounted read-only) and these mounts. Undefined: the runtime command is
   * used whatever the image (process launcher).
   */
  foreignImage: { entrypoint: string[]; mounts: Mount[] } | undefined;
  /** Host directory for attempt logs: `<logDir>/<attempt key>.log`. */
  logDir: string;
  /** Admin URL given to tasks as `TFLYTE_ADMIN_URL` (eager tasks call back). */
  adminUrl: string;
  /** Deepest allowed nesting of launch-plan child executions and dynamic workflows (child of child …). */
  maxNesting: number;
  /** Child executions an eager task runs at once (`TFLYTE_EAGER_CONCURRENCY`). */
  eagerConcurrency: number;
  /** Fallback poll of child executions run elsewhere, in ms (children of this propeller notify directly). */
  childPollIntervalMs: number;
  /** First delay before re-running a round that threw; doubles up to 30 s. */
  roundRetryDelayMs: number;
  /** Consecutive failed rounds after which the execution fails with a SYSTEM error. */
  maxRoundFailures: number;
  /** `producer_id` of every event. */
  producerId: string;
  /** Limits of a task container whose template sets none (cores, bytes). @default {} (none) */
  taskResourceDefaults: { cpu?: number; memoryBytes?: number };
  /** Most bytes read or copied of one attempt's outputs (documents, raw-container outputs). @default 1 GiB */
  maxTaskOutputBytes: number;
  /**
   * How long an attempt waits for a container engine that stopped answering (to launch it, or
   * to learn how it ended) before it fails as a SYSTEM error, retried within the system budget.
   * @default 600000 (10 minutes)
   */
  engineWaitTimeoutMs: number;
  /**
   * Most task attempts running at once across all executions (eager tasks excepted); the others
   * stay QUEUED until one ends, as pods stay Pending on a full cluster. 0: no limit. @default 0
   */
  maxRunningTasks: number;
  /**
   * Reusable containers for every task of `defaultImage` that sets no policy of its own (the
   * sandbox's `reuse` setting); undefined: only tasks that ask for it reuse containers.
   */
  reuse: { replicas: number; idleTtlMs: number } | undefined;
}

/** User-facing options; see {@link ResolvedPropellerConfig} for meanings. */
export type PropellerOptions = Partial<ResolvedPropellerConfig> & Pick<ResolvedPropellerConfig, 'logDir'>;

/** Fills defaults (max parallelism 25, 3 system retries, nesting 10, …) and validates. */
export function resolvePropellerConfig(o: PropellerOptions): ResolvedPropellerConfig {
  const cfg: ResolvedPropellerConfig = {
    maxParallelism: o.maxParallelism ?? 25,
    maxSystemRetries: o.maxSystemRetries ?? 3,
    defaultImage: o.defaultImage ?? 'tflyte-sandbox-runtime:latest',
    runtime: o.runtime ?? { command: ['tflyte-sandbox'] },
    foreignImage: o.foreignImage,
    logDir: o.logDir,
    adminUrl: o.adminUrl ?? '',
    maxNesting: o.maxNesting ?? 10,
    eagerConcurrency: o.eagerConcurrency ?? 10,
    childPollIntervalMs: o.childPollIntervalMs ?? 10_000,
    roundRetryDelayMs: o.roundRetryDelayMs ?? 1_000,
    maxRoundFailures: o.maxRoundFailures ?? 10,
    producerId: o.producerId ?? 'tflyte-propeller',
    taskResourceDefaults: o.taskResourceDefaults ?? {},
    maxTaskOutputBytes: o.maxTaskOutputBytes ?? 1024 ** 3,
    engineWaitTimeoutMs: o.engineWaitTimeoutMs ?? 600_000,
    maxRunningTasks: o.maxRunningTasks ?? 0,
    reuse: o.reuse,
  };
  for (const k of ['engineWaitTimeoutMs', 'maxTaskOutputBytes', 'maxParallelism', 'maxSystemRetries', 'maxNesting', 'eagerConcurrency', 'childPollIntervalMs', 'roundRetryDelayMs', 'maxRoundFailures'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 0) throw new RangeError(`propeller config ${k} must be a non-negative integer, got ${cfg[k]}`);
  }
  if (cfg.runtime.command.length === 0) throw new RangeError('propeller config runtime.command must not be empty');
  return cfg;
}
