/**
 * The web console's public surface: an express router that serves the single-page console
 * (mounted at `/console` by the CLI's `serve`). The page itself is plain browser JavaScript under
 * `public/` that talks only to the REST API under `/api/v1`.
 */
import { Router, type Request, type Response } from 'express';
import { assetPath, consoleAsset, type ConsoleAsset } from './assets.ts';

export { consoleAsset, contentTypeOf, type ConsoleAsset } from './assets.ts';

/** Folders and names of real files; any other path is a page of the single-page app. */
const ASSET_DIRS = ['js/', 'css/', 'img/'];
const ASSET_FILES = new Set(['favicon.svg', 'favicon.ico', 'robots.txt']);

/**
 * Content Security Policy of every console response: only this origin, no inline scripts,
 * style attributes allowed (the graph and timeline position elements with them).
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'none'";

function isAssetPath(rel: string): boolean {
  return ASSET_FILES.has(rel) || ASSET_DIRS.some((d) => rel.startsWith(d));
}

function send(req: Request, res: Response, asset: ConsoleAsset, body: Buffer = asset.body): void {
  res.setHeader('Content-Type', asset.contentType);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('ETag', asset.etag);
  if (req.headers['if-none-match'] === asset.etag) {
    res.status(304).end();
    return;
  }
  res.status(200);
  if (req.method === 'HEAD') {
    res.setHeader('Content-Length', String(body.length));
    res.end();
    return;
  }
  res.end(body);
}

function notFound(res: Response, message: string): void {
  res.status(404).type('text/plain; charset=utf-8').setHeader('X-Content-Type-Options', 'nosniff');
  res.end(message);
}

/**
 * Router for the console. Files under `js/`, `css/` and `img/` are served as they are (404 if
 * missing); every other GET path (`/`, `/projects/p/domains/d/executions/name`, …) answers
 * `index.html` with its `<base href>` set to the mount path, so deep links printed by the CLI
 * open the right page. Files come from the binary's embedded copy, else from disk.
 */
export function consoleRouter(): Router {
  const r = Router();
  r.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const rel = assetPath(req.path);
    if (rel === undefined) {
      notFound(res, 'no such console file');
      return;
    }
    if (rel !== '' && rel !== 'index.html' && isAssetPath(rel)) {
      const asset = consoleAsset(rel);
      if (asset) send(req, res, asset);
      else notFound(res, `no console file ${rel}`);
      return;
    }
    const index = consoleAsset('index.html');
    if (!index) {
      notFound(res, 'this build has no console (src/console/public/index.html is missing)');
      return;
    }
    const base = `${req.baseUrl}/`.replace(/"/g, '');
    const html = index.body.toString('utf8').replace('<base href="/console/">', `<base href="${base}">`);
    send(req, res, { ...index, etag: `"${index.etag.slice(1, -1)}-${Buffer.from(base).toString('base64url')}"` }, Buffer.from(html));
  });
  return r;
}
