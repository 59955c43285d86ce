/**
 * The free space of the disk holding the data dir: reported by `/healthz` and `status`, and
 * consulted by propeller, which waits for space instead of launching tasks onto a full disk and
 * counts a task that failed on one as the sandbox's failure (SYSTEM), not the task's.
 */
import fs from 'node:fs';

/** Below this many free bytes the data dir's disk is reported `low`. */
export const LOW_DISK_BYTES = 64 * 1024 * 1024;

/** Below this many free bytes the data dir's disk counts as full: writes are failing or about to. */
export const FULL_DISK_BYTES = 4 * 1024 * 1024;

/** Free space of the disk holding `dir`, as `/healthz` reports it (undefined if unknown). */
export function diskOf(dir: string): { path: string; freeBytes: number; low: boolean } | undefined {
  try {
    const st = fs.statfsSync(dir);
    const freeBytes = Number(st.bavail) * Number(st.bsize);
    return { path: dir, freeBytes, low: freeBytes < LOW_DISK_BYTES };
  } catch {
    return undefined;
  }
}

/**
 * Why `dir`'s disk cannot take writes now ("the disk holding /d is full (12 KiB free)"), or undefined
 * when it has room (or cannot be measured: then nothing is blamed on it).
 */
export function diskFullReason(dir: string): string | undefined {
  const d = diskOf(dir);
  if (!d || d.freeBytes >= FULL_DISK_BYTES) return undefined;
  return `the disk holding ${dir} is full (${Math.floor(d.freeBytes / 1024)} KiB free)`;
}
