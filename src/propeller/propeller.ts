/**
 * The propeller runtime: owns one runner per execution and decides *when* rounds run. Rounds are
 * event-driven, never interval-polled: a round runs when an execution starts, when an attempt's
 * `launcher.wait()` resolves, when a timer fires (timeouts, child fallback poll, retry of a
 * failed round), when a child execution of this propeller ends, when a cache reservation is
 * released, and on abort. Rounds of one execution are serialised: a request during a round
 * marks the runner dirty and one more round follows.
 *
 * After each round: save (version-checked) → send the outbox → run `afterPersist` side effects
 * (cleanup, reservation release) → wake the parent if the execution ended.
 */
import { isSandboxError, NotFoundError, UnavailableError } from '../core/errors.ts';
import { ALREADY_TERMINAL_CODE, INVALID_TRANSITION_CODE, WorkflowPhases } from '../core/phases.ts';
import { CacheReservations, createDataStoreCatalog } from './catalog.ts';
import { TaskSlots } from './task-slots.ts';
import type { PropellerDeps, ResolvedPropellerConfig } from './deps.ts';
import { executionError, EXECUTION_ERROR_CODES, FaultInjectedError, PROPELLER_ERROR_CODES } from './errors.ts';
import { createFaultPoints } from './fault-points.ts';
import type { FaultPoints } from './fault-points.ts';
import { createHandlerRegistry } from './handlers/index.ts';
import type { NodeHandler, ObservedExit } from './handlers/handler.ts';
import { executionKey } from './ids.ts';
import type { ExecutionRequest } from './ports.ts';
import { createClosureCache, createDagCache } from './caches.ts';
import { Round } from './round.ts';
import type { RoundServices } from './round.ts';
import { asDocument, documentHead, newDocument, roundStatus, statusHead } from './state.ts';
import type { NodeStatus } from './state.ts';
import { NodeIndex, type Frontier } from './node-index.ts';
import type { ExecutionDocument, NodeKind, OutboxEvent } from './state.ts';
import { writeProto } from '../storage/proto-io.ts';

/** What admin calls to run executions (admin's `ExecutionRunner` port). */
export interface ExecutionRunner {
  /**
   * Accepts an execution: persists its initial state (idempotent on the execution id) and
   * schedules its first round. Resolves once the state is saved, before the execution runs.
   */
  start(req: ExecutionRequest): Promise<void>;
  /**
   * Requests termination: the next round aborts running attempts and child executions and ends
   * the execution ABORTED. Resolves once that round is saved. A terminal execution is left alone.
   */
  abort(id: { project: string; domain: string; name: string }, cause: string): Promise<void>;
}

/** The engine. */
export interface Propeller extends ExecutionRunner {
  /** Runs a round for every active execution in the store (after a restart). Running attempts are re-adopted, never relaunched. */
  resume(): Promise<void>;
  /** Stops scheduling rounds, cancels timers and waits, and waits for running rounds. Attempts keep running. */
  stop(): Promise<void>;
  /** Resolves when no round is running or pending (tests and benchmarks). */
  idle(): Promise<void>;
  /** The fault points this instance hits (tests arm them). */
  readonly faultPoints: FaultPoints;
}

interface Runner {
  key: string;
  /**
   * The document as last saved, its version, and which of its nodes had ended and which were
   * active: rounds start from it, and only a successful save changes it.
   */
  saved?: { doc: ExecutionDocument; version: number; index: NodeIndex; legacyNodes?: boolean };
  running?: Promise<void>;
  again: boolean;
  crashed: boolean;
  pendingAbort?: string;
  failures: number;
  timers: Map<string, AbortController>;
  watchers: Map<string, AbortController>;
  exits: Map<string, ObservedExit>;
  /** What this execution waits for (an attempt's engine, disk space for a launch), and since when. */
  waits: Map<string, number>;
  wake: () => void;
}

/** Extra construction options (mostly for tests and the next node kinds). */
export interface PropellerExtras {
  /** Replaces or adds node handlers (dynamic, gate, array, eager later). */
  handlers?: Partial<Record<NodeKind, NodeHandler>>;
}

/**
 * Creates the engine. `config` must be resolved (see `resolvePropellerConfig`).
 *
 * @example
 * const propeller = createPropeller({ clock, launcher, store, events, data, children, logger }, resolvePropellerConfig({ logDir }));
 * await propeller.resume();
 * await propeller.start(request);
 */
export function createPropeller(deps: PropellerDeps, config: ResolvedPropellerConfig, extras: PropellerExtras = {}): Propeller {
  const faultPoints = deps.faultPoints ?? createFaultPoints();
  const fullDeps: RoundServices['deps'] = { ...deps, catalog: deps.catalog ?? createDataStoreCatalog(deps.data), faultPoints };
  const { clock, launcher, store, events, logger } = fullDeps;
  const handlers = createHandlerRegistry(extras.handlers);
  const reservations = new CacheReservations();
  const taskSlots = new TaskSlots(config.maxRunningTasks);
  const dagOf = createDagCache();
  const readClosure = createClosureCache(fullDeps.data);
  const storedRequests = new WeakMap<ExecutionRequest, ExecutionRequest>();
  const runners = new Map<string, Runner>();
  let stopped = false;

  function runnerFor(key: string): Runner {
    let r = runners.get(key);
    if (!r) {
      const nr: Runner = {
        key,
        again: false,
        crashed: false,
        failures: 0,
        timers: new Map(),
        watchers: new Map(),
        exits: new Map(),
        waits: new Map(),
        wake: () => requestRound(key),
      };
      runners.set(key, nr);
      r = nr;
    }
    return r;
  }

  function requestRound(key: string): void {
    if (stopped) return;
    const r = runnerFor(key);
    if (r.crashed) return;
    if (r.running) {
      r.again = true;
      return;
    }
    r.running = loop(r);
  }

  async function loop(r: Runner): Promise<void> {
    for (;;) {
      r.again = false;
      try {
        await round(r);
      } catch (e) {
        // Loading, saving or sending failed (a full disk, a locked database): nothing changed
        // for sure, so read the state again and retry later; once the store works, the
        // execution moves on where it stopped.
        r.failures++;
        r.saved = undefined;
        r.again = false; // the retry below waits, backing off, whatever the round asked for
        logger.error('propeller round crashed; will retry', { execution: r.key, attempt: r.failures, error: (e as Error).message });
        wakeAt(r, 'round-retry', clock.now() + Math.min(30_000, config.roundRetryDelayMs * 2 ** Math.min(r.failures - 1, 10)));
      }
      if (!r.again || stopped || r.crashed) {
        r.running = undefined;
        return;
      }
    }
  }

  function cancelAll(r: Runner): void {
    for (const ac of r.timers.values()) ac.abort();
    for (const [key, ac] of r.watchers) {
      ac.abort();
      taskSlots.release(key); // nobody will see this attempt end now
    }
    r.timers.clear();
    r.watchers.clear();
  }

  function services(r: Runner): RoundServices {
    return {
      deps: fullDeps,
      config,
      reservations,
      taskSlots,
      handlers,
      dagOf,
      readClosure,
      exitOf: (k) => r.exits.get(k),
      waitingSince: (k) => {
        if (!r.waits.has(k)) r.waits.set(k, clock.now());
        return r.waits.get(k) as number;
      },
      watchAttempt: (k) => watchAttempt(r, k),
      wakeAt: (id, at) => wakeAt(r, id, at),
      wakeSoon: r.wake,
      nodeIndex: r.saved!.index,
    };
  }

  /** Records how an attempt ended (its wait over, its slot free) and asks for a round to act on it. */
  function attemptEnded(r: Runner, key: string, exit: ObservedExit): void {
    r.waits.delete(key);
    taskSlots.release(key);
    r.exits.set(key, exit);
    requestRound(r.key);
  }

  function watchAttempt(r: Runner, key: string): void {
    if (stopped || r.crashed) return;
    if (r.exits.has(key)) {
      // The attempt already ended, seen by a round whose work was lost (a save that failed on a
      // full disk): the round that asked to watch it must not be the last one.
      r.again = true;
      return;
    }
    if (r.watchers.has(key)) return;
    const ac = new AbortController();
    r.watchers.set(key, ac);
    launcher.wait(key, ac.signal).then(
      (exit) => {
        if (ac.signal.aborted) return;
        r.watchers.delete(key);
        const full = exit.state === 'EXITED' && exit.exitCode !== 0 ? fullDeps.storageFull?.() : undefined;
        attemptEnded(r, key, full === undefined ? exit : { ...exit, storageFull: full });
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        r.watchers.delete(key);
        if ((e as { code?: string })?.code === 'SBX_LAUNCHER_ENGINE_UNAVAILABLE') {
          // The engine is away: wait for it, within a bound; past it the attempt is lost (SYSTEM).
          const since = r.waits.get(key) ?? clock.now();
          r.waits.set(key, since);
          if (clock.now() - since >= config.engineWaitTimeoutMs) {
            attemptEnded(r, key, { state: 'NOT_FOUND', reason: `the container engine did not answer for ${Math.round((clock.now() - since) / 1000)} s (${(e as Error).message})` });
            return;
          }
        }
        logger.warn('launcher.wait failed; will wait again', { key, error: (e as Error).message });
        wakeAt(r, `rewatch:${key}`, clock.now() + config.roundRetryDelayMs);
      },
    );
  }

  function wakeAt(r: Runner, id: string, at: number): void {
    if (r.timers.has(id) || stopped || r.crashed) return;
    const ac = new AbortController();
    r.timers.set(id, ac);
    clock.sleep(Math.max(0, at - clock.now()), ac.signal).then(
      () => {
        if (ac.signal.aborted) return;
        r.timers.delete(id);
        requestRound(r.key);
      },
      () => {
        r.timers.delete(id);
      },
    );
  }

  /**
   * Sends events in order; stops at the first failure the sink may recover from. "Already
   * terminal" counts as recorded (style P8). So does "invalid transition": when re-sending a saved
   * outbox after a restart, the sink may already hold later phases of the same record, and a
   * backward move means the event was recorded before; outside recovery it is logged as a bug and
   * dropped rather than stalling the execution forever.
   */
  async function send(outbox: OutboxEvent[], recovering: boolean): Promise<number> {
    let sent = 0;
    for (const ev of outbox) {
      try {
        if (ev.type === 'workflow') await events.workflowEvent(ev.event);
        else if (ev.type === 'node') await events.nodeEvent(ev.event);
        else await events.taskEvent(ev.event);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code === INVALID_TRANSITION_CODE) {
          if (!recovering) logger.error('event rejected as an invalid transition; dropped', { error: (e as Error).message, type: ev.type });
        } else if (code !== ALREADY_TERMINAL_CODE) {
          logger.warn('event not recorded; will retry', { error: (e as Error).message, type: ev.type });
          return sent;
        }
      }
      sent++;
    }
    return sent;
  }

  /**
   * Saves the document's head and the node statuses a round changed; once saved, the changes
   * join the document (its `nodes`, shared by the rounds' documents) and the index.
   */
  async function save(
    r: Runner,
    doc: ExecutionDocument,
    active: boolean,
    changes: ReadonlyMap<string, NodeStatus> = new Map(),
    frontiers: ReadonlyMap<string, Frontier | null> = new Map(),
  ): Promise<boolean> {
    const version = r.saved?.version ?? 0;
    const index = r.saved?.index ?? new NodeIndex();
    // A head saved by an older version holds its node statuses: the first save writes them all.
    const nodes = r.saved?.legacyNodes ? { ...doc.status.nodes, ...Object.fromEntries(changes) } : Object.fromEntries(changes);
    const ok = await store.save(r.key, { head: stored(doc), nodes }, version, active);
    if (!ok) {
      logger.warn('state version conflict; reloading', { execution: r.key });
      r.saved = undefined;
      r.again = true;
      return false;
    }
    for (const [uid, st] of changes) {
      doc.status.nodes[uid] = st;
      index.note(uid, st);
    }
    index.noteFrontiers(frontiers);
    r.saved = { doc, version: version + 1, index };
    return true;
  }

  async function round(r: Runner): Promise<void> {
    if (!r.saved) {
      const loaded = await store.load(r.key);
      if (!loaded) {
        logger.warn('no stored state for execution', { execution: r.key });
        runners.delete(r.key);
        return;
      }
      const doc = await hydrate(asDocument(loaded, r.key));
      const legacyNodes = Object.keys((loaded.head as ExecutionDocument).status.nodes).length > 0;
      r.saved = { doc, version: loaded.version, index: new NodeIndex(doc.status.nodes), ...(legacyNodes ? { legacyNodes } : {}) };
    }
    const before = r.saved.doc;
    // The request (closure included) is immutable; the round works on a fresh outbox and writes
    // node statuses to a draft over the saved ones (see Round), which only a save applies.
    const doc: ExecutionDocument = { ...before, status: roundStatus(before.status) };
    if (doc.status.outbox.length > 0) {
      // Events saved by a round that died before sending them (or whose sending failed).
      const sent = await send(doc.status.outbox, true);
      doc.status.outbox.splice(0, sent);
      if (doc.status.outbox.length > 0) {
        wakeAt(r, 'resend', clock.now() + config.roundRetryDelayMs);
        return;
      }
    }
    if (r.pendingAbort !== undefined && doc.status.abortCause === undefined && !WorkflowPhases.isTerminal(doc.status.phase)) {
      doc.status.abortCause = r.pendingAbort;
    }
    r.pendingAbort = undefined;
    const headBefore = statusHead(doc.status);
    const outboxBefore = doc.status.outbox.length;
    let rd = new Round(doc, services(r));
    try {
      await rd.run();
      r.failures = 0;
    } catch (e) {
      if (e instanceof FaultInjectedError) {
        logger.warn('fault injected: execution stops here as if the process died', { execution: r.key, point: e.point });
        r.crashed = true;
        cancelAll(r);
        return;
      }
      r.failures++;
      logger.error('round failed', { execution: r.key, attempt: r.failures, error: (e as Error).message, stack: (e as Error).stack });
      // A malformed closure will not get better by waiting: fail at once.
      const hopeless = isSandboxError(e, PROPELLER_ERROR_CODES.BAD_CLOSURE);
      if (!hopeless && r.failures < config.maxRoundFailures) {
        wakeAt(r, 'round-retry', clock.now() + Math.min(30_000, config.roundRetryDelayMs * 2 ** (r.failures - 1)));
        return;
      }
      rd = new Round({ ...before, status: roundStatus(before.status) }, services(r));
      rd.failExecution(
        hopeless
          ? executionError('SYSTEM', PROPELLER_ERROR_CODES.BAD_CLOSURE, (e as Error).message)
          : executionError('SYSTEM', EXECUTION_ERROR_CODES.ROUND_FAILED, `propeller gave up after ${r.failures} failed rounds: ${(e as Error).message}`),
      );
    }
    const next = rd.doc;
    const nodeChanges = rd.nodeChanges();
    const changed = next.status.outbox.length !== outboxBefore || statusHead(next.status) !== headBefore || nodeChanges.size > 0;
    if (!changed && rd.afterSave.length === 0) {
      if (before.status.outbox.length > 0) await save(r, next, !WorkflowPhases.isTerminal(next.status.phase));
      return;
    }
    const terminal = WorkflowPhases.isTerminal(next.status.phase);
    if (!(await save(r, next, true, nodeChanges, rd.nodeFrontiers()))) return;
    try {
      faultPoints.hit('after-persist-before-events');
    } catch (e) {
      r.crashed = true;
      cancelAll(r);
      logger.warn('fault injected after persist', { execution: r.key, point: (e as FaultInjectedError).point });
      return;
    }
    const runSideEffects = async (): Promise<boolean> => {
      for (const fn of rd.afterSave) {
        try {
          await fn();
        } catch (e) {
          if (e instanceof FaultInjectedError) {
            r.crashed = true;
            cancelAll(r);
            return false;
          }
          logger.warn('post-round side effect failed', { execution: r.key, error: (e as Error).message });
        }
      }
      return true;
    };
    // When the execution ends in this round, clean up first: once the terminal event is out,
    // users (and `run --wait`) expect no container of it to be left.
    if (terminal && !(await runSideEffects())) return;
    const sent = await send(next.status.outbox, false);
    const sentDoc: ExecutionDocument = { ...next, status: { ...next.status, outbox: next.status.outbox.slice(sent) } };
    r.saved = { ...r.saved!, doc: sentDoc };
    if (!terminal && !(await runSideEffects())) return;
    if (sentDoc.status.outbox.length > 0) {
      wakeAt(r, 'resend', clock.now() + config.roundRetryDelayMs);
      return;
    }
    if (terminal) {
      await save(r, sentDoc, false);
      cancelAll(r);
      runners.delete(r.key);
      // Its closures (its own, its dynamic nodes') are not read again.
      const closures = Object.values(sentDoc.status.nodes).flatMap((st) => (st.dynamic ? [st.dynamic.closureUri] : []));
      readClosure.forget(sentDoc.closureUri ? [sentDoc.closureUri, ...closures] : closures);
      const parent = next.request.parent?.nodeExecutionId.executionId;
      if (parent) requestRound(executionKey(parent));
    }
  }

  /** The head of the document as stored: no node statuses, and no closure when it lives at `closureUri`. */
  function stored(doc: ExecutionDocument): ExecutionDocument {
    const head = documentHead(doc);
    if (!doc.closureUri) return head;
    let request = storedRequests.get(doc.request);
    if (!request) {
      request = { ...doc.request, closure: {} };
      storedRequests.set(doc.request, request);
    }
    return { ...head, request };
  }

  /** A loaded document with its closure read back (shared with the dynamic closure cache). */
  async function hydrate(doc: ExecutionDocument): Promise<ExecutionDocument> {
    if (!doc.closureUri) return doc;
    return { ...doc, request: { ...doc.request, closure: await readClosure(doc.closureUri) } };
  }

  async function waitFor(r: Runner): Promise<void> {
    while (r.running) await r.running;
  }

  return {
    faultPoints,

    async start(req) {
      if (stopped) throw new UnavailableError(PROPELLER_ERROR_CODES.STOPPED, 'propeller is stopped');
      const key = executionKey(req.id);
      const existing = await store.load(key);
      if (!existing) {
        // The closure is written once beside the node data and kept out of the document that
        // every round saves (it is the largest part of it and never changes).
        const closureUri = fullDeps.data.join(req.metadataPrefix, '_propeller', 'closure.pb');
        if (req.closureBytes) {
          await fullDeps.data.write(closureUri, req.closureBytes);
          readClosure.remember(closureUri, req.closure);
        } else {
          await writeProto(fullDeps.data, closureUri, 'flyteidl.core.CompiledWorkflowClosure', req.closure);
        }
        const saved = await store.save(key, { head: stored({ ...newDocument(req), closureUri }), nodes: {} }, 0, true);
        if (!saved) logger.info('execution state already created', { execution: key });
      }
      requestRound(key);
    },

    async abort(id, cause) {
      const key = executionKey(id);
      const loaded = runners.get(key)?.saved ?? (await store.load(key));
      if (!loaded) throw new NotFoundError(PROPELLER_ERROR_CODES.EXECUTION_NOT_FOUND, `execution ${key} is not known to propeller`);
      const r = runnerFor(key);
      r.pendingAbort = cause;
      requestRound(key);
      await waitFor(r);
    },

    async resume() {
      for (const key of await store.listActive()) requestRound(key);
    },

    async stop() {
      stopped = true;
      for (const r of runners.values()) cancelAll(r);
      await Promise.all([...runners.values()].map(waitFor));
    },

    async idle() {
      for (;;) {
        const busy = [...runners.values()].filter((r) => r.running);
        if (busy.length === 0) return;
        await Promise.all(busy.map(waitFor));
      }
    },
  };
}
