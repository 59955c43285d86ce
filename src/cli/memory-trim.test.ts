import { describe, expect, it } from 'vitest';
import { startMemoryTrim } from './memory-trim.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startMemoryTrim', () => {
  it('collects once after work, when quiet, and not again until there was work', async () => {
    const trim = startMemoryTrim({ quietMs: 40, slackBytes: 0, minIntervalMs: 0, everyMs: 10 });
    try {
      await sleep(150);
      expect(trim.collections).toBe(1); // the work before start counts
      await sleep(100);
      expect(trim.collections).toBe(1); // nothing happened since
      trim.touch();
      await sleep(15);
      expect(trim.collections).toBe(1); // not quiet yet
      await sleep(150);
      expect(trim.collections).toBe(2);
    } finally {
      trim.stop();
    }
  });

  it('leaves a heap with little unused room alone', async () => {
    const trim = startMemoryTrim({ quietMs: 0, slackBytes: 2 ** 40, minIntervalMs: 0, everyMs: 10 });
    try {
      await sleep(80);
      expect(trim.collections).toBe(0);
    } finally {
      trim.stop();
    }
  });
});
