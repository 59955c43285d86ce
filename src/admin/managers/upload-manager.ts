/**
 * Upload locations (flyteadmin's DataProxy `CreateUploadLocation`): a client — `pyflyte run
 * --remote` sending its code tarball, a file input — asks where to put a file, gets a URL of this
 * sandbox to `PUT` it to (signed: it names one file, one MD5 and an expiry) and the native URI the
 * file will have in the blob store, which tasks then read.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { flyteidl } from '../../core/idl.ts';
import type { AdminContext } from '../context.ts';
import { adminError } from '../errors.ts';
import { uploadUri } from '../../storage/index.ts';
import { expiryOf, notExpired, urlOrigin, UrlSigner } from './url-signer.ts';
import type { ProjectManager } from './project-manager.ts';

/** Largest file a signed upload URL accepts. */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** How long an upload URL is valid when the request does not say. */
const DEFAULT_EXPIRY_MS = 60 * 60 * 1000;
const MAX_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** A file name, or a relative path of such names (a directory input's files keep their layout). */
function safeRelativePath(name: string): boolean {
  const parts = name.split('/');
  return parts.length <= 32 && name.length <= 1024 && parts.every((p) => SAFE_NAME.test(p));
}

/** The file a signed URL names. */
export interface UploadTarget {
  project: string;
  domain: string;
  folder: string;
  filename: string;
}

/** The signed query of an upload URL. */
export interface UploadSignature {
  expires: string;
  md5: string;
  sig: string;
}


/** Creates signed upload locations and receives the files sent to them. */
export class UploadManager {
  readonly #ctx: AdminContext;
  readonly #projects: ProjectManager;
  readonly #signer = new UrlSigner();

  constructor(ctx: AdminContext, projects: ProjectManager) {
    this.#ctx = ctx;
    this.#projects = projects;
  }

  /** The blob-store URI of an upload target. */
  nativeUri(t: UploadTarget): string {
    return uploadUri(this.#ctx.dataStore, t);
  }

  #signed(t: UploadTarget): string {
    return `${t.project}/${t.domain}/${t.folder}/${t.filename}`;
  }

  /**
   * An upload location. `authority` is the host:port the client reached the sandbox at, so the
   * signed URL works from where the client is.
   */
  createLocation(req: flyteidl.service.ICreateUploadLocationRequest, authority: string): flyteidl.service.ICreateUploadLocationResponse {
    const project = String(req.project ?? '');
    const domain = String(req.domain ?? '');
    this.#projects.requireProjectDomain(project, domain, 'request');
    const filename = String(req.filename ?? '');
    if (!safeRelativePath(filename)) {
      throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `filename must be a file name (letters, digits, ".", "_", "-"; not starting with "." or "-"), or a relative path of such names joined by "/", got ${JSON.stringify(filename)}`, {
        path: 'filename',
      });
    }
    const md5 = req.contentMd5 && req.contentMd5.length > 0 ? Buffer.from(req.contentMd5) : undefined;
    if (md5 && md5.length !== 16) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `content_md5 must be the 16 bytes of an MD5 digest, got ${md5.length}`, { path: 'content_md5' });
    const root = String(req.filenameRoot ?? '');
    if (root !== '' && !SAFE_NAME.test(root)) {
      throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `filename_root must be a plain name (letters, digits, ".", "_", "-"), got ${JSON.stringify(root)}`, { path: 'filename_root' });
    }
    if (!md5 && root === '') throw adminError('SBX_ADMIN_INVALID_ARGUMENT', 'content_md5 or filename_root is required (the upload folder is named by one of them)', { path: 'content_md5' });
    const target: UploadTarget = { project, domain, folder: root || md5!.toString('hex'), filename };
    const expires = expiryOf(this.#ctx.clock.now(), req.expiresIn, DEFAULT_EXPIRY_MS, MAX_EXPIRY_MS);
    const md5Hex = md5?.toString('hex') ?? '';
    const query = new URLSearchParams({ expires, md5: md5Hex, sig: this.#signer.sign(this.#signed(target), expires, md5Hex) });
    const signedUrl = `${urlOrigin(authority)}/api/v1/dataproxy/upload/${[project, domain, target.folder, filename].map(encodeURIComponent).join('/')}?${query}`;
    return {
      signedUrl,
      nativeUrl: this.nativeUri(target),
      expiresAt: { seconds: expires, nanos: 0 },
      headers: md5 ? { 'Content-MD5': md5.toString('base64') } : {},
    };
  }

  /**
   * Receives a file sent to a signed URL: checks the signature, expiry, size and MD5, then moves
   * it into place (a file that already holds the same bytes is left as is). Nothing is left
   * behind when a check fails.
   */
  async receive(t: UploadTarget, s: UploadSignature, headers: { contentLength?: string; contentMd5?: string }, body: Readable): Promise<{ nativeUrl: string; bytes: number }> {
    if (!this.#signer.verify(s.sig, this.#signed(t), s.expires, s.md5)) {
      throw adminError('SBX_ADMIN_FORBIDDEN', 'this upload URL is not one the sandbox gave out (or it was changed); ask for a new one with CreateUploadLocation');
    }
    if (!notExpired(s.expires, this.#ctx.clock.now())) {
      throw adminError('SBX_ADMIN_FORBIDDEN', 'this upload URL has expired; ask for a new one with CreateUploadLocation');
    }
    const declared = headers.contentLength === undefined ? undefined : Number(headers.contentLength);
    if (declared !== undefined && declared > MAX_UPLOAD_BYTES) {
      throw adminError('SBX_ADMIN_PAYLOAD_TOO_LARGE', `the file is ${declared} bytes; uploads may be at most ${MAX_UPLOAD_BYTES} bytes`);
    }
    if (headers.contentMd5 !== undefined && s.md5 !== '' && Buffer.from(headers.contentMd5, 'base64').toString('hex') !== s.md5) {
      throw adminError('SBX_ADMIN_INVALID_ARGUMENT', 'Content-MD5 differs from the MD5 this upload URL was made for', { path: 'headers.content-md5' });
    }
    const uri = this.nativeUri(t);
    const store = this.#ctx.dataStore;
    // On the local disk the body streams into a part file renamed into place; for an object
    // store it is held in memory and put whole once checked (a put is atomic there).
    const file = store.localPath?.(uri);
    const chunks: Buffer[] = [];
    if (file) await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const part = file ? `${file}.part-${crypto.randomBytes(6).toString('hex')}` : undefined;
    const hash = crypto.createHash('md5');
    let bytes = 0;
    try {
      const out = part ? fs.createWriteStream(part, { flags: 'wx' }) : undefined;
      try {
        for await (const chunk of body) {
          const b = chunk as Buffer;
          bytes += b.length;
          if (bytes > MAX_UPLOAD_BYTES) throw adminError('SBX_ADMIN_PAYLOAD_TOO_LARGE', `uploads may be at most ${MAX_UPLOAD_BYTES} bytes`);
          hash.update(b);
          if (!out) chunks.push(b);
          else if (!out.write(b)) await new Promise<void>((resolve, reject) => out.once('drain', resolve).once('error', reject));
        }
      } finally {
        if (out) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      }
      if (declared !== undefined && bytes !== declared) throw adminError('SBX_ADMIN_INVALID_BODY', `the upload ended after ${bytes} of ${declared} bytes`);
      const md5 = hash.digest('hex');
      if (s.md5 !== '' && md5 !== s.md5) throw adminError('SBX_ADMIN_INVALID_BODY', `the file's MD5 is ${md5}, not the ${s.md5} this upload URL was made for`);
      if (part && file) await fs.promises.rename(part, file);
      else await store.write(uri, Buffer.concat(chunks));
    } finally {
      if (part) await fs.promises.rm(part, { force: true });
    }
    return { nativeUrl: uri, bytes };
  }
}
