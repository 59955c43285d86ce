/**
 * `start`, `status`, `stop`, `teardown`: the sandbox daemon's lifecycle. `start` runs the hidden
 * `serve` command as a detached background process, waits until `/healthz` answers and records
 * its pid and URL in `<data dir>/sandbox.json`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import timers from 'node:timers/promises';
import {
  clearState,
  ensureConfigFile,
  forgetRunning,
  homePaths,
  isAlive,
  loadConfig,
  otherRunningSandboxes,
  readState,
  recordRunning,
  resolveDataDir,
  saveSetting,
  type SandboxConfig,
  type SandboxState,
} from '../sandbox-home.ts';
import { selfCommand } from '../self.ts';
import { exposureWarning } from '../exposure.ts';
import { diskOf } from '../../storage/disk.ts';
import { AdminClient } from '../../admin/client.ts';
import { engineWaitMessage } from '../engine-message.ts';
import { CommandError } from '../usage-error.ts';

/** Answers true if the sandbox at `url` is healthy. */
export function isHealthy(url: string, timeoutMs = 1000): Promise<boolean> {
  // node:http rather than fetch: loading fetch's implementation costs every CLI call ~25 ms.
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = http.get(`${url}/healthz`, { timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
    } catch {
      resolve(false); // not an http:// URL
      return;
    }
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The running sandbox of a data dir, or undefined (stale state files are removed). */
export async function runningSandbox(dataDir: string): Promise<SandboxState | undefined> {
  const state = readState(dataDir);
  if (!state) return undefined;
  if (!isAlive(state.pid)) {
    clearState(dataDir);
    return undefined;
  }
  return state;
}

/** The `host:port` Flyte's clients dial for this sandbox (loopback by name, as the demo's config). */
function flyteEndpoint(state: SandboxState): string {
  const h = state.host;
  const host = h === '127.0.0.1' || h === '0.0.0.0' || h === '::' || h === '::1' || h === 'localhost' ? 'localhost' : h.includes(':') ? `[${h}]` : h;
  return `${host}:${state.port}`;
}

/**
 * Writes the flytectl/flytekit config of this sandbox (as `flytectl demo start` writes
 * ~/.flyte/config-sandbox.yml): gRPC on the sandbox's one port, insecure. Returns its path.
 */
export function writeFlyteClientConfig(dataDir: string, state: SandboxState): string {
  const file = homePaths(dataDir).flyteConfig;
  const text = [
    '# Flyte clients (pyflyte, flytectl, FlyteRemote) → this tflyte-sandbox. Written by `tflyte-sandbox start`;',
    '# use it with: export FLYTECTL_CONFIG=' + file,
    'admin:',
    '  # gRPC, on the same port as the REST API and the console',
    `  endpoint: dns:///${flyteEndpoint(state)}`,
    '  insecure: true',
    'console:',
    // flytekit adds /console/projects/… itself (the console's own URL shape).
    `  endpoint: ${state.url}`,
    '',
  ].join('\n');
  try {
    fs.writeFileSync(file, text);
  } catch {
    // A read-only data dir still runs; the environment variables printed beside it work as well.
  }
  return file;
}

/** Prints where the sandbox answers, and how Flyte's own clients reach it. */
function printUrls(state: SandboxState, dataDir: string, already: boolean): void {
  if (state.warning) console.warn(`warning: ${state.warning}`);
  console.log(`${already ? 'sandbox already running' : 'sandbox started'} (pid ${state.pid}, tasks run with the ${state.launcher} launcher)`);
  console.log(`  API:      ${state.url}/api/v1 (REST) and gRPC on the same port`);
  console.log(`  Console:  ${state.url}/console`);
  console.log(`  Data dir: ${dataDir}`);
  const config = writeFlyteClientConfig(dataDir, state);
  console.log(`  Flyte clients (pyflyte, flytectl, FlyteRemote):`);
  if (state.port === 30080) console.log('    work as they are: localhost:30080, insecure, is their sandbox default');
  console.log(`    export FLYTECTL_CONFIG=${config}`);
  console.log(`    or: export FLYTE_PLATFORM_URL=${flyteEndpoint(state)} FLYTE_PLATFORM_INSECURE=true`);
}

/**
 * V8 settings of the daemon: a young generation of at most 2 × 1 MiB. V8 grows it to 2 × 16 MiB
 * under a burst and keeps those pages afterwards (the daemon stayed ~75 MB above idle after 200
 * executions created at once); capped, its memory settles within ~15 MB of idle (docs/benchmarks.md,
 * `burst`), and reads during the burst got no slower.
 */
export const DAEMON_V8_FLAGS = ['--max-semi-space-size=1'];

/**
 * glibc malloc settings of the daemon, each unless the caller set it:
 * - one arena: with an arena per thread (the thread pool, V8's workers) the daemon kept ~9 MB
 *   more private memory after the benchmark's runs;
 * - a fixed mmap threshold of 128 KiB: glibc otherwise raises it to the largest block freed so
 *   far (up to 32 MiB), and from then on serves large buffers (file reads, request bodies) from
 *   its heap, which keeps their pages once they are freed between smaller blocks still in use;
 *   fixed, each such buffer is its own mapping, returned when freed. Measured after the
 *   benchmark's runs: 16.1 MB → 11.7 MB of malloc heap.
 * Neither made a workflow measurably slower (docs/benchmarks.md, Memory).
 */
export const DAEMON_MALLOC_ENV = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072' } as const;

/**
 * The daemon's environment: the caller's, with {@link DAEMON_V8_FLAGS} added to NODE_OPTIONS and
 * {@link DAEMON_MALLOC_ENV} where the caller did not choose. Tasks never inherit it: the process
 * launcher gives them only PATH and HOME, containers their own environment.
 */
function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...DAEMON_MALLOC_ENV, ...env, NODE_OPTIONS: [env.NODE_OPTIONS ?? '', ...DAEMON_V8_FLAGS].join(' ').trim() };
}

/** `start`: idempotent; fails clearly if the port is taken or the daemon does not come up. */
export async function start(opts: { dataDir?: string; port?: string; launcher?: string; host?: string; expose?: boolean; reuse?: boolean; quiet?: boolean }): Promise<SandboxState> {
  const dataDir = resolveDataDir(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  ensureConfigFile(dataDir);
  const flags: Record<string, unknown> = { port: opts.port, launcher: opts.launcher, host: opts.host, ...(opts.expose ? { expose: true } : {}) };
  const config: SandboxConfig = await loadConfig(dataDir, flags);
  const saved = await loadConfig(dataDir);
  const exposure = exposureWarning(config);
  const running = await runningSandbox(dataDir);
  if (running) {
    if (await isHealthy(running.url)) {
      if (opts.port !== undefined && Number(opts.port) !== running.port) {
        console.warn(`warning: the sandbox of ${dataDir} already runs on port ${running.port}; stop it first to change the port`);
      }
      recordRunning(dataDir, running);
      if (!opts.quiet) printUrls(running, dataDir, true);
      return running;
    }
  }
  if (config.port !== 0 && !(await portFree(config.host, config.port))) {
    throw new CommandError(
      `port ${config.port} on ${config.host} is taken by another process (another sandbox, or flytectl demo?). Stop it, or start this sandbox on another port: tflyte-sandbox start --port 30081 — later starts of this data dir remember it`,
    );
  }
  const paths = homePaths(dataDir);
  fs.mkdirSync(paths.logs, { recursive: true });
  const log = fs.openSync(paths.daemonLog, 'a');
  const [cmd, ...pre] = selfCommand();
  const child = spawn(
    cmd as string,
    [...pre, 'serve', '--data-dir', dataDir, '--port', String(config.port), '--host', config.host, '--launcher', config.launcher, ...(config.expose ? ['--expose'] : []), ...(opts.reuse ? ['--reuse'] : [])],
    { detached: true, stdio: ['ignore', log, log], env: daemonEnv(process.env) },
  );
  fs.closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new CommandError(`the sandbox stopped while starting (exit code ${exited}). Its log (${paths.daemonLog}) ends with:\n${tail(paths.daemonLog)}`);
    }
    const state = readState(dataDir);
    if (state && state.pid === child.pid && (await isHealthy(state.url, 500))) {
      recordRunning(dataDir, state);
      if (!opts.quiet) printUrls(state, dataDir, false);
      // A port chosen on the command line stays this data dir's port (0, "any free port", does not).
      if (opts.port !== undefined && config.port !== 0 && config.port !== saved.port) {
        await saveSetting(dataDir, 'port', config.port);
        if (!opts.quiet) console.log(`  (port ${config.port} saved in ${homePaths(dataDir).config}: later starts use it)`);
      }
      if (exposure) console.warn(`warning: ${exposure}`);
      return state;
    }
    await timers.setTimeout(20);
  }
  try {
    process.kill(child.pid as number, 'SIGTERM');
  } catch {
    // already gone
  }
  throw new CommandError(`the sandbox did not become healthy within 30 s. Its log (${paths.daemonLog}) ends with:\n${tail(paths.daemonLog)}`);
}

/** `status`: prints whether the sandbox runs and where; exit code 1 if it does not. */
export async function status(opts: { dataDir?: string; json?: boolean }): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  const state = await runningSandbox(dataDir);
  const healthy = state ? await isHealthy(state.url) : false;
  const disk = diskOf(dataDir);
  if (opts.json) {
    console.log(JSON.stringify({ running: !!state, healthy, dataDir, ...(disk ? { disk } : {}), ...(state ?? {}) }));
  } else if (state) {
    console.log(`sandbox running (pid ${state.pid}, ${healthy ? 'healthy' : 'NOT answering'}, launcher ${state.launcher}, version ${state.version})`);
    console.log(`  API:      ${state.url}/api/v1`);
    console.log(`  Console:  ${state.url}/console`);
    console.log(`  Data dir: ${dataDir}${disk ? ` (${(disk.freeBytes / 1024 ** 2).toFixed(0)} MiB free)` : ''}`);
    if (disk?.low) console.log(`  warning: the disk of the data dir is almost full: executions cannot write their data until space is freed`);
    const engine = healthy ? (await new AdminClient(state.url).health())?.engine : undefined;
    if (engine && !engine.reachable) console.log(`  ${engineWaitMessage(engine)}`);
  } else {
    console.log(`no sandbox running for ${dataDir} (start one with: tflyte-sandbox start${opts.dataDir ? ` --data-dir ${opts.dataDir}` : ''})`);
  }
  if (!state || !healthy) throw new CommandError('', 1);
}

/** `stop`: asks the daemon to stop (running executions resume on the next start). */
export async function stop(opts: { dataDir?: string; quiet?: boolean }): Promise<boolean> {
  const dataDir = resolveDataDir(opts.dataDir);
  const state = await runningSandbox(dataDir);
  if (!state) {
    forgetRunning(dataDir);
    if (!opts.quiet) console.log(`no sandbox running for ${dataDir}`);
    return false;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isAlive(state.pid) && Date.now() < deadline) await timers.setTimeout(25);
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  clearState(dataDir);
  forgetRunning(dataDir);
  if (!opts.quiet) console.log(`sandbox stopped (pid ${state.pid}); running executions resume on the next start`);
  return true;
}

/**
 * `teardown`: stops the sandbox, removes its task containers and the runtime images, and with
 * `--data` its data. The images are shared by every sandbox on the machine, so they stay while
 * another sandbox (another data dir) still runs, or when `--keep-images` says so.
 */
export async function teardown(opts: { dataDir?: string; data?: boolean; keepImages?: boolean }): Promise<void> {
  const dataDir = resolveDataDir(opts.dataDir);
  await stop({ ...opts, quiet: true });
  const others = otherRunningSandboxes(dataDir);
  const { removeSandboxDockerResources } = await import('../docker-cleanup.ts');
  const removed = await removeSandboxDockerResources(dataDir, { keepImages: opts.keepImages === true || others.length > 0 });
  console.log(removed.message);
  if (opts.keepImages) {
    console.log('kept the runtime images (--keep-images)');
  } else if (others.length > 0) {
    console.log(`kept the runtime images: ${others.length} other sandbox(es) still use them (${others.map((o) => o.dataDir).join(', ')})`);
  }
  if (opts.data) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    console.log(`removed ${dataDir}`);
  } else {
    console.log(`kept the data in ${dataDir} (add --data to remove it)`);
  }
}
