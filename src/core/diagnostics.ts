/**
 * Compile diagnostics: collected, never thrown one by one (style P10). `CompileError` carries all
 * of them; its message lists each on its own line.
 */

import { CompileError, type Diagnostic } from './errors.ts';

export { CompileError, type Diagnostic };

/** Codes the SDK and compiler report. */
export const CompileCode = {
  MissingInput: 'SBX_COMPILE_MISSING_INPUT',
  UnknownInput: 'SBX_COMPILE_UNKNOWN_INPUT',
  MismatchingTypes: 'SBX_COMPILE_MISMATCHING_TYPES',
  InvalidValue: 'SBX_COMPILE_INVALID_VALUE',
  UnknownOutput: 'SBX_COMPILE_UNKNOWN_OUTPUT',
  UnboundOutput: 'SBX_COMPILE_UNBOUND_OUTPUT',
  PromiseRead: 'SBX_COMPILE_PROMISE_READ',
  AsyncWorkflow: 'SBX_COMPILE_ASYNC_WORKFLOW',
  CycleDetected: 'SBX_COMPILE_CYCLE_DETECTED',
  UnknownNode: 'SBX_COMPILE_UNKNOWN_NODE',
  DuplicateNodeId: 'SBX_COMPILE_DUPLICATE_NODE_ID',
  UnknownEntity: 'SBX_COMPILE_UNKNOWN_ENTITY',
  UnreachableNode: 'SBX_COMPILE_UNREACHABLE_NODE',
  ForeignPromise: 'SBX_COMPILE_FOREIGN_PROMISE',
  EagerInWorkflow: 'SBX_COMPILE_EAGER_IN_WORKFLOW',
  BodyFailed: 'SBX_COMPILE_BODY_FAILED',
  InvalidBranch: 'SBX_COMPILE_INVALID_BRANCH',
  UnnamedEntity: 'SBX_COMPILE_UNNAMED_ENTITY',
} as const;

/** Builds the error thrown when an entity does not compile: every diagnostic, one per line. */
export function compileError(entity: string, diagnostics: readonly Diagnostic[]): CompileError {
  const n = diagnostics.length;
  return new CompileError(
    'SBX_COMPILE_FAILED',
    `${entity} does not compile (${n} problem${n === 1 ? '' : 's'}):\n` +
      diagnostics.map((d) => `  - ${d.message} [${d.code} at ${d.path ?? entity}]`).join('\n'),
    diagnostics,
  );
}
