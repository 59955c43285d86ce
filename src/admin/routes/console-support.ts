/**
 * Read-only sandbox helper routes for the web console (not Flyte's API): the console renders
 * file and directory outputs as links, and a browser cannot open the `file://` URIs the blob
 * store hands out, so this serves them over HTTP.
 *
 * `GET /api/v1/blobs?uri=file:///…` (or `s3://…`) — a file: its bytes (`text/plain` for UTF-8 text, the image
 * type for PNG/JPEG/GIF/WebP, else a download); a directory: JSON `{ uri, entries: [{ name, uri,
 * size, dir }] }`. Only URIs inside the blob store are served (`SBX_STORAGE_OUTSIDE_ROOT`, 400);
 * a missing one is `SBX_STORAGE_NOT_FOUND` (404).
 */
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { StorageError } from '../../core/errors.ts';
import type { DataStore } from '../../storage/index.ts';
import { adminError } from '../errors.ts';
import { toErrorResponse } from '../http/error-middleware.ts';
import { MAX_BLOB_DIR_ENTRIES } from '../managers/download-manager.ts';
import { queryParam } from './helpers.ts';

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

function looksLikeText(buf: Buffer): boolean {
  const sample = buf.subarray(0, 8192);
  if (sample.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < buf.length ? sample.subarray(0, Math.max(0, sample.length - 4)) : sample);
    return true;
  } catch {
    return false;
  }
}

/**
 * Routes for `/api/v1` that the console needs beyond Flyte's API. Mount them before admin's JSON
 * 404 handler, e.g. `app.use('/api/v1', consoleSupportRoutes(dataStore))`. Errors are answered
 * here, in admin's JSON shape, so the router also works outside the admin app.
 */
export function consoleSupportRoutes(store: DataStore): Router {
  const r = Router();
  r.get('/blobs', async (req, res) => {
    try {
      await serveBlob(store, req, res);
    } catch (e) {
      const { status, body } = toErrorResponse(e);
      if (res.headersSent) res.destroy();
      else res.status(status).json(body);
    }
  });
  return r;
}

async function serveBlob(store: DataStore, req: Request, res: Response): Promise<void> {
  const uri = queryParam(req, 'uri');
  if (!uri) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', 'query parameter uri is required (a file:// URI from an execution\'s inputs or outputs)', { path: 'query.uri' });
  const st = await store.stat(uri);
  if (!st) throw new StorageError('SBX_STORAGE_NOT_FOUND', `nothing is stored at ${uri}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cache-Control', 'no-store');
  if (st.kind === 'dir') {
    const entries = await store.list(uri, MAX_BLOB_DIR_ENTRIES);
    res.setHeader('X-Tflyte-Blob', 'dir');
    res.json({ uri, entries });
    return;
  }
  res.setHeader('X-Tflyte-Blob', 'file');
  const data = await store.read(uri);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const base = path.posix.basename(uri);
  const name = base.replace(/[^\w.-]/g, '_');
  const image = IMAGE_TYPES[path.posix.extname(base).toLowerCase()];
  if (image) res.type(image).setHeader('Content-Disposition', `inline; filename="${name}"`);
  else if (looksLikeText(buf)) res.type('text/plain; charset=utf-8').setHeader('Content-Disposition', `inline; filename="${name}"`);
  else res.type('application/octet-stream').setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.send(buf);
}
