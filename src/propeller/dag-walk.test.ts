/**
 * The walk's frontier: a round starts from where the last walk left the scope, so a long chain
 * costs each round a few node looks instead of the whole graph — with the same outcomes as a walk
 * over every node.
 */
import { describe, expect, it } from 'vitest';
import type { flyteidl } from '../core/idl.ts';
import { buildDag, END_NODE, START_NODE, type Dag } from './dag.ts';
import { walkScope, type ScopeNodes } from './dag-walk.ts';
import type { Scope } from './handlers/handler.ts';
import { NodeIndex, type Frontier } from './node-index.ts';
import type { NodeStatus } from './state.ts';

const node = (id: string, from: string[] = []) => ({
  id,
  taskNode: {},
  inputs: from.map((f, i) => ({ var: `i${i}`, binding: { promise: { nodeId: f, var: 'o0' } } })),
});

/** A chain start → n0 → … → n{len-1} → end. */
function chain(len: number): Dag {
  const nodes = Array.from({ length: len }, (_x, i) => node(`n${i}`, i === 0 ? [''] : [`n${i - 1}`]));
  return buildDag({ nodes, outputs: [{ var: 'o0', binding: { promise: { nodeId: `n${len - 1}`, var: 'o0' } } }] } as flyteidl.core.IWorkflowTemplate);
}

const status = (phase: NodeStatus['phase']): NodeStatus => ({ phase, kind: 'task', nodeId: '', attempts: 0, systemFailures: 0, ...(phase === 'SUCCEEDED' ? { outputsUri: 'file:///o' } : {}) }) as NodeStatus;

/**
 * Rounds as propeller runs them: statuses saved between rounds, an index of what settled, and
 * the frontier kept only when asked. A task node launched in one round succeeds in the next
 * (its attempt exited meanwhile), or fails when it is `failing`.
 */
function engine(dag: Dag, opts: { frontier: boolean; failing?: string }) {
  const saved = new Map<string, NodeStatus>();
  let index = new NodeIndex();
  let looks = 0;
  const scope = { dag, uniqueId: (id: string) => id, onFailure: 0, depth: 0, inputsUri: '' } as unknown as Scope;
  async function round(): Promise<ReturnType<typeof walkScope>> {
    const draft = new Map(saved);
    const frontiers = new Map<string, Frontier | null>();
    const nodes: ScopeNodes = {
      statusOf: (uid) => {
        looks++;
        return draft.get(uid);
      },
      settled: (uid) => index.settled(uid),
      async executeNode(_s, n, uid) {
        const prev = draft.get(uid);
        let next: NodeStatus;
        if (uid === START_NODE || uid === END_NODE) next = status('SUCCEEDED');
        else if (!prev) next = status('RUNNING');
        else next = status(n.id === opts.failing ? 'FAILED' : 'SUCCEEDED');
        draft.set(uid, next);
        return next;
      },
      skip(_s, _n, uid) {
        const st = status('SKIPPED');
        draft.set(uid, st);
        return st;
      },
      ...(opts.frontier
        ? {
            frontier: (s: Scope) => (frontiers.has('') ? (frontiers.get('') ?? undefined) : index.frontier('', s.dag)),
            setFrontier: (s: Scope, left: { ids: readonly string[]; deferred: readonly string[] } | undefined, failed: boolean) => void frontiers.set('', left ? { dag: s.dag, ...left, failed } : null),
          }
        : {}),
    };
    const outcome = await walkScope(scope, nodes);
    for (const [uid, st] of draft) {
      saved.set(uid, st);
      index.note(uid, st);
    }
    index.noteFrontiers(frontiers);
    return outcome;
  }
  return {
    round,
    looks: () => looks,
    resetLooks: () => (looks = 0),
    /** A restarted daemon: the index is rebuilt from the saved statuses, no frontier. */
    reload: () => (index = new NodeIndex(Object.fromEntries(saved))),
  };
}

describe('walkScope with a frontier', () => {
  it('a chain ends as without one, and its rounds look at a bounded number of nodes', async () => {
    for (const withFrontier of [false, true]) {
      const e = engine(chain(300), { frontier: withFrontier });
      let outcome = await e.round();
      let rounds = 1;
      const looksPerRound: number[] = [];
      while (outcome.phase === 'RUNNING') {
        e.resetLooks();
        outcome = await e.round();
        looksPerRound.push(e.looks());
        rounds++;
      }
      expect(outcome).toEqual({ phase: 'SUCCEEDED', outputsUri: 'file:///o' });
      expect(rounds).toBe(301);
      if (withFrontier) expect(Math.max(...looksPerRound)).toBeLessThanOrEqual(6);
      else expect(Math.max(...looksPerRound)).toBeGreaterThan(100);
    }
  });

  it('a failure fails the scope with its error, and a reload (no frontier) picks up where the last round was', async () => {
    const e = engine(chain(5), { frontier: true, failing: 'n2' });
    let outcome = await e.round();
    for (let i = 0; i < 2; i++) outcome = await e.round();
    expect(outcome.phase).toBe('RUNNING');
    e.reload();
    outcome = await e.round();
    while (outcome.phase === 'RUNNING') outcome = await e.round();
    expect(outcome.phase).toBe('FAILED');
    // And once more with a frontier all the way.
    const f = engine(chain(5), { frontier: true, failing: 'n2' });
    let o2 = await f.round();
    while (o2.phase === 'RUNNING') o2 = await f.round();
    expect(o2).toMatchObject({ phase: 'FAILED' });
  });
});

describe('walkScope at max parallelism', () => {
  it('a node that would only be deferred is not run, and stays on the frontier for a later walk', async () => {
    const n = 200;
    const dag = buildDag({ nodes: Array.from({ length: n }, (_x, i) => node(`n${i}`, [''])), outputs: [] } as flyteidl.core.IWorkflowTemplate);
    const statuses = new Map<string, NodeStatus>();
    let frontier: Frontier | undefined;
    let runs = 0;
    const limit = 5;
    const running = (): number => [...statuses.values()].filter((s) => s.phase === 'RUNNING').length;
    const nodes: ScopeNodes = {
      statusOf: (uid) => statuses.get(uid),
      async executeNode(_s, nd, uid) {
        runs++;
        const prev = statuses.get(uid);
        const next = uid === START_NODE || uid === END_NODE || prev ? status('SUCCEEDED') : status('RUNNING');
        statuses.set(uid, next);
        return next;
      },
      skip: (_s, _n, uid) => {
        statuses.set(uid, status('SKIPPED'));
        return status('SKIPPED');
      },
      // Like the node executor's: a start counts against the running nodes and the batch's starts.
      admit: (_nd, uid, admitted) => {
        if (statuses.has(uid) || uid === END_NODE || uid === START_NODE) return 'free';
        return running() + admitted >= limit ? 'defer' : 'start';
      },
      frontier: () => frontier,
      setFrontier: (s, left, failed) => void (frontier = left ? { dag: s.dag, ...left, failed } : undefined),
    };
    const scope = { dag, uniqueId: (id: string) => id, onFailure: 0, depth: 0, inputsUri: '' } as unknown as Scope;
    let outcome = await walkScope(scope, nodes);
    let walks = 1;
    const runsPerWalk: number[] = [];
    while (outcome.phase === 'RUNNING') {
      runs = 0;
      outcome = await walkScope(scope, nodes);
      runsPerWalk.push(runs);
      walks++;
    }
    expect(outcome.phase).toBe('SUCCEEDED');
    expect(walks).toBeGreaterThan(n / limit);
    // Each walk runs the running nodes and the few that start, never the deferred rest.
    expect(Math.max(...runsPerWalk)).toBeLessThanOrEqual(2 * limit + 1);
  });
});
