/**
 * The engine's own overhead per node (issue 4): propeller runs 1,000-node workflows in-process over
 * a launcher that does no work (an attempt "exits" at once, having written a constant output), an
 * in-memory state store and an event sink that only counts. What remains is the engine: rounds
 * over the DAG, bindings, input/output documents in the blob store (a temp dir), state saves and
 * events. Workflows: a 1,000-task chain, 1,000 independent tasks, and a dynamic task that fans out
 * to 1,000 tasks at run time (its futures file is produced by the real runtime code, in-process).
 *
 * Run alone: `node_modules/.bin/node scripts/bench/engine.ts [--json]` (prints rows as JSON with --json).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileWorkflow } from '../../src/compiler/index.ts';
import { encode, type flyteidl } from '../../src/core/idl.ts';
import type { LaunchSpec } from '../../src/launcher/index.ts';
import {
  createInMemoryLauncher, createPropeller, resolvePropellerConfig, silentLogger, systemClock,
  type ChildExecutionPort, type ExecutionEventSink, type Propeller,
} from '../../src/propeller/index.ts';
import { runDynamic } from '../../src/runtime/index.ts';
import * as sdk from '../../src/sdk/index.ts';
import {
  installSdkResolution, loadUserModule, serializeWorkflow, type SerializationSettings, type TaskDef, type WorkflowDef,
} from '../../src/sdk/internal.ts';
import { executionPrefix, LocalDataStore, writeProto } from '../../src/storage/index.ts';
import { InMemoryWorkflowStateStore } from '../../test/support/fake-state-store.ts';
import type { BenchRow } from './report.ts';
import { median, now, ROOT } from './util.ts';

const PROJECT = 'flytesnacks';
const DOMAIN = 'development';
const SETTINGS: SerializationSettings = { project: PROJECT, domain: DOMAIN, version: 'bench', image: 'tflyte-sandbox-runtime:bench' };
const WORKFLOW_PHASE = { SUCCEEDED: 4, FAILED: 6, ABORTED: 7, TIMED_OUT: 8 } as const;

/** An event sink that keeps nothing but counts and the terminal workflow event per execution. */
class CountingSink implements ExecutionEventSink {
  events = 0;
  readonly #waiters = new Map<string, (ev: flyteidl.event.IWorkflowExecutionEvent) => void>();
  async workflowEvent(ev: flyteidl.event.IWorkflowExecutionEvent): Promise<void> {
    this.events++;
    const phase = ev.phase ?? 0;
    if (phase === WORKFLOW_PHASE.SUCCEEDED || phase === WORKFLOW_PHASE.FAILED || phase === WORKFLOW_PHASE.ABORTED || phase === WORKFLOW_PHASE.TIMED_OUT) {
      this.#waiters.get(ev.executionId?.name ?? '')?.(ev);
    }
  }
  async nodeEvent(): Promise<void> {
    this.events++;
  }
  async taskEvent(): Promise<void> {
    this.events++;
  }
  terminal(name: string): Promise<flyteidl.event.IWorkflowExecutionEvent> {
    return new Promise((resolve) => this.#waiters.set(name, resolve));
  }
}

/** No launch plans, no child executions in these workflows. */
const noChildren: ChildExecutionPort = {
  createChild: () => Promise.reject(new Error('the engine benchmark runs no child executions')),
  getStatus: async () => undefined,
  terminate: async () => undefined,
};

function argAfter(cmd: readonly string[], flag: string): string {
  const i = cmd.indexOf(flag);
  return i >= 0 ? (cmd[i + 1] ?? '') : '';
}

interface Engine {
  propeller: Propeller;
  sink: CountingSink;
  data: LocalDataStore;
  dir: string;
}

/**
 * A propeller whose attempts do no work: `tick` attempts write a constant `outputs.pb`, the
 * dynamic `fanout` attempt writes the futures file made once by the runtime's dynamic runner.
 */
function makeEngine(futures: Uint8Array | undefined): Engine {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-bench-engine-'));
  const data = new LocalDataStore(path.join(dir, 'blobs'));
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const output = encode('flyteidl.core.LiteralMap', { literals: { o0: { scalar: { primitive: { integer: '1' } } } } });
  const launcher = createInMemoryLauncher(async (spec: LaunchSpec) => {
    const prefix = argAfter(spec.command, '--output-prefix');
    const entity = argAfter(spec.command, '--entity');
    if (entity.endsWith('fanout') && futures) await data.write(data.join(prefix, 'futures.pb'), futures);
    else await data.write(data.join(prefix, 'outputs.pb'), output);
    return { state: 'EXITED', exitCode: 0, oomKilled: false };
  });
  const sink = new CountingSink();
  const propeller = createPropeller(
    { clock: systemClock, launcher, store: new InMemoryWorkflowStateStore(), events: sink, data, children: noChildren, logger: silentLogger },
    resolvePropellerConfig({ logDir, runtime: { command: ['tflyte-sandbox'] }, maxParallelism: 0 }),
  );
  return { propeller, sink, data, dir };
}

function closureOf(def: WorkflowDef): flyteidl.core.ICompiledWorkflowClosure {
  const s = serializeWorkflow(def, SETTINGS);
  const r = compileWorkflow({ primary: s.template, subWorkflows: [...s.subWorkflows.values()], tasks: [...s.tasks.values()].map((t) => t.template) });
  if (!r.closure) throw new Error(`benchmark workflow does not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.closure;
}

let counter = 0;

/** Runs one execution to its end; returns the wall time and the number of events. */
async function runOnce(e: Engine, closure: flyteidl.core.ICompiledWorkflowClosure, inputs: Record<string, flyteidl.core.ILiteral>): Promise<{ ms: number; events: number }> {
  const name = `bench${++counter}`;
  const id = { project: PROJECT, domain: DOMAIN, name };
  const prefix = executionPrefix(e.data, id);
  const inputsUri = e.data.join(prefix, 'inputs.pb');
  await writeProto(e.data, inputsUri, 'flyteidl.core.LiteralMap', { literals: inputs });
  const before = e.sink.events;
  const t0 = now();
  const done = e.sink.terminal(name);
  await e.propeller.start({ id, closure, inputsUri, metadataPrefix: prefix, rawOutputPrefix: e.data.join(e.data.rootUri, 'raw'), maxParallelism: 0, labels: {}, envs: {}, nesting: 0 });
  const ev = await done;
  const ms = now() - t0;
  if (ev.phase !== WORKFLOW_PHASE.SUCCEEDED) throw new Error(`execution ended in phase ${ev.phase}: ${ev.error?.message ?? ''}`);
  return { ms, events: e.sink.events - before };
}

/** The futures file the `fanout` dynamic task writes for `n`, made by the real runtime code. */
async function futuresFor(def: TaskDef, n: number): Promise<Uint8Array> {
  const outcome = await runDynamic(def, { n }, {
    args: { inputs: '', outputPrefix: '', rawOutputDataPrefix: '', entity: 'fanout' },
    env: { FLYTE_INTERNAL_TASK_PROJECT: PROJECT, FLYTE_INTERNAL_TASK_DOMAIN: DOMAIN, FLYTE_INTERNAL_TASK_VERSION: SETTINGS.version },
    outputsToLiterals: () => Promise.reject(new Error('not used')),
  });
  if (outcome.kind !== 'futures') throw new Error('the fan-out built no nodes');
  return encode('flyteidl.core.DynamicJobSpec', outcome.spec);
}

const int = (n: number): flyteidl.core.ILiteral => ({ scalar: { primitive: { integer: String(n) } } });

/** Measures the three workflows (`runs` samples each; the median is reported); rows in ms per node. */
export async function benchEngine(runs = 3, log: (m: string) => void = () => undefined): Promise<BenchRow[]> {
  installSdkResolution(sdk as unknown as Record<string, unknown>);
  const mod = await loadUserModule(path.join(ROOT, 'scripts/bench/engine-workflows.ts'), ROOT);
  const get = <T>(name: string): T => {
    const d = mod.entities.get(name);
    if (!d) throw new Error(`engine-workflows.ts exports no ${name}`);
    return d as unknown as T;
  };
  // Loaded already by loadUserModule (after the SDK resolution hook), so this is the same module.
  const { NODES: nodes } = await import('./engine-workflows.ts');
  const rows: BenchRow[] = [];
  const cases: { name: string; wf: WorkflowDef; inputs: Record<string, flyteidl.core.ILiteral>; futures?: Uint8Array }[] = [
    { name: `static chain of ${nodes} tasks`, wf: get<WorkflowDef>('static_chain'), inputs: { x: int(0) } },
    { name: `static fan-out: ${nodes} independent tasks`, wf: get<WorkflowDef>('static_fanout'), inputs: { x: int(0) } },
  ];
  let dynamicNote: string | undefined;
  try {
    cases.push({ name: `dynamic fan-out to ${nodes} tasks`, wf: get<WorkflowDef>('dynamic_fanout'), inputs: { n: int(nodes) }, futures: await futuresFor(get<TaskDef>('fanout'), nodes) });
  } catch (e) {
    dynamicNote = (e as Error).message;
  }
  for (const c of cases) {
    log(`engine: ${c.name}`);
    const closure = closureOf(c.wf);
    const e = makeEngine(c.futures);
    try {
      // No separate warm-up: the median of the runs hides the first (colder) one.
      const ms: number[] = [];
      let events = 0;
      for (let i = 0; i < runs; i++) {
        const r = await runOnce(e, closure, c.inputs);
        ms.push(r.ms);
        events = r.events;
      }
      const perNode = ms.map((m) => m / nodes);
      rows.push({
        section: 'engine',
        name: `engine overhead, ${c.name} (no-op launcher)`,
        value: median(perNode),
        unit: 'ms/node',
        samples: perNode,
        note: `${Math.round(median(ms))} ms per execution, ${events} events`,
      });
    } catch (err) {
      rows.push({ section: 'engine', name: `engine overhead, ${c.name} (no-op launcher)`, value: null, unit: 'ms/node', note: (err as Error).message.split('\n')[0] ?? '' });
    } finally {
      await e.propeller.stop();
      fs.rmSync(e.dir, { recursive: true, force: true });
    }
  }
  if (dynamicNote) rows.push({ section: 'engine', name: `engine overhead, dynamic fan-out to ${nodes} tasks (no-op launcher)`, value: null, unit: 'ms/node', note: dynamicNote });
  return rows;
}

// Run directly: print the rows (as JSON with --json).
if (import.meta.main) {
  const json = process.argv.includes('--json');
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 3;
  const rows = await benchEngine(runs, json ? () => undefined : (m) => console.error(m));
  if (json) console.log(JSON.stringify(rows));
  else {
    const { consoleTable } = await import('./report.ts');
    console.log(consoleTable(rows));
  }
}
