/**
 * The console router serves the page for every console path (deep links), its files with the
 * right types, and nothing outside its folder.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assetPath, contentTypeOf } from './assets.ts';
import { consoleRouter } from './index.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use('/console', consoleRouter());
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'SBX_ADMIN_ROUTE_NOT_FOUND', message: 'fallthrough' } });
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('consoleRouter', () => {
  test('a deep link to an execution answers index.html with the base set to the mount path', async () => {
    const res = await fetch(`${base}/console/projects/flytesnacks/domains/development/executions/abc123`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<base href="/console/">');
    expect(html).toContain('js/main.js');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  test('/console without a slash and /console/ both answer the page', async () => {
    for (const p of ['/console', '/console/']) {
      const res = await fetch(`${base}${p}`);
      expect(res.status, p).toBe(200);
      expect(await res.text()).toContain('<div id="app">');
    }
  });

  test('scripts and styles are served with their content types', async () => {
    const js = await fetch(`${base}/console/js/main.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain('import');
    const css = await fetch(`${base}/console/css/console.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  test('a missing file under an asset folder is a 404, not the page', async () => {
    const res = await fetch(`${base}/console/js/does-not-exist.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  test('an ETag answers a repeated request with 304', async () => {
    const first = await fetch(`${base}/console/css/console.css`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${base}/console/css/console.css`, { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
  });

  test('encoded dot-dot segments cannot reach files outside the public folder', async () => {
    const res = await fetch(`${base}/console/js/%2e%2e%2f%2e%2e%2findex.ts`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('consoleRouter');
  });

  test('other methods fall through to the next handler', async () => {
    const res = await fetch(`${base}/console/js/main.js`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('fallthrough');
  });
});

describe('assetPath', () => {
  test('normalises and rejects', () => {
    expect(assetPath('/js/app.js')).toBe('js/app.js');
    expect(assetPath('//css/./a.css')).toBe('css/a.css');
    expect(assetPath('/js/../../x')).toBeUndefined();
    expect(assetPath('/js/%2e%2e/x')).toBeUndefined();
    expect(assetPath('/a\\b')).toBeUndefined();
    expect(assetPath('/%E0%A4%A')).toBeUndefined();
  });
  test('content types', () => {
    expect(contentTypeOf('img/favicon.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('x.bin')).toBe('application/octet-stream');
  });
});
