/**
 * The images the daemon's Docker tasks run in, supplied at launch:
 *
 * - templates of the sandbox's own tasks name `DEFAULT_IMAGE`; they run in the runtime image built
 *   from this binary (tagged by its hash, so sandboxes of different binaries never mix images),
 *   built again when someone removed it while the sandbox ran;
 * - a flytekit task whose image is not present locally (nothing can be pulled) runs in the
 *   equivalent of flytekit's default image that the sandbox builds once per Python and flytekit
 *   version (`launcher/python-image.ts`); the attempt's log tells which image it got and shows the
 *   build's progress.
 *
 * Image builds stream hundreds of MB into `docker import`, so they run in short-lived child
 * processes (`tflyte-sandbox build-task-image`): the daemon would keep tens of MB it never gives back.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { Launcher } from '../launcher/launcher.ts';
import { decorateLauncher, imagePresent, launcherError, LAUNCHER_ERROR_CODES, pythonImageFor, type PythonImageRequest } from '../launcher/index.ts';
import { isSandboxError } from '../core/errors.ts';
import { DEFAULT_IMAGE } from '../sdk/internal.ts';
import { selfCommand } from './self.ts';

interface ImageLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link supplyTaskImages}. */
export interface TaskImageOptions {
  docker: Dockerode;
  /** The runtime image of this binary. */
  runtimeTag: string;
  /** Resolves when the runtime image exists; {@link TaskImageOptions.rebuildRuntime} makes it again. */
  runtimeReady: Promise<void>;
  rebuildRuntime: () => Promise<void>;
  /** Scratch space for image builds (pip's target directory). */
  workDir: string;
  log: ImageLog;
}

/**
 * Runs `tflyte-sandbox build-task-image ARGS` in a child process, passing on each line it prints
 * to `progress`; when it fails, rejects with `failure(what it printed on stderr)`.
 */
function buildTaskImageInChild(args: string[], failure: (why: string) => Error, progress?: (line: string) => void): Promise<void> {
  const [cmd, ...pre] = selfCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, [...pre, 'build-task-image', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) progress?.(l.trim());
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (e) => reject(failure(`could not run the image build: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(failure(stderr.trim() || `exit ${code}`))));
  });
}

/** Builds the runtime image of `binary` as `tag` (`build-task-image --binary`). */
export function buildRuntimeImageInChild(binary: string, tag: string): Promise<void> {
  return buildTaskImageInChild(['--binary', binary, '--tag', tag], (why) => new Error(`building the task image ${tag} failed: ${why}`));
}

/** A build shared by every attempt that waits for the same image; each hears its progress. */
interface SharedBuild {
  done: Promise<void>;
  listeners: Set<(line: string) => void>;
}

/** Wraps a Docker launcher so each attempt gets the image its task needs (see the module comment). */
export function supplyTaskImages(launcher: Launcher, o: TaskImageOptions): Launcher {
  const builds = new Map<string, SharedBuild>();
  const buildPythonImage = (request: PythonImageRequest, tag: string, progress: (line: string) => void): Promise<void> => {
    let b = builds.get(tag);
    if (!b) {
      const listeners = new Set<(line: string) => void>();
      const done = buildPythonImageInChild(request, o.workDir, (line) => {
        o.log.info('python image', { image: tag, step: line });
        for (const l of listeners) l(line);
      });
      b = { done, listeners };
      builds.set(tag, b);
      // Forgotten once done: a failed build is tried again by the next attempt (pip may have been
      // offline), and an image removed later is built again.
      done.then(
        () => builds.delete(tag),
        () => builds.delete(tag),
      );
    }
    b.listeners.add(progress);
    return b.done.finally(() => b.listeners.delete(progress));
  };

  return decorateLauncher(launcher, {
    launch: async (spec) => {
      await o.runtimeReady;
      const ours = spec.image === DEFAULT_IMAGE;
      let image = ours ? o.runtimeTag : spec.image;
      if (!ours && runsFlytekit(spec) && !(await imagePresent(o.docker, spec.image))) {
        const stand = await pythonImageFor(spec.image, spec.sdk?.version);
        if (stand) {
          const say = (line: string): void => appendLine(spec.logPath, `[tflyte-sandbox] ${line}`);
          say(`image ${spec.image} is not present locally (nothing is pulled): running in ${stand.tag} (Python ${stand.request.python}, flytekit ${stand.request.flytekit})`);
          if (!(await imagePresent(o.docker, stand.tag))) await buildPythonImage(stand.request, stand.tag, say);
          image = stand.tag;
        }
      }
      try {
        return await launcher.launch({ ...spec, image });
      } catch (e) {
        // The task image was removed while we ran (docker image prune, another teardown): build it again.
        if (!ours || !isSandboxError(e, 'SBX_LAUNCHER_IMAGE_NOT_FOUND')) throw e;
        o.log.warn('the task image disappeared; building it again', { image });
        await o.rebuildRuntime();
        return launcher.launch({ ...spec, image });
      }
    },
  });
}

/**
 * Whether an attempt runs flytekit's entrypoint (`pyflyte-fast-execute`, `pyflyte-execute`,
 * `pyflyte-map-execute`): a flytekit raw container (`ContainerTask`) names an image of its own
 * and gets no stand-in.
 */
function runsFlytekit(spec: { sdk?: { flavor: string }; command: string[] }): boolean {
  return spec.sdk?.flavor === 'python' && /^pyflyte-/.test(path.basename(spec.command[0] ?? ''));
}

/** Builds the flytekit image of `request` (`build-task-image --python --flytekit`), passing on its steps. */
function buildPythonImageInChild(request: PythonImageRequest, workDir: string, progress: (line: string) => void): Promise<void> {
  return buildTaskImageInChild(
    ['--python', request.python, '--flytekit', request.flytekit, '--work-dir', workDir],
    (why) => launcherError(LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED, `building the Python ${request.python} / flytekit ${request.flytekit} image failed: ${why}`),
    progress,
  );
}

/** Appends a line to an attempt's log (best effort: a full disk costs the line). */
function appendLine(file: string, line: string): void {
  try {
    fs.appendFileSync(file, `${line}\n`);
  } catch {
    // the log cannot be written: the daemon log has the same lines
  }
}
