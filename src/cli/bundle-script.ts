/**
 * How the single binary compiles the CLI bundle it carries, shared by the binary's entry
 * (`src/cli/sea-main.ts`) and the build step that trains its code cache
 * (`scripts/build/code-cache.mjs`). Both must compile the very same text the same way: V8 accepts
 * a code cache only for a source of the same length, the same V8 and the same flags.
 *
 * Why a code cache of our own: Node's SEA `useCodeCache` is made by compiling the bundle without
 * running it, so it holds the top-level code only, and every function a command runs is parsed
 * and compiled on each start. A cache made after running the seed examples (V8 serialises every
 * function compiled so far) holds what the commands that run workflow code actually use.
 */
import path from 'node:path';
import vm from 'node:vm';

/** SEA asset keys (see `scripts/build.mjs`). */
export const BUNDLE_ASSET = 'tflyte-sandbox.cjs';
/** The code cache trained on the seed examples, for the commands that run workflow code. */
export const CODE_CACHE_ASSET = 'tflyte-sandbox.codecache';
/**
 * The code cache of the top-level code only (what Node's SEA `useCodeCache` would make), for
 * every other command. V8 deserialises a cache whole: the trained one (2.2 MB) costs ~10 ms more
 * than this one (0.6 MB), which a command that runs no workflow code never earns back. The daemon
 * takes it too: it starts once, and the trained code of the local-run paths would stay resident.
 */
export const LEAN_CODE_CACHE_ASSET = 'tflyte-sandbox-lean.codecache';

/**
 * The extras bundle: the dependencies a local run never loads (the AWS SDK, express, dockerode,
 * execa, yaml), which the build keeps out of the CLI bundle (scripts/build.mjs, `extrasApart`),
 * and its code cache (top-level only).
 */
export const EXTRAS_ASSET = 'tflyte-extras.cjs';
export const EXTRAS_CODE_CACHE_ASSET = 'tflyte-extras.codecache';
/** How the CLI bundle asks for a module of the extras: `require('tflyte-extra:express')`. */
export const EXTRA_PREFIX = 'tflyte-extra:';

/** What the extras bundle exports: each of its modules, made at its first request. */
export type ExtraModules = Record<string, () => unknown>;

/**
 * `base`, except that `tflyte-extra:<id>` answers the module `<id>` of the extras bundle, which
 * `loadExtras` reads and runs at the first such request.
 */
export function requireWithExtras(base: NodeJS.Require, loadExtras: () => ExtraModules): NodeJS.Require {
  let extras: ExtraModules | undefined;
  const withExtras = (id: string): unknown => {
    if (!id.startsWith(EXTRA_PREFIX)) return base(id);
    const name = id.slice(EXTRA_PREFIX.length);
    extras ??= loadExtras();
    const make = Object.hasOwn(extras, name) ? extras[name] : undefined;
    if (!make) throw new Error(`${name} is not in this binary's extras bundle: the binary is damaged or of another build (install it again)`);
    return make();
  };
  return Object.assign(withExtras, { resolve: base.resolve, cache: base.cache, main: base.main, extensions: base.extensions }) as NodeJS.Require;
}

/** Runs a compiled extras bundle ({@link compileBundle} of its wrapped source); its modules. */
export function runExtras(script: vm.Script, require: NodeJS.Require, filename: string): ExtraModules {
  const mod = { exports: {} };
  runBundle(script, mod, require, filename);
  return mod.exports as ExtraModules;
}

/** Commands that load, register or run workflow code: they take the trained cache. */
const TRAINED_COMMANDS = new Set(['run', 'execute', 'worker', 'register', 'package', 'demo']);

/** The code cache asset for a start with these user arguments (`process.argv.slice(2)`). */
export function codeCacheAssetFor(args: readonly string[]): string {
  const command = args[0] === 'tflyte-sandbox' ? args[1] : args[0];
  return command !== undefined && TRAINED_COMMANDS.has(command) ? CODE_CACHE_ASSET : LEAN_CODE_CACHE_ASSET;
}

/** The CommonJS wrapper the bundle runs in, as Node's own loader would wrap it. */
type BundleFunction = (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;

/**
 * The bundle as the binary carries it: its source inside the CommonJS wrapper, as Node's own
 * loader would wrap it. The build wraps it once, so the binary compiles the very string it read:
 * a string made by concatenation at start would be copied whole again when V8 flattens it (~4 MB
 * and ~1,000 page faults at every start, and 4 MB more kept for the life of the process).
 */
export function wrapBundle(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/**
 * Compiles the wrapped bundle ({@link wrapBundle}) with `cachedData` when given;
 * `cachedDataRejected` on the result says whether V8 took it (it refuses a cache of another V8,
 * other flags or another source, and then compiles as without one). `import()` in the bundle (user
 * modules) goes to Node's own loader, as from a main script.
 */
export function compileBundle(wrappedSource: string, filename: string, cachedData?: Uint8Array): vm.Script {
  return new vm.Script(wrappedSource, {
    filename,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

/** Drops the warning Node prints at the first `import()` through {@link compileBundle}'s loader option. */
export function quietDefaultLoaderWarning(): void {
  const emit = process.emitWarning.bind(process) as (...a: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes('vm.USE_MAIN_CONTEXT_DEFAULT_LOADER')) emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

/** Which code cache a start took, and what V8 made of it: `used`, `rejected`, or `absent` from the binary. */
export interface CodeCacheOutcome {
  cache: 'trained' | 'lean';
  state: 'used' | 'rejected' | 'absent';
}

const CODE_CACHE_OUTCOME = Symbol.for('tflyte.codeCacheOutcome');

/** Records the code cache's fate for {@link codeCacheOutcome} (the entry does, before the bundle runs). */
export function recordCodeCacheOutcome(outcome: CodeCacheOutcome): void {
  (globalThis as Record<symbol, unknown>)[CODE_CACHE_OUTCOME] = outcome;
}

/** What became of the code cache at this start; undefined when not started as the single binary. */
export function codeCacheOutcome(): CodeCacheOutcome | undefined {
  return (globalThis as Record<symbol, unknown>)[CODE_CACHE_OUTCOME] as CodeCacheOutcome | undefined;
}

/** Runs a compiled bundle as the module `mod`, with `require` and `filename` as its CommonJS scope. */
export function runBundle(script: vm.Script, mod: { exports: object }, require: NodeJS.Require, filename: string): void {
  const fn = script.runInThisContext() as BundleFunction;
  fn.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
}
