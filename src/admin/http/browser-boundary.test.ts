import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserBoundary, hostNameOf, isLoopbackHost, requireJsonBodies } from './browser-boundary.ts';

describe('host names', () => {
  it('knows loopback names and addresses', () => {
    for (const h of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['evil.example.com', 'localhost.evil.com', '10.0.0.1', '0.0.0.0', '::', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('parses Host headers, and nothing malformed', () => {
    expect(hostNameOf('localhost:30080')).toBe('localhost');
    expect(hostNameOf('[::1]:80')).toBe('::1');
    expect(hostNameOf('My-Box.Local')).toBe('my-box.local');
    for (const bad of [undefined, '', 'a b', 'user@host', 'a:b:c', '/x']) expect(hostNameOf(bad), String(bad)).toBeUndefined();
  });
});

describe('the boundary middleware', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    const app = express();
    app.use(browserBoundary({ listenHost: '127.0.0.1', allowedHosts: ['my-box.local'] }));
    app.use(requireJsonBodies());
    app.all('/x', (_req, res) => {
      res.json({ ok: true });
    });
    server = await new Promise<http.Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const send = (headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; code?: string }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/x', method, headers, setHost: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, ...(code ? { code } : {}) });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  it('lets loopback hosts, the listen address and allowedHosts in', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'my-box.local:30080', 'MY-BOX.local']) expect((await send({ host })).status, host).toBe(200);
  });

  it('refuses other hosts and a missing Host (DNS rebinding)', async () => {
    for (const host of ['evil.example.com', `evil.example.com:${port}`, '192.168.1.2']) {
      expect(await send({ host }), host).toEqual({ status: 403, code: 'SBX_ADMIN_HOST_NOT_ALLOWED' });
    }
    // No Host at all: Node's server answers 400 before any route.
    expect([400, 403]).toContain((await send({})).status);
  });

  it('lets a same-origin browser request in and refuses every cross-origin one', async () => {
    const host = `localhost:${port}`;
    expect((await send({ host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await send({ host, 'sec-fetch-site': 'none' })).status).toBe(200);
    for (const h of [{ origin: 'http://evil.example.com' }, { origin: 'null' }, { origin: `http://127.0.0.1:${port}` }, { origin: `https://${host}x` }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }] as Record<string, string>[]) {
      expect(await send({ host, ...h }), JSON.stringify(h)).toEqual({ status: 403, code: 'SBX_ADMIN_CROSS_ORIGIN' });
    }
  });

  it('accepts only JSON bodies', async () => {
    const host = `localhost:${port}`;
    const post = (type: string) => send({ host, 'content-type': type, 'content-length': '2' }, 'POST', '{}');
    expect((await post('application/json')).status).toBe(200);
    expect((await post('application/json; charset=utf-8')).status).toBe(200);
    for (const t of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      expect(await post(t), t).toEqual({ status: 415, code: 'SBX_ADMIN_UNSUPPORTED_MEDIA_TYPE' });
    }
    expect((await send({ host }, 'DELETE')).status).toBe(200);
  });
});
