import { describe, expect, it } from 'vitest';
import { startMemoryTrim } from './memory-trim.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds, or fails after `ms`. */
async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('startMemoryTrim', () => {
  it('runs one series of collections after work, when quiet, and no other until there was work', async () => {
    const trim = startMemoryTrim({ quietMs: 40, seriesLength: 3, minIntervalMs: 0, everyMs: 10 });
    try {
      await until(() => trim.collections === 3); // the work before start counts
      await sleep(100);
      expect(trim.collections).toBe(3); // nothing happened since
      trim.touch();
      await sleep(15);
      expect(trim.collections).toBe(3); // not quiet yet
      await until(() => trim.collections === 6);
      await sleep(100);
      expect(trim.collections).toBe(6);
    } finally {
      trim.stop();
    }
  });

  it('ends a series when work arrives, and starts a whole one once quiet again', async () => {
    const trim = startMemoryTrim({ quietMs: 30, seriesLength: 1000, minIntervalMs: 0, everyMs: 10 });
    try {
      await until(() => trim.collections >= 2);
      trim.touch();
      const atWork = trim.collections;
      await sleep(20);
      expect(trim.collections).toBe(atWork); // the series ended; not quiet yet
      await until(() => trim.collections >= atWork + 2);
    } finally {
      trim.stop();
    }
  });

  it('waits minIntervalMs between the starts of two series', async () => {
    const trim = startMemoryTrim({ quietMs: 0, seriesLength: 1, minIntervalMs: 60_000, everyMs: 10 });
    try {
      await until(() => trim.collections === 1);
      trim.touch();
      await sleep(100);
      expect(trim.collections).toBe(1);
    } finally {
      trim.stop();
    }
  });
});
