/**
 * Propeller failure semantics (reference §5): retries with separate USER and SYSTEM budgets,
 * non-recoverable errors, container exits, timeouts, failure policies and abort.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode } from '../../src/core/idl.ts';
import { closure, createHarness, lit, promise, taskNode, taskTemplate, T, workflowTemplate } from '../support/fake-propeller-harness.ts';
import type { Harness } from '../support/fake-propeller-harness.ts';
import { eventually } from '../support/eventually.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.cleanup();
});


const attemptOf = (spec: { env: Record<string, string> }): number => Number(spec.env.FLYTE_ATTEMPT_NUMBER);

function oneTask(t = taskTemplate('t', { x: T.INT }, { o0: T.INT })) {
  const wf = workflowTemplate('w', [taskNode('n0', t, { x: promise('', 'a') })], {
    inputs: { a: T.INT },
    outputs: { o0: T.INT },
    outputBindings: { o0: promise('n0', 'o0') },
  });
  return closure(wf, [t]);
}

describe('retries', () => {
  it('retries recoverable USER errors and non-zero exits within the task retry budget', async () => {
    h.task('n0', (_in, spec) => {
      const a = attemptOf(spec);
      if (a === 0) return { error: { code: 'Flaky', message: 'try again', recoverable: true } };
      if (a === 1) return { nothing: true };
      return { outputs: { o0: lit.int(a) } };
    });
    h.launcher.script(/-n0-1$/, {
      exitCode: 3,
      writeFiles: async () => {},
    });
    const r = await h.run(oneTask(taskTemplate('t', { x: T.INT }, { o0: T.INT }, { retries: 2 })), { a: lit.int(1) });
    expect(r.phase).toBe('SUCCEEDED');
    expect(r.outputs).toEqual({ o0: 2 });
    expect(h.sink.taskPhases(r.name, 'n0')).toEqual([
      '0:QUEUED', '0:RUNNING', '0:FAILED', '1:QUEUED', '1:RUNNING', '1:FAILED', '2:QUEUED', '2:RUNNING', '2:SUCCEEDED',
    ]);
    // The node stays RUNNING through retries: no node event for a retryable failure.
    expect(h.sink.nodePhases(r.name, 'n0')).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    const failed = h.sink.taskEvents.filter((e) => e.phase === 5);
    expect(failed.map((e) => e.error?.code)).toEqual(['Flaky', 'NonZeroExit']);
    expect(h.sink.violations).toEqual([]);
  });

  it('fails at once on a non-recoverable error even with retries left', async () => {
    h.task('n0', () => ({ error: { code: 'ValueError', message: 'bad value' } }));
    const r = await h.run(oneTask(taskTemplate('t', { x: T.INT }, { o0: T.INT }, { retries: 3 })), { a: lit.int(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error).toMatchObject({ code: 'ValueError', message: 'bad value', kind: 1 });
    expect(h.launcher.launched).toHaveLength(1);
    expect(h.sink.nodePhases(r.name, 'n0')).toEqual(['QUEUED', 'RUNNING', 'FAILED']);
  });

  it('reports RetriesExhausted|<code> when the USER budget runs out', async () => {
    h.task('n0', () => ({ error: { code: 'Flaky', message: 'nope', recoverable: true } }));
    const r = await h.run(oneTask(taskTemplate('t', { x: T.INT }, { o0: T.INT }, { retries: 1 })), { a: lit.int(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('RetriesExhausted|Flaky');
    expect(h.launcher.launched).toHaveLength(2);
  });

  it('counts SYSTEM failures against their own budget (maxSystemRetries = 3)', async () => {
    h.task('n0', (_in, spec) =>
      attemptOf(spec) < 3 ? { error: { code: 'SYSTEM', message: 'node lost', recoverable: true, origin: 'SYSTEM' } } : { outputs: { o0: lit.int(7) } },
    );
    const r = await h.run(oneTask(), { a: lit.int(1) });
    expect(r.phase).toBe('SUCCEEDED');
    expect(h.launcher.launched).toHaveLength(4);

    const h2 = await createHarness({ maxSystemRetries: 1 });
    try {
      h2.task('n0', () => ({ error: { code: 'SYSTEM', message: 'node lost', recoverable: true, origin: 'SYSTEM' } }));
      const r2 = await h2.run(oneTask(), { a: lit.int(1) });
      expect(r2.phase).toBe('FAILED');
      expect(r2.error).toMatchObject({ code: 'RetriesExhausted|SYSTEM', kind: 2 });
      expect(h2.launcher.launched).toHaveLength(2);
    } finally {
      await h2.cleanup();
    }
  });

  it('counts an attempt the engine could not start as a SYSTEM failure, not one of the task\'s retries', async () => {
    h.launcher.script(/-n0-\d+$/, [
      { exitCode: 125, startFailed: 'failed to create endpoint on network bridge' },
      { exitCode: 125, startFailed: 'socket hang up' },
      { exitCode: 0, writeFiles: async (spec) => void (await h.data.write(h.data.join(spec.command[spec.command.indexOf('--output-prefix') + 1] as string, 'outputs.pb'), encode('flyteidl.core.LiteralMap', { literals: { o0: lit.int(7) } }))) },
    ]);
    // No task retries at all: only the system budget can absorb the engine's failures.
    const r = await h.run(oneTask(taskTemplate('t', { x: T.INT }, { o0: T.INT }, { retries: 0 })), { a: lit.int(1) });
    expect(r.phase).toBe('SUCCEEDED');
    expect(h.launcher.launched).toHaveLength(3);
    const failed = h.sink.taskEvents.filter((e) => e.phase === 5);
    expect(failed.map((e) => [e.error?.kind, e.error?.code])).toEqual([
      [2, 'LaunchFailed'],
      [2, 'LaunchFailed'],
    ]);
    expect(failed[0]?.error?.message).toMatch(/the container engine could not start the task: failed to create endpoint/);
  });

  it('explains an OOM kill with the memory limit', async () => {
    h.launcher.script(/-n0-\d+$/, { exitCode: 137, oomKilled: true });
    const r = await h.run(oneTask(taskTemplate('t', { x: T.INT }, { o0: T.INT }, { limits: { mem: '512Mi' } })), { a: lit.int(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('RetriesExhausted|OOMKilled');
    expect(r.error?.message).toBe('container was killed because it ran out of memory (limit 512Mi)');
  });

  it('fails with OutputsNotFound when declared outputs were not written, and explains a futures file that does not compile', async () => {
    h.task('n0', () => ({ nothing: true }));
    const r = await h.run(oneTask(), { a: lit.int(1) });
    expect(r.error?.code).toBe('RetriesExhausted|OutputsNotFound');

    h.task('n0', () => ({ nothing: true }), {
      writeFiles: async (spec) => {
        const out = spec.command[spec.command.indexOf('--output-prefix') + 1]!;
        await h.data.write(h.data.join(out, 'futures.pb'), encode('flyteidl.core.DynamicJobSpec', {}));
      },
    });
    const r2 = await h.run(oneTask(), { a: lit.int(1) });
    expect(r2.error?.code).toBe('DynamicWorkflowBuildFailed');
    expect(r2.error?.message).toMatch(/workflow output "o0" \(int\) is not bound/);
  });
});

describe('timeouts', () => {
  it('aborts a timed-out attempt, retries it, and times the node out at 2× the timeout', async () => {
    h.task('n0', () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    const name = await h.launch(oneTask(taskTemplate('t', { x: T.INT }, { o0: T.INT }, { retries: 3, timeoutSec: 10 })), { a: lit.int(1) });
    await eventually(() => h.launcher.launched.length === 1, 'first attempt');
    await h.propeller.idle();
    h.clock.advance(10_000);
    await eventually(() => h.launcher.launched.length === 2, 'second attempt');
    expect(h.launcher.isRunning(h.launcher.launched[0]!.key)).toBe(false);
    await h.propeller.idle();
    h.clock.advance(10_000);
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(6);
    expect(ev.error?.code).toBe('Timeout');
    expect(h.sink.nodePhases(name, 'n0')).toEqual(['QUEUED', 'RUNNING', 'TIMED_OUT']);
    expect(h.sink.taskPhases(name, 'n0')).toEqual(['0:QUEUED', '0:RUNNING', '0:ABORTED', '1:QUEUED', '1:RUNNING', '1:ABORTED']);
    const aborted = h.sink.taskEvents.filter((e) => e.phase === 4);
    expect(aborted[0]?.reasons?.[0]?.reason).toBe('attempt timed out');
  });
});

describe('failure policies', () => {
  const t = taskTemplate('t', { x: T.INT }, { o0: T.INT });
  const wf = (onFailure: 0 | 1) =>
    closure(
      workflowTemplate(
        'fp',
        [
          taskNode('bad', t, { x: promise('', 'a') }),
          taskNode('slow', t, { x: promise('', 'a') }),
          taskNode('after', t, { x: promise('bad', 'o0') }),
        ],
        { inputs: { a: T.INT }, onFailure },
      ),
      [t],
    );

  it('FAIL_IMMEDIATELY aborts running nodes and never starts downstream ones', async () => {
    h.task('bad', () => ({ error: { code: 'Boom', message: 'bad' } }));
    h.task('slow', () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    const r = await h.run(wf(0), { a: lit.int(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error?.code).toBe('Boom');
    expect(h.sink.nodePhases(r.name, 'slow')).toEqual(['QUEUED', 'RUNNING', 'ABORTED']);
    expect(h.sink.nodePhases(r.name, 'after')).toEqual([]);
    expect(h.launcher.launched.some((s) => s.labels['tflyte.node'] === 'after')).toBe(false);
    expect(h.sink.workflowEvents.filter((e) => e.executionId?.name === r.name).map((e) => e.phase)).toEqual([2, 5, 6]);
  });

  it('FAIL_AFTER_EXECUTABLE_NODES_COMPLETE finishes independent nodes and skips descendants of failures', async () => {
    h.task('bad', () => ({ error: { code: 'Boom', message: 'bad' } }));
    h.task('slow', () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    const name = await h.launch(wf(1), { a: lit.int(1) });
    await eventually(() => h.sink.nodePhase(name, 'after') === 'SKIPPED', 'after skipped');
    expect(h.sink.workflowPhase(name)).toBe('RUNNING');
    h.launcher.finish(h.launcher.launched.find((s) => s.labels['tflyte.node'] === 'slow')!.key, { exitCode: 0 });
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(6);
    expect(ev.error?.code).toBe('Boom');
    expect(h.sink.nodePhases(name, 'slow')).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(h.sink.nodePhases(name, 'end-node')).toEqual(['SKIPPED']);
  });
});

describe('abort', () => {
  it('aborts running attempts and ends ABORTED; a second abort is harmless', async () => {
    h.task('n0', () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.launcher.launched.length === 1, 'launch');
    await h.propeller.abort({ project: 'flytesnacks', domain: 'development', name }, 'user asked');
    const ev = await h.sink.waitForTerminal(name);
    expect(ev.phase).toBe(7);
    expect(h.launcher.isRunning(h.launcher.launched[0]!.key)).toBe(false);
    expect(h.sink.nodePhases(name, 'n0')).toEqual(['QUEUED', 'RUNNING', 'ABORTED']);
    expect(h.sink.taskPhases(name, 'n0')).toEqual(['0:QUEUED', '0:RUNNING', '0:ABORTED']);
    expect(h.sink.workflowEvents.filter((e) => e.executionId?.name === name).map((e) => e.phase)).toEqual([2, 9, 7]);
    await h.propeller.abort({ project: 'flytesnacks', domain: 'development', name }, 'again');
    expect(h.sink.workflowEvents.filter((e) => e.executionId?.name === name)).toHaveLength(3);
  });

  it('rejects abort of an unknown execution with a NOT_FOUND error', async () => {
    await expect(h.propeller.abort({ project: 'p', domain: 'd', name: 'nope' }, 'x')).rejects.toMatchObject({
      code: 'SBX_PROPELLER_EXECUTION_NOT_FOUND',
      category: 'NOT_FOUND',
    });
  });
});

describe('engine errors', () => {
  it('fails an execution whose closure misses a task at once, with SBX_PROPELLER_BAD_CLOSURE', async () => {
    const t = taskTemplate('t', { x: T.INT }, { o0: T.INT });
    const wf = workflowTemplate('w', [taskNode('n0', t, { x: promise('', 'a') })], { inputs: { a: T.INT } });
    const r = await h.run(closure(wf, []), { a: lit.int(1) });
    expect(r.phase).toBe('FAILED');
    expect(r.error).toMatchObject({ code: 'SBX_PROPELLER_BAD_CLOSURE', kind: 2 });
    expect(r.error?.message).toContain('task flytesnacks/development/t@v1 is not in the closure');
  });

  it('finishes an attempt whose exit was seen by a round that could not save (a full disk)', async () => {
    // Measured by the chaos suite: the round that launched attempt 1 failed to save; attempt 1
    // ended while that round's work was lost; the next round re-adopted attempt 1 and saved it
    // RUNNING — and nothing ever looked at its (already known) exit again.
    h.task('n0', (_in, spec) => (attemptOf(spec) === 0 ? { error: { code: 'Flaky', message: 'again', recoverable: true } } : { outputs: { o0: lit.int(5) } }));
    const save = h.store.save.bind(h.store);
    let failed = 0;
    h.store.save = async (key, state, version, active) => {
      if (failed === 0 && JSON.stringify(state).includes('-n0-1"')) {
        failed++;
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      }
      return save(key, state, version, active);
    };
    const name = await h.launch(oneTask(taskTemplate('t', { x: T.INT }, { o0: T.INT }, { retries: 1 })), { a: lit.int(1) });
    await eventually(() => failed === 1 && h.clock.pending > 0, 'the failed save and its retry timer');
    // The retried round re-adopts attempt 1, whose exit is already known; it must not be the last.
    h.clock.advance(60_000);
    expect((await h.sink.waitForTerminal(name)).phase).toBe(4);
    expect(failed).toBe(1);
    expect(await h.outputsOf(name)).toEqual({ o0: 5 });
    expect(h.launcher.launched.map((s) => attemptOf(s))).toEqual([0, 1]);
  });

  it('waits for disk space before launching, within engineWaitSeconds, and spends no retry', async () => {
    h.task('n0', () => ({ outputs: { o0: lit.int(3) } }));
    h.diskFull = 'the disk holding /data is full (0 KiB free)';
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.clock.pending > 0, 'a wait for space');
    h.clock.advance(5_000);
    await eventually(() => h.clock.pending > 0, 'still waiting');
    expect(h.launcher.launched).toHaveLength(0);
    h.diskFull = undefined;
    h.clock.advance(5_000);
    expect((await h.sink.waitForTerminal(name)).phase).toBe(4);
    expect(h.launcher.launched.map((s) => attemptOf(s))).toEqual([0]);
  });

  it('fails as SYSTEM DiskFull when space does not come back within the bound', async () => {
    await h.cleanup();
    h = await createHarness({ engineWaitTimeoutMs: 10_000 });
    h.task('n0', () => ({ outputs: { o0: lit.int(3) } }));
    h.diskFull = 'the disk holding /data is full (0 KiB free)';
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    for (let i = 0; i < 8 && h.sink.workflowPhase(name) !== 'FAILED'; i++) {
      await eventually(() => h.clock.pending > 0 || h.sink.workflowPhase(name) === 'FAILED', 'a wait or the end');
      h.clock.advance(2_000);
    }
    const end = await h.sink.waitForTerminal(name);
    expect(end.phase).toBe(6);
    expect(end.error).toMatchObject({ code: 'DiskFull', kind: 2 });
    expect(end.error?.message).toContain('is full (0 KiB free)');
    expect(h.launcher.launched).toHaveLength(0);
  });

  it('counts a task that exited non-zero on a full disk as a SYSTEM failure, retried after space returns', async () => {
    h.task('n0', (_in, spec) => {
      if (attemptOf(spec) === 0) {
        h.diskFull = 'the disk holding /data is full (3 KiB free)';
        return { nothing: true };
      }
      return { outputs: { o0: lit.int(4) } };
    }, { exitCode: 1 });
    h.launcher.script(/-n0-[1-9]$/, { exitCode: 0, writeFiles: async (spec) => {
      await h.data.write(h.data.join(spec.command[spec.command.indexOf('--output-prefix') + 1]!, 'outputs.pb'), encode('flyteidl.core.LiteralMap', { literals: { o0: lit.int(4) } }));
    } });
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.sink.taskPhases(name, 'n0').includes('0:FAILED'), 'attempt 0 failed');
    const failedEvent = h.sink.taskEvents.find((e) => e.phase === 5);
    expect(failedEvent?.error).toMatchObject({ code: 'DiskFull', kind: 2 });
    h.diskFull = undefined;
    h.clock.advance(5_000);
    expect((await h.sink.waitForTerminal(name)).phase).toBe(4);
    expect(await h.outputsOf(name)).toEqual({ o0: 4 });
  });

  it('runs at most maxRunningTasks attempts across executions; the others stay QUEUED until one ends', async () => {
    await h.cleanup();
    h = await createHarness({ maxRunningTasks: 2 });
    h.task('n0', () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    const names = [await h.launch(oneTask(), { a: lit.int(1) }), await h.launch(oneTask(), { a: lit.int(2) }), await h.launch(oneTask(), { a: lit.int(3) })];
    await eventually(() => h.launcher.launched.length === 2, 'two attempts running');
    await new Promise((r) => setTimeout(r, 50));
    expect(h.launcher.launched).toHaveLength(2);
    const waiting = names.find((n) => !h.launcher.launched.some((s) => s.key.startsWith(n)))!;
    expect(h.sink.taskPhases(waiting, 'n0')).toEqual([]);
    h.launcher.finish(h.launcher.launched[0]!.key, { exitCode: 0 });
    await eventually(() => h.launcher.launched.length === 3, 'the third starts once one ends');
    for (const s of h.launcher.launched.slice(1)) h.launcher.finish(s.key, { exitCode: 0 });
    for (const n of names) expect((await h.sink.waitForTerminal(n)).phase).toBe(4);
  });

  it('keeps unsent events and re-sends them when the sink recovers', async () => {
    // Held, so that nothing but the resend timer can wake the execution: a finishing attempt
    // would start a round that re-sends the events on its own (correct, but not what this tests).
    h.task('n0', () => ({ outputs: { o0: lit.int(1) } }), { hold: true });
    const original = h.sink.nodeEvent.bind(h.sink);
    let failures = 1;
    h.sink.nodeEvent = async (ev) => {
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('admin down'), { code: 'SBX_ADMIN_UNAVAILABLE' });
      }
      return original(ev);
    };
    const name = await h.launch(oneTask(), { a: lit.int(1) });
    await eventually(() => h.clock.pending > 0, 'resend timer');
    expect(h.sink.workflowPhase(name)).toBe('RUNNING');
    expect(h.sink.nodePhases(name, 'n0')).toEqual([]);
    h.clock.advance(1_000);
    await eventually(() => h.sink.nodePhases(name, 'n0').length === 2, 're-sent node events');
    expect(h.sink.nodePhases(name, 'n0')).toEqual(['QUEUED', 'RUNNING']);
    h.launcher.finish(h.launcher.launched[0]!.key, { exitCode: 0 });
    expect((await h.sink.waitForTerminal(name)).phase).toBe(4);
    expect(h.sink.nodePhases(name, 'n0')).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
  });
});

describe('event times', () => {
  it('an event records when it happened: a launch that takes time is dated after it, not at its round’s start', async () => {
    const roundStart = h.clock.now();
    // The launch itself takes 5 s (a slow engine); the round's clock reading does not move.
    h.task('n0', () => ({ outputs: { o0: lit.int(1) } }), { writeFiles: async () => h.clock.advance(5_000) });
    const r = await h.run(oneTask(), { a: lit.int(1) });
    expect(r.phase).toBe('SUCCEEDED');
    const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
    const nodeQueued = h.sink.nodeEvents.find((e) => e.id?.nodeId === 'n0' && e.phase === 1);
    const nodeRunning = h.sink.nodeEvents.find((e) => e.id?.nodeId === 'n0' && e.phase === 2);
    const taskRunning = h.sink.taskEvents.find((e) => e.parentNodeExecutionId?.nodeId === 'n0' && e.phase === 2);
    expect(ms(nodeQueued?.occurredAt)).toBe(roundStart);
    // The task's RUNNING, and the node's that follows from it, come after the 5 s launch.
    expect(ms(taskRunning?.occurredAt)).toBe(roundStart + 5_000);
    expect(ms(nodeRunning?.occurredAt)).toBe(roundStart + 5_000);
  });
});
