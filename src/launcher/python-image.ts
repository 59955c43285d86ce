/**
 * The image Python (flytekit) tasks run in when their own image is not present locally: the
 * equivalent of flytekit's default image (`cr.flyte.org/flyteorg/flytekit:py3.11-1.16.31`, which
 * cannot be pulled here), built once per Python and flytekit version from what the machine has:
 *
 * - the host's CPython of that version, at its own paths (interpreter, `libpython`, the standard
 *   library without its tests, IDLE, Tk and the `site-packages` of the host);
 * - flytekit of the task's version, installed from the package index by that Python's `pip`
 *   (`--target`) into `/opt/flytekit/site-packages`, its scripts (`pyflyte-execute`, …) on `PATH`;
 * - the host's `tar` and `gzip` at `/usr/bin` (flytekit unpacks fast-registered code with them);
 * - every shared library those binaries link, as `ldd` resolves them, and the loader;
 * - `/tmp` (the working directory) and `/root` (where `pyflyte package` has the code unpacked),
 *   both mode 1777 as tasks do not run as root; `HOME=/tmp`, a minimal `/etc/passwd`;
 * - `/tmp/file:` → `/`, so flytekit's check of a `file://` input finds the file (see
 *   `FLYTEKIT_FILE_URI_LINK` in `cli/serve.ts`).
 *
 * Nothing is pulled; the root filesystem is streamed into `docker import`.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { launcherError, LAUNCHER_ERROR_CODES } from './errors.ts';
import { importRootfs, imagePresent, linkedLibraries, MINIMAL_ACCOUNTS, runCommand as run, withParentDirs, type RootfsEntry } from './image-builder.ts';

/** Bump when the recipe changes, so {@link pythonImageTag} names a new image. */
const RECIPE_VERSION = 5;
/** Where flytekit and its dependencies live in the image. */
export const PYTHON_IMAGE_PACKAGES = '/opt/flytekit/site-packages';
/** Label set on every image built by {@link ensurePythonImage}. */
export const PYTHON_IMAGE_LABEL = 'tflyte.sandbox.python-image';

/** Which Python and which flytekit an image holds. */
export interface PythonImageRequest {
  /** `major.minor`, e.g. `3.11`. */
  python: string;
  /** flytekit's version, e.g. `1.16.31`. */
  flytekit: string;
}

/** `tflyte-sandbox-flytekit:py3.11-1.16.31-r1`: one image per Python, flytekit and recipe. */
export function pythonImageTag(req: PythonImageRequest): string {
  return `tflyte-sandbox-flytekit:py${req.python}-${req.flytekit}-r${RECIPE_VERSION}`;
}

const VERSION = /^\d+\.\d+(\.\d+)?([a-z0-9.+-]*)$/i;

/**
 * What a flytekit task needs, from its image name and the flytekit version its template records
 * (`metadata.runtime.version`): the Python version of flytekit's default image tag
 * (`…/flytekit:py3.11-1.16.31`), else `hostPython`. Undefined when the flytekit version is not
 * a plain version (a dev build cannot be installed from the package index).
 */
export function pythonImageRequest(image: string, flytekitVersion: string | undefined, hostPython: string): PythonImageRequest | undefined {
  const fromTag = /:py(\d+\.\d+)-([^:@/]+)$/.exec(image);
  const flytekit = flytekitVersion || fromTag?.[2];
  if (!flytekit || !VERSION.test(flytekit) || /dev|latest/.test(flytekit)) return undefined;
  return { python: fromTag?.[1] ?? hostPython, flytekit };
}

/** A CPython installation on this machine. */
export interface HostPython {
  /** `major.minor`. */
  version: string;
  /** The real path of the base interpreter (not a venv's link to it). */
  executable: string;
  /** Its standard library directory. */
  stdlib: string;
  /** An interpreter of that version that has `pip` (the base one, or the venv's). */
  pip: string;
}

const PROBE = [
  'import json, os, sys, sysconfig',
  'base = getattr(sys, "_base_executable", sys.executable)',
  'print(json.dumps({"version": "%d.%d" % sys.version_info[:2], "executable": os.path.realpath(base),',
  '  "stdlib": sysconfig.get_paths(vars={"installed_base": sys.base_prefix, "base": sys.base_prefix})["stdlib"]}))',
].join('\n');

/**
 * Finds a CPython of `version` (`python<version>`, then `python3`, on `PATH`) with `pip`.
 * Fails with what to install when there is none.
 */
export async function findHostPython(version: string): Promise<HostPython> {
  const tried: string[] = [];
  for (const name of [`python${version}`, 'python3']) {
    const probe = await run(name, ['-c', PROBE]);
    if (probe.exitCode !== 0) {
      tried.push(`${name}: ${firstLine(probe.stderr) || 'not found'}`);
      continue;
    }
    const found = JSON.parse(probe.stdout) as Omit<HostPython, 'pip'>;
    if (found.version !== version) {
      tried.push(`${name} is Python ${found.version}`);
      continue;
    }
    for (const candidate of [found.executable, name]) {
      if ((await run(candidate, ['-m', 'pip', '--version'])).exitCode === 0) return { ...found, pip: candidate };
    }
    tried.push(`${name} has no pip`);
  }
  throw launcherError(
    LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED,
    `building a flytekit image needs Python ${version} with pip on this machine (${tried.join('; ')}): install it ` +
      `(e.g. apt install python3 python3-pip), build the task's image yourself, or start the sandbox with --launcher process`,
  );
}

let hostVersion: Promise<string | undefined> | undefined;

/** The version of `python3` on `PATH`, `major.minor` (asked once per process); undefined without one. */
export function hostPythonVersion(): Promise<string | undefined> {
  hostVersion ??= run('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).then((r) => (r.exitCode === 0 ? r.stdout.trim() : undefined));
  return hostVersion;
}

/** Parts of the standard library a task never needs (and Tk, which links X11). */
const STDLIB_SKIP = new Set(['site-packages', 'dist-packages', 'test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', 'lib2to3', 'pydoc_data']);

/**
 * Makes sure the image for `req` exists, building it when missing: pip installs flytekit into a
 * scratch directory under `workDir` (removed afterwards), then the root filesystem is imported.
 * `progress` hears each step; `searchPath` (a `PATH`) is where `tar` and `gzip` are looked for.
 * Returns the image's tag.
 */
export async function ensurePythonImage(
  docker: Dockerode,
  req: PythonImageRequest,
  opts: { workDir: string; progress?: (line: string) => void; searchPath?: string },
): Promise<string> {
  const tag = pythonImageTag(req);
  if (await imagePresent(docker, tag)) return tag;
  const say = opts.progress ?? (() => undefined);
  const t0 = Date.now();
  const py = await findHostPython(req.python);
  await fsp.mkdir(opts.workDir, { recursive: true });
  const scratch = await fsp.mkdtemp(path.join(opts.workDir, 'python-image-'));
  try {
    say(`installing flytekit ${req.flytekit} for Python ${req.python} (${py.executable}) with pip`);
    const packages = path.join(scratch, 'site-packages');
    const pip = await run(py.pip, [
      '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--no-input',
      '--target', packages, `flytekit==${req.flytekit}`,
    ]);
    if (pip.exitCode !== 0) {
      throw launcherError(
        LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED,
        `pip could not install flytekit==${req.flytekit}: ${lastLines(pip.stderr || pip.stdout)}`,
      );
    }
    const entries = await pythonRootfs(py, packages, opts.searchPath ?? '/usr/local/bin:/usr/bin:/bin');
    const bytes = await sizeOf(entries);
    say(`importing the image ${tag} (${entries.length} files, ${Math.round(bytes / 2 ** 20)} MB)`);
    await importRootfs(docker, tag, entries, [
      `ENV PATH=${PYTHON_IMAGE_PACKAGES}/bin:${path.dirname(py.executable)}:/usr/local/bin:/usr/bin:/bin PYTHONPATH=${PYTHON_IMAGE_PACKAGES} HOME=/tmp LANG=C.UTF-8`,
      'WORKDIR /tmp',
      `LABEL ${PYTHON_IMAGE_LABEL}=py${req.python}-${req.flytekit}`,
    ]);
    say(`image ${tag} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return tag;
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true });
  }
}

/** The root filesystem of a Python image (exported for tests). @internal */
export async function pythonRootfs(py: HostPython, packages: string, searchPath: string): Promise<RootfsEntry[]> {
  const files: RootfsEntry[] = [
    ...MINIMAL_ACCOUNTS,
    { path: 'root', type: 'Directory', mode: 0o1777 },
    // flytekit tests a local file input with os.path.isfile(<its file:// URI>): `file:` in the
    // working directory leading to `/` makes `file:///abs/path` that path.
    { path: 'tmp/file:', type: 'SymbolicLink', mode: 0o777, linkpath: '/' },
  ];
  const elves: string[] = [py.executable];
  const add = (hostPath: string, imagePath: string, mode: number): void => {
    files.push({ path: imagePath.replace(/^\/+/, ''), type: 'File', mode, source: hostPath });
    if (/\.so(\.|$)/.test(hostPath)) elves.push(hostPath);
  };
  add(py.executable, py.executable, 0o755);
  for (const link of new Set([path.join(path.dirname(py.executable), 'python3'), path.join(path.dirname(py.executable), 'python')])) {
    if (link !== py.executable && (await isFile(link))) add(link, link, 0o755);
  }
  for (const tool of HOST_TOOLS) {
    const found = await onPath(tool, searchPath);
    if (!found) throw launcherError(LAUNCHER_ERROR_CODES.IMAGE_BUILD_FAILED, `building a flytekit image needs \`${tool}\` on this machine (flytekit unpacks task code with it): install it`);
    add(found, `/usr/bin/${tool}`, 0o755);
    elves.push(found);
  }
  for (const f of await walk(py.stdlib, (rel) => !STDLIB_SKIP.has(rel.split('/')[0] ?? '') && !/^config-/.test(rel) && !/_tkinter/.test(rel))) {
    add(f.abs, f.abs, f.mode);
  }
  for (const f of await walk(packages, () => true)) {
    const imagePath = path.posix.join(PYTHON_IMAGE_PACKAGES, f.rel);
    if (f.rel.startsWith('bin/')) {
      // Scripts name the interpreter that installed them (maybe a venv's): name the image's.
      const text = await fsp.readFile(f.abs);
      const nl = text.indexOf(10);
      const first = text.subarray(0, nl < 0 ? text.length : nl).toString('utf8');
      if (/^#!.*python/.test(first)) {
        files.push({ path: imagePath.slice(1), type: 'File', mode: 0o755, content: Buffer.concat([Buffer.from(`#!${py.executable}`), text.subarray(nl < 0 ? text.length : nl)]) });
        continue;
      }
    }
    add(f.abs, imagePath, f.mode);
  }
  const libs = new Set<string>();
  let loader: string | undefined;
  for (const elf of elves) {
    const linked = await linkedLibraries(elf).catch(() => undefined);
    if (!linked) continue;
    loader ??= linked.loader;
    for (const lib of linked.libs) if (!lib.startsWith(`${packages}/`) && !lib.startsWith(`${py.stdlib}/`)) libs.add(lib);
  }
  for (const lib of [...libs, ...(loader ? [loader] : [])]) add(lib, lib, 0o755);
  // One entry per image path (a library can be both linked and inside a copied tree).
  const seen = new Set<string>();
  return withParentDirs(files.filter((f) => !seen.has(f.path) && seen.add(f.path)));
}

interface WalkedFile {
  abs: string;
  rel: string;
  mode: number;
}

/** Regular files under `root` (symlinks followed when they lead to files), filtered on their relative path. */
async function walk(root: string, keep: (rel: string) => boolean): Promise<WalkedFile[]> {
  const out: WalkedFile[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const d of await fsp.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name);
      const rel = path.relative(root, abs);
      if (!keep(rel)) continue;
      if (d.isDirectory()) await visit(abs);
      else {
        const st = await fsp.stat(abs).catch(() => undefined);
        if (st?.isFile()) out.push({ abs, rel, mode: st.mode & 0o755 });
      }
    }
  };
  await visit(root);
  return out;
}

/** Programs flytekit runs in a task container (`tar -xvf code.tar.gz` runs `gzip -d`). */
const HOST_TOOLS = ['tar', 'gzip'];

/** The first executable file named `name` in the directories of `searchPath` (a `PATH`). */
async function onPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if ((await fsp.access(p, fsp.constants.X_OK).then(() => true, () => false)) && (await isFile(p))) return fsp.realpath(p);
  }
  return undefined;
}

async function isFile(p: string): Promise<boolean> {
  return (await fsp.stat(p).catch(() => undefined))?.isFile() ?? false;
}

async function sizeOf(entries: RootfsEntry[]): Promise<number> {
  let n = 0;
  for (const e of entries) n += e.content ? e.content.length : e.source ? (await fsp.stat(e.source)).size : 0;
  return n;
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

function lastLines(s: string): string {
  return s.trim().split('\n').slice(-5).join(os.EOL);
}
