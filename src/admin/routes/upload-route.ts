/**
 * Flyte's DataProxy over REST (`POST /api/v1/dataproxy/artifact_urn` and `…/artifact_link`,
 * `GET /api/v1/data`, as flyteadmin's gateway serves them), and the sandbox's signed data URLs they
 * hand out: `PUT /api/v1/dataproxy/upload/…` and `GET /api/v1/dataproxy/download?…`.
 */
import fs from 'node:fs';
import { Router, type Request, type RequestHandler } from 'express';
import type { flyteidl } from '../../core/idl.ts';
import type { DataStore } from '../../storage/data-store.ts';
import { parseBody } from '../validation/identifiers.ts';
import { param, queryParam, sendMessage, type AdminManagers } from './helpers.ts';

/**
 * The host:port the client reached the sandbox at: signed URLs name it, so they work from where
 * the client is (`https://host:port` behind a TLS proxy that says `X-Forwarded-Proto: https`).
 */
function authorityOf(req: Request): string {
  const host = typeof req.headers.host === 'string' ? req.headers.host : '';
  return req.headers['x-forwarded-proto'] === 'https' ? `https://${host}` : host;
}

/** DataProxy's JSON routes (mounted under `/api/v1`). */
export function dataProxyRoutes(m: AdminManagers): Router {
  const r = Router();
  r.post('/dataproxy/artifact_urn', (req, res) => {
    const body = parseBody<flyteidl.service.ICreateUploadLocationRequest>('flyteidl.service.CreateUploadLocationRequest', req.body);
    sendMessage(res, 'flyteidl.service.CreateUploadLocationResponse', m.uploads.createLocation(body, authorityOf(req)));
  });
  r.post('/dataproxy/artifact_link', async (req, res) => {
    const body = parseBody<flyteidl.service.ICreateDownloadLinkRequest>('flyteidl.service.CreateDownloadLinkRequest', req.body);
    sendMessage(res, 'flyteidl.service.CreateDownloadLinkResponse', await m.downloads.createLink(body, authorityOf(req)));
  });
  r.get('/data', async (req, res) => {
    sendMessage(res, 'flyteidl.service.GetDataResponse', await m.downloads.getData({ flyteUrl: queryParam(req, 'flyte_url') ?? '' }, authorityOf(req)));
  });
  return r;
}

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
