/**
 * The single binary's entry (its SEA main script). It compiles the CLI bundle, part of the
 * binary's payload (src/cli/binary-payload.ts), with the V8 code cache the build trained
 * (src/cli/bundle-script.ts) and runs it as this module, so the bundle sees the same `require`,
 * `module` and `__filename` as a SEA main would.
 * Commands that run workflow code take the trained cache; the rest, the daemon included, the lean
 * one (top-level code only): see `codeCacheAssetFor`.
 * Without a cache, or with one V8 refuses (other V8 flags in NODE_OPTIONS), it compiles as
 * without one: slower to start, same behaviour. The extras bundle (what a local run never loads)
 * is read, compiled and run at the bundle's first `require('tflyte-extra:…')`. Without a bundle (a
 * binary cut short) it says so and exits.
 */
import {
  BUNDLE_ASSET, codeCacheAssetFor, compileBundle, EXTRAS_ASSET, EXTRAS_CODE_CACHE_ASSET, LEAN_CODE_CACHE_ASSET, quietDefaultLoaderWarning, recordCodeCacheOutcome, requireWithExtras, runBundle, runExtras,
  type CodeCacheOutcome, type ExtraModules,
} from './bundle-script.ts';
import type vm from 'node:vm';
import { PayloadError, readOwnPayload } from './binary-payload.ts';

// Node calls the loader option experimental, and would say so on the first `import()` of a
// workflow file: not news for our users.
quietDefaultLoaderWarning();
const asset = codeCacheAssetFor(process.argv.slice(2));

type CacheState = CodeCacheOutcome['state'];

/** Reads a bundle and its code cache from the binary's payload and compiles them. */
function compileFromPayload(bundleAsset: string, cacheAsset: string, filename: string, what: string): { script: vm.Script; state: CacheState } {
  const bytes = readOwnPayload([bundleAsset])[bundleAsset];
  if (!bytes) throw new PayloadError(process.execPath, `its ${what} is missing`);
  // The build makes the bundles pure ASCII, so Latin-1 decoding is exact, and faster than UTF-8's.
  const source = bytes.toString('latin1');
  // The bytes are in the string now: the cache is read into their memory, already mapped.
  const cache = readOwnPayload([cacheAsset], bytes)[cacheAsset];
  const script = compileBundle(source, filename, cache);
  return { script, state: !cache ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used' };
}

let compiled: { script: vm.Script; state: CacheState };
try {
  compiled = compileFromPayload(BUNDLE_ASSET, asset, __filename, 'CLI bundle');
} catch (e) {
  if (!(e instanceof PayloadError)) throw e;
  process.stderr.write(`tflyte-sandbox: ${e.message}\n`);
  process.exit(70);
}
recordCodeCacheOutcome({ cache: asset === LEAN_CODE_CACHE_ASSET ? 'lean' : 'trained', state: compiled.state });

/** The extras bundle (dependencies a local run never loads), read and run at its first use. */
const loadExtras = (): ExtraModules =>
  runExtras(compileFromPayload(EXTRAS_ASSET, EXTRAS_CODE_CACHE_ASSET, `${__filename}#extras`, 'extras bundle').script, require, __filename);

runBundle(compiled.script, module, requireWithExtras(require, loadExtras), __filename);
