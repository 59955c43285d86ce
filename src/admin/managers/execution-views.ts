/** Turns stored execution rows into API messages, and reads data documents for data endpoints. */
import { isSandboxError } from '../../core/errors.ts';
import { decode, type flyteidl } from '../../core/idl.ts';
import { WorkflowPhases } from '../../core/phases.ts';
import type { DataStore } from '../../storage/data-store.ts';
import { fromBlob, msToDuration, msToTimestamp } from '../codec.ts';
import { adminError } from '../errors.ts';
import type { ExecutionRow } from '../repositories/execution-repository.ts';
import { ResourceType } from './task-manager.ts';

/** `admin.ExecutionMetadata.ExecutionMode` names by number. */
export const EXECUTION_MODES = ['MANUAL', 'SCHEDULED', 'SYSTEM', 'RELAUNCH', 'CHILD_WORKFLOW', 'RECOVERED', 'TRIGGER'] as const;

/** Builds the `admin.Execution` message of a row. `now` computes the duration of running executions. */
export function toExecution(row: ExecutionRow, now: number): flyteidl.admin.IExecution {
  const phase = row.phase;
  const closure: flyteidl.admin.IExecutionClosure = {
    phase: WorkflowPhases.toNumber(phase),
    createdAt: msToTimestamp(row.created_at),
    updatedAt: msToTimestamp(row.updated_at),
    workflowId: {
      resourceType: ResourceType.WORKFLOW,
      project: row.workflow_project,
      domain: row.workflow_domain,
      name: row.workflow_name,
      version: row.workflow_version,
    },
    stateChangeDetails: { state: row.state === 'EXECUTION_ARCHIVED' ? 1 : 0, occurredAt: msToTimestamp(row.updated_at) },
  };
  if (row.started_at !== null) {
    closure.startedAt = msToTimestamp(row.started_at);
    const ms = row.duration_ms ?? (WorkflowPhases.isTerminal(phase) ? 0 : Math.max(0, now - row.started_at));
    closure.duration = msToDuration(ms);
  } else if (row.duration_ms !== null) {
    closure.duration = msToDuration(row.duration_ms);
  }
  const error = fromBlob<flyteidl.core.IExecutionError>('flyteidl.core.ExecutionError', row.error);
  if (error) closure.error = error;
  else if (row.abort_cause !== null && (phase === 'ABORTED' || phase === 'ABORTING')) {
    closure.abortMetadata = { cause: row.abort_cause, principal: row.abort_principal ?? '' };
  } else if (row.outputs_uri && phase === 'SUCCEEDED') {
    closure.outputs = { uri: row.outputs_uri };
  }
  return {
    id: { project: row.project, domain: row.domain, name: row.name },
    spec: fromBlob<flyteidl.admin.IExecutionSpec>('flyteidl.admin.ExecutionSpec', row.spec) ?? {},
    closure,
  };
}

/**
 * Reads a `LiteralMap` document. Missing URI or file → empty map (outputs not written yet).
 * A URI outside the store → `SBX_ADMIN_URI_OUTSIDE_STORE` (400): data routes never read files
 * outside the blob store, whatever an event recorded.
 */
export async function readLiteralMap(store: DataStore, uri: string | null | undefined): Promise<flyteidl.core.ILiteralMap> {
  if (!uri) return { literals: {} };
  assertInStore(store, uri);
  let bytes: Uint8Array;
  try {
    bytes = await store.read(uri);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SBX_STORAGE_NOT_FOUND' || code === 'ENOENT' || isSandboxError(e, 'SBX_STORAGE_NOT_FOUND')) return { literals: {} };
    if (code === 'SBX_STORAGE_OUTSIDE_ROOT' || code === 'SBX_STORAGE_INVALID_URI') {
      throw adminError('SBX_ADMIN_URI_OUTSIDE_STORE', `refusing to read ${uri}: it is not inside the blob store`, { cause: e });
    }
    throw e;
  }
  return decode<flyteidl.core.ILiteralMap>('flyteidl.core.LiteralMap', bytes);
}

/** Throws `SBX_ADMIN_URI_OUTSIDE_STORE` unless the store accepts the URI. */
export function assertInStore(store: DataStore, uri: string, path?: string): void {
  if (!store.contains(uri)) {
    throw adminError('SBX_ADMIN_URI_OUTSIDE_STORE', `${uri} is not inside the blob store (${store.rootUri})`, path ? { path } : {});
  }
}

/** `UrlBlob` for a URI (the deprecated `inputs`/`outputs` fields of data responses). */
export function urlBlob(uri: string | null | undefined): flyteidl.admin.IUrlBlob | undefined {
  return uri ? { url: uri, bytes: 0 } : undefined;
}
