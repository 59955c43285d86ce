/**
 * Helpers of the eager sandbox tests: child executions of an eager execution, waiting on the
 * admin's long-poll, and polling admin state with a bounded loop that reports what it last saw.
 */
import type { AdminClient } from '../../src/admin/index.ts';
import type { flyteidl, google } from '../../src/core/idl.ts';

/** The default project/domain `run --remote` uses. */
export const PD = { project: 'flytesnacks', domain: 'development' } as const;

/** Phase names by the API's numbers. */
export const PHASES = ['UNDEFINED', 'QUEUED', 'RUNNING', 'SUCCEEDING', 'SUCCEEDED', 'FAILING', 'FAILED', 'ABORTED', 'TIMED_OUT', 'ABORTING'] as const;

/** Phase name of an execution. */
export function phaseName(ex: flyteidl.admin.IExecution): string {
  return PHASES[Number(ex.closure?.phase ?? 0)] ?? 'UNDEFINED';
}

const ms = (ts: google.protobuf.ITimestamp | null | undefined): number => Number(ts?.seconds ?? 0) * 1000 + Math.floor(Number(ts?.nanos ?? 0) / 1e6);

/** The child executions of `exec` (of one node when given), oldest first. */
export async function childrenOf(client: AdminClient, exec: string, nodeId?: string): Promise<flyteidl.admin.IExecution[]> {
  const list = await client.listChildExecutions({ ...PD, name: exec }, nodeId, { limit: 1000, sortBy: { key: 'created_at', direction: 'ASCENDING' } });
  return list.executions ?? [];
}

/** The node of a single-task execution that ran the task (not start/end). */
export async function taskNodeOf(client: AdminClient, exec: string): Promise<string> {
  const nodes = await client.listNodeExecutions({ ...PD, name: exec }, { limit: 100 });
  const ids = (nodes.nodeExecutions ?? []).map((n) => n.id?.nodeId ?? '').filter((id) => id !== 'start-node' && id !== 'end-node');
  if (ids.length !== 1) throw new Error(`execution ${exec} has task nodes ${JSON.stringify(ids)}, expected one`);
  return ids[0] as string;
}

/** Waits (long-poll, no busy polling) until the execution is terminal. */
export async function waitTerminal(client: AdminClient, name: string, timeoutMs = 240_000): Promise<flyteidl.admin.IExecution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ex = await client.waitForExecution({ ...PD, name }, { waitSeconds: 30 });
    if (['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'].includes(phaseName(ex))) return ex;
    if (Date.now() > deadline) throw new Error(`execution ${name} is still ${phaseName(ex)} after ${timeoutMs} ms`);
  }
}

/** Polls `fn` every 100 ms until it returns a value; on timeout throws with the last value seen. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** [created, last update] of an execution in ms: for a terminal one, its whole life. */
export function lifetime(ex: flyteidl.admin.IExecution): [number, number] {
  return [ms(ex.closure?.createdAt), ms(ex.closure?.updatedAt)];
}

/** The most intervals that overlap at one instant. */
export function maxOverlap(intervals: [number, number][]): number {
  const points = intervals.flatMap(([a, b]) => [
    [a, 1],
    [b, -1],
  ] as [number, number][]);
  // Ends before starts at the same instant: touching intervals do not overlap.
  points.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of points) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}
