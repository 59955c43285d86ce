/** The free space of the disk holding the data dir (`/healthz`, `status`). */
import fs from 'node:fs';

/** Below this many free bytes the data dir's disk is reported `low`. */
export const LOW_DISK_BYTES = 64 * 1024 * 1024;

/** Free space of the disk holding the data dir, as `/healthz` reports it (undefined if unknown). */
export function diskOf(dataDir: string): { path: string; freeBytes: number; low: boolean } | undefined {
  try {
    const st = fs.statfsSync(dataDir);
    const freeBytes = Number(st.bavail) * Number(st.bsize);
    return { path: dataDir, freeBytes, low: freeBytes < LOW_DISK_BYTES };
  } catch {
    return undefined;
  }
}

