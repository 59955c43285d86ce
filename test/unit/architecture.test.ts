/**
 * Dependencies point one way (style P2, design §1), enforced: each component may import only the
 * components listed here, propeller sees launcher's port only, admin sees propeller's ports only,
 * nothing in src/ imports test/, and only the composition roots (cli, runtime) read process.env.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

const ALLOWED: Record<string, string[]> = {
  core: [],
  sdk: ['core'],
  compiler: ['core'],
  storage: ['core'],
  launcher: ['core', 'storage'],
  runtime: ['core', 'sdk', 'compiler', 'storage', 'admin'],
  admin: ['core', 'compiler', 'storage', 'propeller/ports.ts'],
  propeller: ['core', 'compiler', 'storage', 'launcher/launcher.ts'],
  cli: ['core', 'sdk', 'compiler', 'storage', 'launcher', 'runtime', 'admin', 'propeller', 'console'],
  console: ['core'],
};
const ENV_READERS = new Set(['cli', 'runtime']);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(ts|js|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

test('components import only what the architecture allows', () => {
  const problems: string[] = [];
  let crossImports = 0;
  for (const file of files(SRC)) {
    const rel = path.relative(SRC, file);
    const component = rel.split(path.sep)[0] as string;
    if (!(component in ALLOWED)) continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.relative(SRC, path.resolve(path.dirname(file), m[1] as string));
      if (target.startsWith('..')) {
        problems.push(`${rel} imports ${m[1]} (outside src/)`);
        continue;
      }
      const targetComponent = target.split(path.sep)[0] as string;
      if (targetComponent === component) continue;
      crossImports++;
      const allowed = ALLOWED[component] ?? [];
      if (!allowed.includes(targetComponent) && !allowed.includes(target.split(path.sep).join('/'))) {
        problems.push(`${rel} imports ${target} (${component} may import: ${allowed.join(', ') || 'nothing'})`);
      }
    }
    if (!ENV_READERS.has(component) && /process\.env\b/.test(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''))) {
      problems.push(`${rel} reads process.env (only cli and runtime may; pass values in)`);
    }
  }
  expect(problems).toEqual([]);
  // The scan really saw the imports between components.
  expect(crossImports).toBeGreaterThan(50);
});
