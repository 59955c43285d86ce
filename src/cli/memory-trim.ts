/**
 * Gives memory back after a burst. Under load V8 grows its heap (a burst of 200 creates took the
 * daemon from ~115 MB to ~200 MB resident) and keeps the pages once the work is done: the heap in
 * use falls back to its idle size, the heap reserved does not. When the daemon has been quiet for a
 * while and much of the reserved heap is unused, one full collection returns those pages.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

/** Options of {@link startMemoryTrim}. */
export interface MemoryTrimOptions {
  /** Milliseconds since the last sign of work (see `touch`) before the daemon counts as quiet. @default 2000 */
  quietMs?: number;
  /** Reserved-but-unused heap, in bytes, worth a collection. @default 16 MiB */
  slackBytes?: number;
  /** Least milliseconds between two collections. @default 10000 */
  minIntervalMs?: number;
  /** How often to look, in milliseconds. @default 1000 */
  everyMs?: number;
}

/** A running trimmer: `touch()` on every sign of work (a request), `stop()` on shutdown. */
export interface MemoryTrim {
  touch(): void;
  stop(): void;
  /** Collections run so far. */
  readonly collections: number;
}

/** V8's full collection, made callable at run time (the daemon does not start with --expose-gc). */
function fullCollection(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts watching; the timer never keeps the process alive. */
export function startMemoryTrim(opts: MemoryTrimOptions = {}): MemoryTrim {
  const quietMs = opts.quietMs ?? 2000;
  const slack = opts.slackBytes ?? 16 * 2 ** 20;
  const minInterval = opts.minIntervalMs ?? 10_000;
  const gc = fullCollection();
  let lastWork = Date.now();
  let lastCollection = 0;
  let workSinceCollection = true;
  let collections = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    if (!gc || !workSinceCollection || now - lastWork < quietMs || now - lastCollection < minInterval) return;
    const m = process.memoryUsage();
    if (m.heapTotal - m.heapUsed < slack) return;
    gc();
    collections++;
    lastCollection = Date.now();
    workSinceCollection = false;
  }, opts.everyMs ?? 1000);
  timer.unref();
  return {
    touch() {
      lastWork = Date.now();
      workSinceCollection = true;
    },
    stop() {
      clearInterval(timer);
    },
    get collections() {
      return collections;
    },
  };
}
