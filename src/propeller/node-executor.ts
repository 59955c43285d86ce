/**
 * The node executor (flytepropeller's `nodes/executor.go`): runs one node to its next state. It
 * resolves the node's inputs, calls the node's handler, and applies what the handler decided —
 * phase transitions and their events, retries within the USER and SYSTEM budgets, attempt
 * timeouts and the active deadline, max parallelism, skipped children, release of what a finished
 * node held. Handlers only decide ({@link HandlerResult}); this is the one place node statuses are
 * written, on the round's {@link StatusDraft}.
 */
import type { flyteidl } from '../core/idl.ts';
import { IllegalStateError } from '../core/errors.ts';
import { NodePhases } from '../core/phases.ts';
import type { NodePhase } from '../core/phases.ts';
import { nodeDataDir, nodeInputsUri } from '../storage/layout.ts';
import { writeProto } from '../storage/proto-io.ts';
import { decode } from '../core/idl.ts';
import { BindingResolutionError, resolveBindings } from './bindings.ts';
import { END_NODE, START_NODE } from './dag.ts';
import type { ScopeNodes } from './dag-walk.ts';
import { executionError, ErrorKindNum, EXECUTION_ERROR_CODES, PROPELLER_ERROR_CODES } from './errors.ts';
import { nodeEvent } from './events.ts';
import type { ExecContext, ExecuteNodeOptions, HandlerResult, NodeContext, NodeHandler, Scope } from './handlers/handler.ts';
import { executionKey } from './ids.ts';
import { durationToMs, formatMs } from './literals.ts';
import { nodeKindOf } from './state.ts';
import type { ExecutionDocument, NodeKind, NodeStatus } from './state.ts';
import { StatusDraft } from './status-draft.ts';
import type { Frontier, NodeIndex, Settled } from './node-index.ts';

/** Runs the nodes of one round; create one per round, over the round's document. */
export class NodeExecutor implements ScopeNodes {
  readonly #doc: ExecutionDocument;
  /** The round's services, handed to handlers as their context. */
  readonly #exec: ExecContext;
  readonly #handlers: Readonly<Record<NodeKind, NodeHandler>>;
  /** The node statuses this round reads and writes (copy on write). */
  readonly #statuses: StatusDraft;
  /** Nodes that count for max parallelism and are RUNNING. */
  #running = 0;
  /** Countable nodes being started right now (reserved before their first await). */
  #reserved = 0;
  #deferred = false;
  #progress = false;

  readonly #index: NodeIndex;
  /** Frontiers this round's walks left (saved with its changes); `null`: unknown again. */
  readonly #frontiers = new Map<string, Frontier | null>();

  /**
   * `doc.status.nodes` is read only: what the round writes goes to a draft over it (copy on write),
   * so a round that dies leaves the saved document untouched. `index` says which nodes had ended
   * and which were active at the last save, so the round's cost grows with the nodes that can
   * move, not the graph size.
   */
  constructor(doc: ExecutionDocument, exec: ExecContext, handlers: Readonly<Record<NodeKind, NodeHandler>>, index: NodeIndex) {
    this.#doc = doc;
    this.#exec = exec;
    this.#handlers = handlers;
    this.#index = index;
    this.#statuses = new StatusDraft(doc.status.nodes);
    for (const uid of index.active()) {
      const st = doc.status.nodes[uid];
      if (st?.phase === 'RUNNING' && handlers[st.kind].countsForParallelism) this.#running++;
    }
  }

  /** Current status of a node by unique id. */
  statusOf(uniqueId: string): NodeStatus | undefined {
    return this.#statuses.get(uniqueId);
  }

  /** How a node had ended at the last save (undefined: it had not). */
  settled(uniqueId: string): Settled | undefined {
    return this.#index.settled(uniqueId);
  }

  /** Where the last walk of `scope` left it: this round's, else the last saved round's. */
  frontier(scope: Scope): Frontier | undefined {
    const key = scopeKey(scope);
    const mine = this.#frontiers.get(key);
    if (mine !== undefined) return mine?.dag === scope.dag ? mine : undefined;
    return this.#index.frontier(key, scope.dag);
  }

  setFrontier(scope: Scope, left: { ids: readonly string[]; deferred: readonly string[] } | undefined, failed: boolean): void {
    this.#frontiers.set(scopeKey(scope), left ? { dag: scope.dag, ...left, failed } : null);
  }

  /** The frontiers this round's walks left, for the index once the round is saved. */
  frontiers(): ReadonlyMap<string, Frontier | null> {
    return this.#frontiers;
  }

  /** The node statuses this round changed (compared with the document it started from). */
  changes(): Map<string, NodeStatus> {
    return this.#statuses.changes();
  }

  /** Starts a pass of the walk over the top scope (resets what {@link deferredWithProgress} reports). */
  beginPass(): void {
    this.#deferred = false;
    this.#progress = false;
  }

  /**
   * Whether the pass deferred nodes for max parallelism while other nodes moved on: another pass
   * in the same round may then start them, instead of waiting for an unrelated event.
   */
  deferredWithProgress(): boolean {
    return this.#deferred && this.#progress;
  }

  /** Records a node that will never run as SKIPPED (a child of `parentUniqueId`, if any). */
  skip(scope: Scope, node: flyteidl.core.INode, uid: string, parentUniqueId: string | undefined): NodeStatus {
    const st: NodeStatus = {
      phase: 'UNDEFINED',
      kind: nodeKindOf(node),
      nodeId: node.id ?? uid,
      attempts: 0,
      systemFailures: 0,
      stoppedAt: this.#exec.now,
      ...(parentUniqueId ? { parentUniqueId } : {}),
    };
    this.#statuses.put(uid, st);
    this.#setNodePhase(scope, node, uid, st, 'SKIPPED');
    return st;
  }

  #handler(kind: NodeKind): NodeHandler {
    return this.#handlers[kind];
  }

  /**
   * Max parallelism for a node with `current` status, `admitted` other starts already chosen:
   * `free` (it takes no slot: another kind, or it has started), `start` (it takes one, and one is
   * left), or `defer` (none is left; recorded for {@link deferredWithProgress}).
   */
  #admission(handler: NodeHandler, current: NodeStatus | undefined, admitted: number): 'free' | 'start' | 'defer' {
    if (!handler.countsForParallelism || (current && current.phase !== 'QUEUED')) return 'free';
    const max = this.#exec.request.maxParallelism ?? this.#exec.config.maxParallelism;
    if (max > 0 && this.#running + this.#reserved + admitted >= max) {
      this.#deferred = true;
      return 'defer';
    }
    return 'start';
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
    this.#doc.status.outbox.push({
      type: 'node',
      event: nodeEvent(this.#exec.executionId, this.#exec.config.producerId, uid, node, st, to, this.#exec.eventTime(), this.#targetEntity(node), info, this.#parentTaskOf(scope, st)),
    });
  }

  /** The dynamic task attempt a node was generated by, for direct children of a dynamic node. */
  #parentTaskOf(scope: Scope, st: NodeStatus): flyteidl.core.ITaskExecutionIdentifier | undefined {
    return scope.parentTask && st.parentUniqueId !== undefined && st.parentUniqueId === scope.parent?.uniqueId ? scope.parentTask : undefined;
  }

  #context(scope: Scope, node: flyteidl.core.INode, uid: string, st: NodeStatus): NodeContext {
    const dataDir = nodeDataDir(this.#exec.deps.data, this.#exec.request.metadataPrefix, uid);
    return {
      exec: this.#exec,
      scope,
      node,
      kind: st.kind,
      uniqueId: uid,
      status: st,
      attempt: st.attempts,
      dataDir,
      inputsUri: st.inputsUri ?? nodeInputsUri(this.#exec.deps.data, dataDir),
    };
  }

  #expectedInputs(scope: Scope, node: flyteidl.core.INode): flyteidl.core.IVariableMap | undefined {
    if (node.id === END_NODE) return scope.dag.template.interface?.outputs ?? undefined;
    if (node.taskNode?.referenceId) {
      try {
        return this.#exec.findTask(scope, node.taskNode.referenceId).interface?.inputs ?? undefined;
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
        return durationToMs(this.#exec.findTask(scope, node.taskNode.referenceId).metadata?.timeout);
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
        return (this.#exec.findTask(scope, node.taskNode.referenceId).metadata?.retries?.retries ?? 0) + 1;
      } catch {
        return 1;
      }
    }
    return 1;
  }

  /** Flyte `isEligibleForRetry`: separate SYSTEM budget; USER/UNKNOWN use the node's attempts. */
  #eligibleForRetry(scope: Scope, node: flyteidl.core.INode, st: NodeStatus, err: flyteidl.core.IExecutionError): boolean {
    if (err.kind === ErrorKindNum.SYSTEM) return st.systemFailures < this.#exec.config.maxSystemRetries;
    return st.attempts + 1 - st.systemFailures < this.#maxAttempts(scope, node);
  }

  /**
   * Whether `node` may run now, with `admitted` other starts already chosen for this batch: `free`
   * (it takes no parallelism slot: another kind, or it has started), `start` (it takes one, and
   * one is left), or `defer` (max parallelism is reached: the walk keeps it for later without
   * running it, as {@link executeNode} would defer it).
   */
  admit(node: flyteidl.core.INode, uid: string, admitted: number): 'free' | 'start' | 'defer' {
    return this.#admission(this.#handler(nodeKindOf(node)), this.statusOf(uid), admitted);
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
    const admission = this.#admission(handler, current, 0);
    if (admission === 'defer') return current ?? { phase: 'UNDEFINED', kind, nodeId: node.id ?? uid, attempts: 0, systemFailures: 0 };
    const starting = admission === 'start';
    if (starting) this.#reserved++;
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
      st = { phase: 'UNDEFINED', kind, nodeId: node.id ?? uid, attempts: 0, systemFailures: 0, queuedAt: this.#exec.now };
      if (parentUniqueId) st.parentUniqueId = parentUniqueId;
      if (kind === 'start') {
        st.inputsUri = scope.inputsUri;
      } else {
        const dataDir = nodeDataDir(this.#exec.deps.data, this.#exec.request.metadataPrefix, uid);
        const inputsUri = nodeInputsUri(this.#exec.deps.data, dataDir);
        try {
          const inputs = opts.inputs
            ? opts.inputs()
            : await resolveBindings(node.inputs ?? [], this.#bindingSource(scope), this.#expectedInputs(scope, node));
          const bytes = await writeProto(this.#exec.deps.data, inputsUri, 'flyteidl.core.LiteralMap', inputs);
          // Handlers read the inputs back as they are stored: decoded from the bytes, not the store.
          this.#exec.primeLiteralMap(inputsUri, decode('flyteidl.core.LiteralMap', bytes));
          st.inputsUri = inputsUri;
        } catch (e) {
          if (!(e instanceof BindingResolutionError)) throw e;
          st.error = executionError('USER', EXECUTION_ERROR_CODES.BINDING_RESOLUTION, `[${node.id}] ${e.message}`);
          st.stoppedAt = this.#exec.now;
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
      if (timeoutMs !== undefined && st.queuedAt !== undefined && this.#exec.now >= st.queuedAt + 2 * timeoutMs) {
        const ab = await handler.abort(ctx, 'active deadline exceeded');
        this.#pushTaskEvents(ab.taskEvents);
        st.error = executionError('USER', EXECUTION_ERROR_CODES.TIMEOUT, `node ${node.id} exceeded its active deadline of ${formatMs(2 * timeoutMs)}`);
        st.stoppedAt = this.#exec.now;
        this.#finishNode(st, uid);
        this.#setNodePhase(scope, node, uid, st, 'TIMED_OUT');
        return st;
      }
      if (timeoutMs !== undefined && st.attemptStartedAt !== undefined && this.#exec.now >= st.attemptStartedAt + timeoutMs) {
        const ab = await handler.abort(ctx, 'attempt timed out');
        this.#pushTaskEvents(ab.taskEvents);
        result = { phase: 'RETRYABLE_FAILURE', error: executionError('USER', EXECUTION_ERROR_CODES.TIMEOUT_EXPIRED, `task active timeout [${formatMs(timeoutMs)}] expired`) };
      } else {
        result = await handler.handle(ctx);
      }
      if (result.patch) Object.assign(st, result.patch);
      for (const s of result.skip ?? []) if (!this.#statuses.get(s.uniqueId)) this.skip(scope, s.node, s.uniqueId, uid);
      this.#pushTaskEvents(result.taskEvents);
      switch (result.phase) {
        case 'QUEUED':
          return st;
        case 'RUNNING':
          st.startedAt ??= this.#exec.now;
          st.attemptStartedAt ??= this.#exec.now;
          this.#setNodePhase(scope, node, uid, st, 'RUNNING', result.info);
          if (timeoutMs !== undefined) {
            this.#exec.wakeAt(`attempt-timeout:${uid}:${st.attempts}`, st.attemptStartedAt + timeoutMs);
            if (st.queuedAt !== undefined) this.#exec.wakeAt(`active-deadline:${uid}`, st.queuedAt + 2 * timeoutMs);
          }
          return st;
        case 'DYNAMIC_RUNNING':
          if (st.phase === 'DYNAMIC_RUNNING') return st;
          this.#setNodePhase(scope, node, uid, st, 'DYNAMIC_RUNNING', result.info);
          // The generated workflow was just built: start its ready nodes in this same round.
          continue;
        case 'SUCCESS':
          if (result.outputsUri !== undefined) st.outputsUri = result.outputsUri;
          st.stoppedAt = this.#exec.now;
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
          st.stoppedAt = this.#exec.now;
          this.#finishNode(st, uid);
          this.#setNodePhase(scope, node, uid, st, 'FAILED', result.info);
          return st;
        case 'FAILURE':
          st.error = result.error;
          st.stoppedAt = this.#exec.now;
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
      const owner = `${executionKey(this.#exec.executionId)}#${uid}`;
      delete st.reservationKey;
      this.#exec.afterPersist(() => this.#exec.reservations.release(key, owner));
    }
  }

  #pushTaskEvents(evs: flyteidl.event.ITaskExecutionEvent[] | undefined): void {
    for (const event of evs ?? []) this.#doc.status.outbox.push({ type: 'task', event });
  }

  #bindingSource(scope: Scope): { outputsOf(nodeId: string): Promise<flyteidl.core.ILiteralMap | undefined> } {
    return {
      outputsOf: async (nodeId) => {
        const uri = nodeId === START_NODE ? scope.inputsUri : this.statusOf(scope.uniqueId(nodeId))?.outputsUri;
        if (!uri) return undefined;
        return this.#exec.readLiteralMap(uri);
      },
    };
  }

  async abortNode(scope: Scope, node: flyteidl.core.INode, uid: string, reason: string): Promise<void> {
    const current = this.statusOf(uid);
    if (!current || NodePhases.isTerminal(current.phase)) return;
    const st = this.#statuses.own(uid)!;
    const handler = this.#handler(st.kind);
    const ab = await handler.abort(this.#context(scope, node, uid, st), reason);
    this.#pushTaskEvents(ab.taskEvents);
    st.stoppedAt = this.#exec.now;
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

/** A scope's key among an execution's scopes: its parent node and attempt ('' for the top). */
function scopeKey(scope: Scope): string {
  return scope.parent ? `${scope.parent.uniqueId}#${scope.parent.attempt}` : '';
}
