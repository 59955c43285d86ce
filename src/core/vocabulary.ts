/**
 * Flyte's fixed words and numbers, written once: the `ResourceType` enum of identifiers, the
 * names of a workflow's synthetic start and end nodes, and the execution id's shape. Enum numbers
 * are Flyte's (`flyteidl/core/identifier.proto`); `vocabulary.test.ts` checks them against the
 * protos.
 */

/** `flyteidl.core.ResourceType`: what an identifier names. */
export const ResourceType = { UNSPECIFIED: 0, TASK: 1, WORKFLOW: 2, LAUNCH_PLAN: 3, DATASET: 4 } as const;
/** See {@link ResourceType}. */
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

/**
 * The labels flytekit's eager controller gives each child execution (and ours, alike): the eager
 * execution that started it, and the outermost one of the tree. Admin stores labels as
 * filterable execution tags.
 */
export const EAGER_LABELS = { parent: 'eager-exec', root: 'eager-root-exec' } as const;

/** The id of a workflow's start node (its inputs are this node's outputs). */
export const START_NODE = 'start-node';
/** The id of a workflow's end node (its inputs are the workflow's outputs). */
export const END_NODE = 'end-node';

/** An execution's id as admin and propeller name it (`flyteidl.core.WorkflowExecutionIdentifier`). */
export interface ExecutionId {
  readonly project: string;
  readonly domain: string;
  readonly name: string;
}

/** The execution id of an identifier-like object (extra fields such as `org` dropped). */
export function executionId(id: { project?: string | null; domain?: string | null; name?: string | null }): ExecutionId {
  return { project: id.project ?? '', domain: id.domain ?? '', name: id.name ?? '' };
}

/**
 * Successes a map (array node) of `n` items needs, as Flyte computes it: `minSuccesses` when set,
 * else ⌈ratio·n⌉ with the ratio read as the float32 the IDL keeps (0.7 of 10 needs 7, not 8),
 * else all `n`. The engine, local runs and eager maps all use this one rule.
 */
export function minSuccessesNeeded(n: number, by: { minSuccesses?: number | null; minSuccessRatio?: number | null }): number {
  if (by.minSuccesses !== undefined && by.minSuccesses !== null) return Math.min(n, by.minSuccesses);
  if (by.minSuccessRatio !== undefined && by.minSuccessRatio !== null) {
    return Math.min(n, Math.max(0, Math.ceil(Math.fround(by.minSuccessRatio) * n - 1e-6)));
  }
  return n;
}

/**
 * `TaskTemplate.config` keys of a task's `reuse` option (Flyte v1's IDL has no reuse policy; its
 * `config` map is the template's place for "customize task handling at execution time").
 */
export const REUSE_CONFIG = { replicas: 'tflyte.reuse.replicas', idleTtlSeconds: 'tflyte.reuse.idleTtlSeconds' } as const;

/** Limits of a reuse policy, checked where one is declared (SDK, config.yaml) and where one is read. */
export const REUSE_LIMITS = { maxReplicas: 64, minIdleTtlSeconds: 1, maxIdleTtlSeconds: 86_400 } as const;

/** What `reuse: true` means, for a task (SDK) and for the sandbox (`config.yaml`, `start --reuse`). */
export const REUSE_DEFAULTS = { replicas: 2, idleTtlSeconds: 300 } as const;

/** A task template's reuse policy, or undefined (none, or malformed keys: the task runs cold). */
export function reuseOfTemplate(config: Record<string, string> | null | undefined): { replicas: number; idleTtlMs: number } | undefined {
  const replicas = Number(config?.[REUSE_CONFIG.replicas]);
  const ttl = Number(config?.[REUSE_CONFIG.idleTtlSeconds]);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > REUSE_LIMITS.maxReplicas) return undefined;
  if (!Number.isFinite(ttl) || ttl < REUSE_LIMITS.minIdleTtlSeconds || ttl > REUSE_LIMITS.maxIdleTtlSeconds) return undefined;
  return { replicas, idleTtlMs: Math.round(ttl * 1000) };
}
