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
 * `p` would be once made. Synchronous, microseconds: access(2) per missing name, then one
 * realpath(3).
 */
export function realpathOfDeepestExisting(p: string): string {
  return resolveDeepestExisting(p).real;
}

/**
 * {@link realpathOfDeepestExisting}, and how many trailing names of `p` do not exist yet (0: `p`
 * exists; 1: its directory does). `likelyExists` says what to try first: realpath(3) of `p` (one
 * call when it exists, as for a read), or access(2) per name (a missing name then costs no failed
 * realpath and its exception, as for a new node's documents). Either way the answer is the same.
 */
export function resolveDeepestExisting(p: string, likelyExists = false): { real: string; missing: number } {
  if (likelyExists) {
    try {
      return { real: fs.realpathSync.native(p), missing: 0 };
    } catch {
      // Missing (or unreadable): look for its deepest existing ancestor below.
    }
  }
  let cur = p;
  const rest: string[] = [];
  for (;;) {
    // Both follow links: a dangling one is missing.
    if (fs.existsSync(cur)) {
      try {
        return { real: path.join(fs.realpathSync.native(cur), ...rest.reverse()), missing: rest.length };
      } catch {
        // Gone since, or unreadable: as missing, its parent next.
      }
    }
    const parent = path.dirname(cur);
    if (parent === cur) return { real: p, missing: rest.length };
    rest.push(path.basename(cur));
    cur = parent;
  }
}
