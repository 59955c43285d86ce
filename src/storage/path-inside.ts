/** The one containment rule for paths: every confinement check of the sandbox uses it. */
import fs from 'node:fs';
import path from 'node:path';

/**
 * True if `p` is `root` or lies below it. Both must be absolute and normalised (`path.resolve`);
 * where links matter, resolve them first (`fs.realpath`): this compares names only.
 */
export function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Real path of `p` if it exists, else of its deepest existing ancestor plus the missing rest: what
 * `p` would be once made. realpath(3) per ancestor, synchronous (microseconds each).
 */
export function realpathOfDeepestExisting(p: string): string {
  return resolveDeepestExisting(p).real;
}

/**
 * {@link realpathOfDeepestExisting}, and how many trailing names of `p` do not exist yet (0: `p`
 * exists; 1: its directory does).
 */
export function resolveDeepestExisting(p: string): { real: string; missing: number } {
  let cur = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return { real: path.join(fs.realpathSync.native(cur), ...rest.reverse()), missing: rest.length };
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return { real: p, missing: rest.length };
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}
