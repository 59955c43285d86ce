// Live updates: run a refresh function about every second while the page is visible, never two
// at once, and at once when the page becomes visible again.

/**
 * Starts polling. `fn()` returns a promise; it resolves to `false` to stop polling (e.g. the
 * execution finished). Returns `{ stop(), now() }`: `now()` runs a refresh at once.
 */
export function poll(fn, intervalMs = 1000) {
  let timer;
  let running = false;
  let stopped = false;
  let again = false;
  const tick = async () => {
    clearTimeout(timer);
    if (stopped) return;
    if (document.visibilityState === 'hidden') return; // resumed by visibilitychange
    if (running) {
      again = true;
      return;
    }
    running = true;
    let keep = true;
    try {
      keep = (await fn()) !== false;
    } catch (e) {
      // A failed refresh is shown by the view; keep trying (the sandbox may be restarting).
      if (e && e.name === 'AbortError') keep = !stopped;
    } finally {
      running = false;
    }
    if (stopped || !keep) return;
    if (again) {
      again = false;
      tick();
      return;
    }
    timer = setTimeout(tick, intervalMs);
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') tick();
  };
  document.addEventListener('visibilitychange', onVisible);
  tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    },
    now: tick,
    /** Restarts polling after `fn` returned false (e.g. a relaunch made it live again). */
    resume() {
      if (!stopped) tick();
    },
  };
}
