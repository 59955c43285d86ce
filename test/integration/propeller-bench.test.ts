/**
 * The engine benchmark support (`runEngineBench`, used by scripts/bench-engine) keeps working:
 * each shape runs to SUCCEEDED through the real engine and reports every event. Timings are not
 * asserted (the benchmark reports them).
 */
import { describe, expect, it } from 'vitest';
import { runEngineBench } from '../../src/propeller/index.ts';

// Per task node: node QUEUED/RUNNING/SUCCEEDED + task QUEUED/RUNNING/SUCCEEDED; plus start-node
// and end-node (QUEUED + SUCCEEDED each) and the workflow RUNNING/SUCCEEDING/SUCCEEDED.
const eventsFor = (taskNodes: number) => 6 * taskNodes + 7;

describe('engine benchmark support', () => {
  it('runs a static fan-out and a chain', async () => {
    const fan = await runEngineBench({ kind: 'static', nodes: 60 });
    expect(fan).toMatchObject({ phase: 'SUCCEEDED', nodes: 60, shape: 'fanout', events: eventsFor(60) });
    const chain = await runEngineBench({ kind: 'static', shape: 'chain', nodes: 20 });
    expect(chain).toMatchObject({ phase: 'SUCCEEDED', shape: 'chain', events: eventsFor(20) });
    // A chain needs a round per node; the state saved each round stays small.
    expect(chain.saves).toBeGreaterThanOrEqual(20);
    expect(chain.msPerNode).toBeGreaterThan(0);
  });

  it('saves what a round changed, not the execution so far: the largest save of a chain does not grow with it', async () => {
    const short = await runEngineBench({ kind: 'static', shape: 'chain', nodes: 10 });
    const long = await runEngineBench({ kind: 'static', shape: 'chain', nodes: 120 });
    expect(long.phase).toBe('SUCCEEDED');
    // Node ids grow by a digit or two; a whole-document save would be ~12 times larger.
    expect(long.maxStateBytes).toBeLessThan(short.maxStateBytes * 1.5);
  });

  it('runs a dynamic fan-out as children of one node', async () => {
    const dyn = await runEngineBench({ kind: 'dynamic', nodes: 60, maxParallelism: 0 });
    // The generated workflow's start/end nodes and the parent's DYNAMIC_RUNNING add 5 events.
    expect(dyn).toMatchObject({ phase: 'SUCCEEDED', kind: 'dynamic', events: eventsFor(61) + 5 });
  });
});
