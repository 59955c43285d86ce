/**
 * Storage error codes. Errors are core's `StorageError` (style P9); this module names the codes
 * this component throws and offers a code-aware predicate.
 */
import { isSandboxError, StorageError } from '../core/errors.ts';

export { StorageError };

/** Stable codes thrown by the storage component. Never reuse a released code. */
export const STORAGE_ERROR_CODES = {
  /** The URI is not a `file:` URI under the store root (scheme, `..`, or a symlink leading out). SYSTEM. */
  OUTSIDE_ROOT: 'SBX_STORAGE_OUTSIDE_ROOT',
  /** Nothing is stored at the URI. SYSTEM. */
  NOT_FOUND: 'SBX_STORAGE_NOT_FOUND',
  /** The URI or a path segment is malformed, or the operation targets the store root itself. SYSTEM. */
  INVALID_URI: 'SBX_STORAGE_INVALID_URI',
  /** The filesystem failed (permissions, disk full, …). SYSTEM, retryable. */
  IO: 'SBX_STORAGE_IO',
  /** A stored protobuf document could not be decoded. SYSTEM. */
  CORRUPT_DOCUMENT: 'SBX_STORAGE_CORRUPT_DOCUMENT',
  /** A code bundle holds an unsafe entry (absolute path, `..`, link, device) or a bad file list. USER. */
  UNSAFE_BUNDLE: 'SBX_STORAGE_UNSAFE_BUNDLE',
} as const;

/** One of {@link STORAGE_ERROR_CODES}. */
export type StorageErrorCode = (typeof STORAGE_ERROR_CODES)[keyof typeof STORAGE_ERROR_CODES];

/** True when `e` is a storage error (optionally with `code`), also across module copies. */
export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return isSandboxError(e) && e.code.startsWith('SBX_STORAGE_') && (code === undefined || e.code === code);
}
