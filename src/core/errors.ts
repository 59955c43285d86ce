/**
 * The one base for errors thrown inside our processes (style P9). Every error carries a stable
 * `code` (`SBX_<AREA>_<NAME>`, never reused once released, each listed in `docs/errors.md`), a
 * `kind` (`USER` when the caller or the user's code is at fault, `SYSTEM` otherwise) and
 * `retryable`. A handful of subclasses name the *category* of failure; HTTP status is derived from
 * the category in one place (admin's error middleware), never stored on the error.
 *
 * Execution failures of user tasks are not thrown errors: they are data (`core.ExecutionError`).
 */

/** Who is at fault: the caller / user code (`USER`) or the platform (`SYSTEM`). */
export type ErrorKind = 'USER' | 'SYSTEM';

/**
 * The category of a {@link SandboxError}; one per subclass. Admin maps categories to HTTP status
 * (VALIDATION/COMPILE → 400, NOT_FOUND → 404, ALREADY_EXISTS/INVALID_TRANSITION → 409, the rest
 * → 5xx).
 */
export const ErrorCategory = {
  VALIDATION: 'VALIDATION',
  COMPILE: 'COMPILE',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  LAUNCHER: 'LAUNCHER',
  STORAGE: 'STORAGE',
  UNAVAILABLE: 'UNAVAILABLE',
  ILLEGAL_STATE: 'ILLEGAL_STATE',
} as const;
/** See {@link ErrorCategory}. */
export type ErrorCategory = (typeof ErrorCategory)[keyof typeof ErrorCategory];

/** Options accepted by every {@link SandboxError} constructor. */
export interface SandboxErrorOptions {
  /** The error that led to this one. */
  cause?: unknown;
  /** Machine-readable extra facts (names, ids); must be JSON-serialisable. */
  details?: Record<string, unknown>;
  /** Field path of the offending value in a request, e.g. `body.spec.template.id`. */
  path?: string;
  /** Overrides the subclass default. */
  kind?: ErrorKind;
  /** Overrides the subclass default. */
  retryable?: boolean;
}

/** Brand that survives duplicated copies of this module (bundles, workers): see {@link isSandboxError}. */
const BRAND = Symbol.for('tflyte.SandboxError');

/**
 * Base of all thrown sandbox errors. Prefer a subclass; use {@link isSandboxError} rather than
 * `instanceof` where the error may come from another copy of this module.
 */
export class SandboxError extends Error {
  /** Stable identifier `SBX_<AREA>_<NAME>`. */
  readonly code: string;
  readonly category: ErrorCategory;
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;
  readonly path?: string;
  declare readonly [BRAND]: true;

  constructor(category: ErrorCategory, code: string, message: string, options: SandboxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SandboxError';
    this.code = code;
    this.category = category;
    this.kind = options.kind ?? 'SYSTEM';
    this.retryable = options.retryable ?? false;
    if (options.details !== undefined) this.details = options.details;
    if (options.path !== undefined) this.path = options.path;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /** A JSON-safe view: `{ code, message, kind, path?, details? }`. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      kind: this.kind,
      ...(this.path !== undefined ? { path: this.path } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
    };
  }
}

/** Bad input from a caller (request body, CLI argument, user spec). USER, not retryable. */
export class ValidationError extends SandboxError {
  constructor(code: string, message: string, options: SandboxErrorOptions = {}) {
    super(ErrorCategory.VALIDATION, code, message, { kind: 'USER', ...options });
    this.name = 'ValidationError';
  }
}

/** One compiler diagnostic (style P10). */
export interface Diagnostic {
  code: string;
  message: string;
  /** Where: workflow → node → input, e.g. `my_wf.n1.inputs.a`. */
  path?: string;
  severity?: 'error' | 'warning';
  explanation?: string;
  action?: string;
}

/** A workflow or task spec failed to compile; carries every diagnostic, not just the first. */
export class CompileError extends SandboxError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(code: string, message: string, diagnostics: readonly Diagnostic[], options: SandboxErrorOptions = {}) {
    super(ErrorCategory.COMPILE, code, message, { kind: 'USER', ...options });
    this.name = 'CompileError';
    this.diagnostics = diagnostics;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), diagnostics: this.diagnostics };
  }
}

/** A named thing does not exist; the message names what was looked for. */
export class NotFoundError extends SandboxError {
  constructor(code: string, message: string, options: SandboxErrorOptions = {}) {
    super(ErrorCategory.NOT_FOUND, code, message, { kind: 'USER', ...options });
    this.name = 'NotFoundError';
  }
}

/** A thing with this identity already exists (and, for `*_DIFFERENT` codes, differs). */
export class AlreadyExistsError extends SandboxError {
  constructor(code: string, message: string, options: SandboxErrorOptions = {}) {
    super(ErrorCategory.ALREADY_EXISTS, code, message, { kind: 'USER', ...options });
    this.name = 'AlreadyExistsError';
  }
}

/** A phase change the transition table forbids (e.g. leaving a terminal phase). */
export class InvalidTransitionError extends SandboxError {
  constructor(code: string, message: string, options: SandboxErrorOptions = {}) {
    super(ErrorCategory.INVALID_TRANSITION, code, message, options);
    this.name = 'InvalidTransitionError';
  }
}

/** The launcher (Docker / process) failed. SYSTEM; retryable by default. */
export class LauncherError extends SandboxError {
  constructor(code: string, message: string, options: SandboxErrorOptions = {}) {
    super(ErrorCategory.LAUNCHER, code, message, { retryable: true, ...options });
    this.name = 'LauncherError';
  }
}

/** The blob store failed or refused a URI. SYSTEM unless the URI came from a user. */
export class StorageError extends SandboxError {
  constructor(code: string, message: string, options: SandboxErrorOptions = {}) {
    super(ErrorCategory.STORAGE, code, message, options);
    this.name = 'StorageError';
  }
}

/** A dependency (runner, daemon, admin API) is not reachable right now. SYSTEM, retryable. */
export class UnavailableError extends SandboxError {
  constructor(code: string, message: string, options: SandboxErrorOptions = {}) {
    super(ErrorCategory.UNAVAILABLE, code, message, { retryable: true, ...options });
    this.name = 'UnavailableError';
  }
}

/** Our own bug: a state that should be impossible. SYSTEM, not retryable. */
export class IllegalStateError extends SandboxError {
  constructor(code: string, message: string, options: SandboxErrorOptions = {}) {
    super(ErrorCategory.ILLEGAL_STATE, code, message, options);
    this.name = 'IllegalStateError';
  }
}

const CLASS_BY_CATEGORY = {
  VALIDATION: ValidationError,
  NOT_FOUND: NotFoundError,
  ALREADY_EXISTS: AlreadyExistsError,
  INVALID_TRANSITION: InvalidTransitionError,
  LAUNCHER: LauncherError,
  STORAGE: StorageError,
  UNAVAILABLE: UnavailableError,
  ILLEGAL_STATE: IllegalStateError,
} as const;

/**
 * Builds an error of the subclass for `category` (Fastify-style catalogue helper): lets a module
 * keep its codes in one table `{ CODE: category }` and throw them uniformly.
 *
 * @example
 * const CODES = { SBX_ADMIN_TASK_NOT_FOUND: 'NOT_FOUND' } as const;
 * throw createError(CODES.SBX_ADMIN_TASK_NOT_FOUND, 'SBX_ADMIN_TASK_NOT_FOUND', 'task p/d/t/v not found');
 */
export function createError(
  category: Exclude<ErrorCategory, 'COMPILE'>,
  code: string,
  message: string,
  options: SandboxErrorOptions = {},
): SandboxError {
  return new CLASS_BY_CATEGORY[category](code, message, options);
}

/**
 * True if `e` is a {@link SandboxError} (from any copy of this module), optionally with the given
 * code. Use this instead of `instanceof` across module boundaries.
 */
export function isSandboxError(e: unknown, code?: string): e is SandboxError {
  if (typeof e !== 'object' || e === null) return false;
  const branded = (e as Record<symbol, unknown>)[BRAND] === true;
  if (!branded) return false;
  return code === undefined || (e as SandboxError).code === code;
}

/** Wraps anything thrown into an `Error` (a thrown string, `undefined`, …) without losing it. */
export function ensureError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : `non-Error thrown: ${safeString(e)}`);
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
