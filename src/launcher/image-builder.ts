/**
 * Builds the default task image from the sandbox binary itself (no registry needed), and tells
 * how to run that binary inside any other image. Loads dockerode only through the instance passed in.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { sha256Hex } from '../core/sha256.ts';
import type { Mount } from './launcher.ts';
import { launcherError, LAUNCHER_ERROR_CODES, type LauncherError } from './errors.ts';

/** Where the runtime image holds the binary; its entrypoint. */
export const RUNTIME_BINARY_PATH = '/usr/local/bin/tflyte-sandbox';
/** Label set on every image built by {@link ensureRuntimeImage}. */
export const RUNTIME_IMAGE_LABEL = 'tflyte.sandbox.image';
/** Where {@link runtimeMount} puts the binary and its libraries inside a user image. */
export const RUNTIME_MOUNT_DIR = '/opt/tflyte';

/** Bump when the rootfs recipe changes, so {@link runtimeImageTag} names a new image. */
const RECIPE_VERSION = 2;

/**
 * A tag that changes whenever the binary (size, mtime) or this recipe changes:
 * `tflyte-sandbox-runtime:<12 hex>`. Pass it to {@link ensureRuntimeImage}.
 */
export async function runtimeImageTag(binaryPath: string): Promise<string> {
  const st = await fsp.stat(binaryPath);
  const h = sha256Hex(`${RECIPE_VERSION}:${path.resolve(binaryPath)}:${st.size}:${st.mtimeMs}`);
  return `tflyte-sandbox-runtime:${h.slice(0, 12)}`;
}

/** Options of {@link ensureRuntimeImage}. */
export interface RuntimeImageOptions {
  /** The dynamically (or statically) linked executable to run as entrypoint. */
  binaryPath: string;
  /** `name:tag` of the image; choose one that changes with the binary (e.g. its version). */
  tag: string;
  /** Extra files copied into the image (e.g. a test script). */
  extraFiles?: { hostPath: string; imagePath: string; mode?: number }[];
}

/** The shared libraries an executable needs, as `ldd` resolves them on this host. */
export interface LinkedLibraries {
  /** The dynamic loader (`PT_INTERP`), e.g. `/lib64/ld-linux-x86-64.so.2`; undefined if static. */
  loader?: string;
  /** Absolute paths of the libraries (not the loader), in `ldd` order. */
  libs: string[];
}

/** Runs `ldd` on `binaryPath`. A static executable has no loader and no libraries. */
export async function linkedLibraries(binaryPath: string): Promise<LinkedLibraries> {
  const r = await runCommand('ldd', [binaryPath]);
  if (r.exitCode !== 0) {
    if (/not a dynamic executable|statically linked/.test(`${r.stdout}${r.stderr}`)) return { libs: [] };
    throw launcherError(LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED, `ldd ${binaryPath} failed: ${r.stderr || r.stdout}`);
  }
  const libs: string[] = [];
  let loader: string | undefined;
  for (const line of r.stdout.split('\n')) {
    const arrow = /=>\s+(\/\S+)\s+\(/.exec(line);
    if (arrow?.[1]) {
      libs.push(arrow[1]);
      continue;
    }
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    if (bare?.[1]) loader = bare[1];
    if (/=>\s+not found/.test(line)) {
      throw launcherError(LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED, `${binaryPath} needs a library this host lacks: ${line.trim()}`);
    }
  }
  return loader === undefined ? { libs } : { loader, libs };
}

/** One entry of a root filesystem to import. */
export interface RootfsEntry {
  path: string;
  type: 'Directory' | 'File' | 'SymbolicLink';
  mode: number;
  /** Host file to copy (File), or literal content. */
  source?: string;
  /** What a SymbolicLink points at. */
  linkpath?: string;
  content?: Buffer;
}

/**
 * Makes sure the image `tag` exists: when missing, builds a minimal root filesystem (the binary
 * at {@link RUNTIME_BINARY_PATH}, the libraries `ldd` lists plus the loader at their host paths,
 * `/tmp` with mode 1777, a minimal `/etc/passwd` and `/etc/group`) and `docker import`s it with
 * that entrypoint and the label `tflyte.sandbox.image=1`. Nothing is pulled or written to disk.
 * Idempotent: returns `tag` at once when it already exists. Concurrent calls for the same tag
 * may both build; the last import wins with identical content.
 */
export async function ensureRuntimeImage(docker: Dockerode, opts: RuntimeImageOptions): Promise<string> {
  if (await imagePresent(docker, opts.tag)) return opts.tag;
  // HOME points at /tmp so a non-root uid (the launcher runs tasks as the host user) can write
  // its caches there.
  await importRootfs(docker, opts.tag, await runtimeRootfs(opts), [
    `ENTRYPOINT ["${RUNTIME_BINARY_PATH}"]`,
    `LABEL ${RUNTIME_IMAGE_LABEL}=1`,
    'ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp',
  ]);
  return opts.tag;
}

/** Whether the engine has the image `tag` (an engine that does not answer is an error). */
export async function imagePresent(docker: Dockerode, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw engineError(e, 'inspect image');
  }
}

/**
 * `docker import`s `entries` as the image `tag`, with Dockerfile-like `changes` (`ENV …`,
 * `LABEL …`, `ENTRYPOINT […]`, `WORKDIR …`), streaming the tar without writing it to disk.
 */
export async function importRootfs(docker: Dockerode, ref: string, entries: RootfsEntry[], changes: string[]): Promise<void> {
  const { repo, tag } = splitTag(ref);
  let progress: NodeJS.ReadableStream;
  try {
    // Repeated `changes` query parameters, as `docker import --change` sends them.
    progress = await docker.importImage(Readable.from(tarStream(entries)), { repo, tag, changes });
  } catch (e) {
    throw launcherError(LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED, `docker import of ${ref} failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(progress, (err: Error | null, events: { error?: string }[]) => {
      const failed = err?.message ?? events.find((ev) => ev.error)?.error;
      if (failed) reject(launcherError(LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED, `docker import of ${ref} failed: ${failed}`));
      else resolve();
    });
  });
}

/**
 * `files` preceded by every directory above them (mode 0755) and a world-writable `/tmp`, sorted
 * so that a directory comes before what it holds.
 */
export function withParentDirs(files: RootfsEntry[]): RootfsEntry[] {
  const dirs = new Map<string, RootfsEntry>([['tmp', { path: 'tmp', type: 'Directory', mode: 0o1777 }]]);
  for (const f of files) {
    if (f.type === 'Directory') {
      dirs.set(f.path, f);
      continue;
    }
    for (let d = path.posix.dirname(f.path); d !== '.' && !dirs.has(d); d = path.posix.dirname(d)) {
      dirs.set(d, { path: d, type: 'Directory', mode: 0o755 });
    }
  }
  // Code-unit order (parents before children either way): localeCompare would map ICU's collation
  // data into the daemon (~2.6 MB resident for good).
  return [...[...dirs.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), ...files.filter((f) => f.type !== 'Directory')];
}

/** The `/etc/passwd` and `/etc/group` of a built image: root and nobody. */
export const MINIMAL_ACCOUNTS: RootfsEntry[] = [
  { path: 'etc/passwd', type: 'File', mode: 0o644, content: Buffer.from('root:x:0:0:root:/:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n') },
  { path: 'etc/group', type: 'File', mode: 0o644, content: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
];

/** The files of the runtime image's root filesystem (exported for tests). @internal */
export async function runtimeRootfs(opts: RuntimeImageOptions): Promise<RootfsEntry[]> {
  const { loader, libs } = await linkedLibraries(opts.binaryPath);
  const files: RootfsEntry[] = [{ path: RUNTIME_BINARY_PATH.slice(1), type: 'File', mode: 0o755, source: opts.binaryPath }, ...MINIMAL_ACCOUNTS];
  for (const lib of [...libs, ...(loader ? [loader] : [])]) {
    files.push({ path: lib.slice(1), type: 'File', mode: 0o755, source: lib });
  }
  for (const f of opts.extraFiles ?? []) {
    files.push({ path: f.imagePath.replace(/^\/+/, ''), type: 'File', mode: f.mode ?? 0o644, source: f.hostPath });
  }
  return withParentDirs(files);
}

/** Runs a command to its end; never rejects for a non-zero exit (`exitCode` says; 127: not found). */
export function runCommand(cmd: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ exitCode: code, stdout, stderr: stderr || (err && code === 127 ? err.message : '') });
    });
  });
}

/** A plain ustar stream of `entries` (sources dereferenced), ending with the two zero blocks. */
async function* tarStream(entries: RootfsEntry[]): AsyncGenerator<Buffer> {
  // Loaded here: only an image build needs tar, not every daemon start.
  const { Header } = await import('tar');
  const mtime = new Date(0);
  for (const e of entries) {
    const size = e.type !== 'File' ? 0 : e.content ? e.content.length : (await fsp.stat(e.source as string)).size;
    const block = Buffer.alloc(512);
    const h = new Header({
      path: e.type === 'Directory' ? `${e.path}/` : e.path,
      mode: e.mode,
      uid: 0,
      gid: 0,
      size,
      mtime,
      type: e.type,
      ...(e.linkpath !== undefined ? { linkpath: e.linkpath } : {}),
      uname: 'root',
      gname: 'root',
    });
    if (h.encode(block, 0)) throw launcherError(LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED, `path too long for the image: ${e.path}`);
    yield block;
    if (e.type !== 'File') continue;
    let written = 0;
    if (e.content) {
      yield e.content;
      written = e.content.length;
    } else {
      for await (const chunk of fs.createReadStream(e.source as string)) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    if (written !== size) throw launcherError(LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED, `${e.source} changed while being read`);
    const pad = (512 - (size % 512)) % 512;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(1024);
}

/** How to run a binary inside an arbitrary image: bind mounts plus the entrypoint to use. */
export interface RuntimeMount {
  mounts: Mount[];
  /** Prefix of the container command: the loader, `--library-path`, the binary. */
  entrypoint: string[];
}

/**
 * Runs `binaryPath` inside a user-supplied image that may lack glibc (or have an older one): the
 * binary and every library it links (plus the loader) are bind-mounted read-only under
 * `/opt/tflyte/{bin,lib}`, and the host's dynamic loader is the entrypoint, so the image's own
 * libraries are never used. Caveat: inside, `/proc/self/exe` (and so Node's `process.execPath`)
 * is the loader, not the binary: re-spawning "self" needs the full entrypoint.
 * A static binary is mounted alone and run directly.
 */
export async function runtimeMount(binaryPath: string): Promise<RuntimeMount> {
  const { loader, libs } = await linkedLibraries(binaryPath);
  const bin = `${RUNTIME_MOUNT_DIR}/bin/tflyte-sandbox`;
  const mounts: Mount[] = [{ hostPath: path.resolve(binaryPath), containerPath: bin, readOnly: true }];
  if (!loader) return { mounts, entrypoint: [bin] };
  for (const lib of [...libs, loader]) {
    mounts.push({ hostPath: lib, containerPath: `${RUNTIME_MOUNT_DIR}/lib/${path.basename(lib)}`, readOnly: true });
  }
  const libDir = `${RUNTIME_MOUNT_DIR}/lib`;
  return { mounts, entrypoint: [`${libDir}/${path.basename(loader)}`, '--library-path', libDir, bin] };
}

function splitTag(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repo: ref, tag: 'latest' };
}

function engineError(e: unknown, what: string): LauncherError {
  return launcherError(LAUNCHER_ERROR_CODES.ENGINE_UNAVAILABLE, `Docker engine failed to ${what}: ${(e as Error).message}`, {
    cause: e,
  });
}
