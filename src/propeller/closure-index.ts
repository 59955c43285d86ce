/**
 * Lookups into one compiled closure (the execution's, or a dynamic node's generated one): task
 * templates and compiled sub-workflows by identifier. Built once per closure object and cached,
 * so a lookup costs one map access whatever the closure size.
 */
import type { flyteidl } from '../core/idl.ts';

/** Task and sub-workflow lookups of one closure. */
export interface ClosureIndex {
  readonly closure: flyteidl.core.ICompiledWorkflowClosure;
  task(id: flyteidl.core.IIdentifier | null | undefined): flyteidl.core.ITaskTemplate | undefined;
  subWorkflow(id: flyteidl.core.IIdentifier | null | undefined): flyteidl.core.ICompiledWorkflow | undefined;
}

/** `project/domain/name@version` of an identifier (its resource type is ignored, as in Flyte). */
export function identifierKey(id: flyteidl.core.IIdentifier | null | undefined): string {
  return `${id?.project ?? ''}/${id?.domain ?? ''}/${id?.name ?? ''}@${id?.version ?? ''}`;
}

const cache = new WeakMap<object, ClosureIndex>();

/** The index of `closure` (cached by object identity). */
export function indexClosure(closure: flyteidl.core.ICompiledWorkflowClosure): ClosureIndex {
  let idx = cache.get(closure);
  if (idx) return idx;
  const tasks = new Map<string, flyteidl.core.ITaskTemplate>();
  for (const t of closure.tasks ?? []) if (t.template) tasks.set(identifierKey(t.template.id), t.template);
  const subs = new Map<string, flyteidl.core.ICompiledWorkflow>();
  for (const w of closure.subWorkflows ?? []) if (w.template) subs.set(identifierKey(w.template.id), w);
  idx = {
    closure,
    task: (id) => (id ? tasks.get(identifierKey(id)) : undefined),
    subWorkflow: (id) => (id ? subs.get(identifierKey(id)) : undefined),
  };
  cache.set(closure, idx);
  return idx;
}
