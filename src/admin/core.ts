/**
 * The admin service without HTTP: context, managers, and the adapters of propeller's ports over
 * the same SQLite database. `createAdmin` (app.ts) puts the express app in front of it; local runs
 * (`cli/local-engine.ts`) use it directly and never load express unless an eager task needs the API.
 */
import type { ExecutionEventSink, ChildExecutionPort, WorkflowStateStore } from '../propeller/ports.ts';
import { AdminChildPort } from './adapters/admin-child-port.ts';
import { AdminEventSink } from './adapters/admin-event-sink.ts';
import { SqliteStateStore } from './adapters/sqlite-state-store.ts';
import { createAdminContext, type AdminContext } from './context.ts';
import { EventManager } from './managers/event-manager.ts';
import { ExecutionManager } from './managers/execution-manager.ts';
import { LaunchPlanManager } from './managers/launch-plan-manager.ts';
import { NodeExecutionManager } from './managers/node-execution-manager.ts';
import { ProjectManager } from './managers/project-manager.ts';
import { TaskManager } from './managers/task-manager.ts';
import { UploadManager } from './managers/upload-manager.ts';
import { DownloadManager } from './managers/download-manager.ts';
import { WorkflowManager } from './managers/workflow-manager.ts';
import type { AdminDeps, AdminOptions } from './ports.ts';
import type { AdminManagers } from './routes/helpers.ts';

/** The admin service's managers and propeller's ports over them. */
export interface AdminCore {
  managers: AdminManagers;
  /** Propeller's event port, recording straight into the DB. */
  eventSink: ExecutionEventSink;
  /** Propeller's port for launch-plan nodes. */
  childPort: ChildExecutionPort;
  /** Propeller's durable state, in the same SQLite file. */
  stateStore: WorkflowStateStore;
  context: AdminContext;
}

/** Builds the admin's managers and ports over an open DB (see `openAdminDb`). */
export function createAdminCore(deps: AdminDeps, options: AdminOptions = {}): AdminCore {
  const ctx = createAdminContext(deps, options);
  const projects = new ProjectManager(ctx);
  const tasks = new TaskManager(ctx, projects);
  const workflows = new WorkflowManager(ctx, projects, tasks);
  const launchPlans = new LaunchPlanManager(ctx, projects, workflows);
  const executions = new ExecutionManager(ctx, projects, tasks, workflows, launchPlans);
  // Phase changes wake long-polls of executions and end the children of finished ones.
  const events = new EventManager(ctx, (key, phase) => executions.onPhaseChange(key, phase));
  const nodes = new NodeExecutionManager(ctx);
  const uploads = new UploadManager(ctx, projects);
  const downloads = new DownloadManager(ctx, nodes);
  const managers: AdminManagers = { projects, tasks, workflows, launchPlans, executions, events, nodes, uploads, downloads };

  return {
    managers,
    eventSink: new AdminEventSink(events),
    childPort: new AdminChildPort(ctx, executions, (id) => workflows.launchPlanTemplate(id)),
    stateStore: new SqliteStateStore(ctx.db, () => ctx.clock.now()),
    context: ctx,
  };
}

// What composing admin without its HTTP server takes (a local run's engine, the CLI): the
// barrel (`index.ts`) loads express, these do not.
export { openAdminDb } from './db/open-db.ts';
export { createDeferredRunner } from './adapters/deferred-runner.ts';
export { adaptCompiler } from './compile-adapter.ts';
export { TaskCredentials } from './http/task-credential.ts';
export { isLoopbackHost } from './http/browser-boundary.ts';
export type { AdminManagers } from './routes/helpers.ts';
export { inProcessTaskAdmin, type TaskAdminPort } from './in-process-task-port.ts';
