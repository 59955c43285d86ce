/**
 * Propeller: the workflow engine (mini flytepropeller). See README.md and ARCHITECTURE.md.
 * Only these names are public; everything else is internal to `src/propeller/`.
 */
export { createPropeller } from './propeller.ts';
export type { Propeller, ExecutionRunner, PropellerExtras } from './propeller.ts';
export { resolvePropellerConfig, silentLogger } from './deps.ts';
export type { Clock, Logger, PropellerDeps, PropellerOptions, ResolvedPropellerConfig, RuntimeCommandConfig, TaskCredentialIssuer, TaskCredentialScope } from './deps.ts';
export type { ChildExecutionPort, ExecutionEventSink, ExecutionRequest, StateChange, StoredState, WorkflowStateStore } from './ports.ts';
export { systemClock } from './system-clock.ts';
export { createFaultPoints, FAULT_POINTS } from './fault-points.ts';
export type { FaultPoints, FaultPointName } from './fault-points.ts';
export { createDataStoreCatalog, catalogKeyFor, canonicalInputs } from './catalog.ts';
export type { Catalog, CatalogKey } from './catalog.ts';
export { createInMemoryLauncher, noopRun } from './in-memory-launcher.ts';
export { runEngineBench } from './bench-support.ts';
export type { EngineBenchOptions, EngineBenchResult } from './bench-support.ts';
export type { InMemoryLauncher, AttemptRun } from './in-memory-launcher.ts';
export { executionKey, parseExecutionKey, attemptKey, childExecutionName, uniqueNodeId } from './ids.ts';
export { PROPELLER_ERROR_CODES, EXECUTION_ERROR_CODES } from './errors.ts';
export { LABELS as ATTEMPT_LABELS, RUNTIME_ARG0 } from './handlers/task.ts';
export type { NodeHandler, NodeContext, HandlerResult } from './handlers/handler.ts';
