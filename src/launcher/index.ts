/**
 * Launcher component: the port (`Launcher`) and a factory that loads an adapter lazily, so
 * importing this module never loads dockerode. See README.md.
 */
import type Docker from 'dockerode';
import type { Launcher } from './launcher.ts';
import type { DockerLauncherOptions } from './docker-launcher.ts';
import type { ProcessLauncherOptions } from './process-launcher.ts';

export type { Launcher, LaunchSpec, Mount, AttemptExit, LaunchedAttempt, ReusePolicy } from './launcher.ts';
export type { WarmPoolOptions } from './warm-pool.ts';
export { LauncherError, LAUNCHER_ERROR_CODES, isLauncherError, launcherError } from './errors.ts';
export type { LauncherErrorCode } from './errors.ts';
export type { DockerLauncherOptions } from './docker-launcher.ts';
export type { ProcessLauncherOptions } from './process-launcher.ts';
export type { RuntimeImageOptions, RuntimeMount, LinkedLibraries } from './image-builder.ts';

/**
 * `inner` with some of its methods replaced (`launch`, `list`); the others delegate to it. For
 * adapters that add to every launch (labels, images, arguments) without being launchers themselves.
 */
export function decorateLauncher(inner: Launcher, overrides: Partial<Pick<Launcher, 'launch' | 'list'>>): Launcher {
  return {
    kind: inner.kind,
    confinesToMounts: inner.confinesToMounts,
    launch: overrides.launch ?? ((spec) => inner.launch(spec)),
    wait: (key, signal) => inner.wait(key, signal),
    abort: (key) => inner.abort(key),
    cleanup: (key) => inner.cleanup(key),
    list: overrides.list ?? ((labels) => inner.list(labels)),
    close: () => inner.close(),
  };
}

/**
 * `inner` with reusable containers: attempts whose spec asks for `reuse` run in warm containers
 * (see `warm-pool.ts`), the others go to `inner` unchanged.
 */
export async function withWarmContainers(inner: Launcher, options: import('./warm-pool.ts').WarmPoolOptions): Promise<Launcher & { warmContainers(): { pool: string; name: string; busy?: string }[] }> {
  const { WarmPool } = await import('./warm-pool.ts');
  return new WarmPool(inner, options);
}

/** Options per launcher kind. */
export type LauncherOptions = { docker: DockerLauncherOptions; process: ProcessLauncherOptions };

/**
 * Creates a launcher of the given kind, importing its adapter (and, for `docker`, dockerode) only now.
 * @example const launcher = await createLauncher('docker', { adminSocketPath: '/data/admin.sock' });
 */
export async function createLauncher<K extends keyof LauncherOptions>(kind: K, options: LauncherOptions[K] = {}): Promise<Launcher> {
  if (kind === 'docker') {
    const { DockerLauncher } = await import('./docker-launcher.ts');
    return new DockerLauncher(options as DockerLauncherOptions);
  }
  if (kind === 'process') {
    const { ProcessLauncher } = await import('./process-launcher.ts');
    return new ProcessLauncher(options as ProcessLauncherOptions);
  }
  throw new Error(`unknown launcher kind ${String(kind)}`);
}

/**
 * Builds (once) the default task image from the sandbox binary (see `image-builder.ts`) on the
 * engine of a Docker launcher made by {@link createLauncher}, or of a dockerode client.
 */
export async function ensureRuntimeImage(
  via: Launcher | Docker,
  options: import('./image-builder.ts').RuntimeImageOptions,
): Promise<string> {
  const docker = 'kind' in via ? (via as Launcher & { docker?: Docker }).docker : via;
  if (!docker) throw new Error(`ensureRuntimeImage needs a Docker launcher, got kind ${(via as Launcher).kind}`);
  const m = await import('./image-builder.ts');
  return m.ensureRuntimeImage(docker, options);
}

/** A runtime image tag that changes with the binary; see `image-builder.ts`. */
export async function runtimeImageTag(binaryPath: string): Promise<string> {
  const m = await import('./image-builder.ts');
  return m.runtimeImageTag(binaryPath);
}

/** Bind mounts + entrypoint that run the sandbox binary inside any image (no glibc needed there). */
export async function runtimeMount(binaryPath: string): Promise<import('./image-builder.ts').RuntimeMount> {
  const m = await import('./image-builder.ts');
  return m.runtimeMount(binaryPath);
}

export type { PythonImageRequest } from './python-image.ts';

/** Whether the engine has the image `tag`; see `image-builder.ts`. */
export async function imagePresent(docker: Docker, tag: string): Promise<boolean> {
  const m = await import('./image-builder.ts');
  return m.imagePresent(docker, tag);
}

/** Builds (once) the image Python tasks run in when theirs is not present; see `python-image.ts`. */
export async function ensurePythonImage(
  docker: Docker,
  req: import('./python-image.ts').PythonImageRequest,
  opts: { workDir: string; progress?: (line: string) => void; searchPath?: string },
): Promise<string> {
  const m = await import('./python-image.ts');
  return m.ensurePythonImage(docker, req, opts);
}

/** What a flytekit task's image needs (Python and flytekit versions) and the tag of its stand-in; see `python-image.ts`. */
export async function pythonImageFor(
  image: string,
  flytekitVersion: string | undefined,
): Promise<{ request: import('./python-image.ts').PythonImageRequest; tag: string } | undefined> {
  const m = await import('./python-image.ts');
  const request = m.pythonImageRequest(image, flytekitVersion, (await m.hostPythonVersion()) ?? '3');
  return request && { request, tag: m.pythonImageTag(request) };
}
