/**
 * Runs the CLI as users do: from source under the project's Node 24, or the built single binary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa, type Result } from 'execa';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Node 24 from node_modules (the system node may be older). */
export const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
/** The single binary built by `npm run build` (`TFLYTE_TEST_BINARY` points tests at another build). */
export const BINARY = process.env.TFLYTE_TEST_BINARY ? path.resolve(process.env.TFLYTE_TEST_BINARY) : path.join(ROOT, 'dist', 'tflyte-sandbox');

/** How to invoke the CLI: `source` (node src/cli/main.ts) or `binary` (dist/tflyte-sandbox). */
export type CliFlavor = 'source' | 'binary';

/** The command line prefix for a flavor. */
export function cliCommand(flavor: CliFlavor): string[] {
  return flavor === 'binary' ? [BINARY] : [NODE, path.join(ROOT, 'src', 'cli', 'main.ts')];
}

/** Runs the CLI; never throws on a non-zero exit (tests assert on `exitCode`). */
export async function runCli(
  flavor: CliFlavor,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Result<{ reject: false }>> {
  const [cmd, ...pre] = cliCommand(flavor);
  return execa(cmd as string, [...pre, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    reject: false,
    timeout: opts.timeoutMs ?? 120_000,
  }) as Promise<Result<{ reject: false }>>;
}

/**
 * Whether the binary exists. In CI it must (`.ci/run` builds it first): a missing binary there
 * is an error, not a skip.
 */
export function binaryAvailable(): boolean {
  const ok = fs.existsSync(BINARY);
  if (!ok && process.env.CI) throw new Error(`${BINARY} is missing in CI: .ci/run must run npm run build before the tests`);
  if (!ok) console.warn(`skipping binary tests: ${BINARY} does not exist (run npm run build)`);
  return ok;
}
