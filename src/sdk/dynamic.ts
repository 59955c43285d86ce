/**
 * `dynamic(opts, body)`: a task whose body runs at run time with real input values and builds a
 * workflow from them (Flyte's @dynamic). Calls inside return promises, as in a workflow; the
 * engine runs the graph the body built (locally: at once; in the sandbox: from `futures.pb`).
 */
import { CompileCode } from '../core/diagnostics.ts';
import type { flyteidl } from '../core/idl.ts';
import { compileError } from '../core/diagnostics.ts';
import { WorkflowBuilder } from './builder.ts';
import { runInBuilder } from './context.ts';
import { entityName, makeEntity, type EntityDef, type TaskDef, type TaskEntity, type TaskOptions } from './entities.ts';
import { defineTask, type TupleValue } from './api.ts';
import type { InputSpec, InputValues, OutputSpec } from './interface.ts';
import { toTypedInterface } from './interface.ts';
import { PromiseReadError } from './promise.ts';
import { identifierOf, type SerializationSettings } from './serialize.ts';
import type { TypeDescriptor } from '../core/types.ts';
import { ResourceType } from '../core/vocabulary.ts';

/**
 * Declares a dynamic workflow: its body receives real inputs (so it can loop over them) and
 * returns promises of the outputs, built from calls to tasks, workflows and launch plans.
 *
 * @example
 * export const count = dynamic({ inputs: { s: t.str }, outputs: t.int }, ({ s }) => {
 *   let acc: Promised<number> | number = 0;
 *   for (const ch of s) acc = add({ a: acc, b: ord({ c: ch }) });
 *   return acc;
 * });
 */
export function dynamic<const I extends InputSpec, const O extends readonly TypeDescriptor[]>(
  options: TaskOptions<I, O> & { outputs: O },
  body: (inputs: InputValues<I>) => { [K in keyof O]: unknown },
): TaskEntity<I, O>;
export function dynamic<const I extends InputSpec = Record<string, never>, const O extends OutputSpec = undefined>(
  options: TaskOptions<I, O>,
  body: (inputs: InputValues<I>) => unknown,
): TaskEntity<I, O>;
export function dynamic(options: TaskOptions<InputSpec, OutputSpec>, body: (inputs: Record<string, unknown>) => unknown): unknown {
  if (typeof body !== 'function') throw new TypeError('dynamic(options, body): body must be a function');
  return makeEntity(defineTask('dynamic', options, body));
}

/** The workflow a dynamic body built for some inputs. */
export interface DynamicBuild {
  template: flyteidl.core.IWorkflowTemplate;
  refs: Map<string, EntityDef>;
}

/**
 * Runs a dynamic body with real inputs and returns the workflow it built (node ids `dn0, dn1…`).
 * Throws a CompileError listing every problem (a promise read as a value says to pass it to a
 * task instead).
 */
export function buildDynamic(def: TaskDef, inputs: Record<string, unknown>, s: SerializationSettings): DynamicBuild {
  const name = entityName(def);
  const builder = new WorkflowBuilder(name, (d) => identifierOf(d, s), 'dn');
  let returned: unknown;
  try {
    returned = runInBuilder(builder, () => (def.fn as (i: Record<string, unknown>) => unknown)(inputs));
  } catch (e) {
    if (e instanceof PromiseReadError) {
      builder.report(
        CompileCode.PromiseRead,
        `${e.message.replace('a workflow body only wires calls together', 'in a dynamic workflow, task outputs are promises')}`,
      );
    } else throw e;
  }
  if (returned instanceof Promise) {
    builder.report(CompileCode.AsyncWorkflow, 'a dynamic body must not be async: calls inside it return promises to wire together, not values to await (use eager() for that)');
  }
  const outputs = builder.diagnostics.length === 0 ? builder.bindOutputs(def, returned) : [];
  if (builder.diagnostics.length > 0) throw compileError(name, builder.diagnostics);
  const template: flyteidl.core.IWorkflowTemplate = {
    id: { ...identifierOf(def, s), resourceType: ResourceType.WORKFLOW, name: `${name}.dynamic` },
    metadata: {},
    interface: toTypedInterface(def.iface),
    nodes: builder.nodes.map((n) => n.node),
    outputs,
  };
  return { template, refs: builder.references };
}

export type { TupleValue };
