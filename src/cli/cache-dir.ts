/**
 * The user's cache directory for the CLI (`$XDG_CACHE_HOME/tflyte-sandbox`, else
 * `~/.cache/tflyte-sandbox`): the binary's extracted SQLite addon and Node's compile cache for
 * user files. Everything in it can be deleted at any time.
 */
import { enableCompileCache } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** `$XDG_CACHE_HOME/tflyte-sandbox`, else `~/.cache/tflyte-sandbox`. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tflyte-sandbox');
}

/**
 * Turns on Node's module compile cache in `<cache>/compile` for the user's workflow files: the
 * next run of an unchanged `.ts` file skips type stripping and compilation (~40 ms). Node keys
 * entries by content, so an edited file is never served stale. Left to Node when
 * `NODE_COMPILE_CACHE` or `NODE_DISABLE_COMPILE_CACHE` is set.
 */
export function enableUserCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_COMPILE_CACHE !== undefined || env.NODE_DISABLE_COMPILE_CACHE !== undefined) return;
  // A cache that cannot be written is reported by Node in the returned status, never thrown.
  enableCompileCache(path.join(userCacheDir(env), 'compile'));
}
