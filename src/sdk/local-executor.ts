/**
 * Local execution (`await my_wf({...})`, `tflyte-sandbox run` without `--remote`): runs entities
 * in-process over the same compiled templates the sandbox runs, with every value round-tripped
 * through Flyte literals so that type errors surface locally exactly as they would remotely.
 */
import type { flyteidl, google } from '../core/idl.ts';
import { runInTaskContext, taskContextFromEnv } from './task-context.ts';
import { descriptorFromLiteralType, literalTypeToString, type TypeDescriptor } from '../core/types.ts';
import { START_NODE } from './builder.ts';
import { setTopLevelRunner } from './context.ts';
import {
  ENTITY,
  entityName,
  type EntityDef,
  type LaunchPlanDef,
  type TaskDef,
  type WorkflowDef,
} from './entities.ts';
import { packOutputs, unpackOutputs } from './interface.ts';
import { evaluateCondition } from '../core/conditions.ts';
import { mappedTaskOf, type MapDef } from './map.ts';
import { LOCAL_SETTINGS, workflowTemplate } from './serialize.ts';
import { minSuccessesNeeded } from '../core/vocabulary.ts';

type ILiteral = flyteidl.core.ILiteral;
type ILiteralMap = flyteidl.core.ILiteralMap;

/** Thrown by a task to fail without using its retries. */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** A task failed (after its retries); carries the task name and the original error. */
export class TaskFailedError extends Error {
  readonly code = 'SBX_TASK_FAILED';
  readonly task: string;
  readonly attempts: number;
  constructor(task: string, attempts: number, cause: unknown) {
    const original = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    // No attempt at all: the task could not run here (a container task in a local run).
    super(attempts === 0 ? `task ${task} did not run: ${cause instanceof Error ? cause.message : String(cause)}` : `task ${task} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${original}`, { cause });
    this.name = 'TaskFailedError';
    this.task = task;
    this.attempts = attempts;
  }
}

/** Hooks for kinds implemented elsewhere (dynamic and eager runners register here). */
export interface LocalKindRunner {
  run(def: TaskDef, inputs: Record<string, unknown>, rt: LocalRuntime): Promise<ILiteralMap>;
}
const kindRunners = new Map<string, LocalKindRunner>();

/** @internal */
export function registerLocalKind(kind: string, runner: LocalKindRunner): void {
  kindRunners.set(kind, runner);
}

/** What kind runners may call back into. */
export interface LocalRuntime {
  runWorkflowTemplate(
    template: flyteidl.core.IWorkflowTemplate,
    refs: ReadonlyMap<string, EntityDef>,
    inputs: ILiteralMap,
  ): Promise<ILiteralMap>;
  executeLiterals(def: EntityDef, inputs: ILiteralMap): Promise<ILiteralMap>;
}

/** Converts JS inputs to literals by the declared types, applying defaults; errors name the input. */
export function inputsToLiterals(
  vars: ReadonlyMap<string, TypeDescriptor>,
  given: Record<string, unknown>,
  defaults: Record<string, unknown>,
  where: string,
): ILiteralMap {
  const literals: Record<string, ILiteral> = {};
  const unknown = Object.keys(given).filter((k) => !vars.has(k));
  if (unknown.length > 0) {
    const known = [...vars].map(([n, d]) => `${n}: ${d.toString()}`).join(', ') || 'none';
    throw new TypeError(`${where}: unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (inputs: ${known})`);
  }
  const missing: string[] = [];
  for (const [name, d] of vars) {
    let v = given[name];
    if (v === undefined && name in defaults) v = defaults[name];
    if (v === undefined) {
      const lt = d.literalType();
      if ((lt.unionType?.variants ?? []).some((x) => x.simple === 0)) v = null;
      else {
        missing.push(`${name} (${d.toString()})`);
        continue;
      }
    }
    literals[name] = d.toLiteral(v, `inputs.${name}`);
  }
  if (missing.length > 0) throw new TypeError(`${where}: missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return { literals };
}

/** Converts literals back to JS values by the declared types. */
export function literalsToValues(vars: ReadonlyMap<string, TypeDescriptor>, map: ILiteralMap, prefix: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, d] of vars) {
    const lit = map.literals?.[name];
    if (lit === undefined) throw new TypeError(`${prefix}.${name}: missing`);
    out.set(name, d.fromLiteral(lit, `${prefix}.${name}`));
  }
  return out;
}

/** Follows an attribute path into a literal (list index, map key, struct field). */
export function followLiteralPath(lit: ILiteral, path: flyteidl.core.IPromiseAttribute[], expected?: flyteidl.core.ILiteralType): ILiteral {
  let cur: ILiteral = lit;
  for (let i = 0; i < path.length; i++) {
    const p = path[i] as flyteidl.core.IPromiseAttribute;
    if (cur.scalar?.union?.value) cur = cur.scalar.union.value;
    if (p.intValue !== undefined && p.intValue !== null && cur.collection) {
      const next = cur.collection.literals?.[Number(p.intValue)];
      if (!next) throw new RangeError(`index ${String(p.intValue)} is out of range (list of ${cur.collection.literals?.length ?? 0})`);
      cur = next;
    } else if (p.stringValue && cur.map) {
      const next = cur.map.literals?.[p.stringValue];
      if (!next) throw new RangeError(`key ${JSON.stringify(p.stringValue)} is not in the map`);
      cur = next;
    } else if (p.stringValue && cur.scalar?.generic) {
      // A field of a JSON struct: the rest of the path navigates plain JSON.
      let json: unknown = structJs(cur.scalar.generic);
      for (const q of path.slice(i)) {
        const key = q.stringValue ?? Number(q.intValue);
        if (typeof json !== 'object' || json === null || !(String(key) in json)) {
          throw new RangeError(`field ${JSON.stringify(key)} is not in the struct`);
        }
        json = (json as Record<string, unknown>)[String(key)];
      }
      if (!expected) throw new TypeError('cannot convert a struct field without its expected type');
      const d = descriptorFromLiteralType(expected);
      return d.toLiteral(d.fromJsonValue(json, 'attribute'), 'attribute');
    } else {
      throw new TypeError(`cannot follow attribute ${JSON.stringify(p)} into this value`);
    }
  }
  return cur;
}

function structJs(s: google.protobuf.IStruct): unknown {
  return descriptorFromLiteralType({ simple: 9 }).fromLiteral({ scalar: { generic: s } }, 'struct');
}

/** Resolves a binding to a literal from the outputs produced so far. */
export function resolveBinding(
  b: flyteidl.core.IBindingData,
  outputs: ReadonlyMap<string, ILiteralMap>,
  expected?: flyteidl.core.ILiteralType,
): ILiteral {
  if (b.promise) {
    const node = b.promise.nodeId || START_NODE;
    const lit = outputs.get(node)?.literals?.[b.promise.var ?? ''];
    if (!lit) throw new Error(`output "${b.promise.var}" of node ${node} is not available`);
    return b.promise.attrPath?.length ? followLiteralPath(lit, b.promise.attrPath, expected) : lit;
  }
  if (b.collection) {
    const item = expected?.collectionType ?? undefined;
    return { collection: { literals: (b.collection.bindings ?? []).map((x) => resolveBinding(x, outputs, item)) } };
  }
  if (b.map) {
    const item = expected?.mapValueType ?? undefined;
    const literals: Record<string, ILiteral> = {};
    for (const [k, v] of Object.entries(b.map.bindings ?? {})) literals[k] = resolveBinding(v, outputs, item);
    return { map: { literals } };
  }
  return { scalar: b.scalar ?? {} };
}

function targetName(node: flyteidl.core.INode): string | undefined {
  return node.taskNode?.referenceId?.name ?? node.workflowNode?.subWorkflowRef?.name ?? node.workflowNode?.launchplanRef?.name ?? undefined;
}

/** The execution name direct calls of entities report (`currentContext().execution.name`). */
const LOCAL_EXECUTION = `local-${process.pid}`;

async function runTask(def: TaskDef, inputs: ILiteralMap, rt: LocalRuntime): Promise<ILiteralMap> {
  const name = entityName(def);
  const values = literalsToValues(def.iface.inputs, inputs, 'inputs');
  const jsInputs = Object.fromEntries(values);
  const runner = kindRunners.get(def.kind);
  if (runner) return runner.run(def, jsInputs, rt);
  if (!def.fn) throw new TaskFailedError(name, 0, new Error(`${def.kind} tasks run only in the sandbox (tflyte-sandbox run --remote)`));
  const attempts = (def.options.retries ?? 0) + 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      // As in the sandbox: currentContext() names the attempt (`run` itself goes through the engine).
      const env = { FLYTE_ATTEMPT_NUMBER: String(attempt - 1), FLYTE_INTERNAL_TASK_NAME: name, FLYTE_INTERNAL_EXECUTION_ID: LOCAL_EXECUTION, FLYTE_INTERNAL_EXECUTION_PROJECT: 'local', FLYTE_INTERNAL_EXECUTION_DOMAIN: 'development', TFLYTE_NODE_ID: name };
      const fn = def.fn;
      const result = await runInTaskContext(taskContextFromEnv(env), () => fn(jsInputs));
      const named = unpackOutputs(def.iface.outputShape, result, `task ${name} returned`);
      const literals: Record<string, ILiteral> = {};
      for (const [k, d] of def.iface.outputs) literals[k] = d.toLiteral(named.get(k), `outputs.${k}`);
      return { literals };
    } catch (e) {
      lastError = e;
      if (e instanceof NonRetryableError || attempt === attempts) throw new TaskFailedError(name, attempt, e);
    }
  }
  throw new TaskFailedError(name, attempts, lastError);
}

const runtime: LocalRuntime = {
  async runWorkflowTemplate(template, refs, inputs) {
    const rt = runtime;
    const outputs = new Map<string, ILiteralMap>([[START_NODE, inputs]]);
    const nodes = (template.nodes ?? []).filter((n) => n.id !== START_NODE && n.id !== 'end-node');
    const pending = new Map(nodes.map((n) => [n.id ?? '', n]));
    const running = new Map<string, Promise<void>>();
    const deps = (n: flyteidl.core.INode): string[] => {
      const s = new Set<string>(n.upstreamNodeIds ?? []);
      const add = (b: flyteidl.core.IBindingData): void => {
        if (b.promise) s.add(b.promise.nodeId || START_NODE);
        for (const x of b.collection?.bindings ?? []) add(x);
        for (const x of Object.values(b.map?.bindings ?? {})) add(x);
      };
      for (const b of n.inputs ?? []) if (b.binding) add(b.binding);
      s.delete(START_NODE);
      return [...s];
    };
    const runNode = async (n: flyteidl.core.INode): Promise<void> => {
      if (n.branchNode) {
        const branchInputs: Record<string, ILiteral> = {};
        for (const b of n.inputs ?? []) branchInputs[b.var ?? ''] = resolveBinding(b.binding ?? {}, outputs);
        const ie = n.branchNode.ifElse ?? {};
        const cases = [ie.case, ...(ie.other ?? [])];
        let chosen = cases.find((c) => c && evaluateCondition(c.condition, { literals: branchInputs }))?.thenNode ?? ie.elseNode;
        if (!chosen) {
          throw new Error(ie.error?.message ?? `conditional ${n.metadata?.name ?? n.id}: no case matched and there is no else`);
        }
        chosen = { ...chosen };
        await runNode(chosen);
        outputs.set(n.id ?? '', outputs.get(chosen.id ?? '') ?? { literals: {} });
        return;
      }
      if (n.arrayNode) {
        const sub = n.arrayNode.node ?? {};
        const ref = refs.get(targetName(sub) ?? '') as TaskDef | undefined;
        if (!ref) throw new Error(`node ${n.id}: no local definition for the mapped task`);
        const task = mappedTaskOf(ref);
        const literals: Record<string, ILiteral> = {};
        for (const b of n.inputs ?? []) literals[b.var ?? ''] = resolveBinding(b.binding ?? {}, outputs);
        outputs.set(
          n.id ?? '',
          await runMapLocally(task, literals, new Set(n.arrayNode.boundInputs ?? []), n.arrayNode.parallelism ?? 0, n.arrayNode.minSuccessRatio ?? 1, rt),
        );
        return;
      }
      const name = targetName(n);
      const def = name ? refs.get(name) : undefined;
      if (!def) throw new Error(`node ${n.id}: no local definition for ${name ?? 'its target'}`);
      const expected = def.iface.inputs;
      const literals: Record<string, ILiteral> = {};
      for (const b of n.inputs ?? []) {
        literals[b.var ?? ''] = resolveBinding(b.binding ?? {}, outputs, expected.get(b.var ?? '')?.literalType());
      }
      outputs.set(n.id ?? '', await runtime.executeLiterals(def, { literals }));
    };
    while (pending.size > 0 || running.size > 0) {
      for (const [id, n] of pending) {
        if (deps(n).every((d) => outputs.has(d))) {
          pending.delete(id);
          running.set(
            id,
            runNode(n).finally(() => running.delete(id)),
          );
        }
      }
      if (running.size === 0) {
        throw new Error(`nodes ${[...pending.keys()].join(', ')} can never run: their inputs are not produced`);
      }
      await Promise.race(running.values());
    }
    const result: Record<string, ILiteral> = {};
    const outVars = template.interface?.outputs?.variables ?? {};
    for (const b of template.outputs ?? []) {
      result[b.var ?? ''] = resolveBinding(b.binding ?? {}, outputs, outVars[b.var ?? '']?.type ?? undefined);
    }
    return { literals: result };
  },

  async executeLiterals(def, inputs) {
    switch (def.kind) {
      case 'workflow': {
        const { template, refs } = workflowTemplate(def as WorkflowDef, LOCAL_SETTINGS);
        return runtime.runWorkflowTemplate(template, refs, inputs);
      }
      case 'launchPlan': {
        const lp = def as LaunchPlanDef;
        const wf = lp.workflow[ENTITY];
        const merged = inputsToLiterals(
          wf.iface.inputs,
          Object.fromEntries(literalsToValuesPartial(wf.iface.inputs, inputs)),
          { ...wf.defaults, ...lp.defaults, ...lp.fixed },
          entityName(lp),
        );
        return runtime.executeLiterals(wf, merged);
      }
      case 'map': {
        const m = def as MapDef;
        const bound = new Set([...m.task.iface.inputs.keys()].filter((k) => !inputs.literals?.[k]?.collection));
        return runMapLocally(m.task, inputs.literals ?? {}, bound, m.concurrency ?? 0, m.minSuccessRatio, runtime);
      }
      default:
        return runTask(def as TaskDef, inputs, runtime);
    }
  },
};

/**
 * Runs a task once per element of its mapped (list) inputs, at most `parallelism` at once
 * (0 = all), and collects each output into a list; failed runs leave `none` when the success
 * ratio allows it, else the map fails with the first failure.
 */
export async function runMapLocally(
  task: TaskDef,
  inputs: Record<string, ILiteral>,
  bound: ReadonlySet<string>,
  parallelism: number,
  minSuccessRatio: number,
  rt: LocalRuntime,
): Promise<ILiteralMap> {
  const mapped = [...task.iface.inputs.keys()].filter((k) => !bound.has(k));
  const lengths = mapped.map((k) => inputs[k]?.collection?.literals?.length ?? 0);
  const n = lengths[0] ?? 1;
  if (lengths.some((l) => l !== n)) {
    throw new TypeError(`map(${entityName(task)}): mapped inputs ${mapped.join(', ')} have different lengths (${lengths.join(', ')})`);
  }
  const results: (ILiteralMap | undefined)[] = new Array(n).fill(undefined);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const literals: Record<string, ILiteral> = {};
      for (const k of task.iface.inputs.keys()) {
        const lit = inputs[k];
        if (!lit) continue;
        literals[k] = bound.has(k) ? lit : (lit.collection?.literals?.[i] as ILiteral);
      }
      try {
        results[i] = await rt.executeLiterals(task, { literals });
      } catch (e) {
        errors.push(e);
      }
    }
  };
  const width = parallelism > 0 ? Math.min(parallelism, n) : n;
  await Promise.all(Array.from({ length: Math.max(width, 1) }, worker));
  const successes = results.filter((r) => r !== undefined).length;
  const needed = minSuccessesNeeded(n, { minSuccessRatio });
  if (successes < needed) {
    const first = errors[0] instanceof Error ? (errors[0] as Error).message : String(errors[0]);
    throw new Error(`map(${entityName(task)}): ${successes} of ${n} runs succeeded, ${needed} needed; first failure: ${first}`, { cause: errors[0] });
  }
  const out: Record<string, ILiteral> = {};
  for (const k of task.iface.outputs.keys()) {
    out[k] = { collection: { literals: results.map((r) => r?.literals?.[k] ?? { scalar: { noneType: {} } }) } };
  }
  return { literals: out };
}

function literalsToValuesPartial(vars: ReadonlyMap<string, TypeDescriptor>, map: ILiteralMap): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, lit] of Object.entries(map.literals ?? {})) {
    const d = vars.get(name);
    if (d) out.set(name, d.fromLiteral(lit, `inputs.${name}`));
  }
  return out;
}

/** The local runtime (for kind runners and the CLI). */
export function localRuntime(): LocalRuntime {
  return runtime;
}

/**
 * Runs an entity in-process with JS inputs and resolves to its outputs in the declared shape.
 * Input errors are TypeErrors naming the input; task failures are {@link TaskFailedError}s.
 */
export async function runLocally(def: EntityDef, inputs: Record<string, unknown>): Promise<unknown> {
  const outputs = await runLocallyToLiterals(def, inputs);
  return packOutputs(def.iface.outputShape, literalsToValues(def.iface.outputs, outputs, 'outputs'));
}

/** Like {@link runLocally} but returns the output literals (the CLI renders them). */
export async function runLocallyToLiterals(def: EntityDef, inputs: Record<string, unknown>): Promise<ILiteralMap> {
  const where = entityName(def);
  let vars = def.iface.inputs;
  let defaults = def.defaults;
  if (def.kind === 'launchPlan') {
    const lp = def as LaunchPlanDef;
    for (const k of Object.keys(inputs)) {
      if (k in lp.fixed) throw new TypeError(`${where}: input "${k}" is fixed by the launch plan and cannot be given`);
    }
    vars = new Map([...vars].filter(([k]) => !(k in lp.fixed)));
    defaults = { ...lp.workflow[ENTITY].defaults, ...lp.defaults };
  }
  const literals = inputsToLiterals(vars, inputs, defaults, where);
  return runtime.executeLiterals(def, literals);
}

setTopLevelRunner(runLocally);

/** Renders an interface as `name: type` pairs, for messages. */
export function describeVars(vars: ReadonlyMap<string, TypeDescriptor>): string {
  return [...vars].map(([n, d]) => `${n}: ${d.toString()}`).join(', ');
}

export { literalTypeToString };
