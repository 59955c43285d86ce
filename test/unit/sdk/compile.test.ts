/**
 * Golden tests of compiled closures (fixture → expected protobuf JSON, rewrite with
 * UPDATE_GOLDEN=1) and of compile errors (every problem reported at once, with node, input and
 * both types named).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { compileWorkflow } from '../../../src/compiler/index.ts';
import { decode, encode, MessageName, toJson } from '../../../src/core/idl.ts';
import { CompileError } from '../../../src/core/errors.ts';
import { REUSE_CONFIG, reuseOfTemplate } from '../../../src/core/vocabulary.ts';
import {
  ENTITY,
  loadUserModule,
  serializeWorkflow,
  LOCAL_SETTINGS,
  type WorkflowDef,
  type LoadedModule,
} from '../../../src/sdk/internal.ts';

const fixtures = path.resolve(import.meta.dirname, '../../fixtures/compile');
const goldenDir = path.resolve(import.meta.dirname, '../golden');
let good: LoadedModule;
let bad: LoadedModule;

beforeAll(async () => {
  good = await loadUserModule(path.join(fixtures, 'good_workflows.ts'), path.resolve(fixtures, '../../..'));
  bad = await loadUserModule(path.join(fixtures, 'bad_workflows.ts'), path.resolve(fixtures, '../../..'));
});

function compileNamed(mod: LoadedModule, exportName: string) {
  const def = mod.entities.get(exportName) as WorkflowDef;
  const s = serializeWorkflow(def, { ...LOCAL_SETTINGS, version: 'v1' });
  return compileWorkflow({
    primary: s.template,
    subWorkflows: [...s.subWorkflows.values()],
    tasks: [...s.tasks.values()].map((x) => x.template),
    launchPlans: [...s.launchPlans.values()].map((x) => x.template),
  });
}

function compileErrorOf(mod: LoadedModule, exportName: string): CompileError {
  const def = mod.entities.get(exportName) as WorkflowDef;
  try {
    serializeWorkflow(def, LOCAL_SETTINGS);
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  throw new Error(`${exportName} compiled but should not`);
}

function golden(name: string, value: unknown): void {
  const file = path.join(goldenDir, `${name}.golden.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(file)) fs.writeFileSync(file, text);
  expect(text).toBe(fs.readFileSync(file, 'utf8'));
}

describe('compiled closures', () => {
  for (const name of ['outer', 'inner', 'with_lp']) {
    test(`${name} matches its golden closure and survives protobuf encode/decode`, () => {
      const { closure, diagnostics } = compileNamed(good, name);
      expect(diagnostics).toEqual([]);
      expect(closure).toBeDefined();
      const json = toJson(MessageName.CompiledWorkflowClosure, closure as object);
      golden(`closure.${name}`, json);
      const bytes = encode(MessageName.CompiledWorkflowClosure, closure as object);
      const back = decode(MessageName.CompiledWorkflowClosure, bytes);
      expect(toJson(MessageName.CompiledWorkflowClosure, back)).toEqual(json);
    });
  }

  test('node ids are deterministic and start/end nodes follow Flyte', () => {
    const a = compileNamed(good, 'outer').closure;
    const ids = a?.primary?.template?.nodes?.map((n) => n.id);
    expect(ids).toEqual(['start-node', 'n0', 'n1', 'n2', 'n3', 'end-node']);
    expect(a?.primary?.connections?.upstream?.n0?.ids).toEqual(['start-node']);
    expect(a?.primary?.connections?.upstream?.['end-node']?.ids).toEqual(['n0', 'n3']);
  });

  test('an output used by two nodes and an output bound from an input', () => {
    const tpl = compileNamed(good, 'inner').closure?.primary?.template;
    const n1 = tpl?.nodes?.find((n) => n.id === 'n1');
    expect(n1?.inputs?.map((b) => b.binding?.promise?.nodeId)).toEqual(['n0', 'n0']);
    const outer = compileNamed(good, 'outer').closure?.primary?.template;
    const echo = outer?.outputs?.find((b) => b.var === 'echo');
    expect(echo?.binding?.promise).toEqual({ nodeId: 'start-node', var: 'a' });
  });

  test('task options become template metadata', () => {
    const s = serializeWorkflow(good.entities.get('inner') as WorkflowDef, LOCAL_SETTINGS);
    const add = s.tasks.get('test.fixtures.compile.good_workflows.add')?.template;
    expect(add?.metadata?.retries).toEqual({ retries: 2 });
    expect(add?.metadata?.timeout).toEqual({ seconds: 30, nanos: 0 });
    expect(add?.metadata?.discoverable).toBe(true);
    expect(add?.metadata?.discoveryVersion).toBe('1');
    expect(add?.container?.resources?.limits).toEqual([{ name: 1, value: '1' }, { name: 3, value: '256Mi' }]);
    expect(add?.container?.env).toEqual([{ key: 'MODE', value: 'test' }]);
    expect(add?.container?.args?.slice(0, 4)).toEqual(['tflyte-sandbox', 'execute', '--inputs', '{{.input}}']);
  });

  test('the real flyteidl static classes decode what we encode', async () => {
    const { createRequire } = await import('node:module');
    const pb = createRequire(import.meta.url)('@flyteorg/flyteidl/gen/pb-js/flyteidl.js') as {
      flyteidl: { core: { CompiledWorkflowClosure: { decode(b: Uint8Array): unknown; encode(m: unknown): { finish(): Uint8Array } } } };
    };
    // Every compiled entity of the fixture, byte for byte through the generated classes.
    for (const name of ['outer', 'inner', 'with_lp']) {
      const { closure } = compileNamed(good, name);
      const bytes = encode(MessageName.CompiledWorkflowClosure, closure as object);
      const msg = pb.flyteidl.core.CompiledWorkflowClosure.decode(bytes);
      const again = pb.flyteidl.core.CompiledWorkflowClosure.encode(msg).finish();
      expect(Buffer.from(again).equals(Buffer.from(bytes)), name).toBe(true);
    }
  });
});

describe('compile errors', () => {
  test('missing, extra and mistyped inputs are reported together with node, input and types', () => {
    const e = compileErrorOf(bad, 'many_problems');
    expect(e.diagnostics.map((d) => d.code).sort()).toEqual([
      'SBX_COMPILE_MISMATCHING_TYPES',
      'SBX_COMPILE_MISSING_INPUT',
      'SBX_COMPILE_UNKNOWN_INPUT',
    ]);
    expect(e.message).toContain('node n1 (t2): unknown input "z" (declared inputs: a: str, b: str)');
    expect(e.message).toContain('node n1 (t2): missing input "b" of type str');
    expect(e.message).toContain('node n1 (t2): input "a" expects str, got int from output "t1_int_output" of node n0');
  });

  test('reading a promise says to use dynamic or eager', () => {
    const e = compileErrorOf(bad, 'reads_value');
    expect(e.diagnostics[0]?.code).toBe('SBX_COMPILE_PROMISE_READ');
    expect(e.message).toMatch(/output "t1_int_output" of node n0 is a promise.*dynamic or eager/s);
  });

  test('an async workflow body is rejected', () => {
    const e = compileErrorOf(bad, 'awaits');
    expect(e.diagnostics[0]?.code).toBe('SBX_COMPILE_ASYNC_WORKFLOW');
    expect(e.message).toContain('must not be async');
  });

  test('unbound and unknown outputs', () => {
    const e = compileErrorOf(bad, 'unbound');
    expect(e.diagnostics.map((d) => d.code).sort()).toEqual(['SBX_COMPILE_UNBOUND_OUTPUT', 'SBX_COMPILE_UNKNOWN_OUTPUT']);
    expect(e.message).toContain('undeclared output "third"');
    expect(e.message).toContain('output "second" (str) is declared but not bound');
  });

  test('a constant of the wrong type names its path', () => {
    const e = compileErrorOf(bad, 'bad_constant');
    expect(e.message).toContain('input "xs"[1]: expected int, got "x"');
  });
});

describe('generic compiler checks (templates registered through the API)', () => {
  test('cycles and unknown nodes', () => {
    const s = serializeWorkflow(good.entities.get('inner') as WorkflowDef, LOCAL_SETTINGS);
    const tpl = structuredClone(s.template);
    const n0 = tpl.nodes?.[0];
    if (n0?.inputs?.[0]?.binding) n0.inputs[0].binding = { promise: { nodeId: 'n1', var: 'o0' } };
    if (n0) n0.upstreamNodeIds = ['n1', 'nX'];
    const r = compileWorkflow({ primary: tpl, tasks: [...s.tasks.values()].map((x) => x.template) });
    const codes = r.diagnostics.map((d) => d.code);
    expect(codes).toContain('SBX_COMPILE_CYCLE_DETECTED');
    expect(codes).toContain('SBX_COMPILE_UNKNOWN_NODE');
    expect(r.closure).toBeUndefined();
  });

  test('a missing task reference', () => {
    const s = serializeWorkflow(good.entities.get('inner') as WorkflowDef, LOCAL_SETTINGS);
    const r = compileWorkflow({ primary: s.template, tasks: [] });
    expect(r.diagnostics[0]?.code).toBe('SBX_COMPILE_UNKNOWN_ENTITY');
    expect(r.diagnostics[0]?.message).toContain('good_workflows.add');
  });
});

void ENTITY;

describe('options in the templates', () => {
  test('interruptible and the failure policy are written where Flyte reads them', async () => {
    const mod = await loadUserModule(path.join(fixtures, 'options.ts'), path.resolve(fixtures, '../../..'));
    const keep = serializeWorkflow(mod.entities.get('keep_going') as WorkflowDef, LOCAL_SETTINGS);
    expect(keep.template.metadata?.onFailure).toBe(1); // FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
    const byName = new Map([...keep.tasks.values()].map((x) => [x.template.id?.name?.split('.').pop(), x.template]));
    expect(byName.get('preemptible')?.metadata?.interruptible).toBe(true);
    expect(byName.get('preemptible')?.metadata?.retries?.retries).toBe(2);
    expect(byName.get('steady')?.metadata?.interruptible).toBeUndefined();
    const stop = serializeWorkflow(mod.entities.get('stop_at_once') as WorkflowDef, LOCAL_SETTINGS);
    expect(stop.template.metadata?.onFailure).toBe(0); // FAIL_IMMEDIATELY
  });
});

describe('reuse', () => {
  test('a task\'s reuse option goes into TaskTemplate.config, and propeller reads it back', async () => {
    const reuse = await loadUserModule(path.resolve(fixtures, '../reuse/reuse.ts'), path.resolve(fixtures, '../../..'));
    const s = serializeWorkflow(reuse.entities.get('chain') as WorkflowDef, LOCAL_SETTINGS);
    const step = s.tasks.get('test.fixtures.reuse.reuse.step')?.template;
    expect(step?.config).toEqual({ [REUSE_CONFIG.replicas]: '1', [REUSE_CONFIG.idleTtlSeconds]: '60' });
    expect(reuseOfTemplate(step?.config)).toEqual({ replicas: 1, idleTtlMs: 60_000 });
    // It survives the wire.
    const back = decode<typeof step>(MessageName.TaskTemplate, encode(MessageName.TaskTemplate, step ?? {}));
    expect(back?.config).toEqual(step?.config);
    const flaky = serializeWorkflow(reuse.entities.get('flaky_wf') as WorkflowDef, LOCAL_SETTINGS).tasks.get('test.fixtures.reuse.reuse.flaky')?.template;
    expect(reuseOfTemplate(flaky?.config)).toEqual({ replicas: 2, idleTtlMs: 300_000 });
    // No option, no config.
    const plain = serializeWorkflow(good.entities.get('inner') as WorkflowDef, LOCAL_SETTINGS).tasks.get('test.fixtures.compile.good_workflows.add')?.template;
    expect(plain?.config ?? {}).toEqual({});
    expect(reuseOfTemplate({ [REUSE_CONFIG.replicas]: '0', [REUSE_CONFIG.idleTtlSeconds]: '60' })).toBeUndefined();
  });

  test('a bad reuse option is refused with the task and the reason', async () => {
    const { task, containerTask, workflow, t } = await import('../../../src/sdk/index.ts');
    const wfOf = (tk: (i: { x: unknown }) => unknown, name: string): WorkflowDef =>
      (workflow({ name, inputs: { x: t.int }, outputs: t.int }, ({ x }) => tk({ x }) as never) as unknown as Record<symbol, WorkflowDef>)[ENTITY] as WorkflowDef;
    const many = task({ name: 'many', inputs: { x: t.int }, outputs: t.int, reuse: { replicas: 100 } }, ({ x }) => x);
    expect(() => serializeWorkflow(wfOf(many as never, 'wf_many'), LOCAL_SETTINGS)).toThrow(/many: reuse.replicas: expected an integer from 1 to 64, got 100/);
    const brief = task({ name: 'brief', inputs: { x: t.int }, outputs: t.int, reuse: { idleTtl: '10ms' } }, ({ x }) => x);
    expect(() => serializeWorkflow(wfOf(brief as never, 'wf_brief'), LOCAL_SETTINGS)).toThrow(/brief: reuse.idleTtl: expected 1s to 24h/);
    const raw = containerTask({ name: 'raw', image: 'alpine', command: ['true'], inputs: { x: t.int }, outputs: t.int, reuse: true } as never);
    expect(() => serializeWorkflow(wfOf(raw as never, 'wf_raw'), LOCAL_SETTINGS)).toThrow(/raw: reuse: a container task runs its own image's command/);
  });
});
