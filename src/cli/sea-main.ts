/**
 * The single binary's entry (its SEA main script). It compiles the CLI bundle, an asset of the
 * binary, with the V8 code cache the build trained (src/cli/bundle-script.ts) and runs it as this
 * module, so the bundle sees the same `require`, `module` and `__filename` as a SEA main would.
 * Commands that run workflow code take the trained cache; the rest, the daemon included, the lean
 * one (top-level code only): see `codeCacheAssetFor`.
 * Without a cache asset, or with one V8 refuses (other V8 flags in NODE_OPTIONS), it compiles as
 * without one: slower to start, same behaviour.
 */
import sea from 'node:sea';
import { Buffer } from 'node:buffer';
import { BUNDLE_ASSET, codeCacheAssetFor, compileBundle, LEAN_CODE_CACHE_ASSET, quietDefaultLoaderWarning, recordCodeCacheOutcome, runBundle } from './bundle-script.ts';

function codeCache(asset: string): Uint8Array | undefined {
  try {
    return new Uint8Array(sea.getRawAsset(asset));
  } catch {
    return undefined;
  }
}

// Node calls the loader option experimental, and would say so on the first `import()` of a
// workflow file: not news for our users.
quietDefaultLoaderWarning();
const asset = codeCacheAssetFor(process.argv.slice(2));
const cache = codeCache(asset);
// The build makes the bundle pure ASCII, so Latin-1 decoding is exact, and faster than UTF-8's.
const script = compileBundle(Buffer.from(sea.getRawAsset(BUNDLE_ASSET)).toString('latin1'), __filename, cache);
recordCodeCacheOutcome({
  cache: asset === LEAN_CODE_CACHE_ASSET ? 'lean' : 'trained',
  state: !cache ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used',
});
runBundle(script, module, require, __filename);
