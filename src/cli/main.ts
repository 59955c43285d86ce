// TEMPORARY stub written by the CI/build engineer so `npm run build` has an entry.
// The lead replaces this whole file with the real CLI (src/cli/main.ts).
import { readFileSync } from 'node:fs';

declare const __TFLYTE_VERSION__: string | undefined;

/** The product version: baked in by scripts/build.mjs, else read from package.json. */
function version(): string {
  if (typeof __TFLYTE_VERSION__ !== 'undefined') return __TFLYTE_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const args = process.argv.slice(2);
if (args.includes('--version') || args.includes('-V')) {
  console.log(version());
} else {
  console.error('tflyte-sandbox: CLI not implemented yet (stub)');
  process.exitCode = 2;
}
