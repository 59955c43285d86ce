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
  runtime: ['core', 'sdk', 'compiler', 'storage', 'admin', 'launcher/worker-protocol.ts'],
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

/** The relative imports of a module that load code (`import type` and `import()` do not). */
function staticImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    if (!m[1]) out.push(path.resolve(path.dirname(file), m[2] as string));
  }
  for (const m of text.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) out.push(path.resolve(path.dirname(file), m[1] as string));
  return out;
}

test('no import cycles between modules', () => {
  const graph = new Map(files(SRC).filter((f) => f.endsWith('.ts')).map((f) => [f, staticImports(f)]));
  // Tarjan's strongly connected components: any component of two or more modules is a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        scc.push(path.relative(SRC, w));
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort().join(' ⇄ '));
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  expect(cycles).toEqual([]);
  expect(graph.size).toBeGreaterThan(100);
});

test('no deep imports across components: another component is imported through a file at its top level', () => {
  const deep: string[] = [];
  for (const file of files(SRC).filter((f) => f.endsWith('.ts'))) {
    const own = path.relative(SRC, file).split(path.sep)[0];
    for (const target of staticImports(file)) {
      const parts = path.relative(SRC, target).split(path.sep);
      if (parts[0] !== own && parts.length > 2) deep.push(`${path.relative(SRC, file)} imports ${parts.join('/')}`);
    }
  }
  expect(deep).toEqual([]);
});

test('the import reader keeps imports that load code and skips type-only ones', () => {
  const dir = fs.mkdtempSync(path.join(SRC, '..', '.arch-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = b;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "import type { a } from './a.ts';\nimport './a.ts';\nexport const b: typeof a = 1;\n");
    expect(staticImports(path.join(dir, 'a.ts'))).toEqual([path.join(dir, 'b.ts')]);
    expect(staticImports(path.join(dir, 'b.ts'))).toEqual([path.join(dir, 'a.ts')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
