/**
 * One round of one execution (style P7): walk the DAG from `start-node`, call the handler of
 * each ready, non-terminal node, apply its decision (phases, retries, timeouts, events), and move
 * the workflow through its phases. The round mutates the in-memory document only; the runtime
 * ({@link ./propeller.ts}) saves it with a version check, then sends the outbox and runs the
 * `afterPersist` side effects. A crash anywhere before the save loses only this round, which
 * the next round recomputes: handlers are idempotent.
 */
import type { flyteidl } from '../core/idl.ts';
import { IllegalStateError } from '../core/errors.ts';
import { NodePhases, WorkflowPhases } from '../core/phases.ts';
import type { NodePhase, WorkflowPhase } from '../core/phases.ts';
import { nodeDataDir, nodeInputsUri } from '../storage/layout.ts';
import { readProto, writeProto } from '../storage/proto-io.ts';
import { BindingResolutionError, resolveBindings } from './bindings.ts';
import type { CacheReservations } from './catalog.ts';
import type { TaskSlots } from './task-slots.ts';
import { identifierKey, indexClosure } from './closure-index.ts';
import { downstreamOf, END_NODE, START_NODE } from './dag.ts';
import type { Dag } from './dag.ts';
import type { PropellerDeps, ResolvedPropellerConfig } from './deps.ts';
import { BadClosureError, executionError, ErrorKindNum, EXECUTION_ERROR_CODES, PROPELLER_ERROR_CODES } from './errors.ts';
import { nodeEvent, workflowEvent } from './events.ts';
import type { ExecContext, ExecuteNodeOptions, HandlerResult, ObservedExit, NodeContext, NodeHandler, Scope, ScopeOutcome } from './handlers/handler.ts';
import { executionKey, uniqueNodeId } from './ids.ts';
import { durationToMs, formatMs } from './literals.ts';
import type { ExecutionRequest } from './ports.ts';
import { nodeKindOf } from './state.ts';
import type { ExecutionDocument, NodeKind, NodeStatus } from './state.ts';
import { advanceWorkflow, failWorkflow, type WorkflowSteps } from './workflow-executor.ts';
import { StatusDraft } from './status-draft.ts';

/** Runtime services a round uses (owned by the propeller runtime, one set per execution). */
export interface RoundServices {
  deps: Required<Pick<PropellerDeps, 'catalog'>> & PropellerDeps;
  config: ResolvedPropellerConfig;
  reservations: CacheReservations;
  taskSlots: TaskSlots;
  handlers: Readonly<Record<NodeKind, NodeHandler>>;
  dagOf(template: flyteidl.core.IWorkflowTemplate, connections?: flyteidl.core.IConnectionSet | null): Dag;
  /** Reads a compiled closure document, cached across rounds. */
  readClosure(uri: string): Promise<flyteidl.core.ICompiledWorkflowClosure>;
  exitOf(key: string): ObservedExit | undefined;
  waitingSince(key: string): number;
  watchAttempt(key: string): void;
  wakeAt(id: string, atMs: number): void;
  wakeSoon(): void;
}

const SUCCESS_PHASES: ReadonlySet<NodePhase> = new Set(['SUCCEEDED', 'RECOVERED']);
const FAILED_PHASES: ReadonlySet<NodePhase> = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

function idText(id: flyteidl.core.IIdentifier | null | undefined): string {
  return id ? identifierKey(id) : '(none)';
}

/** Executes one round over a document. Create a new instance per round. */
export class Round implements ExecContext {
  readonly request: ExecutionRequest;
  readonly deps: RoundServices['deps'];
  readonly config: ResolvedPropellerConfig;
  readonly reservations: CacheReservations;
  readonly taskSlots: TaskSlots;
  readonly now: number;
  readonly executionId: { project: string; domain: string; name: string };
  readonly doc: ExecutionDocument;
  /** Stable per execution (usable as a deduplicated wake-up callback). */
  readonly wakeSoon: () => void;
  /** Side effects to run after the save. */
  readonly afterSave: Array<() => Promise<void> | void> = [];
  readonly #svc: RoundServices;
  readonly #reads = new Map<string, Promise<flyteidl.core.ILiteralMap>>();
  /** The node statuses this round reads and writes (copy on write). */
  readonly #statuses: StatusDraft;
  #running = 0;
  /** Countable nodes being started right now (reserved before their first await). */
  #reserved = 0;
  #deferred = false;
  #progress = false;

  /**
   * `doc.status.nodes` must be a fresh object whose values may be shared with the saved document:
   * the round copies a status before changing it (copy on write), so a round that dies leaves the
   * saved document untouched, and its cost grows with the nodes it touches, not the graph size.
   */
  constructor(doc: ExecutionDocument, svc: RoundServices) {
    this.doc = doc;
    this.#statuses = new StatusDraft(doc.status.nodes);
    this.#svc = svc;
    this.request = doc.request;
    this.deps = svc.deps;
    this.config = svc.config;
    this.wakeSoon = svc.wakeSoon;
    this.reservations = svc.reservations;
    this.taskSlots = svc.taskSlots;
    this.now = svc.deps.clock.now();
    this.executionId = { project: doc.request.id.project, domain: doc.request.id.domain, name: doc.request.id.name };
    for (const st of Object.values(doc.status.nodes)) {
      if (st.phase === 'RUNNING' && svc.handlers[st.kind].countsForParallelism) this.#running++;
    }
  }

  // ---- ExecContext services --------------------------------------------------------------

  readLiteralMap(uri: string): Promise<flyteidl.core.ILiteralMap> {
    let p = this.#reads.get(uri);
    if (!p) {
      p = readProto<flyteidl.core.ILiteralMap>(this.deps.data, uri, 'flyteidl.core.LiteralMap');
      this.#reads.set(uri, p);
      p.catch(() => this.#reads.delete(uri));
    }
    return p;
  }

  findTask(scope: Scope, id: flyteidl.core.IIdentifier | null | undefined): flyteidl.core.ITaskTemplate {
    const t = scope.closure.task(id);
    if (!t) throw new BadClosureError(`task ${idText(id)} is not in the closure of ${this.executionId.name}`);
    return t;
  }

  findSubWorkflow(scope: Scope, id: flyteidl.core.IIdentifier | null | undefined): Dag {
    const w = scope.closure.subWorkflow(id);
    if (!w?.template) throw new BadClosureError(`sub-workflow ${idText(id)} is not in the closure of ${this.executionId.name}`);
    return this.#svc.dagOf(w.template, w.connections);
  }

  dagOf(wf: flyteidl.core.ICompiledWorkflow): Dag {
    if (!wf.template) throw new BadClosureError(`a compiled workflow of ${this.executionId.name} has no template`);
    return this.#svc.dagOf(wf.template, wf.connections);
  }

  readClosure(uri: string): Promise<flyteidl.core.ICompiledWorkflowClosure> {
    return this.#svc.readClosure(uri);
  }

  exitOf(key: string): ObservedExit | undefined {
    return this.#svc.exitOf(key);
  }
  waitingSince(key: string): number {
    return this.#svc.waitingSince(key);
  }
  watchAttempt(key: string): void {
    this.#svc.watchAttempt(key);
  }
  wakeAt(id: string, atMs: number): void {
    this.#svc.wakeAt(id, atMs);
  }
  afterPersist(fn: () => Promise<void> | void): void {
    this.afterSave.push(fn);
  }
  statusOf(uniqueId: string): NodeStatus | undefined {
    return this.#statuses.get(uniqueId);
  }

  /** Whether this round changed any node status (compared with the document it started from). */
  nodesChanged(): boolean {
    return this.#statuses.changed();
  }

  /** The top-level scope of the execution. */
  topScope(): Scope {
    const primary = this.request.closure.primary;
    if (!primary?.template) throw new BadClosureError(`execution ${this.executionId.name} has no primary workflow`);
    const dag = this.#svc.dagOf(primary.template, primary.connections);
    return {
      dag,
      closure: indexClosure(this.request.closure),
      depth: 0,
      inputsUri: this.request.inputsUri,
      onFailure: dag.template.metadata?.onFailure ?? 0,
      uniqueId: (id) => id,
    };
  }

  subScope(
    from: Scope,
    dag: Dag,
    parent: { uniqueId: string; attempt: number },
    inputsUri: string,
    extra: Parameters<ExecContext['subScope']>[4] = {},
  ): Scope {
    const ids = new Map<string, string>();
    return {
      dag,
      closure: extra.closure ?? from.closure,
      depth: extra.depth ?? from.depth,
      parent,
      ...(extra.parentTask ? { parentTask: extra.parentTask } : {}),
      inputsUri,
      onFailure: dag.template.metadata?.onFailure ?? 0,
      uniqueId: (id) => {
        let u = ids.get(id);
        if (u === undefined) {
          u = uniqueNodeId(parent, id);
          ids.set(id, u);
        }
        return u;
      },
    };
  }

  // ---- workflow phases ------------------------------------------------------------------

  /** Runs the round: the workflow executor over this round's node layer. */
  run(): Promise<void> {
    return advanceWorkflow(this.#workflowSteps());
  }

  /** Fails the execution outright (too many broken rounds). */
  failExecution(error: flyteidl.core.IExecutionError): void {
    failWorkflow(this.#workflowSteps(), error);
  }

  /** What the workflow executor drives: the top scope's nodes and the workflow's phase. */
  #workflowSteps(): WorkflowSteps {
    return {
      status: this.doc.status,
      now: this.now,
      executionName: this.executionId.name,
      setPhase: (to, result) => this.#setWorkflowPhase(to, result),
      advanceNodes: async () => {
        const top = this.topScope();
        let outcome: ScopeOutcome;
        let passes = 0;
        // Nodes deferred by max parallelism may start once others finished later in the same
        // walk; walk again while that makes progress instead of waiting for an unrelated event.
        do {
          this.#deferred = false;
          this.#progress = false;
          outcome = await this.walk(top);
        } while (outcome.phase === 'RUNNING' && this.#deferred && this.#progress && ++passes < 100);
        return outcome;
      },
      abortNodes: (cause) => this.abortScope(this.topScope(), cause),
    };
  }

  #setWorkflowPhase(to: WorkflowPhase, result: { outputUri?: string; error?: flyteidl.core.IExecutionError } = {}): void {
    const s = this.doc.status;
    if (s.phase === to) return;
    WorkflowPhases.assertTransition(s.phase, to, `execution ${this.executionId.name}`);
    s.phase = to;
    s.outbox.push({
      type: 'workflow',
      event: workflowEvent(this.executionId, this.config.producerId, to, this.now, result),
    });
  }

  // ---- DAG walk -------------------------------------------------------------------------

  /**
   * Advances a scope, then reports its outcome. Nodes whose upstream all ended are handled
   * together (their I/O — inputs, launches, output checks — overlaps); nodes that end during the
   * walk make their downstream candidates for another batch, so a node that succeeds at once
   * (start-node, a cache hit) lets its downstream start in the same round. With FAIL_IMMEDIATELY
   * nothing new starts once a node of the scope failed.
   */
  async walk(scope: Scope): Promise<ScopeOutcome> {
    const { dag } = scope;
    const failFast = scope.onFailure === 0;
    let candidates: readonly string[] = dag.order;
    let failed = false;
    while (candidates.length > 0) {
      const batch: string[] = [];
      const ended: string[] = [];
      for (const id of candidates) {
        const uid = scope.uniqueId(id);
        const st = this.statusOf(uid);
        if (st && NodePhases.isTerminal(st.phase)) {
          if (FAILED_PHASES.has(st.phase)) failed = true;
          continue;
        }
        const readiness = this.#readiness(scope, id);
        if (readiness === 'waiting') continue;
        if (readiness === 'blocked') {
          this.#skip(scope, dag.nodes.get(id)!, uid, scope.parent?.uniqueId);
          ended.push(id);
        } else batch.push(id);
      }
      if (failFast && failed) break;
      const results = await Promise.all(batch.map((id) => this.executeNode(scope, dag.nodes.get(id)!, scope.uniqueId(id), scope.parent?.uniqueId)));
      results.forEach((st, i) => {
        if (NodePhases.isTerminal(st.phase)) ended.push(batch[i]!);
        if (FAILED_PHASES.has(st.phase)) failed = true;
      });
      if (failFast && failed) break;
      candidates = downstreamOf(dag, ended);
    }
    return this.#outcome(scope);
  }

  /** Whether a node can run: its upstream all succeeded (`ready`), one did not (`blocked`), or some still run. */
  #readiness(scope: Scope, id: string): 'ready' | 'blocked' | 'waiting' {
    let blocked = false;
    for (const u of scope.dag.upstream.get(id) ?? []) {
      const ust = this.statusOf(scope.uniqueId(u));
      if (!ust || !NodePhases.isTerminal(ust.phase)) return 'waiting';
      if (!SUCCESS_PHASES.has(ust.phase)) blocked = true;
    }
    return blocked ? 'blocked' : 'ready';
  }

  /** The outcome of a scope from its node statuses (first failure in topological order). */
  #outcome(scope: Scope): ScopeOutcome {
    let lastError: flyteidl.core.IExecutionError | undefined;
    let timedOut = false;
    let active = false;
    for (const id of scope.dag.order) {
      const st = this.statusOf(scope.uniqueId(id));
      if (!st) continue;
      if (FAILED_PHASES.has(st.phase)) {
        lastError = st.error ?? executionError('SYSTEM', EXECUTION_ERROR_CODES.RUNTIME, `node ${id} ${st.phase}`);
        timedOut ||= st.phase === 'TIMED_OUT';
        if (scope.onFailure === 0) return { phase: 'FAILED', error: lastError, timedOut };
      } else if (!NodePhases.isTerminal(st.phase)) {
        active = true;
      }
    }
    const end = this.statusOf(scope.uniqueId(END_NODE));
    if (end?.phase === 'SUCCEEDED' && end.outputsUri) return { phase: 'SUCCEEDED', outputsUri: end.outputsUri };
    if (!active && (lastError || end?.phase === 'SKIPPED')) {
      return {
        phase: 'FAILED',
        error: lastError ?? executionError('SYSTEM', EXECUTION_ERROR_CODES.RUNTIME, 'end-node was skipped'),
        timedOut,
      };
    }
    return { phase: 'RUNNING' };
  }

  /** Records a node that will never run as SKIPPED (a child of `parentUniqueId`, if any). */
  #skip(scope: Scope, node: flyteidl.core.INode, uid: string, parentUniqueId: string | undefined): NodeStatus {
    const st: NodeStatus = {
      phase: 'UNDEFINED',
      kind: nodeKindOf(node),
      nodeId: node.id ?? uid,
      attempts: 0,
      systemFailures: 0,
      stoppedAt: this.now,
      ...(parentUniqueId ? { parentUniqueId } : {}),
    };
    this.#statuses.put(uid, st);
    this.#setNodePhase(scope, node, uid, st, 'SKIPPED');
    return st;
  }

  // ---- node executor --------------------------------------------------------------------

  #handler(kind: NodeKind): NodeHandler {
    return this.#svc.handlers[kind];
  }

  #parallelismFull(): boolean {
    const max = this.request.maxParallelism ?? this.config.maxParallelism;
    return max > 0 && this.#running + this.#reserved >= max;
  }

  #targetEntity(node: flyteidl.core.INode): flyteidl.core.IIdentifier | undefined {
    if (node.taskNode?.referenceId) return node.taskNode.referenceId;
    if (node.workflowNode?.launchplanRef) return node.workflowNode.launchplanRef;
    return undefined;
  }

  #setNodePhase(scope: Scope, node: flyteidl.core.INode, uid: string, st: NodeStatus, to: NodePhase, info: HandlerResult['info'] = {}): void {
    if (st.phase === to) return;
    if (!NodePhases.canTransition(st.phase, to)) {
      throw new IllegalStateError(PROPELLER_ERROR_CODES.BAD_STATE, `node ${uid} cannot move from ${st.phase} to ${to}`);
    }
    const wasCounted = st.phase === 'RUNNING' && this.#handler(st.kind).countsForParallelism;
    st.phase = to;
    if (wasCounted) this.#running--;
    if (to === 'RUNNING' && this.#handler(st.kind).countsForParallelism) this.#running++;
    this.#progress = true;
    this.doc.status.outbox.push({
      type: 'node',
      event: nodeEvent(this.executionId, this.config.producerId, uid, node, st, to, this.now, this.#targetEntity(node), info, this.#parentTaskOf(scope, st)),
    });
  }

  /** The dynamic task attempt a node was generated by, for direct children of a dynamic node. */
  #parentTaskOf(scope: Scope, st: NodeStatus): flyteidl.core.ITaskExecutionIdentifier | undefined {
    return scope.parentTask && st.parentUniqueId !== undefined && st.parentUniqueId === scope.parent?.uniqueId ? scope.parentTask : undefined;
  }

  #context(scope: Scope, node: flyteidl.core.INode, uid: string, st: NodeStatus): NodeContext {
    const dataDir = nodeDataDir(this.deps.data, this.request.metadataPrefix, uid);
    return {
      exec: this,
      scope,
      node,
      kind: st.kind,
      uniqueId: uid,
      status: st,
      attempt: st.attempts,
      dataDir,
      inputsUri: st.inputsUri ?? nodeInputsUri(this.deps.data, dataDir),
    };
  }

  #expectedInputs(scope: Scope, node: flyteidl.core.INode): flyteidl.core.IVariableMap | undefined {
    if (node.id === END_NODE) return scope.dag.template.interface?.outputs ?? undefined;
    if (node.taskNode?.referenceId) {
      try {
        return this.findTask(scope, node.taskNode.referenceId).interface?.inputs ?? undefined;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  #timeoutMs(scope: Scope, node: flyteidl.core.INode): number | undefined {
    const own = durationToMs(node.metadata?.timeout);
    if (own !== undefined) return own;
    if (node.taskNode?.referenceId) {
      try {
        return durationToMs(this.findTask(scope, node.taskNode.referenceId).metadata?.timeout);
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  #maxAttempts(scope: Scope, node: flyteidl.core.INode): number {
    const own = node.metadata?.retries?.retries;
    if (own !== undefined && own !== null) return own + 1;
    if (node.taskNode?.referenceId) {
      try {
        return (this.findTask(scope, node.taskNode.referenceId).metadata?.retries?.retries ?? 0) + 1;
      } catch {
        return 1;
      }
    }
    return 1;
  }

  /** Flyte `isEligibleForRetry`: separate SYSTEM budget; USER/UNKNOWN use the node's attempts. */
  #eligibleForRetry(scope: Scope, node: flyteidl.core.INode, st: NodeStatus, err: flyteidl.core.IExecutionError): boolean {
    if (err.kind === ErrorKindNum.SYSTEM) return st.systemFailures < this.config.maxSystemRetries;
    return st.attempts + 1 - st.systemFailures < this.#maxAttempts(scope, node);
  }

  async executeNode(
    scope: Scope,
    node: flyteidl.core.INode,
    uid: string,
    parentUniqueId: string | undefined,
    opts: ExecuteNodeOptions = {},
  ): Promise<NodeStatus> {
    const kind = opts.kind ?? nodeKindOf(node);
    const handler = this.#handler(kind);
    const current = this.statusOf(uid);
    if (current && NodePhases.isTerminal(current.phase)) return current;
    // Max parallelism: a node about to start takes a slot synchronously, before its first await,
    // so that nodes handled together in one batch cannot overshoot the limit.
    const starting = handler.countsForParallelism && (!current || current.phase === 'QUEUED');
    if (starting) {
      if (this.#parallelismFull()) {
        this.#deferred = true;
        return current ?? { phase: 'UNDEFINED', kind, nodeId: node.id ?? uid, attempts: 0, systemFailures: 0 };
      }
      this.#reserved++;
    }
    try {
      return await this.#executeNode(scope, node, uid, parentUniqueId, opts, kind, handler);
    } finally {
      if (starting) this.#reserved--;
    }
  }

  async #executeNode(
    scope: Scope,
    node: flyteidl.core.INode,
    uid: string,
    parentUniqueId: string | undefined,
    opts: ExecuteNodeOptions,
    kind: NodeKind,
    handler: NodeHandler,
  ): Promise<NodeStatus> {
    let st = this.#statuses.own(uid);
    if (!st) {
      st = { phase: 'UNDEFINED', kind, nodeId: node.id ?? uid, attempts: 0, systemFailures: 0, queuedAt: this.now };
      if (parentUniqueId) st.parentUniqueId = parentUniqueId;
      if (kind === 'start') {
        st.inputsUri = scope.inputsUri;
      } else {
        const dataDir = nodeDataDir(this.deps.data, this.request.metadataPrefix, uid);
        const inputsUri = nodeInputsUri(this.deps.data, dataDir);
        try {
          const inputs = opts.inputs
            ? opts.inputs()
            : await resolveBindings(node.inputs ?? [], this.#bindingSource(scope), this.#expectedInputs(scope, node));
          await writeProto(this.deps.data, inputsUri, 'flyteidl.core.LiteralMap', inputs);
          st.inputsUri = inputsUri;
        } catch (e) {
          if (!(e instanceof BindingResolutionError)) throw e;
          st.error = executionError('USER', EXECUTION_ERROR_CODES.BINDING_RESOLUTION, `[${node.id}] ${e.message}`);
          st.stoppedAt = this.now;
          this.#statuses.put(uid, st);
          this.#setNodePhase(scope, node, uid, st, 'FAILED');
          return st;
        }
      }
      this.#statuses.put(uid, st);
      this.#setNodePhase(scope, node, uid, st, 'QUEUED');
    }
    // Bounded: each pass either returns or consumes an attempt.
    for (let guard = 0; guard < 1000; guard++) {
      if (st.phase !== 'QUEUED' && st.phase !== 'RUNNING' && st.phase !== 'DYNAMIC_RUNNING') return st;
      const ctx = this.#context(scope, node, uid, st);
      const timeoutMs = this.#timeoutMs(scope, node);
      let result: HandlerResult;
      if (timeoutMs !== undefined && st.queuedAt !== undefined && this.now >= st.queuedAt + 2 * timeoutMs) {
        const ab = await handler.abort(ctx, 'active deadline exceeded');
        this.#pushTaskEvents(ab.taskEvents);
        st.error = executionError('USER', EXECUTION_ERROR_CODES.TIMEOUT, `node ${node.id} exceeded its active deadline of ${formatMs(2 * timeoutMs)}`);
        st.stoppedAt = this.now;
        this.#finishNode(st, uid);
        this.#setNodePhase(scope, node, uid, st, 'TIMED_OUT');
        return st;
      }
      if (timeoutMs !== undefined && st.attemptStartedAt !== undefined && this.now >= st.attemptStartedAt + timeoutMs) {
        const ab = await handler.abort(ctx, 'attempt timed out');
        this.#pushTaskEvents(ab.taskEvents);
        result = { phase: 'RETRYABLE_FAILURE', error: executionError('USER', EXECUTION_ERROR_CODES.TIMEOUT_EXPIRED, `task active timeout [${formatMs(timeoutMs)}] expired`) };
      } else {
        result = await handler.handle(ctx);
      }
      if (result.patch) Object.assign(st, result.patch);
      for (const s of result.skip ?? []) if (!this.#statuses.get(s.uniqueId)) this.#skip(scope, s.node, s.uniqueId, uid);
      this.#pushTaskEvents(result.taskEvents);
      switch (result.phase) {
        case 'QUEUED':
          return st;
        case 'RUNNING':
          st.startedAt ??= this.now;
          st.attemptStartedAt ??= this.now;
          this.#setNodePhase(scope, node, uid, st, 'RUNNING', result.info);
          if (timeoutMs !== undefined) {
            this.wakeAt(`attempt-timeout:${uid}:${st.attempts}`, st.attemptStartedAt + timeoutMs);
            if (st.queuedAt !== undefined) this.wakeAt(`active-deadline:${uid}`, st.queuedAt + 2 * timeoutMs);
          }
          return st;
        case 'DYNAMIC_RUNNING':
          if (st.phase === 'DYNAMIC_RUNNING') return st;
          this.#setNodePhase(scope, node, uid, st, 'DYNAMIC_RUNNING', result.info);
          // The generated workflow was just built: start its ready nodes in this same round.
          continue;
        case 'SUCCESS':
          if (result.outputsUri !== undefined) st.outputsUri = result.outputsUri;
          st.stoppedAt = this.now;
          this.#finishNode(st, uid);
          this.#setNodePhase(scope, node, uid, st, 'SUCCEEDED', result.info);
          return st;
        case 'RETRYABLE_FAILURE':
          if (this.#eligibleForRetry(scope, node, st, result.error)) {
            if (result.error.kind === ErrorKindNum.SYSTEM) st.systemFailures++;
            st.attempts++;
            st.error = result.error;
            delete st.task;
            delete st.child;
            delete st.dynamic;
            delete st.attemptStartedAt;
            this.#progress = true;
            continue;
          }
          st.error = { ...result.error, code: `${EXECUTION_ERROR_CODES.RETRIES_EXHAUSTED}|${result.error.code ?? ''}` };
          st.stoppedAt = this.now;
          this.#finishNode(st, uid);
          this.#setNodePhase(scope, node, uid, st, 'FAILED', result.info);
          return st;
        case 'FAILURE':
          st.error = result.error;
          st.stoppedAt = this.now;
          this.#finishNode(st, uid);
          this.#setNodePhase(scope, node, uid, st, 'FAILED', result.info);
          return st;
        default:
          return assertNever(result);
      }
    }
    throw new IllegalStateError(PROPELLER_ERROR_CODES.BAD_STATE, `node ${uid} did not settle`);
  }

  /**
   * Releases what a finished node held (cache reservation), after the outcome is saved, and drops
   * the attempt state it no longer needs (terminal statuses stay in the document for good).
   */
  #finishNode(st: NodeStatus, uid: string): void {
    delete st.task;
    delete st.attemptStartedAt;
    const key = st.reservationKey;
    if (key) {
      const owner = `${executionKey(this.executionId)}#${uid}`;
      delete st.reservationKey;
      this.afterPersist(() => this.reservations.release(key, owner));
    }
  }

  #pushTaskEvents(evs: flyteidl.event.ITaskExecutionEvent[] | undefined): void {
    for (const event of evs ?? []) this.doc.status.outbox.push({ type: 'task', event });
  }

  #bindingSource(scope: Scope): { outputsOf(nodeId: string): Promise<flyteidl.core.ILiteralMap | undefined> } {
    return {
      outputsOf: async (nodeId) => {
        const uri = nodeId === START_NODE ? scope.inputsUri : this.statusOf(scope.uniqueId(nodeId))?.outputsUri;
        if (!uri) return undefined;
        return this.readLiteralMap(uri);
      },
    };
  }

  // ---- abort ------------------------------------------------------------------------------

  async abortNode(scope: Scope, node: flyteidl.core.INode, uid: string, reason: string): Promise<void> {
    const current = this.statusOf(uid);
    if (!current || NodePhases.isTerminal(current.phase)) return;
    const st = this.#statuses.own(uid)!;
    const handler = this.#handler(st.kind);
    const ab = await handler.abort(this.#context(scope, node, uid, st), reason);
    this.#pushTaskEvents(ab.taskEvents);
    st.stoppedAt = this.now;
    st.error ??= executionError('USER', 'NodeAborted', reason);
    this.#finishNode(st, uid);
    this.#setNodePhase(scope, node, uid, st, 'ABORTED');
  }

  async abortScope(scope: Scope, reason: string): Promise<void> {
    for (const id of [...scope.dag.order].reverse()) {
      await this.abortNode(scope, scope.dag.nodes.get(id)!, scope.uniqueId(id), reason);
    }
  }
}

function assertNever(x: never): never {
  throw new IllegalStateError(PROPELLER_ERROR_CODES.BAD_STATE, `unexpected handler result ${JSON.stringify(x)}`);
}
