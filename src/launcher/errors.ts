/**
 * Launcher error codes. Errors are core's `LauncherError` (style P9); {@link launcherError} builds
 * one with the kind and retryability each code implies.
 */
import { isSandboxError, LauncherError } from '../core/errors.ts';
import type { SandboxErrorOptions } from '../core/errors.ts';

export { LauncherError };

/** Stable codes thrown by launchers. Never reuse a released code. */
export const LAUNCHER_ERROR_CODES = {
  /** The launch spec cannot be honoured (empty command, unsupported mount, Docker socket mount). USER. */
  INVALID_SPEC: 'SBX_LAUNCHER_INVALID_SPEC',
  /** The container engine does not answer. SYSTEM, retryable. */
  ENGINE_UNAVAILABLE: 'SBX_LAUNCHER_ENGINE_UNAVAILABLE',
  /** The task's image does not exist locally (nothing can be pulled). USER. */
  IMAGE_NOT_FOUND: 'SBX_LAUNCHER_IMAGE_NOT_FOUND',
  /** Building a task image (the runtime image, or a flytekit task's stand-in) failed. SYSTEM. */
  IMAGE_BUILD_FAILED: 'SBX_LAUNCHER_IMAGE_BUILD_FAILED',
  /** The engine or the OS refused an operation (create, start, spawn). SYSTEM, retryable. */
  OPERATION_FAILED: 'SBX_LAUNCHER_OPERATION_FAILED',
} as const;

/** One of {@link LAUNCHER_ERROR_CODES}. */
export type LauncherErrorCode = (typeof LAUNCHER_ERROR_CODES)[keyof typeof LAUNCHER_ERROR_CODES];

const DEFAULTS: Record<LauncherErrorCode, { kind: 'USER' | 'SYSTEM'; retryable: boolean }> = {
  SBX_LAUNCHER_INVALID_SPEC: { kind: 'USER', retryable: false },
  SBX_LAUNCHER_ENGINE_UNAVAILABLE: { kind: 'SYSTEM', retryable: true },
  SBX_LAUNCHER_IMAGE_NOT_FOUND: { kind: 'USER', retryable: false },
  SBX_LAUNCHER_IMAGE_BUILD_FAILED: { kind: 'SYSTEM', retryable: false },
  SBX_LAUNCHER_OPERATION_FAILED: { kind: 'SYSTEM', retryable: true },
};

/** A {@link LauncherError} with the `kind` and `retryable` its code implies. */
export function launcherError(code: LauncherErrorCode, message: string, opts: SandboxErrorOptions = {}): LauncherError {
  return new LauncherError(code, message, { ...DEFAULTS[code], ...opts });
}

/** True when `e` is a launcher error (optionally with `code`), also across module copies. */
export function isLauncherError(e: unknown, code?: LauncherErrorCode): e is LauncherError {
  return isSandboxError(e) && e.code.startsWith('SBX_LAUNCHER_') && (code === undefined || e.code === code);
}

/** Docker exit codes above 128 mean "killed by signal (code − 128)"; the common ones by name. */
export function signalFromExitCode(exitCode: number): string | undefined {
  const names: Record<number, string> = { 129: 'SIGHUP', 130: 'SIGINT', 134: 'SIGABRT', 137: 'SIGKILL', 143: 'SIGTERM' };
  return names[exitCode];
}
