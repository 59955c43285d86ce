/**
 * Loading user code: imports a `.ts` file from anywhere on disk (Node 24 strips the types), makes
 * its `import … from "tflyte"` resolve to this SDK without an npm install next to it, and
 * discovers the entities it exports, naming each `<path from project root, dots>.<export>`.
 */
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { entityDef, type EntityDef } from './entities.ts';
import { describeLoadError, UserCodeError } from './load-error.ts';
import { inNodeModules, type NpmImport } from './npm-packages.ts';

const SDK_URL = 'tflyte:sdk';
const SDK_KEY = Symbol.for('tflyte.sdk.exports');

/**
 * Who imports whom (absolute paths of `file:` modules, user files and npm packages alike): a
 * module is loaded once per process, so the files one user module needs are the ones reachable
 * from it here, not the ones loaded after it.
 */
const importEdges = new Map<string, Set<string>>();
let hooksInstalled = false;

function recordImport(parentUrl: string | undefined, url: string): void {
  if (!parentUrl?.startsWith('file:') || !url.startsWith('file:')) return;
  const parent = fileURLToPath(parentUrl);
  let children = importEdges.get(parent);
  if (!children) importEdges.set(parent, (children = new Set()));
  children.add(fileURLToPath(url));
}

/** Every file reachable from `file` through recorded imports, `file` first. */
function reachableFrom(file: string): string[] {
  const seen = new Set([file]);
  const queue = [file];
  while (queue.length > 0) {
    for (const child of importEdges.get(queue.shift() as string) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      queue.push(child);
    }
  }
  return [...seen];
}

/**
 * Makes `import … from "tflyte"` in user files resolve to `sdkExports` (this process's SDK), and
 * records which user files get loaded. Idempotent.
 */
export function installSdkResolution(sdkExports: Record<string, unknown>): void {
  (globalThis as Record<symbol, unknown>)[SDK_KEY] = sdkExports;
  if (hooksInstalled) return;
  hooksInstalled = true;
  quietTypelessPackageWarning();
  const names = Object.keys(sdkExports).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  const source =
    `const sdk = globalThis[Symbol.for('tflyte.sdk.exports')];\n` +
    names.map((n) => `export const ${n} = sdk[${JSON.stringify(n)}];`).join('\n') +
    '\nexport default sdk;\n';
  module.registerHooks({
    resolve(specifier, context, next) {
      if (specifier === 'tflyte' || specifier.startsWith('tflyte/')) return { url: SDK_URL, shortCircuit: true, format: 'module' };
      const resolved = next(specifier, context);
      recordImport(context.parentURL, resolved.url);
      return resolved;
    },
    load(url, context, next) {
      if (url === SDK_URL) return { format: 'module', source, shortCircuit: true };
      return next(url, context);
    },
  });
}

/**
 * Workflow files are ES modules by contract (they `import … from "tflyte"`), so Node's advice to
 * add `"type": "module"` to a project's package.json (`MODULE_TYPELESS_PACKAGE_JSON`) is noise in
 * every run and every task log: that one warning is dropped, every other is kept.
 */
function quietTypelessPackageWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'MODULE_TYPELESS_PACKAGE_JSON' || (warning as { code?: string } | undefined)?.code === 'MODULE_TYPELESS_PACKAGE_JSON') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** The project root of a file: the nearest ancestor with a package.json, else the file's folder. */
export function findProjectRoot(file: string): string {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.dirname(path.resolve(file));
    dir = parent;
  }
}

/** `examples/basic_workflow.ts` → `examples.basic_workflow`. */
export function moduleName(relPath: string): string {
  return relPath
    .replace(/\\/g, '/')
    .replace(/\.(m|c)?(t|j)sx?$/, '')
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('.');
}

/** A loaded user file and what it exports. */
export interface LoadedModule {
  root: string;
  file: string;
  /** Path relative to the root, with `/` separators. */
  relPath: string;
  /** Exported entities by export name. */
  entities: Map<string, EntityDef>;
  /** Every user file the module imports, itself included (for code bundles), relative paths. */
  files: string[];
  /**
   * The npm packages it imports: the first file Node loaded of each, and the user file importing
   * it (registration closes them over their dependencies: `packageClosure`).
   */
  npmImports: NpmImport[];
  /** Every entity exported by any of those files, by full name. */
  allEntities: Map<string, EntityDef>;
}

/**
 * Imports a user file and names every entity exported by it and by the user modules it imports.
 * Throws with a clear message if the file does not exist or fails to load.
 */
export async function loadUserModule(file: string, root = findProjectRoot(file)): Promise<LoadedModule> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new UserCodeError(`cannot find ${file} (resolved to ${abs})`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    throw describeLoadError(e, abs, root);
  }
  const reachable = reachableFrom(abs);
  const userFiles = reachable.filter((f) => f === abs || (f.startsWith(root + path.sep) && !inNodeModules(f)));
  // Name entities from other user modules first, so the main file's names win for re-exports.
  const allEntities = new Map<string, EntityDef>();
  for (const other of userFiles) {
    if (other === abs) continue;
    try {
      const m = (await import(pathToFileURL(other).href)) as Record<string, unknown>;
      for (const d of nameExports(m, path.relative(root, other)).values()) allEntities.set(d.name ?? d.fallbackName, d);
    } catch {
      // Only modules that loaded before can be here; a failure now is not ours to report.
    }
  }
  const relPath = path.relative(root, abs).replace(/\\/g, '/');
  const entities = nameExports(mod, relPath);
  for (const d of entities.values()) allEntities.set(d.name ?? d.fallbackName, d);
  const files = userFiles.map((f) => path.relative(root, f).replace(/\\/g, '/'));
  return { root, file: abs, relPath, entities, files, npmImports: npmImports(userFiles, root), allEntities };
}

/** The first `node_modules` file each user file imports, with who imports it. */
function npmImports(userFiles: string[], root: string): NpmImport[] {
  const out: NpmImport[] = [];
  for (const f of userFiles) {
    for (const child of importEdges.get(f) ?? []) {
      if (inNodeModules(child)) out.push({ file: child, importedBy: path.relative(root, f).replace(/\\/g, '/') });
    }
  }
  return out;
}

function nameExports(mod: Record<string, unknown>, relPath: string): Map<string, EntityDef> {
  const rel = relPath.replace(/\\/g, '/');
  const prefix = moduleName(rel);
  const out = new Map<string, EntityDef>();
  for (const [exportName, value] of Object.entries(mod)) {
    const def = entityDef(value);
    if (!def) continue;
    out.set(exportName, def);
    if (!def.origin) {
      def.origin = { module: rel, exportName };
      if (def.name === undefined) def.name = `${prefix}.${exportName}`;
    }
  }
  return out;
}

/** Finds an exported entity by export name or full name; the error lists what exists. */
export function findEntity(loaded: LoadedModule, name: string): EntityDef {
  const byExport = loaded.entities.get(name);
  if (byExport) return byExport;
  for (const def of loaded.entities.values()) if (def.name === name) return def;
  const known = [...loaded.entities].map(([n, d]) => `${n} (${d.kind})`).join(', ') || 'none';
  throw new UserCodeError(`${loaded.relPath} exports no entity named "${name}". Exported entities: ${known}`);
}
