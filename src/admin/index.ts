/**
 * The admin component's public surface: the flyteadmin of the sandbox (express 5 REST API over
 * better-sqlite3), its adapters for propeller's ports, and the typed HTTP client.
 */
export { openAdminDb, DEFAULT_DOMAINS, DEFAULT_PROJECTS, type AdminDb, type OpenAdminDbOptions } from './db/open-db.ts';
export { MIGRATIONS, applyMigrations, type Migration } from './db/migrations.ts';
export { adminApp, createAdmin, createAdminApp, startAdmin, taskSocketGrpcGuard, taskSocketGuard, type Admin, type RunningAdmin } from './app.ts';
export { createAdminCore, type AdminCore } from './core.ts';
export type {
  AdminClock,
  AdminDeps,
  AdminIds,
  AdminLogger,
  AdminOptions,
  CompileWorkflowFn,
  ExecutionRunner,
  ResolvedAdminOptions,
  WorkflowSpecInput,
} from './ports.ts';
export { resolveAdminOptions, randomIds, type AdminContext, type AdminRepositories } from './context.ts';
export { ADMIN_ERROR_CODES, adminError, type AdminErrorCode } from './errors.ts';
export { AdminEventSink } from './adapters/admin-event-sink.ts';
export { AdminChildPort } from './adapters/admin-child-port.ts';
export { SqliteStateStore } from './adapters/sqlite-state-store.ts';
export { createDeferredRunner, type DeferredRunner } from './adapters/deferred-runner.ts';
export { AdminClient, AdminApiError, createHttpEventSink, type AdminClientOptions, type ListOptions } from './client.ts';
export type { AdminManagers } from './routes/helpers.ts';
export { ProjectRepository } from './repositories/project-repository.ts';
export { TaskRepository, WorkflowRepository, LaunchPlanRepository } from './repositories/entity-repository.ts';
export { ExecutionRepository } from './repositories/execution-repository.ts';
export { NodeExecutionRepository } from './repositories/node-execution-repository.ts';
export { TaskExecutionRepository } from './repositories/task-execution-repository.ts';
export { FLYTEGEN_PREFIX } from './managers/single-task.ts';
export { toErrorResponse, type ErrorBody } from './http/error-middleware.ts';
export { adaptCompiler, type WholeClosureCompiler, type LaunchPlanLookup } from './compile-adapter.ts';
export { consoleSupportRoutes } from './routes/console-support.ts';
export { browserBoundary, isLoopbackHost, requireJsonBodies, type BrowserBoundaryOptions } from './http/browser-boundary.ts';
export { TaskCredentials, taskCredentialGuard, TASK_TOKEN_ENV, type TaskScope } from './http/task-credential.ts';
export { createGrpcServer, dualProtocolServer, GRPC_MAX_RECEIVE_BYTES, type DualProtocolServer, type GrpcServerOptions } from './grpc/grpc-server.ts';
export { GrpcStatus, grpcStatusOf } from './grpc/grpc-wire.ts';
export { MAX_UPLOAD_BYTES, UploadManager } from './managers/upload-manager.ts';
