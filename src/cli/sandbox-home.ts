/**
 * Finding a sandbox: every command locates its sandbox through the data dir (`--data-dir`, else
 * `TFLYTE_HOME`, else `~/.tflyte/sandbox`), which holds the config (`config.yaml`), the running
 * daemon's state (`sandbox.json`), the database, the blob store and the logs. Several sandboxes
 * with other data dirs and ports can run side by side.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDurationText } from '../core/cli-values.ts';
import { sha256Hex } from '../core/sha256.ts';
import { REUSE_DEFAULTS, REUSE_LIMITS } from '../core/vocabulary.ts';
import { UsageError } from './usage-error.ts';

/** The settings of one sandbox (config.yaml, overridden by flags). */
export interface SandboxConfig {
  /** HTTP port of the API and console. @default 30080 */
  port: number;
  /** Interface the API listens on. @default 127.0.0.1 */
  host: string;
  /** How tasks run. @default docker */
  launcher: 'docker' | 'process';
  /** Max task/launch-plan nodes running at once per execution (Flyte's max parallelism). @default 25 */
  maxParallelism: number;
  /** Max child executions an eager task runs at once. @default 10 */
  eagerConcurrency: number;
  /** Max depth of nested dynamic/launch-plan executions. @default 10 */
  maxNesting: number;
  /**
   * Max task attempts running at once across all executions (eager tasks excepted); the others
   * stay QUEUED until one ends, as pods stay Pending on a full cluster. 0 means 4 per core, at
   * least 16 (see {@link runningTaskLimit}). @default 0
   */
  maxRunningTasks: number;
  /**
   * Extra names the API answers to in the `Host` header, besides loopback names and `host`
   * (a request naming any other host is refused: DNS rebinding). @default []
   */
  allowedHosts: string[];
  /** Must be true (`start --expose`) to listen on a non-loopback `host`. @default false */
  expose: boolean;
  /**
   * Limits of a task container that sets none (like flyte-sandbox's task resource defaults):
   * Kubernetes quantities. @default { cpu: "1", memory: "1Gi" }
   */
  taskResourceDefaults: { cpu: string; memory: string };
  /**
   * `uid:gid` task containers run as. `""` (default): the daemon's own uid:gid, or 65532:65532
   * when the daemon runs as root (tasks never run as uid 0 unless this says `0:0`).
   */
  taskUser: string;
  /** Most bytes the sandbox reads or copies of one attempt's outputs. @default 1 GiB */
  maxTaskOutputBytes: number;
  /** Seconds a client has to send a whole request (headers: at most 10) before a 408. @default 30 */
  requestTimeoutSeconds: number;
  /**
   * Seconds an attempt waits for a Docker engine that stopped answering, or a task waits for space
   * on a full data disk before it launches, before it fails as a SYSTEM error (retried within the
   * system budget). @default 600
   */
  engineWaitSeconds: number;
  /**
   * Where execution data lives: `""` for the data dir's `blobs/` (the default), or
   * `s3://bucket/prefix` for an S3-compatible object store (as on a Flyte cluster). @default ""
   */
  storage: string;
  /**
   * How to reach the S3 server of `storage`, with flytekit's key names (`storage.connection` of
   * its config file); `FLYTE_AWS_ENDPOINT`, `FLYTE_AWS_ACCESS_KEY_ID` and
   * `FLYTE_AWS_SECRET_ACCESS_KEY` in the environment win over them. @default {}
   */
  storageConnection: StorageConnectionConfig;
  /**
   * Docker network of task containers: `""` (the engine's default bridge), `host`, `none` or a
   * network's name. A task reaching an S3 server on this machine's loopback needs `host`. @default ""
   */
  taskNetwork: string;
  /**
   * Reusable containers for every task of the default image that sets no `reuse` of its own:
   * `false` (each attempt gets a new container), `true` ({@link DEFAULT_REUSE}), or
   * `{ replicas, idleTtl }` (`idleTtl` in seconds or like `"5m"`). For CI runs of trusted code:
   * the attempts of a project share containers (docs/reusable-containers.md). @default false
   */
  reuse: false | ReuseSetting;
}

/** A resolved `reuse` setting. */
export interface ReuseSetting {
  replicas: number;
  idleTtlSeconds: number;
}

/** What `reuse: true` (or `start --reuse`) means: two warm containers per pool, kept 5 minutes idle. */
export const DEFAULT_REUSE: ReuseSetting = { ...REUSE_DEFAULTS };

/** `storageConnection` of config.yaml: flytekit's `storage.connection` keys. */
export interface StorageConnectionConfig {
  endpoint?: string;
  region?: string;
  'access-key'?: string;
  'secret-key'?: string;
  /** `path` (the default with an endpoint) or `virtual`. */
  'addressing-style'?: 'path' | 'virtual';
}

/** Defaults like `flytectl demo`'s. */
export const DEFAULT_CONFIG: SandboxConfig = {
  port: 30080,
  host: '127.0.0.1',
  launcher: 'docker',
  maxParallelism: 25,
  eagerConcurrency: 10,
  maxRunningTasks: 0,
  maxNesting: 10,
  allowedHosts: [],
  expose: false,
  taskResourceDefaults: { cpu: '1', memory: '1Gi' },
  taskUser: '',
  maxTaskOutputBytes: 1024 ** 3,
  requestTimeoutSeconds: 30,
  engineWaitSeconds: 600,
  storage: '',
  storageConnection: {},
  taskNetwork: '',
  reuse: false,
};

/** What `start` records about the running daemon, for the other commands. */
export interface SandboxState {
  pid: number;
  port: number;
  host: string;
  launcher: 'docker' | 'process';
  url: string;
  startedAt: string;
  version: string;
  /** Why the sandbox runs with another launcher than asked for, if it does. */
  warning?: string;
}

/** Resolves the data dir from the flag, then `TFLYTE_HOME`, then the default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = flag ?? env.TFLYTE_HOME ?? path.join(os.homedir(), '.tflyte', 'sandbox');
  return path.resolve(dir);
}

/** Paths inside a data dir. */
export function homePaths(dataDir: string) {
  return {
    dataDir,
    config: path.join(dataDir, 'config.yaml'),
    state: path.join(dataDir, 'sandbox.json'),
    db: path.join(dataDir, 'sandbox.db'),
    blobs: path.join(dataDir, 'blobs'),
    logs: path.join(dataDir, 'logs'),
    daemonLog: path.join(dataDir, 'logs', 'sandbox.log'),
    /** A flytectl/flytekit config file pointing at this sandbox (what `flytectl demo` writes). */
    flyteConfig: path.join(dataDir, 'flyte-config.yaml'),
  };
}

function checkInt(v: unknown, name: string, min: number, max: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** Validates a partial config (from YAML or flags); errors name the setting and the file. */
export function validateConfig(raw: Record<string, unknown>, source: string): Partial<SandboxConfig> {
  const out: Partial<SandboxConfig> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    switch (k) {
      case 'port':
        out.port = checkInt(v, `${source}: port`, 0, 65535);
        break;
      case 'host':
        if (typeof v !== 'string' || v === '') throw new UsageError(`${source}: host must be a host name or IP address`);
        out.host = v;
        break;
      case 'launcher':
        if (v !== 'docker' && v !== 'process') throw new UsageError(`${source}: launcher must be "docker" or "process", got ${JSON.stringify(v)}`);
        out.launcher = v;
        break;
      case 'maxParallelism':
        out.maxParallelism = checkInt(v, `${source}: maxParallelism`, 0, 10_000);
        break;
      case 'maxRunningTasks':
        out.maxRunningTasks = checkInt(v, `${source}: maxRunningTasks`, 0, 100_000);
        break;
      case 'eagerConcurrency':
        out.eagerConcurrency = checkInt(v, `${source}: eagerConcurrency`, 1, 1_000);
        break;
      case 'maxNesting':
        out.maxNesting = checkInt(v, `${source}: maxNesting`, 1, 100);
        break;
      case 'allowedHosts':
        if (!Array.isArray(v) || !v.every((h) => typeof h === 'string' && /^[A-Za-z0-9.:\-\[\]]+$/.test(h))) {
          throw new UsageError(`${source}: allowedHosts must be a list of host names or addresses (e.g. [my-laptop.local]), got ${JSON.stringify(v)}`);
        }
        out.allowedHosts = (v as string[]).map((h) => h.toLowerCase());
        break;
      case 'expose':
        if (typeof v !== 'boolean') throw new UsageError(`${source}: expose must be true or false, got ${JSON.stringify(v)}`);
        out.expose = v;
        break;
      case 'taskResourceDefaults': {
        const o = v as Record<string, unknown>;
        if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(o).some((k2) => k2 !== 'cpu' && k2 !== 'memory')) {
          throw new UsageError(`${source}: taskResourceDefaults must be a mapping with cpu and memory (e.g. { cpu: "1", memory: "1Gi" })`);
        }
        const cpu = String(o.cpu ?? DEFAULT_CONFIG.taskResourceDefaults.cpu);
        const memory = String(o.memory ?? DEFAULT_CONFIG.taskResourceDefaults.memory);
        if (!/^\d+(\.\d+)?m?$/.test(cpu) || Number.parseFloat(cpu) <= 0) throw new UsageError(`${source}: taskResourceDefaults.cpu must be cores like "1" or "500m", got ${JSON.stringify(o.cpu)}`);
        if (!/^\d+(\.\d+)?([kMGT]i?|Ki)?$/.test(memory) || Number.parseFloat(memory) <= 0) {
          throw new UsageError(`${source}: taskResourceDefaults.memory must be a quantity like "512Mi" or "1Gi", got ${JSON.stringify(o.memory)}`);
        }
        out.taskResourceDefaults = { cpu, memory };
        break;
      }
      case 'taskUser':
        if (typeof v !== 'string' || !/^(\d+:\d+)?$/.test(v)) throw new UsageError(`${source}: taskUser must be "uid:gid" (numbers) or "", got ${JSON.stringify(v)}`);
        out.taskUser = v;
        break;
      case 'engineWaitSeconds':
        out.engineWaitSeconds = checkInt(v, `${source}: engineWaitSeconds`, 1, 86_400);
        break;
      case 'requestTimeoutSeconds':
        out.requestTimeoutSeconds = checkInt(v, `${source}: requestTimeoutSeconds`, 1, 3600);
        break;
      case 'maxTaskOutputBytes':
        out.maxTaskOutputBytes = checkInt(v, `${source}: maxTaskOutputBytes`, 1, Number.MAX_SAFE_INTEGER);
        break;
      case 'storage':
        if (typeof v !== 'string' || (v !== '' && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/.test(v))) {
          throw new UsageError(`${source}: storage must be "" (the data dir's blobs/) or an S3 URI like s3://my-bucket/sandbox, got ${JSON.stringify(v)}`);
        }
        out.storage = v.replace(/\/+$/, '');
        break;
      case 'storageConnection':
        out.storageConnection = checkStorageConnection(v, `${source}: storageConnection`);
        break;
      case 'taskNetwork':
        if (typeof v !== 'string' || !/^([A-Za-z0-9][A-Za-z0-9_.-]*)?$/.test(v)) {
          throw new UsageError(`${source}: taskNetwork must be "", "host", "none" or a Docker network's name, got ${JSON.stringify(v)}`);
        }
        out.taskNetwork = v;
        break;
      case 'reuse':
        out.reuse = checkReuse(v, `${source}: reuse`);
        break;
      default:
        throw new UsageError(`${source}: unknown setting "${k}" (known: ${Object.keys(DEFAULT_CONFIG).join(', ')})`);
    }
  }
  return out;
}

function checkReuse(v: unknown, what: string): false | ReuseSetting {
  if (v === false || v === 'false') return false;
  if (v === true || v === 'true') return { ...DEFAULT_REUSE };
  const example = 'true, false, or a mapping like { replicas: 2, idleTtl: "5m" }';
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${what} must be ${example}, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'replicas' && k !== 'idleTtl') throw new UsageError(`${what}: unknown key "${k}" (known: replicas, idleTtl)`);
  const replicas = o.replicas === undefined ? DEFAULT_REUSE.replicas : checkInt(o.replicas, `${what}.replicas`, 1, REUSE_LIMITS.maxReplicas);
  let idleTtlSeconds = DEFAULT_REUSE.idleTtlSeconds;
  if (o.idleTtl !== undefined) {
    // A number is seconds; text is a duration like "5m".
    const ms = typeof o.idleTtl === 'number' ? o.idleTtl * 1000 : typeof o.idleTtl === 'string' && /[a-z]$/i.test(o.idleTtl.trim()) ? (parseDurationText(o.idleTtl) ?? Number.NaN) : Number.NaN;
    const s = ms / 1000;
    if (!Number.isFinite(s) || s < REUSE_LIMITS.minIdleTtlSeconds || s > REUSE_LIMITS.maxIdleTtlSeconds) {
      throw new UsageError(`${what}.idleTtl must be a duration from 1s to 24h (seconds, or like "5m"), got ${JSON.stringify(o.idleTtl)}`);
    }
    idleTtlSeconds = s;
  }
  return { replicas, idleTtlSeconds };
}

const CONNECTION_KEYS = ['endpoint', 'region', 'access-key', 'secret-key', 'addressing-style'] as const;

function checkStorageConnection(v: unknown, what: string): StorageConnectionConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new UsageError(`${what} must be a mapping like { endpoint: "http://127.0.0.1:8333", access-key: "…", secret-key: "…" }`);
  }
  const out: StorageConnectionConfig = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (!(CONNECTION_KEYS as readonly string[]).includes(k)) throw new UsageError(`${what}: unknown key "${k}" (known: ${CONNECTION_KEYS.join(', ')})`);
    if (typeof x !== 'string' || x === '') throw new UsageError(`${what}.${k} must be a non-empty string`);
    if (k === 'endpoint' && !/^https?:\/\/[^\s/]+\/?$/.test(x)) throw new UsageError(`${what}.endpoint must be an http(s) URL like http://127.0.0.1:8333, got ${JSON.stringify(x)}`);
    if (k === 'addressing-style' && x !== 'path' && x !== 'virtual') throw new UsageError(`${what}.addressing-style must be "path" or "virtual", got ${JSON.stringify(x)}`);
    (out as Record<string, string>)[k] = x;
  }
  return out;
}

/** Reads config.yaml (if any) and applies flags over it. */
export async function loadConfig(dataDir: string, flags: Record<string, unknown> = {}): Promise<SandboxConfig> {
  const p = homePaths(dataDir).config;
  let fromFile: Partial<SandboxConfig> = {};
  if (fs.existsSync(p)) {
    const text = fs.readFileSync(p, 'utf8');
    let parsed: unknown;
    try {
      // The YAML parser loads only for a file with settings (the default file is all comments).
      parsed = /^[ \t]*[^#\s]/m.test(text) ? (await import('yaml')).default.parse(text) : null;
    } catch (e) {
      throw new UsageError(`${p} is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`${p} must hold a mapping of settings`);
      fromFile = validateConfig(parsed as Record<string, unknown>, p);
    }
  }
  const fromFlags = validateConfig(flags, 'command line');
  return { ...DEFAULT_CONFIG, ...fromFile, ...fromFlags };
}

/** The running-task limit `maxRunningTasks` stands for on this machine (0: 4 per core, at least 16). */
export function runningTaskLimit(config: Pick<SandboxConfig, 'maxRunningTasks'>, cores = os.availableParallelism()): number {
  return config.maxRunningTasks > 0 ? config.maxRunningTasks : Math.max(16, 4 * cores);
}

/** Writes a commented default config.yaml when none exists. */
export function ensureConfigFile(dataDir: string): void {
  const p = homePaths(dataDir).config;
  if (fs.existsSync(p)) return;
  fs.mkdirSync(dataDir, { recursive: true });
  const lines = [
    '# tflyte-sandbox settings; command-line flags override them.',
    ...Object.entries(DEFAULT_CONFIG).map(([k, v]) => `# ${k}: ${JSON.stringify(v)}`),
    '',
  ];
  fs.writeFileSync(p, lines.join('\n'));
}

/**
 * Records one setting in the data dir's config.yaml, keeping its comments and other settings
 * (`start --port P` is remembered this way, so a later plain `start` uses P again).
 */
export async function saveSetting(dataDir: string, key: keyof SandboxConfig, value: unknown): Promise<void> {
  ensureConfigFile(dataDir);
  const p = homePaths(dataDir).config;
  const { default: YAML } = await import('yaml');
  const doc = YAML.parseDocument(fs.readFileSync(p, 'utf8'));
  if (doc.errors.length > 0) return; // loadConfig reports a broken file; never overwrite it
  doc.set(key, value);
  fs.writeFileSync(`${p}.tmp`, doc.toString());
  fs.renameSync(`${p}.tmp`, p);
}

/** The running daemon's state, or undefined when none was recorded. */
export function readState(dataDir: string): SandboxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(homePaths(dataDir).state, 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

/** Records the running daemon's state (atomically). */
export function writeState(dataDir: string, state: SandboxState): void {
  const p = homePaths(dataDir).state;
  fs.writeFileSync(`${p}.tmp`, JSON.stringify(state, null, 2));
  fs.renameSync(`${p}.tmp`, p);
}

/** Removes the state file (daemon stopped). */
export function clearState(dataDir: string): void {
  fs.rmSync(homePaths(dataDir).state, { force: true });
}

/** True if a process with this pid runs (an exited one not yet reaped, a zombie, does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // The daemon is detached, so once `start` exits its parent is init, which may reap it only
  // seconds after it exited; `stop` would wait for that. Linux tells the state in /proc.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/** Base URL of the API for a state (`http://127.0.0.1:30080`). */
export function baseUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/**
 * The machine-wide list of running sandboxes: one small file per sandbox in a shared, sticky
 * directory under the system temp dir, written by `start` and removed by `stop`. Sandboxes with
 * other data dirs share the Docker engine and its runtime images, so `teardown` keeps the images
 * while another sandbox still runs (removing them would break that sandbox's next task).
 */
export function runningRegistryDir(): string {
  return path.join(os.tmpdir(), 'tflyte-sandboxes');
}

function registryFile(dataDir: string): string {
  const id = sha256Hex(path.resolve(dataDir)).slice(0, 16);
  return path.join(runningRegistryDir(), `${id}.json`);
}

/** An entry of the running-sandbox list. */
export interface RunningEntry {
  pid: number;
  dataDir: string;
  url: string;
}

/** Records that the sandbox of `dataDir` runs (best effort: never fails `start`). */
export function recordRunning(dataDir: string, state: Pick<SandboxState, 'pid' | 'url'>): void {
  try {
    const dir = runningRegistryDir();
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      // Shared by every user of the machine (they share the Docker engine): sticky, like /tmp.
      fs.chmodSync(dir, 0o1777);
    }
    const entry: RunningEntry = { pid: state.pid, dataDir: path.resolve(dataDir), url: state.url };
    const file = registryFile(dataDir);
    fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(entry));
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // The list only protects shared images; a sandbox runs fine without its entry.
  }
}

/** Removes the sandbox of `dataDir` from the running-sandbox list. */
export function forgetRunning(dataDir: string): void {
  fs.rmSync(registryFile(dataDir), { force: true });
}

/** Sandboxes with another data dir whose daemon is alive (stale entries are dropped). */
export function otherRunningSandboxes(dataDir: string): RunningEntry[] {
  const own = path.resolve(dataDir);
  const dir = runningRegistryDir();
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: RunningEntry[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    let entry: RunningEntry;
    try {
      entry = JSON.parse(fs.readFileSync(file, 'utf8')) as RunningEntry;
    } catch {
      continue;
    }
    // A dead pid, or a live one that is no longer that data dir's daemon (pid reuse): stale.
    const stale = typeof entry.pid !== 'number' || !isAlive(entry.pid) || (fs.existsSync(entry.dataDir) && readState(entry.dataDir)?.pid !== entry.pid);
    if (stale) {
      try {
        fs.rmSync(file, { force: true });
      } catch {
        // Another user's stale entry in the sticky dir: leave it.
      }
      continue;
    }
    if (entry.dataDir !== own) out.push(entry);
  }
  return out;
}
