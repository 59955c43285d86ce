/**
 * What every admin manager shares: repositories over one DB, the injected ports and the resolved
 * options. Built once by `createAdmin`.
 */
import type { DataStore } from '../storage/data-store.ts';
import type { AdminDb } from './db/open-db.ts';
import type {
  AdminClock,
  AdminDeps,
  AdminIds,
  AdminLogger,
  AdminOptions,
  CompileWorkflowFn,
  ExecutionRunner,
  ResolvedAdminOptions,
} from './ports.ts';
import { LaunchPlanRepository, TaskRepository, WorkflowRepository } from './repositories/entity-repository.ts';
import { ExecutionRepository } from './repositories/execution-repository.ts';
import { NodeExecutionRepository } from './repositories/node-execution-repository.ts';
import { ProjectRepository } from './repositories/project-repository.ts';
import { TaskExecutionRepository } from './repositories/task-execution-repository.ts';

/** The repositories of one admin DB. */
export interface AdminRepositories {
  projects: ProjectRepository;
  tasks: TaskRepository;
  workflows: WorkflowRepository;
  launchPlans: LaunchPlanRepository;
  executions: ExecutionRepository;
  nodeExecutions: NodeExecutionRepository;
  taskExecutions: TaskExecutionRepository;
}

/** Shared state of the admin managers. */
export interface AdminContext {
  db: AdminDb;
  repos: AdminRepositories;
  dataStore: DataStore;
  compileWorkflow: CompileWorkflowFn;
  runner: ExecutionRunner;
  clock: AdminClock;
  ids: AdminIds;
  logger: AdminLogger;
  options: ResolvedAdminOptions;
  /** Runs `fn` in one SQLite transaction (nested calls become savepoints). */
  tx<T>(fn: () => T): T;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * flyteadmin's execution names: `a` + 19 random lowercase alphanumerics. A name identifies an
 * execution and grants nothing (what a task may read or create is decided by its credential's
 * scope), so it is drawn from `Math.random`, and a local run needs no `node:crypto` for it (~3 ms
 * to load). Among 36^19 names a clash is unlikely, and refused as any existing name is.
 */
export const randomIds: AdminIds = {
  executionName(): string {
    let s = 'a';
    for (let i = 0; i < 19; i++) s += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
    return s;
  },
};

const silentLogger: AdminLogger = { warn() {}, error() {} };

/** Fills defaults of {@link AdminOptions} from the data store. */
export function resolveAdminOptions(dataStore: DataStore, options: AdminOptions = {}): ResolvedAdminOptions {
  let dataDir = options.dataDir;
  if (dataDir === undefined) {
    try {
      dataDir = dataStore.localPath ? dataStore.localPath(dataStore.rootUri) : '/nonexistent';
    } catch {
      dataDir = '/nonexistent';
    }
  }
  return {
    dataDir,
    metadataPrefix: options.metadataPrefix ?? dataStore.join(dataStore.rootUri, 'metadata'),
    rawOutputPrefix: options.rawOutputPrefix ?? dataStore.join(dataStore.rootUri, 'raw'),
    maxParallelism: options.maxParallelism ?? 25,
    maxBodyBytes: options.maxBodyBytes ?? 20 * 1024 * 1024,
    version: options.version ?? '0.1.0',
    attemptLogFile: options.attemptLogFile,
    healthExtras: options.healthExtras,
  };
}

/** Builds the shared context. */
export function createAdminContext(deps: AdminDeps, options: AdminOptions = {}): AdminContext {
  const db = deps.db;
  return {
    db,
    repos: {
      projects: new ProjectRepository(db),
      tasks: new TaskRepository(db),
      workflows: new WorkflowRepository(db),
      launchPlans: new LaunchPlanRepository(db),
      executions: new ExecutionRepository(db),
      nodeExecutions: new NodeExecutionRepository(db),
      taskExecutions: new TaskExecutionRepository(db),
    },
    dataStore: deps.dataStore,
    compileWorkflow: deps.compileWorkflow,
    runner: deps.runner,
    clock: deps.clock ?? { now: () => Date.now() },
    ids: deps.ids ?? randomIds,
    logger: deps.logger ?? silentLogger,
    options: resolveAdminOptions(deps.dataStore, options),
    tx: <T>(fn: () => T): T => db.transaction(fn)(),
  };
}
