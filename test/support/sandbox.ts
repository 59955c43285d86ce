/**
 * Integration harness: a real sandbox (the CLI's `start`, a real SQLite file, real launcher) in a
 * temp data dir on a free port, torn down after the suite. Docker suites use the built binary
 * (the runtime image is built from it); process-launcher suites run from source.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { AdminClient } from '../../src/admin/index.ts';
import { binaryAvailable, runCli, ROOT, type CliFlavor } from './cli.ts';

/** A running sandbox for tests. */
export interface TestSandbox {
  dataDir: string;
  url: string;
  client: AdminClient;
  flavor: CliFlavor;
  launcher: 'docker' | 'process';
  /** Runs `tflyte-sandbox <args>` against this sandbox (adds --data-dir). */
  cli(args: string[], opts?: { cwd?: string; timeoutMs?: number }): ReturnType<typeof runCli>;
  /** `run --remote --wait --json FILE ENTITY inputs…`; returns the parsed JSON line and the exit code. */
  run(file: string, entity: string, inputs?: string[], extra?: string[]): Promise<RunResult>;
  /** Stops the daemon (keeps the data dir). */
  stop(): Promise<void>;
  /** Starts it again on the same data dir (and port). */
  restart(): Promise<void>;
  /** Stops and removes everything. */
  destroy(): Promise<void>;
}

/** What `run --remote --wait --json` printed. */
export interface RunResult {
  exitCode: number;
  execution: string;
  phase: string;
  outputs: Record<string, unknown>;
  error?: { code?: string; kind?: number | string; message?: string };
  stderr: string;
}

/** True if a Docker engine answers; in CI a missing engine is an error, never a silent skip. */
export async function dockerAvailable(): Promise<boolean> {
  const r = await execa('docker', ['info'], { reject: false, timeout: 20_000 });
  if (r.exitCode === 0) return true;
  if (process.env.CI) throw new Error(`no Docker engine answers in CI (docker info: ${r.stderr.slice(0, 200)}); .ci/run must start dockerd`);
  console.warn('skipping Docker suites: no Docker engine answers (start dockerd, or run scripts/ci/install-docker.sh)');
  return false;
}

/** Whether a Docker sandbox suite can run here (engine + built binary). */
export async function dockerSandboxAvailable(): Promise<boolean> {
  return (await dockerAvailable()) && binaryAvailable();
}

/**
 * Starts a sandbox; `launcher: 'docker'` uses the binary, `'process'` the sources; `config` is
 * written as its config.yaml first; `env` is added to the daemon's environment (process tasks inherit it);
 * `port` defaults to any free one.
 */
export async function startTestSandbox(opts: { launcher: 'docker' | 'process'; name?: string; config?: string; env?: Record<string, string>; port?: number }): Promise<TestSandbox> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `tflyte-it-${opts.name ?? 'sbx'}-`));
  if (opts.config !== undefined) fs.writeFileSync(path.join(dataDir, 'config.yaml'), opts.config);
  const flavor: CliFlavor = opts.launcher === 'docker' ? 'binary' : 'source';
  let port = opts.port ?? 0;
  const startIt = async (): Promise<string> => {
    const r = await runCli(flavor, ['start', '--data-dir', dataDir, '--port', String(port), '--launcher', opts.launcher], opts.env ? { env: opts.env } : {});
    if (r.exitCode !== 0) throw new Error(`sandbox did not start: ${r.stderr || r.stdout}`);
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'sandbox.json'), 'utf8')) as { url: string; port: number };
    port = state.port;
    return state.url;
  };
  let url = await startIt();
  const sbx: TestSandbox = {
    dataDir,
    get url() {
      return url;
    },
    get client() {
      return new AdminClient(url);
    },
    flavor,
    launcher: opts.launcher,
    cli: (args, o = {}) => runCli(flavor, [...args, '--data-dir', dataDir], { cwd: o.cwd ?? ROOT, timeoutMs: o.timeoutMs ?? 300_000 }),
    async run(file, entity, inputs = [], extra = []) {
      const r = await runCli(flavor, ['run', '--remote', '--wait', '--json', '--data-dir', dataDir, ...extra, file, entity, ...inputs], { timeoutMs: 300_000 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      let parsed: Partial<RunResult> = {};
      try {
        parsed = JSON.parse(line) as Partial<RunResult>;
      } catch {
        throw new Error(`run printed no JSON (exit ${r.exitCode}): ${r.stdout}\n${r.stderr}`);
      }
      return { exitCode: r.exitCode ?? -1, execution: parsed.execution ?? '', phase: parsed.phase ?? '', outputs: parsed.outputs ?? {}, ...(parsed.error ? { error: parsed.error } : {}), stderr: r.stderr };
    },
    async stop() {
      await runCli(flavor, ['stop', '--data-dir', dataDir]);
    },
    async restart() {
      url = await startIt();
    },
    async destroy() {
      // Keep the task images: other test files run sandboxes from the same binary in parallel.
      await runCli(flavor, ['teardown', '--data-dir', dataDir, '--data', '--keep-images']);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return sbx;
}
