/**
 * Composition of the admin service: context → managers → adapters → express app. The CLI owns
 * the HTTP server (`startAdmin` is a convenience for tests and simple setups).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { ExecutionEventSink, ChildExecutionPort, WorkflowStateStore } from '../propeller/ports.ts';
import { AdminChildPort } from './adapters/admin-child-port.ts';
import { AdminEventSink } from './adapters/admin-event-sink.ts';
import { SqliteStateStore } from './adapters/sqlite-state-store.ts';
import { createAdminContext, type AdminContext } from './context.ts';
import { requireJsonBodies } from './http/browser-boundary.ts';
import { diskOf } from '../storage/disk.ts';
import { errorMiddleware, notFoundHandler } from './http/error-middleware.ts';
import { EventManager } from './managers/event-manager.ts';
import { ExecutionManager } from './managers/execution-manager.ts';
import { LaunchPlanManager } from './managers/launch-plan-manager.ts';
import { NodeExecutionManager } from './managers/node-execution-manager.ts';
import { ProjectManager } from './managers/project-manager.ts';
import { TaskManager } from './managers/task-manager.ts';
import { WorkflowManager } from './managers/workflow-manager.ts';
import type { AdminDeps, AdminOptions } from './ports.ts';
import { entityRoutes } from './routes/entity-routes.ts';
import { executionRoutes } from './routes/execution-routes.ts';
import type { AdminManagers } from './routes/helpers.ts';
import { nodeRoutes } from './routes/node-routes.ts';

/** Everything `createAdmin` builds. */
export interface Admin {
  /** The express app: `/healthz` and `/api/v1/...`; unknown routes answer a JSON 404. */
  app: Express;
  managers: AdminManagers;
  /** Propeller's event port, recording straight into the DB. */
  eventSink: ExecutionEventSink;
  /** Propeller's port for launch-plan nodes. */
  childPort: ChildExecutionPort;
  /** Propeller's durable state, in the same SQLite file. */
  stateStore: WorkflowStateStore;
  context: AdminContext;
}

/** Builds the admin service over an open DB (see `openAdminDb`). Does not listen. */
export function createAdmin(deps: AdminDeps, options: AdminOptions = {}): Admin {
  const ctx = createAdminContext(deps, options);
  const projects = new ProjectManager(ctx);
  const tasks = new TaskManager(ctx, projects);
  const workflows = new WorkflowManager(ctx, projects, tasks);
  const launchPlans = new LaunchPlanManager(ctx, projects);
  const executions = new ExecutionManager(ctx, projects, tasks, workflows, launchPlans);
  // Phase changes wake long-polls of executions and end the children of finished ones.
  const events = new EventManager(ctx, (key, phase) => executions.onPhaseChange(key, phase));
  const nodes = new NodeExecutionManager(ctx);
  const managers: AdminManagers = { projects, tasks, workflows, launchPlans, executions, events, nodes };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Bodies must be JSON and say so: a web page cannot send that to another origin unasked.
  app.use(requireJsonBodies());
  app.use(express.json({ limit: ctx.options.maxBodyBytes, type: 'application/json', strict: true }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', disk: diskOf(ctx.options.dataDir), ...ctx.options.healthExtras?.() });
  });
  app.get('/api/v1/version', (_req, res) => {
    // Written by hand: the proto's capitalised field names do not survive the camelCase mapping.
    res.json({ control_plane_version: { Build: 'tflyte-sandbox', Version: ctx.options.version, BuildTime: '' } });
  });
  app.use('/api/v1', entityRoutes(managers));
  app.use('/api/v1', executionRoutes(managers));
  app.use('/api/v1', nodeRoutes(managers, ctx.options.dataDir));
  app.use(notFoundHandler);
  app.use(errorMiddleware(ctx.logger));

  return {
    app,
    managers,
    eventSink: new AdminEventSink(events),
    childPort: new AdminChildPort(ctx, executions, (id) => workflows.launchPlanTemplate(id)),
    stateStore: new SqliteStateStore(ctx.db, () => ctx.clock.now()),
    context: ctx,
  };
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
