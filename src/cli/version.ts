import { readFileSync } from 'node:fs';

declare const __TFLYTE_VERSION__: string | undefined;

/** The product version: baked in by scripts/build.mjs, else read from package.json. */
export function version(): string {
  if (typeof __TFLYTE_VERSION__ !== 'undefined') return __TFLYTE_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
