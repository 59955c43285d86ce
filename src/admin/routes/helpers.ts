/** Small helpers shared by the route modules. */
import type { Request, Response } from 'express';
import { toJson } from '../../core/idl.ts';
import type { ExecutionKey } from '../codec.ts';
import { adminError } from '../errors.ts';
import type { EventManager } from '../managers/event-manager.ts';
import type { ExecutionManager } from '../managers/execution-manager.ts';
import type { LaunchPlanManager } from '../managers/launch-plan-manager.ts';
import type { NodeExecutionManager } from '../managers/node-execution-manager.ts';
import type { ProjectManager } from '../managers/project-manager.ts';
import type { TaskManager } from '../managers/task-manager.ts';
import type { UploadManager } from '../managers/upload-manager.ts';
import type { DownloadManager } from '../managers/download-manager.ts';
import type { WorkflowManager } from '../managers/workflow-manager.ts';
import type { TaskExecutionKey } from '../repositories/task-execution-repository.ts';

/** The managers the routes call. */
export interface AdminManagers {
  projects: ProjectManager;
  tasks: TaskManager;
  workflows: WorkflowManager;
  launchPlans: LaunchPlanManager;
  executions: ExecutionManager;
  events: EventManager;
  nodes: NodeExecutionManager;
  uploads: UploadManager;
  downloads: DownloadManager;
}

/**
 * Who asks (there is no authentication): the `X-Tflyte-Principal` header (or gRPC metadata) the
 * console and the CLI send, when it is a plain name, else `sandbox`.
 */
export function principalFromHeader(value: unknown): string {
  return typeof value === 'string' && /^[\w.@-]{1,64}$/.test(value) ? value : 'sandbox';
}

/** Sends a message as protobuf JSON. */
export function sendMessage(res: Response, typeName: string, value: object, status = 200): void {
  res.status(status).json(toJson(typeName, value));
}

/** A path parameter (always present for a matched route). */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, string | undefined>)[name];
  if (v === undefined || v === '') throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `path parameter ${name} is required`, { path: `params.${name}` });
  return v;
}

/** The execution named by `:project/:domain/:name` (or `:exec`). */
export function execKey(req: Request, nameParam = 'name'): ExecutionKey {
  return { project: param(req, 'project'), domain: param(req, 'domain'), name: param(req, nameParam) };
}

/** The entity named by `:project/:domain/:name/:version`. */
export function entityKey(req: Request): { project: string; domain: string; name: string; version: string } {
  return { project: param(req, 'project'), domain: param(req, 'domain'), name: param(req, 'name'), version: param(req, 'version') };
}

/** Path of a task execution: `:project/:domain/:exec/:node/:tp/:td/:tn/:tv/:retry`. */
export const TASK_EXECUTION_PATH = ':project/:domain/:exec/:node/:tp/:td/:tn/:tv/:retry';

/** The task execution named by {@link TASK_EXECUTION_PATH}. */
export function taskExecKey(req: Request): TaskExecutionKey {
  const retry = param(req, 'retry');
  if (!/^\d{1,9}$/.test(retry)) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `retry attempt must be a non-negative integer, got ${JSON.stringify(retry)}`, { path: 'params.retry' });
  return {
    exec: execKey(req, 'exec'),
    nodeId: param(req, 'node'),
    task: { project: param(req, 'tp'), domain: param(req, 'td'), name: param(req, 'tn'), version: param(req, 'tv') },
    retryAttempt: Number(retry),
  };
}

/** A single-valued query parameter, or undefined. */
export function queryParam(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `query parameter ${name} must be given once`, { path: `query.${name}` });
  return v;
}
