/** The one containment rule for paths: every confinement check of the sandbox uses it. */
import path from 'node:path';

/**
 * True if `p` is `root` or lies below it. Both must be absolute and normalised (`path.resolve`);
 * where links matter, resolve them first (`fs.realpath`): this compares names only.
 */
export function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}
