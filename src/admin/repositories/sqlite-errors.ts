/**
 * The one place where SQLite errors become sandbox errors (style P9: flyteadmin's
 * `repositories/errors/postgres.go`). Managers check existence first to give precise messages;
 * this transformer is the safety net for races and constraint violations.
 */
import { isSandboxError } from '../../core/errors.ts';
import { adminError } from '../errors.ts';

interface SqliteErrorLike {
  code?: string;
  message?: string;
}

/** Runs `fn`, translating better-sqlite3 constraint errors; other errors pass through. */
export function withSqliteErrors<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw translateSqliteError(e, what);
  }
}

/** Maps a better-sqlite3 error to a SandboxError; returns anything else unchanged. */
export function translateSqliteError(e: unknown, what: string): unknown {
  if (isSandboxError(e)) return e;
  const err = e as SqliteErrorLike;
  switch (err?.code) {
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
    case 'SQLITE_CONSTRAINT_UNIQUE':
      return adminError('SBX_ADMIN_ALREADY_EXISTS', `${what} already exists`, { cause: e });
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return adminError('SBX_ADMIN_INVALID_ARGUMENT', `${what} refers to something that does not exist`, { cause: e });
    case 'SQLITE_CONSTRAINT_CHECK':
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return adminError('SBX_ADMIN_INVALID_ARGUMENT', `${what} has an invalid value (${err.message ?? 'constraint failed'})`, { cause: e });
    default:
      return e;
  }
}
