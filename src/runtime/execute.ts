/**
 * The in-container entrypoint, `tflyte-sandbox execute …` (flytekit's `pyflyte-execute`): fetch
 * and unpack the code bundle, load the module, read `inputs.pb`, run the task, and write
 * `outputs.pb` — or `error.pb` (an `ErrorDocument`) when it fails. Exit code 0 in both cases:
 * like Flyte, a written error document is how a task reports its own failure; a non-zero exit
 * means the runtime itself could not do its job.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MessageName, decode, encode, type flyteidl } from '../core/idl.ts';
import { sha256Hex } from '../core/sha256.ts';
import {
  entityName,
  findEntity,
  installSdkResolution,
  literalsToValues,
  loadUserModule,
  NonRetryableError,
  runInTaskContext,
  taskContextFromEnv,
  unpackOutputs,
  type EntityDef,
  type TaskDef,
} from '../sdk/internal.ts';
import { extractBundle } from '../storage/bundle.ts';
import { taskBlobs, type TaskBlobs } from './blobs.ts';
import type { EagerAdmin } from './eager-controller.ts';


/** Arguments of `execute`, as Flyte's container templates render them. */
export interface ExecuteArgs {
  inputs: string;
  outputPrefix: string;
  rawOutputDataPrefix: string;
  checkpointPath?: string;
  prevCheckpoint?: string;
  bundle?: string;
  module?: string;
  entity: string;
  /** Where bundles are unpacked (default: `$TMPDIR/tflyte-code/<sha>`). */
  workDir?: string;
  /** Without a bundle: the directory `module` is relative to (default: the working directory). */
  codeRoot?: string;
}

/**
 * What a task run produced, for the caller's logs and tests; `thrown` is what the task's code
 * threw (an in-process caller hands it back to whoever called the entity).
 */
export type ExecuteResult = { ok: true } | { ok: false; error: flyteidl.core.IContainerError; thrown?: unknown };

/** How `execute` finds the task when it runs in the caller's process. */
export interface InProcessOptions {
  /**
   * The task's definition by name, for entities that exist only in this process (called directly
   * from JavaScript); when it answers, no module is loaded.
   */
  definition?: (entity: string) => EntityDef | undefined;
  /** How the attempt reaches its blobs (a warm worker's go through the daemon); default: {@link taskBlobs} of `env`. */
  blobs?: TaskBlobs;
  /**
   * Modules already loaded in this process, by file (a warm worker keeps them between attempts:
   * the module is evaluated once anyway, this also skips naming its entities again).
   */
  modules?: Map<string, Awaited<ReturnType<typeof loadUserModule>>>;
  /**
   * How an eager attempt reaches admin, given its credential (`TFLYTE_ADMIN_TOKEN`): a local run
   * answers in its own process; default, the HTTP client over `TFLYTE_ADMIN_URL`/`_SOCKET`.
   */
  eagerAdmin?: (token: string | undefined) => EagerAdmin;
}

/** Outcome kinds a task kind runner may return (dynamic writes futures, eager/tasks outputs). */
export type TaskOutcome =
  | { kind: 'outputs'; outputs: flyteidl.core.ILiteralMap }
  | { kind: 'futures'; spec: flyteidl.core.IDynamicJobSpec };

/** Runs one task kind inside the container; `dynamic` and `eager` register their own. */
export type KindRunner = (def: TaskDef, inputs: Record<string, unknown>, ctx: RuntimeContext) => Promise<TaskOutcome>;

/** What a kind runner knows about the attempt it runs in. */
export interface RuntimeContext {
  args: ExecuteArgs;
  env: NodeJS.ProcessEnv;
  /** The attempt's blobs (local files or S3 objects). */
  blobs: TaskBlobs;
  /** Converts a task's JS outputs to literals, uploading returned files. */
  outputsToLiterals(def: EntityDef, value: unknown): Promise<flyteidl.core.ILiteralMap>;
  /** See {@link InProcessOptions.eagerAdmin}. */
  eagerAdmin?: (token: string | undefined) => EagerAdmin;
}

const kindRunners = new Map<string, KindRunner>();

/** @internal registers the runner for a task kind (dynamic, eager). */
export function registerKindRunner(kind: string, runner: KindRunner): void {
  kindRunners.set(kind, runner);
}

/** Applies `fn` to every blob scalar in a literal (files and directories). @internal */
export async function mapBlobs(
  lit: flyteidl.core.ILiteral,
  fn: (blob: flyteidl.core.IBlob) => Promise<flyteidl.core.IBlob>,
): Promise<flyteidl.core.ILiteral> {
  if (lit.scalar?.blob) return { ...lit, scalar: { ...lit.scalar, blob: await fn(lit.scalar.blob) } };
  if (lit.scalar?.union?.value) {
    return { ...lit, scalar: { ...lit.scalar, union: { ...lit.scalar.union, value: await mapBlobs(lit.scalar.union.value, fn) } } };
  }
  if (lit.collection) {
    const literals = await Promise.all((lit.collection.literals ?? []).map((l) => mapBlobs(l, fn)));
    return { ...lit, collection: { literals } };
  }
  if (lit.map) {
    const literals: Record<string, flyteidl.core.ILiteral> = {};
    for (const [k, v] of Object.entries(lit.map.literals ?? {})) literals[k] = await mapBlobs(v, fn);
    return { ...lit, map: { literals } };
  }
  return lit;
}

async function outputsToLiterals(def: EntityDef, value: unknown, rawPrefix: string, blobs: TaskBlobs): Promise<flyteidl.core.ILiteralMap> {
  const named = unpackOutputs(def.iface.outputShape, value, `task ${entityName(def)} returned`);
  const literals: Record<string, flyteidl.core.ILiteral> = {};
  for (const [k, d] of def.iface.outputs) {
    const lit = d.toLiteral(named.get(k), `outputs.${k}`);
    literals[k] = await mapBlobs(lit, async (blob) => {
      const uri = blob.uri ?? '';
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return blob;
      return { ...blob, uri: await blobs.upload(uri, rawPrefix) };
    });
  }
  return { literals };
}

async function unpackCode(args: ExecuteArgs, blobs: TaskBlobs): Promise<string> {
  if (!args.bundle) return args.codeRoot ?? process.cwd();
  const bytes = await blobs.read(args.bundle);
  const sha = sha256Hex(bytes).slice(0, 16);
  const dir = args.workDir ?? path.join(os.tmpdir(), 'tflyte-code', sha);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    await extractBundle(bytes, dir);
    await fsp.writeFile(path.join(dir, '.complete'), '');
  }
  return dir;
}

/** Turns anything thrown into the error document Flyte expects. */
export function toContainerError(e: unknown, code = 'USER:RuntimeError'): flyteidl.core.IContainerError {
  const err = e instanceof Error ? e : new Error(String(e));
  const nonRetryable = err instanceof NonRetryableError || err.name === 'NonRetryableError';
  return {
    code: (err as { code?: string }).code && code === 'USER:RuntimeError' ? `USER:${(err as { code?: string }).code}` : code,
    message: `${err.name}: ${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 6).join('\n')}` : ''}`,
    kind: nonRetryable ? 0 : 1,
    origin: 1,
  };
}

/** A write that failed because the disk is full: the sandbox's failure (SYSTEM, retried), not the task's. */
function diskFullError(e: unknown): flyteidl.core.IContainerError | undefined {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return undefined;
  return { code: 'SYSTEM:DiskFull', message: `the disk is full: ${(e as Error).message}`, kind: 1, origin: 2 };
}

/**
 * Runs one task attempt. Never throws for a failure of the user's code: the failure goes to
 * `error.pb`. Throws only if even the error document cannot be written.
 */
export async function execute(args: ExecuteArgs, sdkExports: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env, inProcess: InProcessOptions = {}): Promise<ExecuteResult> {
  const errorUri = `${args.outputPrefix.replace(/\/$/, '')}/error.pb`;
  const outputsUri = `${args.outputPrefix.replace(/\/$/, '')}/outputs.pb`;
  const futuresUri = `${args.outputPrefix.replace(/\/$/, '')}/futures.pb`;
  const blobs = inProcess.blobs ?? taskBlobs(env);
  let def: EntityDef;
  let inputs: Record<string, unknown>;
  try {
    const known = args.module === undefined ? inProcess.definition?.(args.entity) : undefined;
    if (known) def = known;
    else {
      installSdkResolution(sdkExports);
      const root = await unpackCode(args, blobs);
      const file = path.join(root, args.module ?? '');
      let loaded = inProcess.modules?.get(file);
      if (!loaded) {
        loaded = await loadUserModule(file, root);
        inProcess.modules?.set(file, loaded);
      }
      def = findEntity(loaded, args.entity);
    }
    if (def.kind === 'workflow' || def.kind === 'launchPlan') throw new Error(`${args.entity} is a ${def.kind}, not a task`);
    const map = decode<flyteidl.core.ILiteralMap>(MessageName.LiteralMap, await blobs.read(args.inputs));
    const localized: flyteidl.core.ILiteralMap = { literals: {} };
    for (const [k, v] of Object.entries(map.literals ?? {})) {
      (localized.literals as Record<string, flyteidl.core.ILiteral>)[k] = await mapBlobs(v, async (b) => ({ ...b, uri: await blobs.localize(b.uri ?? '') }));
    }
    inputs = Object.fromEntries(literalsToValues(def.iface.inputs, localized, 'inputs'));
  } catch (e) {
    let error = diskFullError(e);
    if (!error) {
      error = toContainerError(e, 'USER:LoadFailed');
      error.kind = 0;
    }
    await blobs.write(errorUri, encode(MessageName.ErrorDocument, { error }));
    return { ok: false, error };
  }
  try {
    const task = def as TaskDef;
    const ctx: RuntimeContext = {
      args,
      env,
      blobs,
      outputsToLiterals: (d, v) => outputsToLiterals(d, v, args.rawOutputDataPrefix, blobs),
      ...(inProcess.eagerAdmin ? { eagerAdmin: inProcess.eagerAdmin } : {}),
    };
    const runner = kindRunners.get(task.kind);
    // The task's code sees its own context (currentContext()): execution, node, attempt number.
    const outcome = await runInTaskContext(taskContextFromEnv(env), async (): Promise<TaskOutcome> => {
      if (runner) return runner(task, inputs, ctx);
      if (!task.fn) throw new NonRetryableError(`${entityName(task)} has no function to run`);
      return { kind: 'outputs', outputs: await ctx.outputsToLiterals(task, await task.fn(inputs)) };
    });
    if (outcome.kind === 'futures') await blobs.write(futuresUri, encode(MessageName.DynamicJobSpec, outcome.spec));
    else await blobs.write(outputsUri, encode(MessageName.LiteralMap, outcome.outputs));
    return { ok: true };
  } catch (e) {
    const error = diskFullError(e) ?? toContainerError(e);
    await blobs.write(errorUri, encode(MessageName.ErrorDocument, { error }));
    return { ok: false, error, thrown: e };
  }
}
