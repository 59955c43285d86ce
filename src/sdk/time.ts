/** Parsing of durations users write in options (`timeout: "30s"`). */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Milliseconds from a number (already ms) or text like `"500ms"`, `"30s"`, `"5m"`, `"1h30m"`.
 * Throws a TypeError naming `where` for anything else.
 */
export function parseDuration(v: number | string, where: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new TypeError(`${where}: expected a non-negative number of milliseconds, got ${v}`);
    return v;
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (const m of v.trim().matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 0);
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== v.trim().length) {
    throw new TypeError(`${where}: expected a duration like "500ms", "30s", "5m" or "1h30m", got ${JSON.stringify(v)}`);
  }
  return total;
}
