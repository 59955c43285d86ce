/** The sandbox's signed data URLs: `PUT /api/v1/dataproxy/upload/…` and `GET /api/v1/dataproxy/download?…`. */
import fs from 'node:fs';
import type { RequestHandler } from 'express';
import type { DataStore } from '../../storage/data-store.ts';
import { param, queryParam, sendMessage, type AdminManagers } from './helpers.ts';

/** The handler of signed upload URLs (see `UploadManager`). Answers 200, as S3 does (flytectl accepts nothing else), with the file's native URL. */
export function uploadRoute(m: AdminManagers): RequestHandler {
  return (req, res, next) => {
    const target = { project: param(req, 'project'), domain: param(req, 'domain'), folder: param(req, 'folder'), filename: param(req, 'filename') };
    const signature = { expires: queryParam(req, 'expires') ?? '', md5: queryParam(req, 'md5') ?? '', sig: queryParam(req, 'sig') ?? '' };
    const header = (name: string): string | undefined => (typeof req.headers[name] === 'string' ? req.headers[name] : undefined);
    const contentLength = header('content-length');
    const contentMd5 = header('content-md5');
    m.uploads
      .receive(target, signature, { ...(contentLength !== undefined ? { contentLength } : {}), ...(contentMd5 !== undefined ? { contentMd5 } : {}) }, req)
      .then(({ nativeUrl }) => {
        sendMessage(res, 'flyteidl.service.CreateUploadLocationResponse', { nativeUrl });
      })
      .catch((e: unknown) => {
        // The client may still be sending: read the rest so the error can be answered.
        req.resume();
        next(e);
      });
  };
}

/** The handler of signed download URLs (see `DownloadManager`): the file's bytes. */
export function downloadRoute(m: AdminManagers, store: DataStore): RequestHandler {
  return (req, res, next) => {
    m.downloads
      .open({ uri: queryParam(req, 'uri') ?? '', expires: queryParam(req, 'expires') ?? '', sig: queryParam(req, 'sig') ?? '' })
      .then(async (uri) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        if (!store.localPath) {
          res.end(Buffer.from(await store.read(uri)));
          return;
        }
        // A file on the local disk is streamed, whatever its size.
        const file = store.localPath(uri);
        res.setHeader('Content-Length', String(fs.statSync(file).size));
        const stream = fs.createReadStream(file);
        stream.on('error', (e) => (res.headersSent ? res.destroy(e) : next(e)));
        stream.pipe(res);
      })
      .catch(next);
  };
}
