/**
 * Admin's error-code catalogue (Fastify-style): every `SBX_ADMIN_*` code with its category.
 * `docs/errors.md` lists each one; a test keeps the two in sync. Codes are never reused.
 */
import { createError, type ErrorCategory, type SandboxError, type SandboxErrorOptions } from '../core/errors.ts';
import { ALREADY_TERMINAL_CODE, INVALID_TRANSITION_CODE } from '../core/phases.ts';

/** Every admin error code and its category (which decides the HTTP status). */
export const ADMIN_ERROR_CODES = {
  SBX_ADMIN_MALFORMED_JSON: 'VALIDATION',
  SBX_ADMIN_PAYLOAD_TOO_LARGE: 'VALIDATION',
  SBX_ADMIN_INVALID_BODY: 'VALIDATION',
  SBX_ADMIN_INVALID_ARGUMENT: 'VALIDATION',
  SBX_ADMIN_INVALID_EXECUTION_NAME: 'VALIDATION',
  SBX_ADMIN_INVALID_FILTER: 'VALIDATION',
  SBX_ADMIN_INVALID_PAGINATION: 'VALIDATION',
  SBX_ADMIN_FIXED_INPUT_OVERRIDE: 'VALIDATION',
  SBX_ADMIN_UNKNOWN_INPUT: 'VALIDATION',
  SBX_ADMIN_MISSING_INPUTS: 'VALIDATION',
  SBX_ADMIN_INPUT_TYPE_MISMATCH: 'VALIDATION',
  SBX_ADMIN_URI_OUTSIDE_STORE: 'VALIDATION',
  SBX_ADMIN_LOG_OUTSIDE_DATA_DIR: 'VALIDATION',
  SBX_ADMIN_ROUTE_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_PROJECT_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_DOMAIN_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_TASK_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_WORKFLOW_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_LAUNCH_PLAN_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_EXECUTION_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_NODE_EXECUTION_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_TASK_EXECUTION_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_LOG_NOT_FOUND: 'NOT_FOUND',
  SBX_ADMIN_ALREADY_EXISTS: 'ALREADY_EXISTS',
  SBX_ADMIN_ALREADY_EXISTS_DIFFERENT: 'ALREADY_EXISTS',
  [ALREADY_TERMINAL_CODE]: 'INVALID_TRANSITION',
  [INVALID_TRANSITION_CODE]: 'INVALID_TRANSITION',
  SBX_ADMIN_COMPILE_FAILED: 'COMPILE',
  SBX_ADMIN_RUNNER_UNAVAILABLE: 'UNAVAILABLE',
  SBX_ADMIN_INTERNAL: 'ILLEGAL_STATE',
} as const satisfies Record<string, ErrorCategory>;

/** An admin error code. */
export type AdminErrorCode = keyof typeof ADMIN_ERROR_CODES;

/** Builds the error for an admin code (subclass chosen from its category). */
export function adminError(code: Exclude<AdminErrorCode, 'SBX_ADMIN_COMPILE_FAILED'>, message: string, options?: SandboxErrorOptions): SandboxError {
  return createError(ADMIN_ERROR_CODES[code] as Exclude<ErrorCategory, 'COMPILE'>, code, message, options);
}
