/**
 * Serving task attempt logs (a sandbox helper, not a Flyte route). Only `file://` URIs whose real
 * path lies inside the sandbox data directory are served: a log URI comes from a task event,
 * which anyone reaching the API can post, so it is never trusted.
 */
import fs from 'node:fs';
import path from 'node:path';
import timers from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Response } from 'express';
import { adminError } from '../errors.ts';
import { isInside } from '../../storage/path-inside.ts';

/**
 * The local path of a log URI, checked to be inside `dataDir` (symlinks resolved). Throws
 * `SBX_ADMIN_LOG_NOT_FOUND` for non-file URIs and `SBX_ADMIN_LOG_OUTSIDE_DATA_DIR` otherwise.
 */
export function resolveLogPath(uri: string, dataDir: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw adminError('SBX_ADMIN_LOG_NOT_FOUND', `log URI ${JSON.stringify(uri)} is not a URL`);
  }
  if (url.protocol !== 'file:') throw adminError('SBX_ADMIN_LOG_NOT_FOUND', `log ${uri} is not a local file; open it directly`);
  let p: string;
  try {
    p = fileURLToPath(url);
  } catch {
    throw adminError('SBX_ADMIN_LOG_OUTSIDE_DATA_DIR', `log URI ${uri} is not a local path`);
  }
  let root: string;
  try {
    root = fs.realpathSync(dataDir);
  } catch {
    root = path.resolve(dataDir);
  }
  let real: string;
  try {
    real = fs.realpathSync(p);
  } catch {
    // Not written yet: check the lexical path; a symlink created later is caught when opened.
    real = path.resolve(p);
  }
  if (!isInside(real, root)) throw adminError('SBX_ADMIN_LOG_OUTSIDE_DATA_DIR', `refusing to serve ${uri}: it is outside the sandbox data directory`);
  return real;
}

async function readFrom(file: string, pos: number): Promise<Buffer> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const { size } = await fh.stat();
    if (size <= pos) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - pos);
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Streams a log file. Without `follow`, sends what exists (404 if the file does not exist). With
 * `follow`, keeps the chunked response open and appends new bytes until `isDone()` says the
 * attempt is terminal (then sends the rest and ends) or the client goes away.
 */
export async function streamLog(res: Response, file: string, dataDir: string, opts: { follow: boolean; isDone: () => boolean; pollMs?: number }): Promise<void> {
  const checkStillInside = (): void => {
    if (fs.existsSync(file)) resolveLogPath(pathToFileURL(file).href, dataDir);
  };
  checkStillInside();
  if (!opts.follow) {
    if (!fs.existsSync(file)) throw adminError('SBX_ADMIN_LOG_NOT_FOUND', 'the log file does not exist (yet)');
    const data = await readFrom(file, 0);
    res.status(200).type('text/plain; charset=utf-8').send(data);
    return;
  }
  res.status(200).type('text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.flushHeaders();
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  let pos = 0;
  while (!closed) {
    const done = opts.isDone();
    checkStillInside();
    const chunk = await readFrom(file, pos);
    if (chunk.length > 0) {
      pos += chunk.length;
      res.write(chunk);
    }
    if (done) break;
    await timers.setTimeout(opts.pollMs ?? 200);
  }
  if (!closed) res.end();
}
