/**
 * The sandbox's signed data URLs (DataProxy uploads and downloads, like S3 pre-signed URLs): an
 * HMAC over what the URL names and its expiry, keyed per process (URLs given out by an earlier run
 * of the sandbox stop working at restart), on the host and port the client reached the sandbox at.
 */
import crypto from 'node:crypto';

/** Signs and checks the URLs of one manager. */
export class UrlSigner {
  /** Drawn at the first URL signed or checked. */
  #secret: Buffer | undefined;

  /** The signature of `parts` (what the URL names, its expiry). */
  sign(...parts: string[]): string {
    this.#secret ??= crypto.randomBytes(32);
    return crypto.createHmac('sha256', this.#secret).update(parts.join('\n')).digest('base64url');
  }

  /** Whether `sig` is the signature of `parts` (compared in constant time). */
  verify(sig: string | undefined, ...parts: string[]): boolean {
    const expected = Buffer.from(this.sign(...parts));
    const given = Buffer.from(sig ?? '');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }
}

/**
 * The expiry (epoch seconds, as a string) of a URL made at `now` (ms) valid for `expiresIn` (a
 * protobuf Duration; `defaultMs` when absent or zero), at most `maxMs`.
 */
export function expiryOf(now: number, expiresIn: { seconds?: unknown; nanos?: number | null } | null | undefined, defaultMs: number, maxMs: number): string {
  const asked = expiresIn ? Number(String(expiresIn.seconds ?? 0)) * 1000 + Math.floor((expiresIn.nanos ?? 0) / 1e6) : 0;
  return String(Math.floor((now + Math.min(asked > 0 ? asked : defaultMs, maxMs)) / 1000));
}

/** Whether an expiry written by {@link expiryOf} is still ahead of `now` (ms). */
export function notExpired(expires: string, now: number): boolean {
  return /^\d+$/.test(expires) && Number(expires) * 1000 >= now;
}

/**
 * The origin signed URLs name: `http://` and the host:port the client reached the sandbox at (a
 * malformed one becomes `localhost`); `https://` when `authority` says so (`https://host:port`,
 * behind a TLS-terminating proxy that sets `X-Forwarded-Proto`).
 */
export function urlOrigin(authority: string): string {
  const secure = authority.startsWith('https://');
  const host = secure ? authority.slice('https://'.length) : authority;
  return `${secure ? 'https' : 'http'}://${/^[A-Za-z0-9.[\]:-]{1,255}$/.test(host) ? host : 'localhost'}`;
}
