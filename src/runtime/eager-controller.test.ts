/**
 * The eager controller against a fake admin API: naming and attaching, retries, the concurrency
 * bound, failures, and closing an attempt. The real API is covered by
 * test/integration/sandbox-eager*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AdminApiError, type AdminClient } from '../admin/client.ts';
import { isSandboxError } from '../core/errors.ts';
import type { flyteidl } from '../core/idl.ts';
import { EagerException, t, task } from '../sdk/index.ts';
import { entityDef, type EntityDef } from '../sdk/internal.ts';
import { EagerController, type EagerSettings } from './eager-controller.ts';

const add = task({ name: 'm.add_one', inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const addDef = entityDef(add) as EntityDef;

const PHASE = { RUNNING: 2, SUCCEEDED: 4, FAILED: 6 } as const;

/** An in-memory admin: executions finish when the test says so (or at once with `autoFinish`). */
class FakeAdmin {
  executions = new Map<string, { phase: number; x: number; error?: flyteidl.core.IExecutionError }>();
  created: string[] = [];
  signals: AbortSignal[] = [];
  inFlight = 0;
  maxInFlight = 0;
  autoFinish = true;
  notRegistered = false;
  /** The next this many API calls fail as if the sandbox were down. */
  unreachable = 0;
  #down(): void {
    if (this.unreachable > 0) {
      this.unreachable--;
      throw new AdminApiError(0, 'SBX_ADMIN_CLIENT_UNREACHABLE', 'connect ECONNREFUSED');
    }
  }
  #waiters = new Map<string, () => void>();

  finish(name: string, phase: number = PHASE.SUCCEEDED, error?: flyteidl.core.IExecutionError): void {
    const e = this.executions.get(name);
    if (!e) throw new Error(`no execution ${name}`);
    e.phase = phase;
    if (error) e.error = error;
    this.#waiters.get(name)?.();
  }

  client(): AdminClient {
    const self = this;
    return {
      async createExecution(req: flyteidl.admin.IExecutionCreateRequest) {
        self.#down();
        if (self.notRegistered) throw new AdminApiError(404, 'SBX_ADMIN_TASK_NOT_FOUND', 'task not found');
        const name = req.name ?? '';
        if (self.executions.has(name)) throw new AdminApiError(409, 'SBX_ADMIN_ALREADY_EXISTS', 'exists');
        const x = Number(req.inputs?.literals?.x?.scalar?.primitive?.integer ?? 0);
        self.executions.set(name, { phase: PHASE.RUNNING, x });
        self.created.push(name);
        self.inFlight++;
        self.maxInFlight = Math.max(self.maxInFlight, self.inFlight);
        if (self.autoFinish) queueMicrotask(() => self.finish(name));
        return { name };
      },
      async waitForExecution(id: { name?: string | null }, o: { signal?: AbortSignal } = {}) {
        self.#down();
        const name = id.name ?? '';
        if (o.signal) self.signals.push(o.signal);
        const e = self.executions.get(name);
        if (!e) throw new AdminApiError(404, 'SBX_ADMIN_EXECUTION_NOT_FOUND', 'nope');
        if (e.phase === PHASE.RUNNING) {
          await new Promise<void>((resolve, reject) => {
            self.#waiters.set(name, resolve);
            o.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
          });
        }
        self.inFlight--;
        return { id: { name }, closure: { phase: e.phase, ...(e.error ? { error: e.error } : {}) } };
      },
      async getExecutionData(id: { name?: string | null }) {
        self.#down();
        const e = self.executions.get(id.name ?? '');
        return { fullOutputs: { literals: { o0: { scalar: { primitive: { integer: String((e?.x ?? 0) + 1) } } } } } };
      },
      async listChildExecutions() {
        return { executions: [...self.executions].map(([name, e]) => ({ id: { name }, closure: { phase: e.phase } })), token: '' };
      },
    } as unknown as AdminClient;
  }
}

function settings(o: Partial<EagerSettings> = {}): EagerSettings {
  return {
    project: 'p',
    domain: 'd',
    execution: 'parent1',
    nodeId: 'n0',
    attempt: 0,
    entityProject: 'p',
    entityDomain: 'd',
    version: 'v1',
    concurrency: 10,
    root: 'parent1',
    rawOutputPrefix: 'file:///tmp/raw',
    ...o,
  };
}

describe('EagerController', () => {
  it('creates one child per call with deterministic names and returns its outputs', async () => {
    const admin = new FakeAdmin();
    const c = new EagerController(admin.client(), settings());
    expect(await c.call(addDef, { x: 1 })).toBe(2);
    expect(await c.call(addDef, { x: 1 })).toBe(2);
    expect(admin.created).toHaveLength(2);
    expect(admin.created[0]).not.toBe(admin.created[1]);
    // A new attempt of the same execution computes the same names: it attaches, creates nothing.
    const again = new EagerController(admin.client(), settings());
    expect(await again.call(addDef, { x: 1 })).toBe(2);
    expect(admin.created).toHaveLength(2);
    expect(again.children[0]).toMatchObject({ name: admin.created[0], how: 'attached' });
  });

  it('in a retry, reuses children that succeeded and re-runs failed ones as <name>-r<attempt>', async () => {
    const admin = new FakeAdmin();
    admin.autoFinish = false;
    const first = new EagerController(admin.client(), settings());
    const ok = first.call(addDef, { x: 1 });
    const bad = first.call(addDef, { x: 5 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 0));
    const [okName, badName] = admin.created as [string, string];
    admin.finish(okName);
    admin.finish(badName, PHASE.FAILED, { code: 'USER:RuntimeError', kind: 1, message: 'RangeError: too big\n    at f (a.ts:1:1)' });
    expect(await ok).toBe(2);
    const err = await bad;
    expect(err).toBeInstanceOf(EagerException);
    expect(err).toMatchObject({ executionId: badName, errorName: 'RangeError', errorMessage: 'too big', kind: 'USER', entity: 'm.add_one' });

    admin.autoFinish = true;
    const retry = new EagerController(admin.client(), settings({ attempt: 1 }));
    expect(await retry.call(addDef, { x: 1 })).toBe(2);
    expect(await retry.call(addDef, { x: 5 })).toBe(6);
    expect(retry.children.map((ch) => [ch.name, ch.how])).toEqual([
      [okName, 'attached'],
      [`${badName}-r1`, 'created'],
    ]);
  });

  it('runs at most `concurrency` children at once, started in call order', async () => {
    const admin = new FakeAdmin();
    admin.autoFinish = false;
    const c = new EagerController(admin.client(), settings({ concurrency: 2 }));
    const calls = [0, 1, 2, 3, 4].map((x) => c.call(addDef, { x }));
    for (let done = 0; done < 5; done++) {
      await new Promise((r) => setTimeout(r, 0));
      expect(admin.inFlight).toBeLessThanOrEqual(2);
      const running = [...admin.executions].find(([, e]) => e.phase === PHASE.RUNNING);
      if (running) admin.finish(running[0]);
    }
    expect(await Promise.all(calls)).toEqual([1, 2, 3, 4, 5]);
    expect(admin.maxInFlight).toBe(2);
    expect(admin.created.map((n) => admin.executions.get(n)?.x)).toEqual([0, 1, 2, 3, 4]);
  });

  it('wraps a bad call like a local run, and refuses entities that are not registered', async () => {
    const admin = new FakeAdmin();
    const c = new EagerController(admin.client(), settings());
    await expect(c.call(addDef, { y: 1 })).rejects.toMatchObject({ name: 'EagerException', errorName: 'TypeError' });
    admin.notRegistered = true;
    const e = await c.call(addDef, { x: 1 }).catch((err: unknown) => err);
    expect(isSandboxError(e, 'SBX_EAGER_NOT_REGISTERED')).toBe(true);
    expect((e as Error).message).toMatch(/m\.add_one \(version v1\) is not registered in p\/d.*Export it/);
  });

  it('rides out a sandbox restart, and gives up clearly once the API stays unreachable', async () => {
    const admin = new FakeAdmin();
    admin.unreachable = 3;
    const c = new EagerController(admin.client(), settings());
    expect(await c.call(addDef, { x: 1 })).toBe(2);
    expect(admin.created).toHaveLength(1);
    admin.unreachable = 1_000;
    const short = new EagerController(admin.client(), settings({ unreachableBudgetMs: 150 }));
    const e = await short.call(addDef, { x: 2 }).catch((err: unknown) => err);
    expect(isSandboxError(e, 'SBX_EAGER_ADMIN_UNREACHABLE')).toBe(true);
    expect((e as Error).message).toContain('stayed unreachable');
  });

  it('close() stops waiting: calls in flight and later calls never settle', async () => {
    const admin = new FakeAdmin();
    admin.autoFinish = false;
    const c = new EagerController(admin.client(), settings());
    let settled = false;
    void Promise.resolve(c.call(addDef, { x: 1 })).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(admin.signals).toHaveLength(1);
    c.close();
    expect(admin.signals[0]?.aborted).toBe(true);
    void Promise.resolve(c.call(addDef, { x: 2 })).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    expect(admin.created).toHaveLength(1);
  });
});
