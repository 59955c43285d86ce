import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { literalMapToJs } from '../core/index.ts';
import { findEntity, launchTargetOf } from '../sdk/internal.ts';
import type { flyteidl } from '../core/idl.ts';
import { inputsForApi } from './entity-inputs.ts';
import { startLocalEngine, workflowEventsOnly } from './local-engine.ts';
import { planRegistration } from './registration-plan.ts';
import { setupSdk } from './sdk-setup.ts';

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-local-engine-test-'));
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

describe('workflowEventsOnly', () => {
  it('passes workflow events on and records no node or task history', async () => {
    const sink = { workflowEvent: vi.fn(async () => undefined), nodeEvent: vi.fn(async () => undefined), taskEvent: vi.fn(async () => undefined) };
    const events = workflowEventsOnly(sink);
    const wf: flyteidl.event.IWorkflowExecutionEvent = { executionId: { project: 'p', domain: 'd', name: 'e' }, phase: 2 };
    await events.workflowEvent(wf);
    await events.nodeEvent({ id: { nodeId: 'n0' } });
    await events.taskEvent({ retryAttempt: 0 });
    expect(sink.workflowEvent).toHaveBeenCalledWith(wf);
    expect(sink.nodeEvent).not.toHaveBeenCalled();
    expect(sink.taskEvent).not.toHaveBeenCalled();
  });

  it('a local engine still ends each execution from its workflow events: outputs of a run, the error of a failed one', async () => {
    setupSdk();
    const file = path.resolve(import.meta.dirname, '../../test/fixtures/parity/cases.ts');
    const plan = await planRegistration(file, { project: 'flytesnacks', domain: 'development' });
    const engine = await startLocalEngine({ codeRoot: plan.loaded.root, cacheDir });
    const run = async (entity: string, inputs: Record<string, unknown>) => {
      const def = findEntity(plan.loaded, entity);
      return engine.run(launchTargetOf(def, plan.settings), await inputsForApi((p) => engine.upload(p), def, inputs));
    };
    try {
      engine.register(plan.entities);
      const ok = await run('classify', { x: 5 });
      expect(ok.phase).toBe('SUCCEEDED');
      expect(literalMapToJs(ok.outputs ?? {})).toEqual({ o0: '5 is small' });
      const failed = await run('refuses', {});
      expect(failed.phase).toBe('FAILED');
      expect(failed.error?.message).toContain('NonRetryableError: no retry after attempt 0');
    } finally {
      await engine.close();
    }
  });
});
