/**
 * The single binary's entry (its SEA main script). It compiles the CLI bundle, part of the
 * binary's payload (src/cli/binary-payload.ts), with the V8 code cache the build trained
 * (src/cli/bundle-script.ts) and runs it as this module, so the bundle sees the same `require`,
 * `module` and `__filename` as a SEA main would.
 * Commands that run workflow code take the trained cache; the rest, the daemon included, the lean
 * one (top-level code only): see `codeCacheAssetFor`.
 * Without a cache, or with one V8 refuses (other V8 flags in NODE_OPTIONS), it compiles as
 * without one: slower to start, same behaviour. The extras bundle (what a local run never loads)
 * is read, compiled and run at the bundle's first `require('tflyte-extra:…')`. Without a bundle (a binary cut short) it says so
 * and exits.
 */
import {
  BUNDLE_ASSET, codeCacheAssetFor, compileBundle, EXTRAS_ASSET, EXTRAS_CODE_CACHE_ASSET, LEAN_CODE_CACHE_ASSET, quietDefaultLoaderWarning, recordCodeCacheOutcome, requireWithExtras, runBundle, runExtras,
  type ExtraModules,
} from './bundle-script.ts';
import { PayloadError, readOwnPayload } from './binary-payload.ts';

// Node calls the loader option experimental, and would say so on the first `import()` of a
// workflow file: not news for our users.
quietDefaultLoaderWarning();
const asset = codeCacheAssetFor(process.argv.slice(2));
let bundle: Buffer | undefined;
let cache: Buffer | undefined;
let source: string;
try {
  bundle = readOwnPayload([BUNDLE_ASSET])[BUNDLE_ASSET];
  if (!bundle) throw new PayloadError(process.execPath, 'its CLI bundle is missing');
  // The build makes the bundle pure ASCII, so Latin-1 decoding is exact, and faster than UTF-8's.
  source = bundle.toString('latin1');
  // The bundle's bytes are in the string now: the cache is read into their memory, already mapped.
  cache = readOwnPayload([asset], bundle)[asset];
} catch (e) {
  if (!(e instanceof PayloadError)) throw e;
  process.stderr.write(`tflyte-sandbox: ${e.message}\n`);
  process.exit(70);
}
const script = compileBundle(source, __filename, cache);
recordCodeCacheOutcome({
  cache: asset === LEAN_CODE_CACHE_ASSET ? 'lean' : 'trained',
  state: !cache ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used',
});
// The bytes are V8's now; let them go before the bundle runs.
bundle = cache = undefined;

/** The extras bundle (dependencies a local run never loads), read and run at its first use. */
function loadExtras(): ExtraModules {
  const bytes = readOwnPayload([EXTRAS_ASSET])[EXTRAS_ASSET];
  if (!bytes) throw new PayloadError(process.execPath, 'its extras bundle is missing');
  const source = bytes.toString('latin1');
  const extrasCache = readOwnPayload([EXTRAS_CODE_CACHE_ASSET], bytes)[EXTRAS_CODE_CACHE_ASSET];
  return runExtras(compileBundle(source, `${__filename}#extras`, extrasCache), require, __filename);
}

runBundle(script, module, requireWithExtras(require, loadExtras), __filename);
