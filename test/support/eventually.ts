/**
 * Waits until `fn` returns something truthy, checking every 5 ms, for at most 30 s of wall time
 * (bounded by time, not turns: on a loaded CI machine each turn is slow). Throws naming `what`.
 */
export async function eventually<T>(fn: () => T | Promise<T>, what = 'condition'): Promise<T> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
