/**
 * One round of one execution (style P7): the workflow executor ({@link ./workflow-executor.ts})
 * moves the execution through its phases over the node layer — the DAG walk
 * ({@link ./dag-walk.ts}) over the node executor ({@link ./node-executor.ts}). The round is the
 * context handlers get ({@link ExecContext}): the engine's services, the scopes, and the node layer.
 * It mutates the in-memory document only; the runtime ({@link ./propeller.ts}) saves it with a
 * version check, then sends the outbox and runs the `afterPersist` side effects. A crash anywhere
 * before the save loses only this round, which the next round recomputes: handlers are idempotent.
 */
import type { flyteidl } from '../core/idl.ts';
import { WorkflowPhases } from '../core/phases.ts';
import type { WorkflowPhase } from '../core/phases.ts';
import { readProto } from '../storage/proto-io.ts';
import type { CacheReservations } from './catalog.ts';
import type { TaskSlots } from './task-slots.ts';
import { identifierKey, indexClosure } from './closure-index.ts';
import type { Dag } from './dag.ts';
import { walkScope } from './dag-walk.ts';
import type { PropellerDeps, ResolvedPropellerConfig } from './deps.ts';
import { BadClosureError } from './errors.ts';
import { workflowEvent } from './events.ts';
import type { ExecContext, ExecuteNodeOptions, ObservedExit, NodeHandler, Scope, ScopeOutcome } from './handlers/handler.ts';
import { uniqueNodeId } from './ids.ts';
import { NodeExecutor } from './node-executor.ts';
import type { Frontier, NodeIndex } from './node-index.ts';
import type { ExecutionRequest } from './ports.ts';
import type { ExecutionDocument, NodeKind, NodeStatus } from './state.ts';
import { advanceWorkflow, failWorkflow, type WorkflowSteps } from './workflow-executor.ts';

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
  /** Which nodes had ended, and which were active, at the last save. */
  nodeIndex: NodeIndex;
}

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
  /** The node executor of this round: the one writer of node statuses. */
  readonly #nodes: NodeExecutor;

  /**
   * `doc.status.nodes` is the saved document's, read only: the round writes node statuses to a
   * draft over it (copy on write), so a round that dies leaves the saved document untouched, and
   * its cost grows with the nodes it touches, not the graph size. `doc.status.outbox` must be a
   * fresh array.
   */
  constructor(doc: ExecutionDocument, svc: RoundServices) {
    this.doc = doc;
    this.#svc = svc;
    this.request = doc.request;
    this.deps = svc.deps;
    this.config = svc.config;
    this.wakeSoon = svc.wakeSoon;
    this.reservations = svc.reservations;
    this.taskSlots = svc.taskSlots;
    this.now = svc.deps.clock.now();
    this.executionId = { project: doc.request.id.project, domain: doc.request.id.domain, name: doc.request.id.name };
    this.#nodes = new NodeExecutor(doc, this, svc.handlers, svc.nodeIndex);
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

  primeLiteralMap(uri: string, map: flyteidl.core.ILiteralMap): void {
    this.#reads.set(uri, Promise.resolve(map));
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
    return this.#nodes.statusOf(uniqueId);
  }

  /** Where this round's walks left their scopes (the index takes them once the round is saved). */
  nodeFrontiers(): ReadonlyMap<string, Frontier | null> {
    return this.#nodes.frontiers();
  }

  /** The node statuses this round changed (compared with the document it started from): what its save writes. */
  nodeChanges(): Map<string, NodeStatus> {
    return this.#nodes.changes();
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
          this.#nodes.beginPass();
          outcome = await this.walk(top);
        } while (outcome.phase === 'RUNNING' && this.#nodes.deferredWithProgress() && ++passes < 100);
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
      event: workflowEvent(this.executionId, this.config.producerId, to, this.eventTime(), result),
    });
  }

  eventTime(): number {
    return this.deps.clock.now();
  }

  // ---- the node layer (DAG walk over the node executor) ----------------------------------

  /** Advances a scope (see {@link walkScope}). */
  walk(scope: Scope): Promise<ScopeOutcome> {
    return walkScope(scope, this.#nodes);
  }

  executeNode(scope: Scope, node: flyteidl.core.INode, uid: string, parentUniqueId: string | undefined, opts?: ExecuteNodeOptions): Promise<NodeStatus> {
    return this.#nodes.executeNode(scope, node, uid, parentUniqueId, opts);
  }

  abortNode(scope: Scope, node: flyteidl.core.INode, uid: string, reason: string): Promise<void> {
    return this.#nodes.abortNode(scope, node, uid, reason);
  }

  abortScope(scope: Scope, reason: string): Promise<void> {
    return this.#nodes.abortScope(scope, reason);
  }
}
