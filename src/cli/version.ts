import { readFileSync } from 'node:fs';
import { codeCacheOutcome } from './bundle-script.ts';

declare const __TFLYTE_VERSION__: string | undefined;

/** The product version: baked in by scripts/build.mjs, else read from package.json. */
export function version(): string {
  if (typeof __TFLYTE_VERSION__ !== 'undefined') return __TFLYTE_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const CODE_CACHE_TEXT = {
  used: 'used',
  rejected: 'rejected by V8 (V8 flags in NODE_OPTIONS?): every start compiles the CLI again',
  absent: 'none in this binary',
} as const;

/** The start-up code cache in words, e.g. `used (trained)`; undefined when running from source. */
export function codeCacheText(): string | undefined {
  const outcome = codeCacheOutcome();
  return outcome && `${CODE_CACHE_TEXT[outcome.state]} (${outcome.cache})`;
}

/**
 * `--version --verbose`: the version, the Node it runs on and, in the single binary, whether V8
 * took the start-up code cache (docs/building.md) — the first thing to look at when starts are slow.
 */
export function versionDetails(): string {
  return [version(), `node ${process.version}`, `start-up code cache: ${codeCacheText() ?? 'none (running from source)'}`].join('\n');
}
