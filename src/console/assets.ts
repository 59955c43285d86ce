/**
 * The console's static files: embedded in the single binary by `scripts/build.mjs` as
 * `__CONSOLE_ASSETS__` (path → base64), read from `src/console/public/` when running from source.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The console's files as JSON text (path → base64), parsed at the first request for one. */
declare const __CONSOLE_ASSETS__: string | undefined;
let embedded: Record<string, string> | undefined;

/** A static file ready to send. */
export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  /** Strong ETag of the content. */
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Content type of an asset path (by extension); `application/octet-stream` if unknown. */
export function contentTypeOf(rel: string): string {
  return CONTENT_TYPES[path.posix.extname(rel).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Normalises a request path into an asset path relative to the public folder (`js/app.js`), or
 * returns undefined when it cannot name a file there (`..` segments, backslashes, NUL bytes).
 */
export function assetPath(requestPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return undefined;
  return segments.join('/');
}

const PUBLIC_DIR = path.join(import.meta.dirname, 'public');
const cache = new Map<string, ConsoleAsset | null>();

function readFromDisk(rel: string): Buffer | undefined {
  const file = path.resolve(PUBLIC_DIR, rel);
  const inside = path.relative(PUBLIC_DIR, file);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  try {
    const st = fs.statSync(file);
    return st.isFile() ? fs.readFileSync(file) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The bytes of a console file, or undefined if there is none. Embedded files are decoded once;
 * files read from disk (running from source) are read on every call so edits show at once.
 */
export function consoleAsset(rel: string): ConsoleAsset | undefined {
  let body: Buffer | undefined;
  if (typeof __CONSOLE_ASSETS__ !== 'undefined') {
    const hit = cache.get(rel);
    if (hit !== undefined) return hit ?? undefined;
    embedded ??= JSON.parse(__CONSOLE_ASSETS__) as Record<string, string>;
    const b64 = Object.hasOwn(embedded, rel) ? embedded[rel] : undefined;
    body = b64 === undefined ? undefined : Buffer.from(b64, 'base64');
    const asset = body === undefined ? undefined : toAsset(rel, body);
    cache.set(rel, asset ?? null);
    return asset;
  }
  body = rel === '' ? undefined : readFromDisk(rel);
  return body === undefined ? undefined : toAsset(rel, body);
}

function toAsset(rel: string, body: Buffer): ConsoleAsset {
  const etag = `"${crypto.createHash('sha1').update(body).digest('base64url')}"`;
  return { body, contentType: contentTypeOf(rel), etag };
}
