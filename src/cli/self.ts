/**
 * How to run this program again (daemon, task subprocesses): the binary itself, or Node with the
 * CLI's source file when running from a checkout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __TFLYTE_BUNDLED__: boolean | undefined;

/** True inside the single binary. */
export function isBundled(): boolean {
  return typeof __TFLYTE_BUNDLED__ !== 'undefined' && __TFLYTE_BUNDLED__;
}

/** The command prefix that runs `tflyte-sandbox` (append the subcommand and its arguments). */
export function selfCommand(): string[] {
  if (isBundled()) return [process.execPath];
  return [process.execPath, path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts')];
}

/** The single binary's path, if this process is the binary. */
export function selfBinary(): string | undefined {
  return isBundled() ? process.execPath : undefined;
}

/** The single binary to put in the runtime image: this binary, or a build next to the sources. */
export function runtimeBinary(): string | undefined {
  const self = selfBinary();
  if (self) return self;
  const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/tflyte-sandbox');
  return fs.existsSync(built) ? built : undefined;
}
