/**
 * The browser boundary of the sandbox's HTTP API (the protections Vite and webpack-dev-server
 * added against the same attacks). The API has no authentication, like `flytectl demo`'s, so what
 * keeps a web page the user happens to visit from driving it is:
 *
 * - **Host check** (DNS rebinding): a request whose `Host` is not a loopback name or address, the
 *   address the sandbox listens on, or an entry of `allowedHosts` is refused (403
 *   `SBX_ADMIN_HOST_NOT_ALLOWED`). A rebinding page's requests carry its own domain in `Host`.
 * - **Origin check** (CSRF, cross-origin reads): an API request that a browser marks as coming from
 *   another origin — an `Origin` header other than the request's own `http://<Host>`, or
 *   `Sec-Fetch-Site: cross-site | same-site` — is refused (403 `SBX_ADMIN_CROSS_ORIGIN`).
 * - **JSON only** (see {@link requireJsonBodies}): bodies must be `application/json`, which a page
 *   cannot send to another origin without a CORS preflight, and no CORS header is ever granted.
 *
 * The console is served from the same origin and the CLI sends no `Origin`, so both keep working.
 */
import net from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { adminError, type AdminErrorCode } from '../errors.ts';
import { toErrorResponse } from './error-middleware.ts';

/** What the boundary lets in. */
export interface BrowserBoundaryOptions {
  /** The address the server listens on (`--host`); always allowed in `Host`. */
  listenHost: string;
  /** More host names or addresses allowed in `Host` (config `allowedHosts`), lowercase. */
  allowedHosts?: readonly string[];
}

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

/** The host name of a `Host` header value (`a:30080` → `a`, `[::1]:80` → `::1`); undefined if malformed. */
export function hostNameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s@]+)(?::(\d{1,5}))?$/.exec(hostHeader.trim());
  if (!m?.[1]) return undefined;
  return m[1].replace(/^\[|\]$/g, '').toLowerCase();
}

/** Answers `code`'s status and JSON error body. */
export function refuse(res: Response, code: Exclude<AdminErrorCode, 'SBX_ADMIN_COMPILE_FAILED'>, message: string): void {
  const { status, body } = toErrorResponse(adminError(code, message));
  res.status(status).json(body);
}

/**
 * Express middleware enforcing the Host and Origin rules above; mount it in front of every route
 * of the TCP server (the unix socket has its own rule: a task credential).
 */
export function browserBoundary(opts: BrowserBoundaryOptions): RequestHandler {
  const listen = opts.listenHost.toLowerCase().replace(/^\[|\]$/g, '');
  const extra = new Set((opts.allowedHosts ?? []).map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
  const wildcard = listen === '0.0.0.0' || listen === '::';
  const hostAllowed = (name: string): boolean => isLoopbackHost(name) || (!wildcard && name === listen) || extra.has(name);
  return (req: Request, res: Response, next: NextFunction) => {
    const hostHeader = req.headers.host;
    const name = hostNameOf(hostHeader);
    if (!name || !hostAllowed(name)) {
      refuse(
        res,
        'SBX_ADMIN_HOST_NOT_ALLOWED',
        `requests for host ${JSON.stringify(hostHeader ?? '')} are refused: the sandbox answers only to loopback names, its --host and the allowedHosts setting in config.yaml (add the name there if you reach the sandbox through it)`,
      );
      return;
    }
    const origin = req.headers.origin;
    const fetchSite = req.headers['sec-fetch-site'];
    const crossSite = fetchSite === 'cross-site' || fetchSite === 'same-site';
    let foreignOrigin = false;
    if (origin !== undefined) {
      foreignOrigin = origin === 'null' || !sameOrigin(origin, hostHeader as string);
    }
    if (foreignOrigin || crossSite) {
      refuse(
        res,
        'SBX_ADMIN_CROSS_ORIGIN',
        `cross-origin request refused (Origin ${JSON.stringify(origin ?? '')}, Sec-Fetch-Site ${JSON.stringify(fetchSite ?? '')}): only the sandbox's own console and non-browser clients may use the API`,
      );
      return;
    }
    next();
  };
}

function sameOrigin(origin: string, hostHeader: string): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return u.host.toLowerCase() === hostHeader.trim().toLowerCase();
}

/**
 * Express middleware: a request with a body (POST, PUT, PATCH, DELETE carrying bytes) must say
 * `Content-Type: application/json`, else 415 `SBX_ADMIN_UNSUPPORTED_MEDIA_TYPE`. Browsers can send
 * `text/plain`, form and multipart bodies to any origin without asking; JSON needs a preflight,
 * which this server never grants.
 */
export function requireJsonBodies(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      refuse(
        res,
        'SBX_ADMIN_UNSUPPORTED_MEDIA_TYPE',
        `request bodies must be JSON sent with Content-Type: application/json (got ${JSON.stringify(req.headers['content-type'] ?? '')}); with curl add -H 'Content-Type: application/json'`,
      );
      return;
    }
    next();
  };
}
