/**
 * Vitest configuration for tflyte-sandbox.
 *
 * Five projects, all run by `npm test` (scripts/run-tests.mjs):
 * - `unit`:        co-located `src/**\/*.test.ts` and `test/unit/**\/*.test.ts`
 * - `integration`: `test/integration/**\/*.test.ts` (real Docker, real SQLite)
 * - `e2e`:         `test/e2e/**\/*.test.ts` (the built binary, the browser)
 * - `parity`:      `test/parity/**\/*.test.ts` (local runs, process launcher and Docker agree)
 * - `security`:    `test/security/**\/*.test.ts` (attacks on a real sandbox: SECURITY.md)
 *
 * Pick one with `npm test -- --project unit`, or filter by path: `npm test -- test/unit`.
 * Timeouts are generous so a slow Docker start does not flake; tests must not rely on them.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const sdkEntry = fileURLToPath(new URL('./src/sdk/index.ts', import.meta.url));

export default defineConfig({
  resolve: {
    // User code and examples import the SDK as "tflyte" (exact name only).
    alias: [{ find: /^tflyte$/, replacement: sdkEntry }],
  },
  test: {
    pool: 'forks',
    // Two cores on CI: two test files at a time, tests inside a file run in order.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    exclude: ['**/node_modules/**', 'dist/**', '.build/**'],
    // Direct calls of entities (`await my_wf({...})`) run through the engine, as for users.
    setupFiles: ['test/support/direct-calls-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'] },
      },
      // On CI (one run decides), a test that drives real containers, processes or a browser gets
      // one retry; scripts/run-tests.mjs lists every test that needed it, so flakes stay visible.
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], retry: process.env.CI ? 1 : 0 },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], retry: process.env.CI ? 1 : 0 },
      },
      // One table of semantic cases: a local run, the process launcher and Docker agree.
      {
        extends: true,
        test: { name: 'parity', include: ['test/parity/**/*.test.ts'], retry: process.env.CI ? 1 : 0 },
      },
      // Each attack of SECURITY.md's threat model against a real sandbox and real containers.
      {
        extends: true,
        test: { name: 'security', include: ['test/security/**/*.test.ts'], retry: process.env.CI ? 1 : 0 },
      },
    ],
  },
});
