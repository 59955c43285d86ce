/**
 * Per-propeller caches shared by rounds: DAGs by template identity, compiled closures (the
 * execution's and dynamic nodes' generated ones) by URI.
 */
import type { flyteidl } from '../core/idl.ts';
import type { DataStore } from '../storage/data-store.ts';
import { readProto } from '../storage/proto-io.ts';
import { buildDag } from './dag.ts';
import type { Dag } from './dag.ts';

/** Builds and caches DAGs by template object identity. */
export function createDagCache(): (template: flyteidl.core.IWorkflowTemplate, connections?: flyteidl.core.IConnectionSet | null) => Dag {
  const cache = new WeakMap<object, Dag>();
  return (template, connections) => {
    let d = cache.get(template);
    if (!d) {
      d = buildDag(template, connections);
      cache.set(template, d);
    }
    return d;
  };
}

/** Reads closures through the cache; `forget` drops those an ended execution used. */
export interface ClosureCache {
  (uri: string): Promise<flyteidl.core.ICompiledWorkflowClosure>;
  /** Keeps `closure` as what reading `uri` gives: it must be what decoding the document there gives. */
  remember(uri: string, closure: flyteidl.core.ICompiledWorkflowClosure): void;
  forget(uris: Iterable<string>): void;
}

/**
 * Reads compiled closure documents (executions' and dynamic nodes' generated workflows) and keeps
 * the most recent ones in memory, so every round of a running execution reuses the same objects
 * (and the DAGs cached by their identity). A failed read is not cached; an execution that ended
 * drops its own (an idle daemon keeps none of them).
 */
export function createClosureCache(data: DataStore, max = 256): ClosureCache {
  const cache = new Map<string, Promise<flyteidl.core.ICompiledWorkflowClosure>>();
  const keep = (uri: string, p: Promise<flyteidl.core.ICompiledWorkflowClosure>): void => {
    cache.delete(uri);
    cache.set(uri, p);
    if (cache.size > max) cache.delete(cache.keys().next().value as string);
  };
  const read = (uri: string): Promise<flyteidl.core.ICompiledWorkflowClosure> => {
    let p = cache.get(uri);
    if (!p) {
      p = readProto<flyteidl.core.ICompiledWorkflowClosure>(data, uri, 'flyteidl.core.CompiledWorkflowClosure');
      p.catch(() => cache.delete(uri));
    }
    keep(uri, p);
    return p;
  };
  return Object.assign(read, {
    remember(uri: string, closure: flyteidl.core.ICompiledWorkflowClosure): void {
      keep(uri, Promise.resolve(closure));
    },
    forget(uris: Iterable<string>): void {
      for (const u of uris) cache.delete(u);
    },
  });
}
