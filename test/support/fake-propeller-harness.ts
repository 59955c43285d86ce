/**
 * Test harness for propeller (style P13): a temp-dir DataStore, the scripted FakeLauncher, a
 * FakeClock, the in-memory state store, a recording event sink and fake child executions, plus
 * builders for hand-written closures and a fake in-container runtime. `cleanup()` stops every
 * propeller it made and removes the temp dir.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { flyteidl } from '../../src/core/idl.ts';
import { decode, encode } from '../../src/core/idl.ts';
import type { LaunchSpec } from '../../src/launcher/index.ts';
import { createPropeller, resolvePropellerConfig, silentLogger } from '../../src/propeller/index.ts';
import type { Propeller, PropellerOptions } from '../../src/propeller/index.ts';
import { executionPrefix, LocalDataStore, writeProto } from '../../src/storage/index.ts';
import { FakeChildExecutions } from './fake-children.ts';
import { FakeClock } from './fake-clock.ts';
import { RecordingEventSink } from './fake-event-sink.ts';
import type { FakeOutcome } from './fake-launcher.ts';
import { FakeLauncher } from './fake-launcher.ts';
import { InMemoryWorkflowStateStore } from './fake-state-store.ts';

type Lit = flyteidl.core.ILiteral;
export const PROJECT = 'flytesnacks';
export const DOMAIN = 'development';

// ---- literals -------------------------------------------------------------------------------

export const lit = {
  int: (n: number): Lit => ({ scalar: { primitive: { integer: String(n) } } }),
  str: (s: string): Lit => ({ scalar: { primitive: { stringValue: s } } }),
  float: (f: number): Lit => ({ scalar: { primitive: { floatValue: f } } }),
  bool: (b: boolean): Lit => ({ scalar: { primitive: { boolean: b } } }),
  list: (xs: Lit[]): Lit => ({ collection: { literals: xs } }),
  map: (m: Record<string, Lit>): Lit => ({ map: { literals: m } }),
};

/** A literal as a plain JS value (primitives, lists, maps, structs). */
export function toJs(l: Lit | undefined): unknown {
  if (!l) return undefined;
  if (l.collection) return (l.collection.literals ?? []).map(toJs);
  if (l.map) return Object.fromEntries(Object.entries(l.map.literals ?? {}).map(([k, v]) => [k, toJs(v)]));
  const p = l.scalar?.primitive;
  if (p) {
    if (p.integer !== undefined && p.integer !== null) return Number(p.integer);
    if (p.floatValue !== undefined && p.floatValue !== null) return p.floatValue;
    if (p.stringValue !== undefined && p.stringValue !== null) return p.stringValue;
    if (p.boolean !== undefined && p.boolean !== null) return p.boolean;
  }
  if (l.scalar?.union) return toJs(l.scalar.union.value ?? undefined);
  if (l.scalar?.noneType) return null;
  return l;
}

// ---- closure builders -----------------------------------------------------------------------

/** `core.SimpleType` numbers used in tests. */
export const T = { INT: 1, FLOAT: 2, STR: 3, BOOL: 4 } as const;

const vars = (m: Record<string, number>): flyteidl.core.IVariableMap => ({
  variables: Object.fromEntries(Object.entries(m).map(([k, t]) => [k, { type: { simple: t } }])),
});

/** SDK-style args: the whole invocation, with Flyte's templates. */
export function runtimeArgs(name: string): string[] {
  return [
    'tflyte-sandbox', 'execute', '--inputs', '{{.input}}', '--output-prefix', '{{ .OutputPrefix }}',
    '--raw-output-data-prefix', '{{.rawOutputDataPrefix}}', '--checkpoint-path', '{{.checkpointOutputPrefix}}',
    '--prev-checkpoint', '{{.prevCheckpointPrefix}}', '--', 'task-name', name,
  ];
}

export interface TaskOpts {
  retries?: number;
  timeoutSec?: number;
  cache?: { version: string; serialize?: boolean };
  env?: Record<string, string>;
  limits?: { cpu?: string; mem?: string };
  image?: string;
}

/** A python-task-like template named `name`. */
export function taskTemplate(name: string, inputs: Record<string, number>, outputs: Record<string, number>, o: TaskOpts = {}): flyteidl.core.ITaskTemplate {
  const limits: flyteidl.core.Resources.IResourceEntry[] = [];
  if (o.limits?.cpu) limits.push({ name: 1, value: o.limits.cpu });
  if (o.limits?.mem) limits.push({ name: 3, value: o.limits.mem });
  return {
    id: { resourceType: 1, project: PROJECT, domain: DOMAIN, name, version: 'v1' },
    type: 'python-task',
    metadata: {
      ...(o.retries !== undefined ? { retries: { retries: o.retries } } : {}),
      ...(o.timeoutSec !== undefined ? { timeout: { seconds: o.timeoutSec } } : {}),
      ...(o.cache ? { discoverable: true, discoveryVersion: o.cache.version, cacheSerializable: !!o.cache.serialize } : {}),
    },
    interface: { inputs: vars(inputs), outputs: vars(outputs) },
    container: {
      image: o.image ?? 'tflyte-sandbox-runtime:latest',
      args: runtimeArgs(name),
      env: Object.entries(o.env ?? {}).map(([key, value]) => ({ key, value })),
      resources: { limits },
    },
  };
}

/** A binding to an upstream output (`nodeId` `""` = workflow input). */
export function promise(nodeId: string, v: string, attrPath: (string | number)[] = []): flyteidl.core.IBindingData {
  return {
    promise: {
      nodeId,
      var: v,
      attrPath: attrPath.map((a) => (typeof a === 'number' ? { intValue: a } : { stringValue: a })),
    },
  };
}

export function bind(m: Record<string, flyteidl.core.IBindingData>): flyteidl.core.IBinding[] {
  return Object.entries(m).map(([v, binding]) => ({ var: v, binding }));
}

export function taskNode(id: string, task: flyteidl.core.ITaskTemplate, inputs: Record<string, flyteidl.core.IBindingData>, extra: flyteidl.core.INode = {}): flyteidl.core.INode {
  return { id, taskNode: { referenceId: task.id }, inputs: bind(inputs), ...extra };
}

export interface WorkflowOpts {
  inputs?: Record<string, number>;
  outputs?: Record<string, number>;
  outputBindings?: Record<string, flyteidl.core.IBindingData>;
  onFailure?: 0 | 1;
}

export function workflowTemplate(name: string, nodes: flyteidl.core.INode[], o: WorkflowOpts = {}): flyteidl.core.IWorkflowTemplate {
  return {
    id: { resourceType: 2, project: PROJECT, domain: DOMAIN, name, version: 'v1' },
    metadata: { onFailure: o.onFailure ?? 0 },
    interface: { inputs: vars(o.inputs ?? {}), outputs: vars(o.outputs ?? {}) },
    nodes,
    outputs: bind(o.outputBindings ?? {}),
  };
}

export function closure(
  primary: flyteidl.core.IWorkflowTemplate,
  tasks: flyteidl.core.ITaskTemplate[],
  subWorkflows: flyteidl.core.IWorkflowTemplate[] = [],
): flyteidl.core.ICompiledWorkflowClosure {
  return {
    primary: { template: primary },
    tasks: tasks.map((template) => ({ template })),
    subWorkflows: subWorkflows.map((template) => ({ template })),
  };
}

// ---- fake runtime ---------------------------------------------------------------------------

function argAfter(cmd: string[], flag: string): string {
  const i = cmd.indexOf(flag);
  if (i < 0 || i + 1 >= cmd.length) throw new Error(`no ${flag} in ${cmd.join(' ')}`);
  return cmd[i + 1]!;
}

/** What a fake task body returns. */
export type FakeTaskResult =
  | { outputs: Record<string, Lit> }
  | { error: { code: string; message: string; recoverable?: boolean; origin?: 'USER' | 'SYSTEM' } }
  | { nothing: true };

// ---- harness --------------------------------------------------------------------------------

export interface Harness {
  dir: string;
  data: LocalDataStore;
  clock: FakeClock;
  launcher: FakeLauncher;
  store: InMemoryWorkflowStateStore;
  sink: RecordingEventSink;
  children: FakeChildExecutions;
  propeller: Propeller;
  /** While set, the data store reports itself full with this reason (propeller's `storageFull`). */
  diskFull: string | undefined;
  /** A new propeller over the same store/launcher/sink (simulated restart); becomes `propeller`. */
  restart(): Promise<Propeller>;
  /** Script attempts whose key contains `node` with a fake task body. */
  task(node: string | RegExp, body: (inputs: Record<string, unknown>, spec: LaunchSpec) => FakeTaskResult | Promise<FakeTaskResult>, extra?: Partial<FakeOutcome>): void;
  /** Writes inputs and starts an execution; returns its name. With `closureBytes`, `c` must be what decoding them gives (as admin hands them). */
  launch(c: flyteidl.core.ICompiledWorkflowClosure, inputs?: Record<string, Lit>, o?: { name?: string; maxParallelism?: number; closureBytes?: Uint8Array }): Promise<string>;
  /** `launch` + wait for the terminal workflow event. */
  run(c: flyteidl.core.ICompiledWorkflowClosure, inputs?: Record<string, Lit>, o?: { name?: string; maxParallelism?: number }): Promise<{ name: string; phase: string; outputs?: Record<string, unknown>; error?: flyteidl.core.IExecutionError }>;
  /** Outputs of a finished execution, as JS values. */
  outputsOf(name: string): Promise<Record<string, unknown> | undefined>;
  cleanup(): Promise<void>;
}

let counter = 0;

export async function createHarness(opts: Partial<PropellerOptions> = {}): Promise<Harness> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tflyte-propeller-'));
  const data = new LocalDataStore(path.join(dir, 'blobs'));
  const logDir = path.join(dir, 'logs');
  await fs.mkdir(logDir, { recursive: true });
  const clock = new FakeClock();
  const launcher = new FakeLauncher();
  const store = new InMemoryWorkflowStateStore();
  const sink = new RecordingEventSink();
  const children = new FakeChildExecutions(data, sink);
  const config = resolvePropellerConfig({ logDir, runtime: { command: ['node', '/opt/tflyte/main.ts'] }, adminUrl: 'http://127.0.0.1:30080', ...opts });
  const made: Propeller[] = [];
  const make = (): Propeller => {
    const p = createPropeller({ clock, launcher, store, events: sink, data, children, storageFull: () => h.diskFull, logger: process.env.PROPELLER_DEBUG ? { debug() {}, info() {}, warn: (m: string, f?: unknown) => console.warn(m, f), error: (m: string, f?: unknown) => console.error(m, f) } : silentLogger }, config);
    made.push(p);
    children.runner = p;
    return p;
  };
  const h: Harness = {
    dir,
    data,
    clock,
    launcher,
    store,
    sink,
    children,
    diskFull: undefined,
    propeller: make(),
    async restart() {
      await h.propeller.stop();
      h.propeller = make();
      await h.propeller.resume();
      return h.propeller;
    },
    task(node, body, extra = {}) {
      launcher.script(typeof node === 'string' ? new RegExp(`-${node}-\\d+$`) : node, {
        exitCode: 0,
        ...extra,
        writeFiles: async (spec) => {
          const inputsUri = argAfter(spec.command, '--inputs');
          const out = argAfter(spec.command, '--output-prefix');
          const inputs = decode<flyteidl.core.ILiteralMap>('flyteidl.core.LiteralMap', await data.read(inputsUri));
          const js = Object.fromEntries(Object.entries(inputs.literals ?? {}).map(([k, v]) => [k, toJs(v)]));
          const r = await body(js, spec);
          if ('outputs' in r) {
            await data.write(data.join(out, 'outputs.pb'), encode('flyteidl.core.LiteralMap', { literals: r.outputs }));
          } else if ('error' in r) {
            await data.write(
              data.join(out, 'error.pb'),
              encode('flyteidl.core.ErrorDocument', {
                error: { code: r.error.code, message: r.error.message, kind: r.error.recoverable ? 1 : 0, origin: r.error.origin === 'SYSTEM' ? 2 : 1 },
              }),
            );
          }
          await extra.writeFiles?.(spec);
        },
      });
    },
    async launch(c, inputs = {}, o = {}) {
      const name = o.name ?? `e${++counter}`;
      const id = { project: PROJECT, domain: DOMAIN, name };
      const prefix = executionPrefix(data, id);
      const inputsUri = data.join(prefix, 'inputs.pb');
      await writeProto(data, inputsUri, 'flyteidl.core.LiteralMap', { literals: inputs });
      await h.propeller.start({
        id,
        closure: c,
        ...(o.closureBytes ? { closureBytes: o.closureBytes } : {}),
        inputsUri,
        metadataPrefix: prefix,
        rawOutputPrefix: data.join(data.rootUri, 'raw'),
        maxParallelism: o.maxParallelism ?? 0,
        labels: {},
        envs: { EXEC_ENV: 'yes' },
        nesting: 0,
      });
      return name;
    },
    async run(c, inputs = {}, o = {}) {
      const name = await h.launch(c, inputs, o);
      const ev = await sink.waitForTerminal(name);
      const phase = ev.phase === 4 ? 'SUCCEEDED' : ev.phase === 6 ? 'FAILED' : ev.phase === 7 ? 'ABORTED' : String(ev.phase);
      const outputs = await h.outputsOf(name);
      return { name, phase, ...(outputs ? { outputs } : {}), ...(ev.error ? { error: ev.error } : {}) };
    },
    async outputsOf(name) {
      const ev = sink.workflowEvents.find((e) => e.executionId?.name === name && e.outputUri);
      if (!ev?.outputUri) return undefined;
      const m = decode<flyteidl.core.ILiteralMap>('flyteidl.core.LiteralMap', await data.read(ev.outputUri));
      return Object.fromEntries(Object.entries(m.literals ?? {}).map(([k, v]) => [k, toJs(v)]));
    },
    async cleanup() {
      for (const p of made) await p.stop();
      launcher.forgetAll();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}
