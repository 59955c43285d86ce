/**
 * The composition root of the sandbox daemon (`tflyte-sandbox serve`, started in the background
 * by `start`): opens the SQLite admin, the blob store, the launcher and propeller, wires them
 * through their ports, serves the REST API and the console over HTTP (and a unix socket that task
 * containers use to reach the API without exposing it to the network), and resumes every
 * execution that was running when the sandbox last stopped.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { adaptCompiler, browserBoundary, consoleSupportRoutes, createAdmin, createDeferredRunner, createGrpcServer, dualProtocolServer, openAdminDb, TaskCredentials, taskSocketGrpcGuard, taskSocketGuard, type GrpcServerOptions } from '../admin/index.ts';
import { compileWorkflow } from '../compiler/index.ts';
import { sha256Hex } from '../core/index.ts';
import { consoleRouter } from '../console/index.ts';
import { decorateLauncher, withWarmContainers, type Launcher, type LaunchSpec, type LaunchedAttempt } from '../launcher/index.ts';
import { attemptKey, createPropeller, resolvePropellerConfig, systemClock, type Logger } from '../propeller/index.ts';
import { parseCpu, parseMemory } from '../propeller/resources.ts';
import { DEFAULT_IMAGE } from '../sdk/internal.ts';
import { diskFullReason, s3ConnectionEnv, type DataStore } from '../storage/index.ts';
import { openSandboxStore } from './sandbox-store.ts';
import { baseUrl, homePaths, loadConfig, runningTaskLimit, DEFAULT_REUSE, writeState, clearState, type SandboxConfig } from './sandbox-home.ts';
import { sqliteNativeBinding } from './native-addon.ts';
import { runtimeBinary, selfCommand } from './self.ts';
import { exposureWarning } from './exposure.ts';
import { startMemoryTrim } from './memory-trim.ts';
import { codeCacheText, version } from './version.ts';
import { buildRuntimeImageInChild, supplyTaskImages } from './task-images.ts';

/** Label that ties containers to the sandbox (data dir) that started them. */
export const SANDBOX_LABEL = 'tflyte.sandbox';

/** A short stable id of a data dir, used in labels. */
export function sandboxId(dataDir: string): string {
  return sha256Hex(path.resolve(dataDir)).slice(0, 12);
}

function makeLogger(): Logger & { info(msg: string, f?: Record<string, unknown>): void } {
  const line = (level: string, msg: string, fields?: Record<string, unknown>): void => {
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    try {
      // Written to fd 2 directly, not through process.stderr: a stream that failed once (a full
      // disk under the daemon log) is destroyed and drops every later line, while a plain write
      // loses only the lines written while the disk is full.
      fs.writeSync(2, `${new Date().toISOString()} ${level} ${msg}${extra}\n`);
    } catch {
      // The daemon log is on a full disk: lose the line, keep serving.
    }
  };
  return {
    debug: () => undefined,
    info: (m, f) => line('INFO', m, f),
    warn: (m, f) => line('WARN', m, f),
    error: (m, f) => line('ERROR', m, f),
  } as Logger & { info(msg: string, f?: Record<string, unknown>): void };
}

/**
 * Adds the sandbox label to every attempt and only lists this sandbox's attempts; `env` (the
 * object store's connection, as Flyte's pods get it) goes to every attempt under its own.
 */
function withSandboxLabel(inner: Launcher, id: string, env: Record<string, string>): Launcher {
  return decorateLauncher(inner, {
    launch: (spec: LaunchSpec) => inner.launch({ ...spec, env: { ...env, ...spec.env }, labels: { ...spec.labels, [SANDBOX_LABEL]: id } }),
    list: (labels): Promise<LaunchedAttempt[]> => inner.list({ ...labels, [SANDBOX_LABEL]: id }),
  });
}

interface LauncherSetup {
  launcher: Launcher;
  kind: 'docker' | 'process';
  runtimeCommand: string[];
  /** Set when Docker was asked for but the process launcher is used. */
  warning?: string;
  foreignImage?: { entrypoint: string[]; mounts: { hostPath: string; containerPath: string; readOnly: boolean }[] };
  /**
   * Adapts launches to where tasks run: Docker attempts get the image their task needs
   * (`task-images.ts`); host processes unpack flytekit's code in their own working directory.
   */
  adaptToTasks: (launcher: Launcher) => Launcher;
  /**
   * Variables every process attempt gets; filled in once the port is known (`FLYTE_PLATFORM_URL`:
   * processes run on the host, and Flyte's eager tasks reach the admin with FlyteRemote).
   */
  processEnv?: Record<string, string>;
}

async function setupLauncher(config: SandboxConfig, dataDir: string, socketPath: string, log: ReturnType<typeof makeLogger>): Promise<LauncherSetup> {
  const { createLauncher } = await import('../launcher/index.ts');
  let fallbackWarning: string | undefined;
  if (config.launcher === 'docker') {
    const binary = runtimeBinary();
    let problem: string | undefined;
    if (!binary) problem = 'the Docker launcher needs the single binary to build its task image: run `npm run build` (or use the released binary)';
    let docker: import('dockerode') | undefined;
    if (!problem) {
      const Dockerode = (await import('dockerode')).default;
      docker = new Dockerode();
      try {
        await docker.ping();
      } catch (e) {
        problem = `no Docker engine answers (${e instanceof Error ? e.message : String(e)})`;
      }
    }
    if (!problem && docker && binary) {
      const { imagePresent, runtimeImageTag, runtimeMount } = await import('../launcher/index.ts');
      const tag = await runtimeImageTag(binary);
      const d = docker;
      const buildImage = async (): Promise<void> => {
        const t0 = Date.now();
        // A missing image is built by a short-lived child process: streaming the 100 MB binary
        // into `docker import` would leave the daemon holding tens of MB it never gives back.
        if (!(await imagePresent(d, tag))) await buildRuntimeImageInChild(binary, tag);
        const [repo, t] = DEFAULT_IMAGE.split(':') as [string, string];
        await d.getImage(tag).tag({ repo, tag: t });
        log.info('task image ready', { image: DEFAULT_IMAGE, from: tag, ms: Date.now() - t0 });
      };
      const imageReady = buildImage();
      imageReady.catch((e: unknown) => log.error('building the task image failed', { error: String(e) }));
      const launcher = await createLauncher('docker', {
        docker,
        adminSocketPath: socketPath,
        ...(config.taskUser ? { user: config.taskUser } : {}),
        ...(config.taskNetwork ? { network: config.taskNetwork } : {}),
      });
      const mount = await runtimeMount(binary);
      return {
        launcher,
        kind: 'docker',
        adaptToTasks: (l) =>
          supplyTaskImages(l, { docker: d, runtimeTag: tag, runtimeReady: imageReady, rebuildRuntime: buildImage, workDir: path.join(dataDir, 'run', 'image-builds'), log }),
        runtimeCommand: ['tflyte-sandbox'],
        foreignImage: { entrypoint: mount.entrypoint, mounts: mount.mounts },
      };
    }
    log.warn(`falling back to the process launcher: ${problem}. Tasks run as local processes, without containers.`);
    fallbackWarning = `${problem}; tasks run as local processes instead of containers (start with --launcher process to choose this explicitly)`;
  }
  const runtimeCommand = selfCommand();
  // Read at each launch: serve() adds the admin's address once it listens.
  const processEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dataDir };
  const launcher = await createLauncher('process', {
    defaultEntrypoint: [],
    baseEnv: processEnv,
    workRoot: path.join(dataDir, 'run', 'attempts'),
    workDirLinks: FLYTEKIT_FILE_URI_LINK,
  });
  return { launcher, kind: 'process', runtimeCommand, adaptToTasks: unpackCodeInAttemptDir, processEnv, ...(fallbackWarning ? { warning: fallbackWarning } : {}) };
}

/**
 * flytekit checks a local file input with `os.path.isfile(uri)` on the URI itself
 * (`types/file/file.py`), so a `file:///abs/path` blob (the sandbox's store) is "not a file"
 * unless `file:` in the working directory leads to `/`: then the check passes and fsspec reads the
 * file through the URI as usual. Flyte's clusters use `s3://` and never meet this.
 */
export const FLYTEKIT_FILE_URI_LINK: Record<string, string> = { 'file:': '/' };

/**
 * `pyflyte-fast-execute --dest-dir DIR` unpacks a task's code into DIR: a directory of the
 * container (`pyflyte package` writes `/root`). On the host, that directory is the attempt's own
 * working directory (`.`), never a directory of the machine.
 */
function unpackCodeInAttemptDir(inner: Launcher): Launcher {
  return decorateLauncher(inner, {
    launch: (spec) => {
      const at = spec.command.indexOf('--dest-dir');
      if (path.basename(spec.command[0] ?? '') !== 'pyflyte-fast-execute' || at < 0 || at + 1 >= spec.command.length) return inner.launch(spec);
      const command = [...spec.command];
      command[at + 1] = '.';
      return inner.launch({ ...spec, command });
    },
  });
}

/**
 * The HTTP handler: the console's page under `/console` (assets embedded in the binary) and its
 * read-only helper routes, then the admin app. Admin ends with a JSON 404 for every other path,
 * so these are mounted in front of it rather than on it.
 */
function webApp(adminApp: Express, dataStore: DataStore, guard: express.RequestHandler): Express {
  const web = express();
  web.disable('x-powered-by');
  web.set('etag', false);
  web.use(guard);
  web.get('/', (_req, res) => {
    res.redirect(302, '/console/');
  });
  web.use('/console', consoleRouter());
  web.use('/api/v1', consoleSupportRoutes(dataStore));
  web.use(adminApp);
  return web;
}

/** Error codes of a full disk or quota: never a reason for the daemon to stop. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * A full disk must cost the write that hit it, never the daemon: an ENOSPC/EDQUOT that escaped
 * every handler (a stream's 'error' event, a rejected promise nobody awaited) is logged and
 * dropped; anything else still ends the process, as it would without this.
 */
function surviveFullDisk(log: Logger): void {
  process.stderr.on('error', () => undefined);
  const handle = (e: unknown, origin: string): void => {
    if (DISK_FULL.has((e as NodeJS.ErrnoException)?.code ?? '')) {
      log.error('the disk is full; a write failed', { origin, error: String((e as Error)?.message ?? e) });
      return;
    }
    try {
      process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    } catch {
      // nothing left to tell it with
    }
    process.exit(1);
  };
  process.on('uncaughtException', (e) => handle(e, 'uncaughtException'));
  process.on('unhandledRejection', (e) => handle(e, 'unhandledRejection'));
}

/**
 * Runs the sandbox until SIGTERM/SIGINT. Records its pid and URL in the data dir once it
 * listens, and removes them when it stops.
 */
export async function serve(opts: { dataDir: string; port?: string; host?: string; launcher?: string; expose?: boolean; reuse?: boolean }): Promise<void> {
  const log = makeLogger();
  surviveFullDisk(log);
  const dataDir = path.resolve(opts.dataDir);
  const config = await loadConfig(dataDir, { port: opts.port, host: opts.host, launcher: opts.launcher, ...(opts.expose ? { expose: true } : {}) });
  // `start --reuse` turns reuse on with the defaults, unless config.yaml already sets how.
  if (opts.reuse && !config.reuse) config.reuse = { ...DEFAULT_REUSE };
  const exposure = exposureWarning(config);
  if (exposure) log.warn(exposure);
  const paths = homePaths(dataDir);
  fs.mkdirSync(paths.logs, { recursive: true });
  const attemptLogs = path.join(paths.logs, 'tasks');
  fs.mkdirSync(attemptLogs, { recursive: true });
  // In a directory of its own: the Docker launcher mounts the directory into eager task
  // containers, which may run as another uid (every request over it needs a task credential).
  const socketPath = path.join(dataDir, 'run', 'admin.sock');
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  fs.chmodSync(path.dirname(socketPath), 0o755);
  fs.rmSync(socketPath, { force: true });
  const credentials = TaskCredentials.forDataDir(dataDir);

  // Opened (and an S3 bucket checked) before anything listens: a bad storage setting stops start.
  const storage = await openSandboxStore(dataDir, config, process.env, { check: true });
  const dataStore = storage.store;
  const nativeBinding = sqliteNativeBinding();
  const db = openAdminDb(paths.db, nativeBinding ? { nativeBinding } : {});
  const runner = createDeferredRunner();
  const admin = createAdmin(
    { db, dataStore, compileWorkflow: adaptCompiler(compileWorkflow), runner, logger: log },
    {
      dataDir,
      version: version(),
      maxParallelism: config.maxParallelism,
      attemptLogFile: (a) => path.join(attemptLogs, `${attemptKey(a.execution, a.nodeId, a.retryAttempt)}.log`),
      // The container engine's state (Docker): status, run --wait and the console show it.
      healthExtras: () => {
        const engine = (setupRef.launcher as { engineState?: () => unknown } | undefined)?.engineState?.();
        const m = process.memoryUsage();
        const mb = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10;
        const memory = { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external) };
        return engine ? { engine, memory } : { memory };
      },
    },
  );
  const setupRef: { launcher?: Launcher } = {};
  const setup = await setupLauncher(config, dataDir, socketPath, log);
  setupRef.launcher = setup.launcher;
  const launcher = withSandboxLabel(setup.launcher, sandboxId(dataDir), storage.connection ? s3ConnectionEnv(storage.connection) : {});
  // Attempts that reuse a container run in warm ones (sockets under run/w: unix socket paths are short).
  const warm = await withWarmContainers(launcher, { root: path.join(dataDir, 'run', 'w') });
  const taskLauncher = setup.adaptToTasks(warm);

  const servers: { close(cb: () => void): void; closeAllConnections?(): void }[] = [];
  const memoryTrim = startMemoryTrim();
  // TCP: the browser boundary (Host, Origin); the task socket: a task credential instead.
  const web = webApp(admin.app, dataStore, browserBoundary({ listenHost: config.host, allowedHosts: config.allowedHosts }));
  const taskWeb = webApp(admin.app, dataStore, taskSocketGuard(admin, credentials, dataStore));
  // A client that stops sending mid-request (a body shorter than its Content-Length, headers
  // that never end) gets 408 and its connection closed instead of holding it forever.
  const httpServer = (app: Express): http.Server => {
    const srv = http.createServer({ connectionsCheckingInterval: 1000, headersTimeout: Math.min(10_000, config.requestTimeoutSeconds * 1000), requestTimeout: config.requestTimeoutSeconds * 1000 }, app);
    srv.on('request', () => memoryTrim.touch());
    return srv;
  };
  const listen = <S extends net.Server>(srv: S, target: { port: number; host: string } | { path: string }): Promise<S> =>
    new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(target, () => resolve(srv));
    });
  /** HTTP/1.1 (`app`) and Flyte's gRPC over HTTP/2 (`guard`ed, if given) on one listener. */
  const listenBoth = async (app: Express, guard: GrpcServerOptions['guard'], target: { port: number; host: string } | { path: string }): Promise<net.Server> => {
    const h1 = httpServer(app);
    const dual = dualProtocolServer(h1, createGrpcServer(admin, { logger: log, onCall: () => memoryTrim.touch(), ...(guard ? { guard } : {}) }));
    const srv = await listen(dual.server, target);
    servers.push({ close: (cb) => srv.close(() => cb()), closeAllConnections: () => dual.closeAllConnections() }, h1);
    return srv;
  };
  // The port: REST and the console, and Flyte's gRPC (pyflyte, flytectl).
  const main = await listenBoth(web, undefined, { port: config.port, host: config.host });
  const port = (main.address() as { port: number }).port;
  const url = baseUrl(config.host, port);
  // What Flyte gives its pods to reach the admin (gRPC; FlyteRemote in eager tasks), for tasks on the host.
  if (setup.processEnv) Object.assign(setup.processEnv, { FLYTE_PLATFORM_URL: new URL(url).host, FLYTE_PLATFORM_INSECURE: 'true' });
  // The task socket: REST for the sandbox's eager tasks, gRPC for flytekit's (FlyteRemote), both under task credentials.
  await listenBoth(taskWeb, taskSocketGrpcGuard(admin, credentials, dataStore), { path: socketPath });
  fs.chmodSync(socketPath, 0o666);

  const propeller = createPropeller(
    { clock: systemClock, launcher: taskLauncher, store: admin.stateStore, events: admin.eventSink, data: dataStore, children: admin.childPort, logger: log, credentials, storageFull: () => diskFullReason(dataDir) },
    resolvePropellerConfig({
      logDir: attemptLogs,
      runtime: { command: setup.runtimeCommand },
      defaultImage: DEFAULT_IMAGE,
      ...(setup.foreignImage ? { foreignImage: setup.foreignImage } : {}),
      adminUrl: url,
      maxParallelism: config.maxParallelism,
      maxNesting: config.maxNesting,
      eagerConcurrency: config.eagerConcurrency,
      taskResourceDefaults: {
        cpu: parseCpu(config.taskResourceDefaults.cpu) as number,
        memoryBytes: parseMemory(config.taskResourceDefaults.memory) as number,
      },
      maxTaskOutputBytes: config.maxTaskOutputBytes,
      engineWaitTimeoutMs: config.engineWaitSeconds * 1000,
      maxRunningTasks: runningTaskLimit(config),
      reuse: config.reuse ? { replicas: config.reuse.replicas, idleTtlMs: config.reuse.idleTtlSeconds * 1000 } : undefined,
    }),
  );
  runner.bind(propeller);
  writeState(dataDir, {
    pid: process.pid,
    port,
    host: config.host,
    launcher: setup.kind,
    url,
    startedAt: new Date().toISOString(),
    version: version(),
    ...(setup.warning ? { warning: setup.warning } : {}),
  });
  const codeCache = codeCacheText();
  log.info('sandbox listening', { url, launcher: setup.kind, dataDir, storage: dataStore.rootUri, ...(codeCache ? { codeCache } : {}) });
  void propeller.resume().catch((e: unknown) => log.error('resuming executions failed', { error: String(e) }));

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log.info('sandbox stopping');
  memoryTrim.stop();
  await propeller.stop().catch(() => undefined);
  const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  for (const s of servers) s.closeAllConnections?.();
  await closed;
  // Closes the warm containers, then the launcher under them.
  await warm.close().catch(() => undefined);
  storage.close();
  db.close();
  fs.rmSync(socketPath, { force: true });
  clearState(dataDir);
}
