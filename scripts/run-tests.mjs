#!/usr/bin/env node
/**
 * `npm test`: runs vitest (all projects unless filtered) with its default reporter on the
 * console and the JSON reporter into a file, then prints one closing line, alone:
 *
 *     N passed, N failed[, N skipped]
 *
 * computed from the JSON results. Exit code: 0 only when at least one test ran, none
 * failed, and vitest itself reported no error (a test file that fails to load, or an
 * unhandled error, counts as a failure).
 *
 * Extra arguments go to vitest: `npm test -- test/unit`, `npm test -- --project e2e`.
 * Env: TFLYTE_TEST_RESULTS=<file> keeps the JSON results at that path (default: a temp
 * file, removed afterwards).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// vitest needs Node >= 22; the project's Node 24 is node_modules/.bin/node.
const major = Number(process.versions.node.split('.')[0]);
const projectNode = join(root, 'node_modules', '.bin', 'node');
if (major < 22 && existsSync(projectNode) && !process.env.TFLYTE_RUN_TESTS_REEXEC) {
  const child = spawn(projectNode, process.argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, TFLYTE_RUN_TESTS_REEXEC: '1' },
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main();
}

async function main() {
  const keep = process.env.TFLYTE_TEST_RESULTS;
  const tmp = keep ? undefined : mkdtempSync(join(tmpdir(), 'tflyte-tests-'));
  const outputFile = keep ? resolve(keep) : join(tmp, 'vitest-results.json');
  if (keep) rmSync(outputFile, { force: true });

  const vitestBin = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const args = [
    vitestBin,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${outputFile}`,
    ...process.argv.slice(2),
  ];
  const code = await run(process.execPath, args);

  const counts = readCounts(outputFile);
  if (tmp) rmSync(tmp, { recursive: true, force: true });

  let failed = counts.failed + counts.fileErrors;
  if (counts.flaky.length > 0) {
    // Passed on a retry (CI retries integration and e2e tests once): shown, never hidden.
    console.log(`run-tests: ${counts.flaky.length} test(s) failed once and passed on the retry:`);
    for (const f of counts.flaky) console.log(`  - ${f}`);
  }
  if (counts.fileErrors > 0) {
    console.log(`run-tests: ${counts.fileErrors} test file(s) failed to run (counted as failures)`);
  }
  const ran = counts.passed + counts.failed + counts.skipped + counts.fileErrors;
  if (code !== 0 && failed === 0 && ran > 0) {
    console.log(`run-tests: vitest exited with code ${code} without a failed test (counted as 1 failure)`);
    failed = 1;
  }
  if (!counts.found) console.log('run-tests: no JSON results were written');
  if (code !== 0 && ran === 0) console.log(`run-tests: vitest exited with code ${code}`);
  if (counts.passed + failed === 0) console.log('run-tests: no test ran');

  let line = `${counts.passed} passed, ${failed} failed`;
  if (counts.skipped > 0) line += `, ${counts.skipped} skipped`;
  console.log(line);
  process.exit(failed === 0 && counts.passed > 0 ? 0 : 1);
}

/** Runs a command with inherited stdio, forwarding SIGINT/SIGTERM; resolves to its exit code. */
function run(cmd, args) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: root });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      console.error(`run-tests: cannot start vitest: ${err.message}`);
      resolvePromise(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise(code ?? (signal ? 1 : 0));
    });
  });
}

/** Reads vitest's JSON report (jest-compatible shape). Missing file → all zero. */
function readCounts(file) {
  const zero = { found: false, passed: 0, failed: 0, skipped: 0, fileErrors: 0, flaky: [] };
  if (!existsSync(file)) return zero;
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.log(`run-tests: unreadable JSON results: ${err.message}`);
    return zero;
  }
  const files = Array.isArray(report.testResults) ? report.testResults : [];
  // A file that failed without any failed test in it (syntax error, failing hook, import error).
  const fileErrors = files.filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  // A passed test that carries failure messages passed on a retry.
  const flaky = files.flatMap((f) =>
    (f.assertionResults ?? [])
      .filter((a) => a.status === 'passed' && (a.failureMessages ?? []).length > 0)
      .map((a) => `${relative(root, f.name ?? '')} > ${a.fullName}: ${String(a.failureMessages[0]).split('\n')[0]}`),
  );
  return {
    found: true,
    flaky,
    passed: report.numPassedTests ?? 0,
    failed: report.numFailedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    fileErrors,
  };
}
