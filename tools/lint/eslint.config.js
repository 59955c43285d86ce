/**
 * The project's lint rules (run from the repository root: `npm run lint`):
 * - no floating promises: a promise is awaited, returned, or handed to `void` on purpose;
 * - no `any` in src/ and scripts/ (a disable comment says why where it must be);
 * - no unused disable comments.
 * Import cycles and deep imports across components are checked by test/unit/architecture.test.ts,
 * which reads the imports itself.
 */
import tseslint from 'typescript-eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', '.build/**', 'src/console/public/**', 'tools/**', 'test/fixtures/**', 'examples/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // Tests read HTTP responses as untyped JSON.
  { files: ['test/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
