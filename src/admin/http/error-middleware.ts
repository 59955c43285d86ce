/**
 * The one place where errors become HTTP responses (style P9). Every failure is answered with
 * JSON `{ "error": { "code": "SBX_…", "message": "…", "path"?: "body.…" } }`, never an HTML page.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isSandboxError, type ErrorCategory } from '../../core/errors.ts';
import type { AdminLogger } from '../ports.ts';

const STATUS_BY_CATEGORY: Record<ErrorCategory, number> = {
  VALIDATION: 400,
  COMPILE: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  INVALID_TRANSITION: 409,
  LAUNCHER: 502,
  STORAGE: 500,
  UNAVAILABLE: 503,
  ILLEGAL_STATE: 500,
};

/** Codes whose status differs from their category's. */
const STATUS_BY_CODE: Record<string, number> = {
  SBX_ADMIN_PAYLOAD_TOO_LARGE: 413,
  SBX_ADMIN_HOST_NOT_ALLOWED: 403,
  SBX_ADMIN_CROSS_ORIGIN: 403,
  SBX_ADMIN_UNSUPPORTED_MEDIA_TYPE: 415,
  SBX_ADMIN_UNAUTHENTICATED: 401,
  SBX_ADMIN_FORBIDDEN: 403,
  SBX_STORAGE_OUTSIDE_ROOT: 400,
  SBX_STORAGE_INVALID_URI: 400,
  SBX_STORAGE_NOT_FOUND: 404,
};

/** The JSON error body. */
export interface ErrorBody {
  error: { code: string; message: string; path?: string; details?: Record<string, unknown>; diagnostics?: unknown[] };
}

interface HttpErrorLike {
  type?: string;
  status?: number;
  statusCode?: number;
  code?: unknown;
  message?: string;
  kind?: unknown;
}

/** Maps anything thrown to a status and body. Unknown errors are 500 `SBX_ADMIN_INTERNAL`. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (isSandboxError(err)) {
    const status = STATUS_BY_CODE[err.code] ?? STATUS_BY_CATEGORY[err.category] ?? 500;
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.path) body.error.path = err.path;
    if (err.details) body.error.details = err.details;
    const diagnostics = (err as { diagnostics?: unknown[] }).diagnostics;
    if (Array.isArray(diagnostics)) body.error.diagnostics = diagnostics;
    return { status, body, internal: status >= 500 };
  }
  const e = (err ?? {}) as HttpErrorLike;
  // Errors of other components that follow the taxonomy without extending SandboxError yet.
  if (typeof e.code === 'string' && e.code.startsWith('SBX_') && typeof e.message === 'string') {
    const status = STATUS_BY_CODE[e.code] ?? 500;
    return { status, body: { error: { code: e.code, message: e.message } }, internal: status >= 500 };
  }
  // body-parser / router errors.
  switch (e.type) {
    case 'entity.parse.failed':
      return { status: 400, body: { error: { code: 'SBX_ADMIN_MALFORMED_JSON', message: `request body is not valid JSON: ${e.message ?? ''}`.trim(), path: 'body' } }, internal: false };
    case 'entity.too.large':
      return { status: 413, body: { error: { code: 'SBX_ADMIN_PAYLOAD_TOO_LARGE', message: 'request body is too large', path: 'body' } }, internal: false };
    default:
      break;
  }
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status: 400, body: { error: { code: 'SBX_ADMIN_INVALID_BODY', message: e.message ?? 'bad request' } }, internal: false };
  }
  return { status: 500, body: { error: { code: 'SBX_ADMIN_INTERNAL', message: 'internal error in the sandbox admin (see its log)' } }, internal: true };
}

/** Express error handler built on {@link toErrorResponse}. */
export function errorMiddleware(logger: AdminLogger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body, internal } = toErrorResponse(err);
    if (internal) logger.error('request failed', { method: req.method, url: req.originalUrl, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json(body);
  };
}

/** Final handler: unknown routes get a JSON 404. */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'SBX_ADMIN_ROUTE_NOT_FOUND', message: `no route for ${req.method} ${req.path}` } } satisfies ErrorBody);
};
