/**
 * An authenticating front for a sandbox, written for the profile tests: what a Flyte cluster
 * behind an identity provider looks like to a client. It serves
 * - flyteadmin's auth metadata: `/.well-known/oauth-authorization-server` (naming the token
 *   endpoint) and `/config/v1/flyte_client` (scopes, `authorization_metadata_key`);
 * - an OAuth2 token endpoint (`POST /oauth2/token`, client credentials with HTTP Basic);
 * - everything else forwarded to the sandbox, only with a valid bearer token in both
 *   `authorization` and `flyte-authorization` (else 401 in gRPC-gateway's `{code, message}`),
 *   except signed upload URLs, which carry their own signature as an object store's do.
 * Over http, or https with a self-signed certificate made by openssl.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** What the front saw. */
export interface FrontLog {
  /** Token requests, and how many were granted. */
  tokenRequests: number;
  tokensGranted: number;
  /** API requests refused for a missing, unknown or revoked token. */
  refused: number;
  /** API requests forwarded. */
  forwarded: number;
  /** Signed upload PUTs, and how many of them carried an `authorization` header (must be none). */
  uploads: number;
  uploadsWithCredentials: number;
}

/** A running front. */
export interface OAuthFront {
  url: string;
  log: FrontLog;
  /** PEM of the https front's certificate (https only). */
  certificate?: string;
  /** Revoke every token after this many forwarded requests (0: never). */
  revokeEvery: number;
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 (openssl), or undefined when openssl is missing. */
export function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      cwd: dir,
      stdio: 'ignore',
    });
    return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a front for the sandbox at `sandboxUrl` that grants tokens to `clientId`/`clientSecret`. */
export async function startOAuthFront(sandboxUrl: string, client: { clientId: string; clientSecret: string; scope: string }, tls?: { key: string; cert: string }): Promise<OAuthFront> {
  const log: FrontLog = { tokenRequests: 0, tokensGranted: 0, refused: 0, forwarded: 0, uploads: 0, uploadsWithCredentials: 0 };
  const tokens = new Set<string>();
  const target = new URL(sandboxUrl);
  let url = '';
  const front = {} as OAuthFront;

  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: http.IncomingMessage): Promise<string> => {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    return Buffer.concat(parts).toString('utf8');
  };
  const forward = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    log.forwarded++;
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers['flyte-authorization'];
    // As a TLS-terminating proxy says: signed URLs must then name https.
    if (tls) headers['x-forwarded-proto'] = 'https';
    const out = http.request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', (e) => json(res, 502, { code: 14, message: e.message }));
    req.pipe(out);
  };

  const handler: http.RequestListener = (req, res) => {
    const u = new URL(req.url ?? '/', 'http://front');
    if (req.method === 'GET' && u.pathname === '/.well-known/oauth-authorization-server') {
      json(res, 200, { issuer: url, token_endpoint: `${url}/oauth2/token`, grant_types_supported: ['client_credentials'], token_endpoint_auth_methods_supported: ['client_secret_basic'] });
      return;
    }
    if (req.method === 'GET' && u.pathname === '/config/v1/flyte_client') {
      json(res, 200, { client_id: 'flytectl', redirect_uri: 'http://localhost:53593/callback', scopes: [client.scope], authorization_metadata_key: 'flyte-authorization', audience: '' });
      return;
    }
    if (req.method === 'POST' && u.pathname === '/oauth2/token') {
      log.tokenRequests++;
      void readBody(req).then((text) => {
        const form = new URLSearchParams(text);
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const [id = '', secret = ''] = Buffer.from(basic, 'base64').toString('utf8').split(':').map((x) => decodeURIComponent(x));
        if (id !== client.clientId || secret !== client.clientSecret) {
          json(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
          return;
        }
        if (form.get('grant_type') !== 'client_credentials') {
          json(res, 400, { error: 'unsupported_grant_type' });
          return;
        }
        if (form.get('scope') !== client.scope) {
          json(res, 400, { error: 'invalid_scope', error_description: `scope must be ${client.scope}` });
          return;
        }
        const token = crypto.randomBytes(16).toString('hex');
        tokens.add(token);
        log.tokensGranted++;
        json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
      });
      return;
    }
    if (req.method === 'PUT' && u.pathname.startsWith('/api/v1/dataproxy/upload/')) {
      log.uploads++;
      if (req.headers.authorization) log.uploadsWithCredentials++;
      forward(req, res);
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const custom = /^Bearer (.+)$/.exec(String(req.headers['flyte-authorization'] ?? ''))?.[1];
    if (!bearer || !tokens.has(bearer) || custom !== bearer) {
      log.refused++;
      req.resume();
      json(res, 401, { code: 16, message: 'token is missing, unknown or expired', details: [] });
      return;
    }
    if (front.revokeEvery > 0 && (log.forwarded + 1) % front.revokeEvery === 0) tokens.clear();
    forward(req, res);
  };

  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(front, {
    url,
    log,
    revokeEvery: 0,
    ...(tls ? { certificate: tls.cert } : {}),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return front;
}
