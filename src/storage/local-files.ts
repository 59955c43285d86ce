/** Files on the local disk, for the components that read a directory of them directly. */
import fsp from 'node:fs/promises';
import path from 'node:path';

/** The regular files under a directory (links and others left out), relative, `/`-separated, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
