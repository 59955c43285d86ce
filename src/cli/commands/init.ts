/**
 * `init [DIR]`: makes a directory a TypeScript project for tflyte workflows — `package.json`
 * (ES modules), `tsconfig.json` whose `tflyte` import resolves to the SDK's type declarations,
 * which `init` writes into `.tflyte/types/` from this binary, and a first workflow. Existing files
 * are kept (only the declarations are refreshed, so running `init` again after an upgrade updates
 * the types). Editors and `tsc --noEmit` then check workflow files, inputs and outputs included.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sdkTypeFiles } from '../sdk-types.ts';

/** Where the SDK's declarations go in a project, and what tsconfig's `paths` points at. */
export const TYPES_DIR = '.tflyte/types';
const TYPES_ENTRY = `./${TYPES_DIR}/sdk/index.d.ts`;

/** The tsconfig.json `init` writes. */
export function userTsconfig(): Record<string, unknown> {
  return {
    compilerOptions: {
      target: 'es2024',
      lib: ['es2024'],
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      erasableSyntaxOnly: true,
      skipLibCheck: true,
      // Node's globals (console, process) for task code; TypeScript 6+ no longer adds @types itself.
      types: ['node'],
      // `import … from 'tflyte'` resolves to the declarations init wrote (the code is in the binary).
      paths: { tflyte: [TYPES_ENTRY] },
    },
    include: ['**/*.ts'],
    exclude: ['node_modules', '.tflyte'],
  };
}

const HELLO = `import { task, workflow, t } from 'tflyte';

export const greet = task({ inputs: { who: t.str }, outputs: t.str }, ({ who }) => \`hello, \${who}\`);

export const count = task({ inputs: { text: t.str }, outputs: t.int }, ({ text }) => text.length);

export const hello_wf = workflow({ inputs: { who: t.str }, outputs: t.int }, ({ who }) => count({ text: greet({ who }) }));
`;

/** Writes what is missing; returns the paths written (relative to `dir`). */
export async function initProject(dir: string): Promise<string[]> {
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  const written: string[] = [];
  const writeIfMissing = (rel: string, text: string): void => {
    const p = path.join(root, rel);
    if (fs.existsSync(p)) return;
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    written.push(rel);
  };
  writeIfMissing(
    'package.json',
    `${JSON.stringify(
      {
        name: path.basename(root).toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'workflows',
        private: true,
        type: 'module',
        scripts: { typecheck: 'tsc --noEmit' },
        devDependencies: { typescript: '^5.9.3', '@types/node': '^24.0.0' },
      },
      null,
      2,
    )}\n`,
  );
  writeIfMissing('tsconfig.json', `${JSON.stringify(userTsconfig(), null, 2)}\n`);
  const hasWorkflows = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith('.ts') && !f.includes('node_modules') && !f.startsWith('.tflyte'));
  if (!hasWorkflows) writeIfMissing('workflows/hello.ts', HELLO);
  const typesDir = path.join(root, TYPES_DIR);
  fs.rmSync(typesDir, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(await sdkTypeFiles())) {
    const p = path.join(typesDir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  }
  fs.writeFileSync(path.join(root, '.tflyte', '.gitignore'), '*\n');
  written.push(`${TYPES_DIR}/ (the tflyte SDK's type declarations)`);
  return written;
}

/** `init [DIR]` */
export async function init(dir = '.'): Promise<void> {
  const written = await initProject(dir);
  const shown = path.relative(process.cwd(), path.resolve(dir)) || '.';
  console.log(`tflyte project in ${shown}:`);
  for (const w of written) console.log(`  wrote ${w}`);
  console.log('\nNext:');
  if (shown !== '.') console.log(`  cd ${shown}`);
  console.log('  npm install                         # TypeScript and Node types for your editor and tsc (optional)');
  console.log('  npx tsc --noEmit                    # type-check the workflows');
  console.log('  tflyte-sandbox run workflows/hello.ts hello_wf --who you            # run locally');
  console.log('  tflyte-sandbox run --remote --wait workflows/hello.ts hello_wf --who you   # run in the sandbox');
}
