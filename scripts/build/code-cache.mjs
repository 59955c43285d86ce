/**
 * Trains the single binary's V8 code cache (see src/cli/bundle-script.ts): compiles the bundle as
 * the binary will, runs the CLI's common paths in this process (the seed examples as local runs:
 * SDK, admin, the engine, the in-process launcher, protobuf codecs), then writes
 * `script.createCachedData()`, which now holds every function those runs compiled. Before running
 * anything it also writes the lean cache (top-level code only) that the daemon and the commands
 * running no workflow code take. Must run on the Node the binary is made of, with no V8 flags.
 *
 *   node scripts/build/code-cache.mjs WRAPPED_BUNDLE TRAINED_OUT LEAN_OUT ADDON ADDON_DIGEST WRAPPED_EXTRAS EXTRAS_OUT
 *
 * WRAPPED_BUNDLE and WRAPPED_EXTRAS are the bundles as the binary carries them (`wrapBundle` of
 * src/cli/bundle-script.ts); EXTRAS_OUT gets the extras' cache (top-level only: what the daemon
 * runs of them is compiled when first called, as the daemon's lean cache leaves it).
 *
 * A failing example fails the build: the cache would be trained on an error path.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundleFile, trainedOut, leanOut, addon, addonDigest, extrasFile, extrasOut] = process.argv.slice(2).map((a, i) => (i === 4 ? a : path.resolve(a)));
const root = path.resolve(import.meta.dirname, '../..');
const { compileBundle, requireWithExtras, runBundle, runExtras } = await import(pathToFileURL(path.join(root, 'src', 'cli', 'bundle-script.ts')).href);

/** What the cache is trained on: the seed examples as the demo runs them. */
const TRAINING = [
  ['run', 'examples/basic_workflow.ts', 'my_wf', '--a', '50', '--b', 'hello'],
  ['run', 'examples/dynamic_workflow.ts', 'merge_sort', '--numbers', '[5, 3, 9, 1, 7, 2, 8]', '--numbers_count', '7'],
  ['run', 'examples/conditional_map.ts', 'sum_of_squares', '--xs', '[1, 2, 3, 4]'],
  ['run', 'examples/eager_workflows.ts', 'simple_eager_workflow', '--x', '10'],
];

// A scratch home: the runs write their caches there, and the SQLite addon is where the binary
// would have unpacked it (src/cli/native-addon.ts), since this process is not the binary.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-code-cache-'));
process.env.XDG_CACHE_HOME = path.join(scratch, 'cache');
process.env.TFLYTE_NATIVE_CACHE = path.join(scratch, 'native');
process.env.TFLYTE_HOME = path.join(scratch, 'home');
fs.mkdirSync(path.join(scratch, 'native', addonDigest), { recursive: true });
fs.copyFileSync(addon, path.join(scratch, 'native', addonDigest, 'better_sqlite3.node'));

try {
  const script = compileBundle(fs.readFileSync(bundleFile, 'latin1'), bundleFile);
  fs.writeFileSync(leanOut, script.createCachedData());
  const extras = compileBundle(fs.readFileSync(extrasFile, 'latin1'), extrasFile);
  fs.writeFileSync(extrasOut, extras.createCachedData());
  const mod = { exports: {} };
  process.argv = [process.execPath, bundleFile, '--version'];
  const require = createRequire(bundleFile);
  runBundle(script, mod, requireWithExtras(require, () => runExtras(extras, require, extrasFile)), bundleFile);
  for (const args of TRAINING) {
    const code = await mod.exports.main(args);
    if (code !== 0) throw new Error(`training run failed (exit ${code}): tflyte-sandbox ${args.join(' ')}`);
  }
  fs.writeFileSync(trainedOut, script.createCachedData());
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

// A fresh process must take both caches, as the binary will (same V8, no flags).
const caches = [[bundleFile, trainedOut], [bundleFile, leanOut], [extrasFile, extrasOut]];
const check = `
  const { compileBundle } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'src', 'cli', 'bundle-script.ts')).href)});
  const fs = await import('node:fs');
  for (const [source, cache] of ${JSON.stringify(caches)}) {
    if (compileBundle(fs.readFileSync(source, 'latin1'), source, fs.readFileSync(cache)).cachedDataRejected) throw new Error('V8 rejects ' + cache);
  }`;
const checked = spawnSync(process.execPath, ['--input-type=module', '-e', check], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
if (checked.status !== 0) {
  for (const [, cache] of caches) fs.rmSync(cache, { force: true });
  throw new Error(`a fresh process refuses the code caches: ${checked.stderr.trim()}`);
}
process.exit(0);
