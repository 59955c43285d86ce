/**
 * better-sqlite3's native addon inside the single binary.
 *
 * The binary is a Node single executable application (SEA): its code can `require` only Node's
 * built-in modules, and a shared library cannot be loaded from memory. The build stores the addon
 * as the SEA asset {@link SQLITE_ADDON_ASSET}; the first process that needs it writes it once to a
 * per-version cache directory (atomically: a temporary file renamed into place, so concurrent
 * first starts never see half a file), and every process loads it from there with
 * `process.dlopen`. Running from source, better-sqlite3 finds its own addon and this returns
 * `undefined`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { userCacheDir } from './cache-dir.ts';
import { isBundled } from './self.ts';

/** sha-256 prefix of the addon, computed by the build: names the cache directory. */
declare const __TFLYTE_SQLITE_ADDON_SHA__: string | undefined;

/** The SEA asset key of better-sqlite3's addon (see `scripts/build.mjs`). */
export const SQLITE_ADDON_ASSET = 'better_sqlite3.node';

/**
 * Where extracted addons go: `$TFLYTE_NATIVE_CACHE`, else the user's cache directory (the system
 * temp dir is tried next when it is not writable).
 */
export function nativeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TFLYTE_NATIVE_CACHE || userCacheDir(env);
}

let loaded: object | undefined;

/**
 * The loaded addon to pass as better-sqlite3's `nativeBinding`, or `undefined` outside the single
 * binary. Throws a plain error naming the directory when the addon cannot be written anywhere.
 */
export function sqliteNativeBinding(env: NodeJS.ProcessEnv = process.env): object | undefined {
  if (!isBundled()) return undefined;
  if (loaded) return loaded;
  const digest = typeof __TFLYTE_SQLITE_ADDON_SHA__ !== 'undefined' ? __TFLYTE_SQLITE_ADDON_SHA__ : 'unversioned';
  const candidates = [nativeCacheDir(env), path.join(os.tmpdir(), `tflyte-sandbox-${process.getuid?.() ?? 'user'}`)];
  const failures: string[] = [];
  for (const dir of candidates) {
    const file = path.join(dir, digest, SQLITE_ADDON_ASSET);
    try {
      if (!fs.existsSync(file)) writeAtomically(file, addonBytes());
      const mod = { exports: {} as object };
      process.dlopen(mod, file);
      loaded = mod.exports;
      return loaded;
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    `cannot load the SQLite addon from the binary (${failures.join('; ')}); set TFLYTE_NATIVE_CACHE to a writable directory`,
  );
}

/** The addon's bytes, straight from the executable's mapped SEA blob (no copy). */
function addonBytes(): Uint8Array {
  const sea = process.getBuiltinModule('node:sea');
  return new Uint8Array(sea.getRawAsset(SQLITE_ADDON_ASSET));
}

function writeAtomically(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes, { mode: 0o755 });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
