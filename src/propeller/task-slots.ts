/**
 * The machine's room for running tasks, shared by every execution of one propeller. A Flyte
 * cluster schedules a pod only where it fits; beyond that pods stay Pending. On a laptop the
 * sandbox plays the scheduler: at most `max` task attempts run at once, the others stay QUEUED
 * until one ends. Without it a burst of 200 executions started 200 containers at once on two
 * cores and starved the daemon itself (reads took seconds).
 *
 * Eager tasks do not take a slot: they wait on child executions whose tasks need slots, so
 * counting them could leave every slot to parents waiting for children that cannot start.
 */
export class TaskSlots {
  readonly #holders = new Set<string>();
  /** Wake-ups of executions waiting for a slot, oldest first. */
  readonly #waiters = new Set<() => void>();

  /** Most attempts holding a slot at once; ≤ 0 means no limit. */
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Attempts holding a slot. */
  get running(): number {
    return this.#holders.size;
  }

  /** Executions waiting for a slot. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /**
   * Takes a slot for attempt `key` (true), or records `wake` to be called when one frees (false).
   * Taking a slot `key` already holds succeeds.
   */
  tryAcquire(key: string, wake: () => void): boolean {
    if (this.#holders.has(key)) return true;
    if (this.max > 0 && this.#holders.size >= this.max) {
      this.#waiters.add(wake);
      return false;
    }
    this.#waiters.delete(wake);
    this.#holders.add(key);
    return true;
  }

  /** Frees attempt `key`'s slot (if it holds one) and wakes as many waiters as there are free slots. */
  release(key: string): void {
    if (!this.#holders.delete(key)) return;
    let free = this.max - this.#holders.size;
    for (const wake of this.#waiters) {
      if (free-- <= 0) break;
      this.#waiters.delete(wake);
      wake();
    }
  }
}
