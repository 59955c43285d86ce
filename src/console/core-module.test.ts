/** The console takes its phase tables and msgpack decoder from core, through a generated module. */
import fs from 'node:fs';
import { expect, test } from 'vitest';
import { NodePhases, WorkflowPhases } from '../core/phases.ts';

test('public/js/core.js is what scripts/gen-console-core.mjs makes from core (npm run gen:console-core)', async () => {
  const gen = (await import('../../scripts/gen-console-core.mjs' as string)) as { CONSOLE_CORE_FILE: string; consoleCoreSource(): Promise<string> };
  expect(fs.readFileSync(gen.CONSOLE_CORE_FILE, 'utf8')).toBe(await gen.consoleCoreSource());
});

test('the console reads phases by number with core’s tables', async () => {
  const format = (await import('./public/js/format.js' as string)) as { phaseName(p: unknown, kind?: string): string; isTerminal(p: string): boolean };
  expect(format.phaseName(WorkflowPhases.toNumber('TIMED_OUT'))).toBe('TIMED_OUT');
  expect(format.phaseName(NodePhases.toNumber('RECOVERED'), 'node')).toBe('RECOVERED');
  for (const p of WorkflowPhases.terminal) expect(format.isTerminal(p)).toBe(true);
  expect(format.isTerminal('RUNNING')).toBe(false);
});
