/**
 * The ports admin consumes, and its dependency/config bags (style P11). The composition root
 * (cli `start`) supplies them; tests supply fakes.
 */
import type { Diagnostic } from '../core/errors.ts';
import type { flyteidl } from '../core/idl.ts';
import type { ExecutionRequest } from '../propeller/ports.ts';
import type { DataStore } from '../storage/data-store.ts';
import type { AdminDb } from './db/open-db.ts';

/**
 * Runs executions (propeller implements it; Flyte: creating/deleting the FlyteWorkflow CRD).
 *
 * - `start(req)`: called once per new execution, after its row (phase UNDEFINED) and
 *   `inputs.pb` are committed. Resolves once the execution is accepted (not finished); progress
 *   comes back as events. If it rejects, admin marks the execution FAILED (SYSTEM error) and
 *   answers the create request with `SBX_ADMIN_RUNNER_UNAVAILABLE`.
 * - `abort(id, cause)`: called after admin moved the execution to ABORTING; resolves once the
 *   abort is under way (propeller later reports ABORTED). Rejecting with a SandboxError of
 *   category NOT_FOUND means "not running here": admin then records ABORTED itself.
 */
export interface ExecutionRunner {
  start(req: ExecutionRequest): Promise<void>;
  abort(id: { project: string; domain: string; name: string }, cause: string): Promise<void>;
}

/** The authored workflow handed to the compiler. */
export interface WorkflowSpecInput {
  template: flyteidl.core.IWorkflowTemplate;
  subWorkflows: flyteidl.core.IWorkflowTemplate[];
}

/**
 * The workflow compiler (the compiler component provides it; `adaptCompiler` wraps its
 * whole-closure API). Pure: never throws for a bad spec, returns every problem as a diagnostic.
 * `closure` is present iff there is no error diagnostic. Lookups read the registry: undefined
 * means "not registered".
 */
export type CompileWorkflowFn = (
  spec: WorkflowSpecInput,
  lookupTask: (id: flyteidl.core.IIdentifier) => flyteidl.core.ITaskTemplate | undefined,
  lookupLaunchPlan?: (id: flyteidl.core.IIdentifier) => flyteidl.core.ILaunchPlanTemplate | undefined,
) => { closure?: flyteidl.core.ICompiledWorkflowClosure; diagnostics: Diagnostic[] };

/** Time source. */
export interface AdminClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Random names. */
export interface AdminIds {
  /** A new execution name: `a` + 19 random [a-z0-9] (flyteadmin's format). */
  executionName(): string;
}

/** Minimal logger (admin never writes to the console itself). */
export interface AdminLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Everything admin needs from outside. */
export interface AdminDeps {
  db: AdminDb;
  dataStore: DataStore;
  compileWorkflow: CompileWorkflowFn;
  /** May be bound later with {@link createDeferredRunner} (propeller needs admin's adapters first). */
  runner: ExecutionRunner;
  clock?: AdminClock;
  ids?: AdminIds;
  logger?: AdminLogger;
}

/** User-facing admin options (all optional). */
export interface AdminOptions {
  /**
   * Local directory holding everything of this sandbox (data, logs). The logs route serves only
   * `file://` log URIs whose real path is inside it. Default: the data store's local root.
   */
  dataDir?: string;
  /** Prefix for execution metadata (inputs, node data). @default `<store root>/metadata` */
  metadataPrefix?: string;
  /** Prefix for raw task outputs. @default `<store root>/raw` */
  rawOutputPrefix?: string;
  /** Default max parallelism of an execution (Flyte: 25). */
  maxParallelism?: number;
  /** Largest accepted JSON body. @default 20 MiB */
  maxBodyBytes?: number;
  /** Shown by `GET /api/v1/version`. */
  version?: string;
  /**
   * The one local log file of a task attempt (absolute path), as the engine writes it. A task
   * event may name a `file://` log only if it is this file; without it, only files under
   * `<dataDir>/logs/` are accepted.
   */
  attemptLogFile?: (attempt: { execution: string; nodeId: string; retryAttempt: number }) => string;
  /** More fields of `/healthz` (the composition root adds the container engine's state). */
  healthExtras?: () => Record<string, unknown>;
}

/** {@link AdminOptions} with every field resolved. */
export interface ResolvedAdminOptions {
  dataDir: string;
  metadataPrefix: string;
  rawOutputPrefix: string;
  maxParallelism: number;
  maxBodyBytes: number;
  version: string;
  attemptLogFile: ((attempt: { execution: string; nodeId: string; retryAttempt: number }) => string) | undefined;
  healthExtras: (() => Record<string, unknown>) | undefined;
}
