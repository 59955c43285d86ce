/**
 * Composition of the admin service: context → managers → adapters → express app. The CLI owns
 * the HTTP server (`startAdmin` is a convenience for tests and simple setups).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import type { DataStore } from '../storage/data-store.ts';
import { taskCredentialGuard, taskScopeRules, type TaskCredentials } from './http/task-credential.ts';
import { taskGrpcGuard, type GrpcGuard } from './grpc/task-grpc-guard.ts';
import { requireJsonBodies } from './http/browser-boundary.ts';
import { diskOf } from '../storage/disk.ts';
import { controlPlaneVersion } from './codec.ts';
import { errorMiddleware, notFoundHandler } from './http/error-middleware.ts';
import type { AdminDeps, AdminOptions } from './ports.ts';
import { createAdminCore, type AdminCore } from './core.ts';
import { entityRoutes } from './routes/entity-routes.ts';
import { executionRoutes } from './routes/execution-routes.ts';
import { nodeRoutes } from './routes/node-routes.ts';
import { dataProxyRoutes, downloadRoute, uploadRoute } from './routes/upload-route.ts';

/** Everything `createAdmin` builds: the core, and the express app over it. */
export interface Admin extends AdminCore {
  /** The express app: `/healthz` and `/api/v1/...`; unknown routes answer a JSON 404. */
  app: Express;
}

/** Builds the admin service over an open DB (see `openAdminDb`). Does not listen. */
export function createAdmin(deps: AdminDeps, options: AdminOptions = {}): Admin {
  const core = createAdminCore(deps, options);
  return { ...core, app: adminApp(core) };
}

/**
 * What guards the API on the task socket, where task containers call admin (a local run's eager
 * tasks get the same rules in-process: `in-process-task-port.ts`): the JSON body is parsed first —
 * the guard reads the execution a create names — then the caller's task credential must allow
 * the request.
 */
export function taskSocketGuard(core: AdminCore, credentials: TaskCredentials, store: DataStore): RequestHandler {
  const json = express.json({ limit: core.context.options.maxBodyBytes, type: 'application/json', strict: true });
  const guard = taskCredentialGuard(credentials, core.managers, store);
  return (req, res, next) => json(req, res, (err?: unknown) => (err ? next(err) : guard(req, res, next)));
}

/** The gRPC guard of the task socket (see `grpc/task-grpc-guard.ts`): flytekit eager tasks' FlyteRemote. */
export function taskSocketGrpcGuard(core: AdminCore, credentials: TaskCredentials, store: DataStore): GrpcGuard {
  return taskGrpcGuard(credentials, taskScopeRules(core.managers, store));
}

/** The express app over an admin core: `/healthz` and `/api/v1/...`; unknown routes answer a JSON 404. */
export function adminApp(core: AdminCore): Express {
  const ctx = core.context;
  const managers = core.managers;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Signed upload URLs (DataProxy CreateUploadLocation): the body is the file itself, not JSON.
  app.put('/api/v1/dataproxy/upload/:project/:domain/:folder/:filename', uploadRoute(managers));
  app.get('/api/v1/dataproxy/download', downloadRoute(managers, ctx.dataStore));
  // Bodies must be JSON and say so: a web page cannot send that to another origin unasked.
  app.use(requireJsonBodies());
  app.use(express.json({ limit: ctx.options.maxBodyBytes, type: 'application/json', strict: true }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', disk: diskOf(ctx.options.dataDir), ...ctx.options.healthExtras?.() });
  });
  app.get('/api/v1/version', (_req, res) => {
    // Written by hand: the proto's capitalised field names do not survive the camelCase mapping.
    res.json({ control_plane_version: controlPlaneVersion(ctx.options.version) });
  });
  app.use('/api/v1', entityRoutes(managers));
  app.use('/api/v1', executionRoutes(managers));
  app.use('/api/v1', nodeRoutes(managers, ctx.options.dataDir));
  app.use('/api/v1', dataProxyRoutes(managers));
  app.use(notFoundHandler);
  app.use(errorMiddleware(ctx.logger));
  return app;
}

/** Shorthand for `createAdmin(deps, options).app`. */
export function createAdminApp(deps: AdminDeps, options: AdminOptions = {}): Express {
  return createAdmin(deps, options).app;
}

/** A listening admin server. */
export interface RunningAdmin {
  admin: Admin;
  server: Server;
  /** `http://host:port` */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Builds the admin and listens on `host:port` (port 0 = any free port). */
export async function startAdmin(deps: AdminDeps, options: AdminOptions = {}, listen: { host?: string; port?: number } = {}): Promise<RunningAdmin> {
  const admin = createAdmin(deps, options);
  const host = listen.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = admin.app.listen(listen.port ?? 0, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    admin,
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
