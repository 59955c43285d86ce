/**
 * The sandbox's {@link ExecutionContext} for eager bodies: every awaited call becomes a child
 * execution created through the admin API, linked to the eager task's execution and node,
 * named deterministically, run at most `concurrency` at a time, waited for with the admin's
 * long-poll, and its outputs turned back into JS values. See ARCHITECTURE.md beside this file.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AdminApiError, type AdminClient } from '../admin/client.ts';
import type { TaskAdminPort } from '../admin/in-process-task-port.ts';
import { createError } from '../core/errors.ts';
import type { flyteidl } from '../core/idl.ts';
import { WorkflowPhases, type WorkflowPhase } from '../core/phases.ts';
import { sha256Hex } from '../core/sha256.ts';
import { EagerException } from '../sdk/eager.ts';
import {
  ENTITY,
  entityName,
  inputsToLiterals,
  launchTargetOf,
  literalsToValues,
  packOutputs,
  shortName,
  type EntityDef,
  type ExecutionContext,
  type LaunchPlanDef,
  type TaskDef,
} from '../sdk/internal.ts';
import { mapsOver, type MapDef } from '../sdk/map.ts';
import { mapBlobs } from './execute.ts';
import { taskBlobs, uriToPath, type TaskBlobs } from './blobs.ts';
import { childName, inputsDigest, parseExecutionError, retryName } from './eager-names.ts';
import { EAGER_LABELS, minSuccessesNeeded } from '../core/vocabulary.ts';

/** Error codes of the eager runner (listed in docs/errors.md). */
export const EAGER_ERROR_CODES = {
  /** The task has no admin API to call (not started by a sandbox). */
  NO_ADMIN: 'SBX_EAGER_NO_ADMIN',
  /** A called entity is not registered in the sandbox. */
  NOT_REGISTERED: 'SBX_EAGER_NOT_REGISTERED',
  /** The admin API stayed unreachable while a child was created, awaited or read. */
  ADMIN_UNREACHABLE: 'SBX_EAGER_ADMIN_UNREACHABLE',
} as const;

/** Where the eager task runs and how it may call back (from its environment). */
export interface EagerSettings {
  /** Project/domain/name of the eager task's own execution: the parent of every child. */
  project: string;
  domain: string;
  execution: string;
  /** The eager task's node in that execution (children link to it). */
  nodeId: string;
  /** This attempt's number (0-based). */
  attempt: number;
  /** Where the called entities are registered, and their version (the eager task's). */
  entityProject: string;
  entityDomain: string;
  version: string;
  /** Child executions running at once. */
  concurrency: number;
  /** The outermost eager execution of this tree (label `eager-root-exec`). */
  root: string;
  /** Raw output prefix of this attempt: local files passed to calls are copied under it. */
  rawOutputPrefix: string;
  /** How long one long-poll may park (seconds). @default 30 */
  waitSeconds?: number;
  /** How long the API may stay unreachable (sandbox restarting) before a call fails (ms). @default 120000 */
  unreachableBudgetMs?: number;
  /**
   * The eager task was found in this process, not loaded from files (a direct call): the entities
   * it calls need not be exported, the engine registers them on first use.
   */
  inProcess?: boolean;
}

/** One child execution this attempt started or attached to. */
export interface ChildRecord {
  name: string;
  entity: string;
  /** `created` by this attempt, or `attached` to one an earlier attempt (or call) started. */
  how: 'created' | 'attached';
  phase?: WorkflowPhase;
}

/** FIFO counting semaphore: calls start in the order they were made. */
class Limiter {
  #free: number;
  readonly #queue: (() => void)[] = [];
  constructor(n: number) {
    this.#free = Math.max(1, n);
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#queue.push(resolve));
  }
  release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#free++;
  }
}

const CHILD_WORKFLOW_MODE = 4;
const FAILED_PHASES = new Set<WorkflowPhase>(['FAILED', 'ABORTED', 'TIMED_OUT']);
/** Env var carrying the root eager execution down the tree. */
export const EAGER_ROOT_ENV = 'TFLYTE_EAGER_ROOT';

function phaseOf(ex: flyteidl.admin.IExecution): WorkflowPhase {
  return WorkflowPhases.fromNumber(Number(ex.closure?.phase ?? 0)) ?? 'UNDEFINED';
}

/** A promise that never settles: what calls get once the attempt is over (see `close`). */
const NEVER = new Promise<never>(() => undefined);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * What an eager attempt asks of admin: {@link AdminClient} over the task socket in a container; in
 * a local run, the engine's admin in the same process, under the socket's rules
 * (`inProcessTaskAdmin` of src/admin, whose `TaskAdminPort` this is).
 */
export type EagerAdmin = TaskAdminPort;

/** Runs the calls of one eager attempt as child executions. */
export class EagerController implements ExecutionContext {
  readonly #client: EagerAdmin;
  readonly #s: EagerSettings;
  readonly #limiter: Limiter;
  readonly #occurrences = new Map<string, number>();
  readonly #log: (line: string) => void;
  #prior: Promise<Map<string, WorkflowPhase>> | undefined;
  /** Local paths of files children returned → their store URIs. */
  readonly #materialized = new Map<string, string>();
  /** Every child of this attempt, in call order. */
  readonly children: ChildRecord[] = [];
  /** Aborted by {@link close}: stops long-polls and backoffs. */
  readonly #stop = new AbortController();

  readonly #blobs: TaskBlobs;

  /** `blobs`: where this attempt's files live (default: local files only). */
  constructor(client: EagerAdmin, settings: EagerSettings, log: (line: string) => void = () => undefined, blobs: TaskBlobs = taskBlobs({})) {
    this.#blobs = blobs;
    this.#client = client;
    this.#s = settings;
    this.#limiter = new Limiter(settings.concurrency);
    this.#log = log;
  }

  /**
   * Ends the attempt once the body has settled: calls still in flight (never awaited) stop
   * waiting and never settle, so the process can exit at once; their children are terminated
   * by admin when this execution ends. Idempotent.
   */
  close(): void {
    this.#stop.abort();
  }

  /** Runs one awaited call: a child execution; resolves to its outputs, or throws EagerException. */
  async call(def: EntityDef, inputs: Record<string, unknown>): Promise<unknown> {
    if (this.#stop.signal.aborted) return NEVER;
    if (def.kind === 'map') return this.#callMap(def as MapDef, inputs);
    const entity = entityName(def);
    if (def.name === undefined && !this.#s.inProcess) {
      // Discovery names only exported entities; nothing else was registered.
      throw createError(
        'NOT_FOUND',
        EAGER_ERROR_CODES.NOT_REGISTERED,
        `an eager workflow called a ${def.kind} that is not exported from its module (${entity}), so it was never registered: export it and run again`,
        { kind: 'USER', retryable: false },
      );
    }
    let vars = def.iface.inputs;
    let defaults = def.defaults;
    if (def.kind === 'launchPlan') {
      const lp = def as LaunchPlanDef;
      vars = new Map([...vars].filter(([k]) => !(k in lp.fixed)));
      defaults = { ...lp.workflow[ENTITY].defaults, ...lp.defaults };
    }
    let literals: flyteidl.core.ILiteralMap;
    try {
      literals = inputsToLiterals(vars, inputs, defaults, entity);
    } catch (e) {
      // As locally: a bad call fails like the call itself.
      const err = e instanceof Error ? e : new Error(String(e));
      throw new EagerException({ entity, errorName: err.name, errorMessage: err.message, kind: 'USER', cause: e });
    }
    const digest = inputsDigest(literals);
    const occKey = `${entity}\n${digest}`;
    const occurrence = this.#occurrences.get(occKey) ?? 0;
    this.#occurrences.set(occKey, occurrence + 1);
    const base = childName({ parent: `${this.#s.project}/${this.#s.domain}/${this.#s.execution}`, entity, inputs: digest, occurrence }, shortName(def));

    await this.#limiter.acquire();
    try {
      const uploaded = await this.#uploadLocalFiles(literals);
      if (this.#stop.signal.aborted) return NEVER;
      const record = await this.#startOrAttach(base, def, uploaded);
      const done = await this.#awaitTerminal(record.name);
      record.phase = phaseOf(done);
      this.#log(`${entity} → ${record.name}: ${record.phase}`);
      if (record.phase === 'SUCCEEDED') return await this.#outputs(def, record.name);
      throw this.#failure(entity, record.name, done);
    } finally {
      this.#limiter.release();
    }
  }

  /** A map called from an eager body: one child per element (bounded like any call), lists out. */
  async #callMap(def: MapDef, inputs: Record<string, unknown>): Promise<unknown> {
    const task = def.task;
    const mapped = Object.entries(inputs).filter(([k, v]) => mapsOver(task.iface.inputs.get(k), v));
    const n = mapped[0] ? (mapped[0][1] as unknown[]).length : 1;
    if (mapped.some(([, v]) => (v as unknown[]).length !== n)) {
      throw new EagerException({ entity: entityName(def), errorName: 'TypeError', errorMessage: `mapped inputs ${mapped.map(([k]) => k).join(', ')} have different lengths`, kind: 'USER' });
    }
    const mappedKeys = new Set(mapped.map(([k]) => k));
    const element = (i: number): Record<string, unknown> =>
      Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, mappedKeys.has(k) ? (v as unknown[])[i] : v]));
    // The map's own concurrency applies within the eager task's overall limit.
    const width = Math.min(def.concurrency ?? n, n) || 1;
    const results: PromiseSettledResult<unknown>[] = new Array(n);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        results[i] = await this.call(task, element(i)).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    };
    await Promise.all(Array.from({ length: width }, worker));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const needed = minSuccessesNeeded(n, def);
    if (ok < needed) {
      const first = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      throw first?.reason instanceof EagerException
        ? first.reason
        : new EagerException({ entity: entityName(def), errorName: 'Error', errorMessage: `${ok} of ${n} runs succeeded, ${needed} needed`, kind: 'USER' });
    }
    const outs = new Map<string, unknown>();
    for (const k of task.iface.outputs.keys()) {
      outs.set(
        k,
        results.map((r) => (r.status === 'fulfilled' ? packedOutput(task, r.value, k) : null)),
      );
    }
    return packOutputs(task.iface.outputShape, outs);
  }

  /** The execution create target: a task id, or the launch plan of a workflow (its default one). */
  #target(def: EntityDef): flyteidl.core.IIdentifier {
    return launchTargetOf(def, { project: this.#s.entityProject, domain: this.#s.entityDomain, version: this.#s.version });
  }

  /** Children an earlier attempt started, by name (read once per attempt, only when retrying). */
  #priorChildren(): Promise<Map<string, WorkflowPhase>> {
    this.#prior ??= (async () => {
      const out = new Map<string, WorkflowPhase>();
      const parent = { project: this.#s.project, domain: this.#s.domain, name: this.#s.execution };
      let token = '';
      do {
        const page = await this.#retrying('listing the children of earlier attempts', () =>
          this.#client.listChildExecutions(parent, undefined, { limit: 1000, ...(token ? { token } : {}) }),
        );
        for (const ex of page.executions ?? []) if (ex.id?.name) out.set(ex.id.name, phaseOf(ex));
        token = page.token ?? '';
      } while (token);
      return out;
    })();
    return this.#prior;
  }

  /**
   * Creates the call's child, or attaches to the one that already exists. In a retried attempt a
   * child that succeeded (or is still running) is reused; one that failed runs again under
   * `<name>-r<attempt>`.
   */
  async #startOrAttach(base: string, def: EntityDef, inputs: flyteidl.core.ILiteralMap): Promise<ChildRecord> {
    let name = base;
    if (this.#s.attempt > 0) {
      const prior = await this.#priorChildren();
      let latest: string | undefined;
      for (let a = 0; a <= this.#s.attempt; a++) if (prior.has(retryName(base, a))) latest = retryName(base, a);
      if (latest !== undefined) {
        name = latest;
        const phase = prior.get(latest) as WorkflowPhase;
        if (FAILED_PHASES.has(phase) && latest !== retryName(base, this.#s.attempt)) name = retryName(base, this.#s.attempt);
      }
    }
    const entity = entityName(def);
    const record: ChildRecord = { name, entity, how: 'created' };
    this.children.push(record);
    try {
      await this.#retrying(`creating child execution ${name}`, () => this.#client.createExecution({
        project: this.#s.project,
        domain: this.#s.domain,
        name,
        spec: {
          launchPlan: this.#target(def),
          metadata: {
            mode: CHILD_WORKFLOW_MODE,
            principal: 'eager',
            parentNodeExecution: {
              nodeId: this.#s.nodeId,
              executionId: { project: this.#s.project, domain: this.#s.domain, name: this.#s.execution },
            },
          },
          labels: { values: { [EAGER_LABELS.parent]: this.#s.execution, [EAGER_LABELS.root]: this.#s.root } },
          envs: { values: [{ key: EAGER_ROOT_ENV, value: this.#s.root }] },
        },
        inputs,
      }));
      this.#log(`${entity} → ${name}: created`);
    } catch (e) {
      if (e instanceof AdminApiError && e.code === 'SBX_ADMIN_ALREADY_EXISTS') {
        record.how = 'attached';
        this.#log(`${entity} → ${name}: attached to the existing execution`);
      } else if (e instanceof AdminApiError && /^SBX_ADMIN_(TASK|WORKFLOW|LAUNCH_PLAN)_NOT_FOUND$/.test(e.code)) {
        throw createError(
          'NOT_FOUND',
          EAGER_ERROR_CODES.NOT_REGISTERED,
          `${entity} (version ${this.#s.version}) is not registered in ${this.#s.entityProject}/${this.#s.entityDomain}: an eager workflow can call only ` +
            'entities exported by the files that `tflyte-sandbox run --remote` (or `register`) loaded. Export it from its module and run again.',
          { cause: e, kind: 'USER', retryable: false },
        );
      } else throw e;
    }
    return record;
  }

  /**
   * Calls the API, retrying with backoff while it is unreachable (the sandbox restarting) for up
   * to the unreachable budget. Every call made through here is idempotent (creates are named).
   */
  async #retrying<T>(what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const budget = this.#s.unreachableBudgetMs ?? 120_000;
    const signal = this.#stop.signal;
    const since = Date.now();
    let delay = 100;
    for (;;) {
      if (signal.aborted) return NEVER;
      try {
        return await fn(signal);
      } catch (e) {
        if (signal.aborted) return NEVER;
        if (!(e instanceof AdminApiError) || !e.retryable) throw e;
        if (Date.now() - since > budget) {
          throw createError('UNAVAILABLE', EAGER_ERROR_CODES.ADMIN_UNREACHABLE, `the sandbox API stayed unreachable for ${Math.round(budget / 1000)}s while ${what}: ${e.message}`, {
            cause: e,
          });
        }
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** Long-polls the child until it is terminal. */
  async #awaitTerminal(name: string): Promise<flyteidl.admin.IExecution> {
    const id = { project: this.#s.project, domain: this.#s.domain, name };
    for (;;) {
      const ex = await this.#retrying(`awaiting child execution ${name}`, (signal) =>
        this.#client.waitForExecution(id, { waitSeconds: this.#s.waitSeconds ?? 30, signal }),
      );
      if (WorkflowPhases.isTerminal(phaseOf(ex))) return ex;
    }
  }

  /** The child's outputs as the JS value a local call returns; files become local paths. */
  async #outputs(def: EntityDef, name: string): Promise<unknown> {
    const data = await this.#retrying(`reading the outputs of child execution ${name}`, () =>
      this.#client.getExecutionData({ project: this.#s.project, domain: this.#s.domain, name }),
    );
    const full = data.fullOutputs ?? { literals: {} };
    const local: Record<string, flyteidl.core.ILiteral> = {};
    for (const [k, v] of Object.entries(full.literals ?? {})) {
      local[k] = await mapBlobs(v, async (b) => {
        const uri = b.uri ?? '';
        // A warm worker's blob access covers its own attempt only: a child's file is fetched below.
        let p = await this.#blobs.localize(uri).catch((e: unknown) => {
          if ((e as NodeJS.ErrnoException)?.code === 'EACCES' && uri.startsWith('file:')) return uriToPath(uri);
          throw e;
        });
        if (p !== uri && !fs.existsSync(p)) {
          // The store is not mounted into this container: fetch the child's file through the API.
          p = path.join(os.tmpdir(), 'tflyte-children', name, sha256Hex(uri).slice(0, 16), path.basename(p));
          if (!fs.existsSync(p)) {
            const part = `${p}.part`;
            const dest = p;
            await this.#retrying(`downloading ${uri} returned by child execution ${name}`, async (signal) => {
              await fsp.rm(part, { recursive: true, force: true });
              await this.#client.downloadBlob(uri, name, part, signal);
            });
            await fsp.rename(part, dest);
          }
        }
        if (p !== uri) this.#materialized.set(path.resolve(p), uri);
        return { ...b, uri: p };
      });
    }
    return packOutputs(def.iface.outputShape, literalsToValues(def.iface.outputs, { literals: local }, `outputs of ${name}`));
  }

  /** The EagerException for a child that ended FAILED, ABORTED or TIMED_OUT. */
  #failure(entity: string, name: string, ex: flyteidl.admin.IExecution): EagerException {
    const phase = phaseOf(ex);
    const closure = ex.closure ?? {};
    if (phase === 'ABORTED') {
      return new EagerException({ entity, executionId: name, errorName: 'ExecutionAborted', errorMessage: closure.abortMetadata?.cause || 'the child execution was terminated', kind: 'USER' });
    }
    if (phase === 'TIMED_OUT' && !closure.error) {
      return new EagerException({ entity, executionId: name, errorName: 'ExecutionTimedOut', errorMessage: 'the child execution timed out', kind: 'USER' });
    }
    const orig = parseExecutionError(closure.error);
    return new EagerException({ entity, executionId: name, ...orig });
  }

  /** Local files and directories passed to a call are copied into the blob store first. */
  async #uploadLocalFiles(literals: flyteidl.core.ILiteralMap): Promise<flyteidl.core.ILiteralMap> {
    const out: Record<string, flyteidl.core.ILiteral> = {};
    for (const [k, v] of Object.entries(literals.literals ?? {})) {
      out[k] = await mapBlobs(v, async (blob) => {
        const uri = blob.uri ?? '';
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return blob;
        // A file an earlier call returned is already in the store: pass its URI, do not copy it.
        const known = this.#materialized.get(path.resolve(uri));
        if (known) return { ...blob, uri: known };
        return { ...blob, uri: await this.#blobs.upload(uri, this.#s.rawOutputPrefix) };
      });
    }
    return { literals: out };
  }
}

/** One named output of a task's packed value. */
function packedOutput(task: TaskDef, value: unknown, key: string): unknown {
  const shape = task.iface.outputShape;
  switch (shape.kind) {
    case 'none':
      return null;
    case 'single':
      return value;
    case 'tuple':
      return (value as unknown[])[Number(key.slice(1))];
    case 'named':
      return (value as Record<string, unknown>)[key];
  }
}

