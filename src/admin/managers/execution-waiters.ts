/**
 * Long-polls of executions (`GET /api/v1/executions/{p}/{d}/{name}?wait_for_terminal=30s`, a
 * sandbox extension): callers park here until the execution reaches a terminal phase, their
 * timeout passes or they go away. Admin learns every phase change from the events it records,
 * so waking a waiter costs nothing and nobody polls.
 */
import { WorkflowPhases, type WorkflowPhase } from '../../core/phases.ts';
import type { ExecutionKey } from '../codec.ts';
import { adminError } from '../errors.ts';

/** Longest wait one request may ask for. */
export const MAX_WAIT_MS = 120_000;

/**
 * Parses a `wait_for_terminal` value: `30s`, `1500ms`, `2m` or plain seconds (`30`), at most
 * {@link MAX_WAIT_MS}. Errors name the parameter.
 */
export function parseWaitDuration(text: string, path = 'query.wait_for_terminal'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) {
    throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} must be a duration like 30s, 1500ms or 2m, got ${JSON.stringify(text)}`, { path });
  }
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms > MAX_WAIT_MS) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} must be at most ${MAX_WAIT_MS / 1000}s, got ${JSON.stringify(text)}`, { path });
  return Math.round(ms);
}

function keyString(k: ExecutionKey): string {
  return `${k.project}/${k.domain}/${k.name}`;
}

/** Waiters per execution, woken by {@link ExecutionWaiters.notify}. */
export class ExecutionWaiters {
  readonly #waiters = new Map<string, Set<(phase: WorkflowPhase) => void>>();

  /** Number of parked waiters (tests). */
  get size(): number {
    let n = 0;
    for (const s of this.#waiters.values()) n += s.size;
    return n;
  }

  /** Tells the waiters of `key` that its phase is now `phase` (called after the change is committed). */
  notify(key: ExecutionKey, phase: WorkflowPhase): void {
    const set = this.#waiters.get(keyString(key));
    if (!set) return;
    for (const w of [...set]) w(phase);
  }

  /**
   * Resolves when `notify` reports a terminal phase of `key`, after `timeoutMs`, or when `signal`
   * aborts — whichever comes first. The caller re-reads the execution afterwards. Register in the
   * same synchronous step as the check of the current phase, so no change can slip in between.
   */
  wait(key: ExecutionKey, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const k = keyString(key);
    return new Promise<void>((resolve) => {
      let set = this.#waiters.get(k);
      if (!set) this.#waiters.set(k, (set = new Set()));
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(onPhase);
        if (waiters.size === 0 && this.#waiters.get(k) === waiters) this.#waiters.delete(k);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const onPhase = (phase: WorkflowPhase): void => {
        if (WorkflowPhases.isTerminal(phase)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(onPhase);
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }
}
