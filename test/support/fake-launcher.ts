/**
 * A {@link Launcher} for tests that runs nothing: each attempt follows a scripted outcome (exit
 * code, delay, OOM kill, files it "writes"), and can be crashed or held on demand. It honours the
 * same contract as the real launchers (checked by `describeLauncherContract`).
 */
import fs from 'node:fs/promises';
import type { AttemptExit, LaunchedAttempt, Launcher, LaunchSpec } from '../../src/launcher/index.ts';

/** What a scripted attempt does. */
export interface FakeOutcome {
  /** Exit code reported by `wait`. */
  exitCode: number;
  /** How long the attempt "runs" (real timers). @default 0 */
  delayMs?: number;
  /** Report the exit as an OOM kill (Docker reports exit code 137 with it). */
  oomKilled?: boolean;
  /** Signal name reported with the exit. */
  signal?: string;
  /** The engine could not start the attempt (as Docker reports a refused create/start): why. */
  startFailed?: string;
  /** Run when the attempt starts, before it can exit: write outputs, error documents, … */
  writeFiles?: (spec: LaunchSpec) => Promise<void>;
  /** Appended to `spec.logPath` when the attempt starts. */
  log?: string;
  /** Stay running until {@link FakeLauncher.finish} or {@link FakeLauncher.crash} is called. */
  hold?: boolean;
}

interface FakeAttempt {
  spec: LaunchSpec;
  running: boolean;
  exit: Promise<AttemptExit>;
  settle: (x: AttemptExit) => void;
  timer?: NodeJS.Timeout;
}

/** Scripted fake launcher. Unscripted attempts exit 0 at once. */
export class FakeLauncher implements Launcher {
  readonly kind = 'fake';
  /** Like the Docker launcher: specs carry the attempt's mounts (tests assert them). */
  readonly confinesToMounts = true;
  /** Every spec whose launch started an attempt (a re-launch of a known key is not recorded). */
  readonly launched: LaunchSpec[] = [];
  readonly #scripts: { pattern: string | RegExp; outcomes: FakeOutcome[] }[] = [];
  readonly #attempts = new Map<string, FakeAttempt>();

  /**
   * Scripts the attempts whose key matches `keyPattern` (a RegExp, or a substring). With a list,
   * successive matching launches take successive outcomes (the last one repeats). Later scripts
   * take precedence over earlier ones.
   */
  script(keyPattern: string | RegExp, outcome: FakeOutcome | FakeOutcome[]): this {
    this.#scripts.unshift({ pattern: keyPattern, outcomes: Array.isArray(outcome) ? [...outcome] : [outcome] });
    return this;
  }

  /** Kills a running attempt as the kernel or the engine would: exit 137, SIGKILL. */
  crash(key: string, how: { oomKilled?: boolean } = {}): void {
    const a = this.#attempts.get(key);
    if (!a?.running) return;
    this.#finish(a, { exitCode: 137, oomKilled: how.oomKilled ?? false, ...(how.oomKilled ? {} : { signal: 'SIGKILL' }) });
  }

  /** Ends a held (or still delayed) attempt with the given exit. */
  finish(key: string, exit: { exitCode: number; oomKilled?: boolean; signal?: string }): void {
    const a = this.#attempts.get(key);
    if (!a?.running) throw new Error(`fake attempt ${key} is not running`);
    this.#finish(a, { exitCode: exit.exitCode, oomKilled: exit.oomKilled ?? false, ...(exit.signal ? { signal: exit.signal } : {}) });
  }

  /** Forgets every attempt, as a process launcher does across a sandbox restart. */
  forgetAll(): void {
    for (const a of this.#attempts.values()) clearTimeout(a.timer);
    this.#attempts.clear();
  }

  /** True while the attempt `key` is known and running. */
  isRunning(key: string): boolean {
    return this.#attempts.get(key)?.running ?? false;
  }

  async launch(spec: LaunchSpec): Promise<void> {
    if (this.#attempts.has(spec.key)) return;
    const outcome = this.#outcomeFor(spec.key);
    let settle!: (x: AttemptExit) => void;
    const exit = new Promise<AttemptExit>((r) => (settle = r));
    const a: FakeAttempt = { spec, running: true, exit, settle };
    this.#attempts.set(spec.key, a);
    this.launched.push(spec);
    const startedAt = new Date();
    if (outcome.log !== undefined) await fs.appendFile(spec.logPath, outcome.log);
    else await fs.appendFile(spec.logPath, '');
    if (outcome.writeFiles) await outcome.writeFiles(spec);
    if (outcome.hold) return;
    const done = () =>
      this.#finish(
        a,
        {
          exitCode: outcome.exitCode,
          oomKilled: outcome.oomKilled ?? false,
          ...(outcome.signal ? { signal: outcome.signal } : {}),
          ...(outcome.startFailed ? { startFailed: outcome.startFailed } : {}),
        },
        startedAt,
      );
    if (outcome.delayMs) a.timer = setTimeout(done, outcome.delayMs);
    else done();
  }

  async wait(key: string, signal?: AbortSignal): Promise<AttemptExit> {
    const a = this.#attempts.get(key);
    if (!a) return { state: 'NOT_FOUND' };
    if (!signal) return a.exit;
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void a.exit.then((x) => {
        signal.removeEventListener('abort', onAbort);
        resolve(x);
      });
    });
  }

  async abort(key: string): Promise<void> {
    this.crash(key);
  }

  async cleanup(key: string): Promise<void> {
    const a = this.#attempts.get(key);
    if (!a) return;
    if (a.running) this.crash(key);
    this.#attempts.delete(key);
  }

  async list(labels: Record<string, string>): Promise<LaunchedAttempt[]> {
    return [...this.#attempts.entries()]
      .filter(([, a]) => Object.entries(labels).every(([k, v]) => a.spec.labels[k] === v))
      .map(([key, a]) => ({ key, labels: { ...a.spec.labels }, running: a.running }));
  }

  async close(): Promise<void> {}

  #outcomeFor(key: string): FakeOutcome {
    for (const s of this.#scripts) {
      const hit = typeof s.pattern === 'string' ? key.includes(s.pattern) : s.pattern.test(key);
      if (!hit) continue;
      return s.outcomes.length > 1 ? (s.outcomes.shift() as FakeOutcome) : (s.outcomes[0] as FakeOutcome);
    }
    return { exitCode: 0 };
  }

  #finish(a: FakeAttempt, x: { exitCode: number; oomKilled: boolean; signal?: string; startFailed?: string }, startedAt?: Date): void {
    if (!a.running) return;
    clearTimeout(a.timer);
    a.running = false;
    a.settle({
      state: 'EXITED',
      exitCode: x.exitCode,
      oomKilled: x.oomKilled,
      ...(x.signal ? { signal: x.signal } : {}),
      ...(x.startFailed ? { startFailed: x.startFailed } : {}),
      ...(startedAt ? { startedAt } : {}),
      finishedAt: new Date(),
    });
  }
}
