/**
 * The DAG walk (flytepropeller's `nodes/executor.go` `RecursiveNodeHandler` over a graph): which
 * nodes of a scope are ready, which can never run, and what the scope's outcome is. It decides
 * nothing about a single node — that is the node executor's ({@link ScopeNodes}) — and it owns no
 * state: node statuses are read through the node layer.
 */
import type { flyteidl } from '../core/idl.ts';
import { NodePhases } from '../core/phases.ts';
import type { NodePhase } from '../core/phases.ts';
import { downstreamOf, END_NODE } from './dag.ts';
import { executionError, EXECUTION_ERROR_CODES } from './errors.ts';
import type { Scope, ScopeOutcome } from './handlers/handler.ts';
import type { NodeStatus } from './state.ts';
import type { Frontier, Settled } from './node-index.ts';

/** What the walk asks of the node layer. */
export interface ScopeNodes {
  statusOf(uniqueId: string): NodeStatus | undefined;
  /**
   * How a node had ended before this round (it cannot change again), or undefined. The walk skips
   * such nodes without reading their status; without this every node is looked at.
   */
  settled?(uniqueId: string): Settled | undefined;
  /** Runs one ready node of `scope` to its next state. */
  executeNode(scope: Scope, node: flyteidl.core.INode, uniqueId: string, parentUniqueId: string | undefined): Promise<NodeStatus>;
  /**
   * Whether a ready node may run now, with `admitted` starts already chosen for the batch: `free`
   * (no parallelism slot needed), `start` (takes one), `defer` (max parallelism reached: the walk
   * keeps it for a later walk without running it). Without this, every ready node is run (and
   * defers itself).
   */
  admit?(node: flyteidl.core.INode, uniqueId: string, admitted: number): 'free' | 'start' | 'defer';
  /** Records a node that will never run (an upstream did not succeed) as SKIPPED. */
  skip(scope: Scope, node: flyteidl.core.INode, uniqueId: string, parentUniqueId: string | undefined): NodeStatus;
  /**
   * Where the last walk of `scope` left it (see {@link Frontier}), or undefined when unknown: the
   * walk then looks at every node that has not settled. Without it, always unknown.
   */
  frontier?(scope: Scope): Frontier | undefined;
  /** Records where this walk leaves `scope`; undefined: unknown. */
  setFrontier?(scope: Scope, left: { ids: readonly string[]; deferred: readonly string[] } | undefined, failed: boolean): void;
}

const SUCCESS_PHASES: ReadonlySet<NodePhase> = new Set(['SUCCEEDED', 'RECOVERED']);
/** Node phases that fail a scope (FAIL_IMMEDIATELY stops at the first). */
export const FAILED_PHASES: ReadonlySet<NodePhase> = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * Advances a scope, then reports its outcome. Nodes whose upstream all ended are handled
 * together (their I/O — inputs, launches, output checks — overlaps); nodes that end during the
 * walk make their downstream candidates for another batch, so a node that succeeds at once
 * (start-node, a cache hit) lets its downstream start in the same round. With FAIL_IMMEDIATELY
 * nothing new starts once a node of the scope failed.
 */
export async function walkScope(scope: Scope, nodes: ScopeNodes): Promise<ScopeOutcome> {
  const { dag } = scope;
  const failFast = scope.onFailure === 0;
  // Nodes that ended in an earlier round never move again: start from the others — from where
  // the last walk left the scope when that is known, else from every node that has not settled.
  let failed = false;
  let candidates: readonly string[] = dag.order;
  // Nodes a walk deferred for max parallelism, in order: looked at after the others, and only
  // until one is deferred again — the rest wait untouched (a 10,000-node fan-out at parallelism
  // 25 would otherwise cost every pass 10,000 looks).
  let deferredBefore: readonly string[] = [];
  const known = nodes.frontier?.(scope);
  if (known) {
    candidates = known.ids;
    deferredBefore = known.deferred;
    failed = known.failed;
  } else if (nodes.settled) {
    const open: string[] = [];
    for (const id of dag.order) {
      const was = nodes.settled(scope.uniqueId(id));
      if (was === undefined) open.push(id);
      else if (was === 'failed') failed = true;
    }
    candidates = open;
  }
  // What the next walk starts from: the nodes run this walk that have not ended, then the
  // deferred ones (this walk's, then those it did not get to).
  const moving = new Set<string>();
  const deferred = new Set<string>();
  /** Every node this walk ran. */
  const ran = new Set<string>();
  let untouched: readonly string[] = [];
  let stopped = false;
  while (candidates.length > 0 || deferredBefore.length > 0) {
    const batch: string[] = [];
    const ended: string[] = [];
    let admitted = 0;
    let full = false;
    const queue = deferredBefore;
    deferredBefore = [];
    for (let i = 0; i < candidates.length + queue.length; i++) {
      const fromQueue = i >= candidates.length;
      if (fromQueue && full) {
        untouched = queue.slice(i - candidates.length);
        break;
      }
      const id = fromQueue ? queue[i - candidates.length]! : candidates[i]!;
      // A deferred node that this walk ran already (it came from both lists).
      if (fromQueue && ran.has(id)) continue;
      const uid = scope.uniqueId(id);
      const st = nodes.statusOf(uid);
      if (st && NodePhases.isTerminal(st.phase)) {
        if (FAILED_PHASES.has(st.phase)) failed = true;
        moving.delete(id);
        continue;
      }
      const readiness = readinessOf(scope, id, nodes);
      if (readiness === 'waiting') continue;
      if (readiness === 'blocked') {
        nodes.skip(scope, dag.nodes.get(id)!, uid, scope.parent?.uniqueId);
        ended.push(id);
        continue;
      }
      // Max parallelism reached: a node that would take a slot waits for a later walk, not run
      // only to defer itself (a 10,000-node fan-out at parallelism 25 did that on every pass).
      const admission = nodes.admit?.(dag.nodes.get(id)!, uid, admitted) ?? 'free';
      if (admission === 'defer') {
        full = true;
        deferred.add(id);
        continue;
      }
      if (admission === 'start') admitted++;
      deferred.delete(id);
      ran.add(id);
      batch.push(id);
    }
    if (failFast && failed) {
      stopped = true;
      break;
    }
    const results = await Promise.all(batch.map((id) => nodes.executeNode(scope, dag.nodes.get(id)!, scope.uniqueId(id), scope.parent?.uniqueId)));
    results.forEach((st, i) => {
      const id = batch[i]!;
      if (NodePhases.isTerminal(st.phase)) {
        ended.push(id);
        moving.delete(id);
      } else moving.add(id);
      if (FAILED_PHASES.has(st.phase)) failed = true;
    });
    if (failFast && failed) {
      stopped = true;
      break;
    }
    candidates = downstreamOf(dag, ended);
  }
  // A walk cut short by a failure leaves candidates unseen: the next one looks at every node.
  const left = [...deferred, ...untouched.filter((id) => !deferred.has(id) && !ran.has(id))];
  nodes.setFrontier?.(scope, stopped ? undefined : { ids: [...moving], deferred: left }, failed);
  if (nodes.frontier && !stopped && !failed) {
    // Nothing failed, and every node that has not ended is in `moving` (or waits behind one).
    const end = nodes.statusOf(scope.uniqueId(END_NODE));
    if (end?.phase === 'SUCCEEDED' && end.outputsUri) return { phase: 'SUCCEEDED', outputsUri: end.outputsUri };
    if (moving.size === 0 && end?.phase === 'SKIPPED') return { phase: 'FAILED', error: executionError('SYSTEM', EXECUTION_ERROR_CODES.RUNTIME, 'end-node was skipped'), timedOut: false };
    return { phase: 'RUNNING' };
  }
  return scopeOutcome(scope, nodes);
}

/** Whether a node can run: its upstream all succeeded (`ready`), one did not (`blocked`), or some still run. */
function readinessOf(scope: Scope, id: string, nodes: Pick<ScopeNodes, 'statusOf'>): 'ready' | 'blocked' | 'waiting' {
  let blocked = false;
  const upstream = scope.dag.upstream.get(id) ?? [];
  // Last first: nodes start (and mostly end) in order, so the end-node of a 10,000-node fan-out
  // finds a node still running at once instead of after every one that ended.
  for (let i = upstream.length - 1; i >= 0; i--) {
    const u = upstream[i]!;
    const ust = nodes.statusOf(scope.uniqueId(u));
    if (!ust || !NodePhases.isTerminal(ust.phase)) return 'waiting';
    if (!SUCCESS_PHASES.has(ust.phase)) blocked = true;
  }
  return blocked ? 'blocked' : 'ready';
}

/** The outcome of a scope from its node statuses (first failure in topological order). */
export function scopeOutcome(scope: Scope, nodes: Pick<ScopeNodes, 'statusOf' | 'settled'>): ScopeOutcome {
  let lastError: flyteidl.core.IExecutionError | undefined;
  let timedOut = false;
  let active = false;
  for (const id of scope.dag.order) {
    const uid = scope.uniqueId(id);
    if (nodes.settled?.(uid) === 'done' && id !== END_NODE) continue;
    const st = nodes.statusOf(uid);
    if (!st) continue;
    if (FAILED_PHASES.has(st.phase)) {
      lastError = st.error ?? executionError('SYSTEM', EXECUTION_ERROR_CODES.RUNTIME, `node ${id} ${st.phase}`);
      timedOut ||= st.phase === 'TIMED_OUT';
      if (scope.onFailure === 0) return { phase: 'FAILED', error: lastError, timedOut };
    } else if (!NodePhases.isTerminal(st.phase)) {
      active = true;
    }
  }
  const end = nodes.statusOf(scope.uniqueId(END_NODE));
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
