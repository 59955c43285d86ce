/** The real {@link Clock} (wall time, `setTimeout`), for the composition root only. */
import timers from 'node:timers/promises';
import type { Clock } from './deps.ts';

/** Wall-clock time; `sleep` rejects with an AbortError when its signal aborts. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await timers.setTimeout(ms, undefined, signal ? { signal } : undefined);
  },
};
