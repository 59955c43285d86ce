/**
 * The single binary's payload: files the build appends after the executable's own bytes (the CLI
 * bundle and its code caches), which the binary's entry reads with plain file reads.
 *
 * Why not SEA assets, as the SQLite addon is: an asset lives in the executable's mapped image,
 * and every page of it that a start reads stays in the process's resident memory. The bundle is
 * read once, into V8's heap, and never again; mapped, its 5.5 MB and the code cache stayed
 * resident in the daemon for its whole life (~6.5 MB of its RSS). Read from the file, the pages go
 * to the kernel's page cache only, shared and reclaimable. Nothing maps the bytes after the
 * executable's segments, so they cost nothing until read.
 *
 * Layout, from the end of the file: a 16-byte magic, a 32-bit little-endian length, then that
 * many bytes of JSON index before it (`{ name: [offset, length] }`, offsets from the start of the
 * file), and the entries before the index.
 */
import fs from 'node:fs';

/** Ends a binary that carries a payload. */
export const PAYLOAD_MAGIC = 'tflyte-payload-1';
const TAIL_BYTES = PAYLOAD_MAGIC.length + 4;

/** A binary whose payload is missing or cut short (a partial download or copy). */
export class PayloadError extends Error {
  constructor(file: string, what: string) {
    super(`${file} is incomplete or damaged (${what}): install or copy it again`);
    this.name = 'PayloadError';
  }
}

/** Appends `entries` (name → file to copy) to `binary` as its payload. Build side. */
export function appendPayload(binary: string, entries: Record<string, string>): void {
  const fd = fs.openSync(binary, 'r+');
  try {
    let offset = fs.fstatSync(fd).size;
    const index: Record<string, [number, number]> = {};
    for (const [name, file] of Object.entries(entries)) {
      const bytes = fs.readFileSync(file);
      fs.writeSync(fd, bytes, 0, bytes.length, offset);
      index[name] = [offset, bytes.length];
      offset += bytes.length;
    }
    const json = Buffer.from(JSON.stringify(index));
    const tail = Buffer.alloc(TAIL_BYTES);
    tail.writeUInt32LE(json.length, 0);
    tail.write(PAYLOAD_MAGIC, 4, 'latin1');
    fs.writeSync(fd, Buffer.concat([json, tail]), 0, json.length + TAIL_BYTES, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads the named entries of `binary`'s payload; a name the payload lacks is absent from the
 * result. Throws {@link PayloadError} when the binary has no readable payload.
 *
 * `into`: memory to read an entry into when it fits (a view of it is returned), instead of fresh
 * memory, whose every page costs a fault on first touch. Each entry read overwrites it: ask for
 * one name.
 */
export function readPayload(binary: string, names: readonly string[], into?: Buffer): Record<string, Buffer> {
  if (into && names.length > 1) throw new RangeError('readPayload: one name at a time when reading into a buffer');
  const fd = fs.openSync(binary, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const readAt = (offset: number, length: number, what: string, into?: Buffer): Buffer => {
      if (offset < 0 || length < 0 || offset + length > size) throw new PayloadError(binary, `${what} lies beyond its end`);
      const buf = into && length <= into.length ? into.subarray(0, length) : Buffer.allocUnsafeSlow(length);
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) throw new PayloadError(binary, `${what} ends early`);
        done += n;
      }
      return buf;
    };
    const tail = readAt(size - TAIL_BYTES, TAIL_BYTES, 'the payload trailer');
    if (tail.toString('latin1', 4) !== PAYLOAD_MAGIC) throw new PayloadError(binary, 'no payload trailer at its end');
    const indexLength = tail.readUInt32LE(0);
    let index: Record<string, [number, number]>;
    try {
      index = JSON.parse(readAt(size - TAIL_BYTES - indexLength, indexLength, 'the payload index').toString('utf8')) as Record<string, [number, number]>;
    } catch (e) {
      throw e instanceof PayloadError ? e : new PayloadError(binary, 'an unreadable payload index');
    }
    const out: Record<string, Buffer> = {};
    for (const name of names) {
      const at = index[name];
      if (at) out[name] = readAt(at[0], at[1], name, into);
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * {@link readPayload} of the binary this process runs. That is `process.execPath`, except when
 * the binary was started through the dynamic loader (`ld-linux… --library-path DIR BINARY`: a
 * task in an image of its own, see `runtimeMount` in src/launcher/image-builder.ts): then
 * `process.execPath` is the loader, and the binary is one of the files the process has mapped
 * (`/proc/self/maps`), the first of them with a payload.
 */
export function readOwnPayload(names: readonly string[], into?: Buffer): Record<string, Buffer> {
  try {
    return readPayload(process.execPath, names, into);
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    for (const file of mappedFiles()) {
      if (file === process.execPath) continue;
      try {
        return readPayload(file, names, into);
      } catch {
        // Not the binary (a library, the loader, a file gone since): the next one.
      }
    }
    throw e;
  }
}

/** Absolute paths of the files this process has mapped, in address order, each once. */
function mappedFiles(): string[] {
  let maps: string;
  try {
    maps = fs.readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return [];
  }
  const files = new Set<string>();
  for (const line of maps.split('\n')) {
    // address perms offset dev inode path
    const file = line.split(/\s+/).slice(5).join(' ');
    if (file.startsWith('/') && !file.endsWith(' (deleted)')) files.add(file);
  }
  return [...files];
}

