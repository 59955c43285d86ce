#!/usr/bin/env node
/**
 * The engine benchmark alone (also part of `npm run bench`): propeller's overhead per node for
 * 1,000-node static and dynamic workflows with a launcher that does no work. See
 * scripts/bench/engine.ts and docs/benchmarks.md.
 *
 *   node scripts/bench-engine.mjs [--runs N] [--json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const projectNode = join(root, 'node_modules', '.bin', 'node');
// The benchmark imports TypeScript sources: Node >= 24 (type stripping), the project's own.
const node = Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : projectNode;
if (!existsSync(node)) {
  console.error(`bench-engine: Node >= 24 required (this is ${process.version}); run npm ci first`);
  process.exit(2);
}
const r = spawnSync(node, [join(root, 'scripts', 'bench', 'engine.ts'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
