/**
 * The npm packages a user's workflow file imports, found the way Node found them, so the code
 * bundle can carry them: the task container then needs nothing but the runtime.
 *
 * A package travels whole (every file of its directory, not only those this run loaded: a package
 * may `require` more lazily, inside a function a task calls later), with the packages it depends
 * on (`dependencies`, `optionalDependencies` and `peerDependencies` that are installed), each
 * found from its own directory up, as Node resolves them. Native addons cannot travel: a task
 * container's runtime cannot load a shared library built for another machine, so they are
 * reported with what to do instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserCodeError } from './load-error.ts';

/** One npm package the bundle carries. */
export interface NpmPackage {
  /** `lodash`, `@scope/name`. */
  name: string;
  /** Its directory (absolute). */
  dir: string;
  /** Where it sits in the bundle: `node_modules/<name>` or a nested `node_modules/a/node_modules/b`. */
  bundleDir: string;
  /** The user file (relative to the project root) or package that imports it first. */
  importedBy: string;
  /** Every file of it, relative to `dir` (what the bundle copies; see {@link packageFiles}). */
  files: string[];
}

/** A file of an npm package that a user file imports. */
export interface NpmImport {
  /** The package file Node loaded (absolute). */
  file: string;
  /** The importing user file, relative to the project root. */
  importedBy: string;
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** Whether a file is inside some `node_modules`. */
export function inNodeModules(file: string): boolean {
  return file.includes(NODE_MODULES);
}

/**
 * The package directory of a file inside `node_modules` (`…/node_modules/@s/n/lib/x.js` →
 * `…/node_modules/@s/n`), the innermost one for nested installs.
 */
export function packageDirOf(file: string): string | undefined {
  const i = file.lastIndexOf(NODE_MODULES);
  if (i < 0) return undefined;
  const rest = file.slice(i + NODE_MODULES.length).split(path.sep);
  const depth = rest[0]?.startsWith('@') ? 2 : 1;
  if (rest.length <= depth) return undefined;
  return file.slice(0, i + NODE_MODULES.length) + rest.slice(0, depth).join(path.sep);
}

/**
 * Where a package directory goes in the bundle: from its first `node_modules` on. Node resolves a
 * bundled user file's imports by walking up to the bundle root's `node_modules`, so packages
 * hoisted above the project root (workspaces) land there too.
 */
export function bundleDirOf(dir: string): string {
  const i = dir.indexOf(NODE_MODULES);
  return dir
    .slice(i + 1)
    .split(path.sep)
    .join('/');
}

function readPackageJson(dir: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Node's lookup of `name` from `fromDir`: `node_modules/<name>` in it and each ancestor. */
function findInstalled(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', ...name.split('/'));
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Why a package cannot travel in a bundle (a compiled addon), or undefined. */
export function nativeAddonReason(dir: string, files = packageFiles(dir), manifest = readPackageJson(dir)): string | undefined {
  if (manifest.gypfile === true || files.includes('binding.gyp')) return 'it builds a native addon (binding.gyp)';
  const addon = files.find((f) => f.endsWith('.node'));
  return addon ? `it ships a native addon (${addon})` : undefined;
}

/**
 * The packages the bundle must carry for `importedFiles` (every `node_modules` file Node loaded
 * for the user's module, with the user file that imported each package), closed over their
 * dependencies. Throws a {@link UserCodeError} naming the import for a native addon or a
 * dependency that is not installed.
 */
export function packageClosure(imports: NpmImport[]): NpmPackage[] {
  const found = new Map<string, NpmPackage>();
  const queue: { p: NpmPackage; manifest: Record<string, unknown> }[] = [];
  const add = (dir: string, importedBy: string): void => {
    const real = fs.realpathSync(dir);
    if (found.has(real)) return;
    const manifest = readPackageJson(real);
    const name = (manifest.name as string | undefined) ?? path.basename(real);
    const p: NpmPackage = { name, dir: real, bundleDir: bundleDirOf(dir), importedBy, files: packageFiles(real) };
    found.set(real, p);
    queue.push({ p, manifest });
  };
  for (const { file, importedBy } of imports) {
    const dir = packageDirOf(file);
    if (dir) add(dir, importedBy);
  }
  while (queue.length > 0) {
    const { p, manifest: pkg } = queue.shift() as { p: NpmPackage; manifest: Record<string, unknown> };
    const native = nativeAddonReason(p.dir, p.files, pkg);
    if (native) {
      throw new UserCodeError(
        `${p.importedBy} imports the npm package "${p.name}", and ${native}: a task container cannot load it from the code bundle. ` +
          `Use a task \`image\` that has it installed (in /node_modules) and import it inside the task function (await import('${p.name}')), ` +
          `or run that step as a containerTask.`,
      );
    }
    const optional = new Set(Object.keys((pkg.optionalDependencies as object | undefined) ?? {}));
    const peers = new Set(Object.keys((pkg.peerDependencies as object | undefined) ?? {}));
    const deps = [...Object.keys((pkg.dependencies as object | undefined) ?? {}), ...optional, ...peers];
    for (const dep of new Set(deps)) {
      const dir = findInstalled(dep, p.dir);
      if (dir) {
        add(dir, `the package ${p.name}`);
      } else if (!optional.has(dep) && !peers.has(dep)) {
        throw new UserCodeError(
          `the npm package "${p.name}" (imported by ${p.importedBy}) depends on "${dep}", which is not installed. Run npm install in the project.`,
        );
      }
    }
  }
  return [...found.values()].sort((a, b) => a.bundleDir.localeCompare(b.bundleDir));
}

/** Every regular file of a package directory (its own `node_modules` left out), relative paths. */
export function packageFiles(dir: string): string[] {
  const out: string[] = [];
  const stack = [''];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') stack.push(r);
      } else if (e.isFile() || (e.isSymbolicLink() && fs.statSync(path.join(dir, r), { throwIfNoEntry: false })?.isFile())) {
        out.push(r);
      }
    }
  }
  return out.sort();
}
