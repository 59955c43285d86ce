/**
 * Storage errors. `StorageError` has the shape of the project's `SandboxError` taxonomy
 * (style P9: `code`, `kind`, `retryable`, `cause`, `details`).
 * TODO(lead): derive from core's `SandboxError` once `src/core/errors.ts` exists.
 */

/** Stable codes thrown by the storage component. Never reuse a released code. */
export const STORAGE_ERROR_CODES = {
  /** The URI is not a `file:` URI under the store root (scheme, `..`, or a symlink leading out). */
  OUTSIDE_ROOT: 'SBX_STORAGE_OUTSIDE_ROOT',
  /** Nothing is stored at the URI. */
  NOT_FOUND: 'SBX_STORAGE_NOT_FOUND',
  /** The URI or a path segment is malformed, or the operation targets the store root itself. */
  INVALID_URI: 'SBX_STORAGE_INVALID_URI',
  /** The filesystem failed (permissions, disk full, …); usually retryable. */
  IO: 'SBX_STORAGE_IO',
  /** A stored protobuf document could not be decoded. */
  CORRUPT_DOCUMENT: 'SBX_STORAGE_CORRUPT_DOCUMENT',
  /** A code bundle holds an unsafe entry (absolute path, `..`, link, device) or a bad file list. */
  UNSAFE_BUNDLE: 'SBX_STORAGE_UNSAFE_BUNDLE',
} as const;

/** One of {@link STORAGE_ERROR_CODES}. */
export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[keyof typeof STORAGE_ERROR_CODES];

/**
 * Thrown by every storage operation that fails. `kind` is always `SYSTEM` except for unsafe
 * bundles (`USER`: the user's code or archive is at fault). Only `SBX_STORAGE_IO` is retryable.
 */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly kind: 'USER' | 'SYSTEM';
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(
    code: StorageErrorCode,
    message: string,
    opts: { cause?: unknown; retryable?: boolean; kind?: 'USER' | 'SYSTEM'; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'StorageError';
    this.code = code;
    this.kind = opts.kind ?? (code === STORAGE_ERROR_CODES.UNSAFE_BUNDLE ? 'USER' : 'SYSTEM');
    this.retryable = opts.retryable ?? false;
    if (opts.details) this.details = opts.details;
  }
}

/** True when `e` is a storage error (optionally with `code`), also across package copies. */
export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  if (typeof c !== 'string' || !c.startsWith('SBX_STORAGE_')) return false;
  return code === undefined || c === code;
}
