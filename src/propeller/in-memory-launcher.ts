/**
 * An in-process {@link Launcher}: each attempt is an async function instead of a container.
 * Used by the engine benchmark (a no-op run measures pure engine overhead per node) and by
 * propeller's tests (scripted runs that write `outputs.pb`/`error.pb`, hang, or crash).
 * It follows the Launcher contract: launching an existing key adopts it, `wait` on an unknown
 * key resolves NOT_FOUND, `abort` of a missing attempt is success.
 */
import type { AttemptExit, LaunchedAttempt, Launcher, LaunchSpec } from '../launcher/launcher.ts';

/** Runs one attempt; resolves with its exit. `signal` aborts when the attempt is aborted. */
export type AttemptRun = (spec: LaunchSpec, signal: AbortSignal) => Promise<AttemptExit>;

interface Entry {
  spec: LaunchSpec;
  ac: AbortController;
  exit?: AttemptExit;
  done: Promise<AttemptExit>;
}

/** The in-memory launcher, with what tests want to inspect. */
export interface InMemoryLauncher extends Launcher {
  /** Every spec passed to `launch` that started a new attempt, in order. */
  readonly launched: LaunchSpec[];
  /** Number of `launch` calls that adopted an existing attempt. */
  readonly adopted: number;
  /** Keys currently running. */
  running(): string[];
  /** Forgets every attempt (simulates a restarted process launcher: `wait` answers NOT_FOUND). */
  forgetAll(): void;
}

/** The default run: exits 0 at once without writing anything (engine overhead only). */
export const noopRun: AttemptRun = async () => ({ state: 'EXITED', exitCode: 0, oomKilled: false });

/** Creates an in-memory launcher running `run` for each new attempt. */
export function createInMemoryLauncher(run: AttemptRun = noopRun): InMemoryLauncher {
  const entries = new Map<string, Entry>();
  const launched: LaunchSpec[] = [];
  let adopted = 0;
  return {
    kind: 'memory',
    confinesToMounts: false,
    launched,
    get adopted() {
      return adopted;
    },
    running: () => [...entries.entries()].filter(([, e]) => !e.exit).map(([k]) => k),
    forgetAll: () => entries.clear(),
    async launch(spec) {
      if (entries.has(spec.key)) {
        adopted++;
        return;
      }
      const ac = new AbortController();
      launched.push(spec);
      const entry: Entry = { spec, ac, done: Promise.resolve({ state: 'NOT_FOUND' }) };
      const killed = new Promise<AttemptExit>((resolve) =>
        ac.signal.addEventListener('abort', () => resolve({ state: 'EXITED', exitCode: 137, oomKilled: false, signal: 'SIGKILL' }), { once: true }),
      );
      entry.done = Promise.race([run(spec, ac.signal), killed]).then((exit) => {
        entry.exit = exit;
        return exit;
      });
      entries.set(spec.key, entry);
    },
    async wait(key, signal) {
      const e = entries.get(key);
      if (!e) return { state: 'NOT_FOUND' };
      if (e.exit) return e.exit;
      if (!signal) return e.done;
      return new Promise<AttemptExit>((resolve, reject) => {
        const onAbort = (): void => reject(new Error('wait aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
        e.done.then((x) => {
          signal.removeEventListener('abort', onAbort);
          resolve(x);
        }, reject);
      });
    },
    async abort(key) {
      entries.get(key)?.ac.abort();
    },
    async cleanup(key) {
      const e = entries.get(key);
      if (e?.exit) entries.delete(key);
    },
    async list(labels): Promise<LaunchedAttempt[]> {
      return [...entries.entries()]
        .filter(([, e]) => Object.entries(labels).every(([k, v]) => e.spec.labels[k] === v))
        .map(([key, e]) => ({ key, labels: e.spec.labels, running: !e.exit }));
    },
    async close() {},
  };
}
