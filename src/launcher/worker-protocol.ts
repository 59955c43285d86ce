/**
 * The wire between the daemon and a warm worker (`tflyte-sandbox worker`, see `warm-pool.ts` and
 * `runtime/worker.ts`): frames on the worker's own unix socket. Pure: no I/O here.
 *
 * A frame is `u32 json length | u32 body length | json | body` (big-endian); the JSON is one of the
 * messages below and the body carries a blob's bytes or a log chunk, never base64.
 */

/** Largest frame either side accepts (a blob read or written whole): 1 GiB, like maxTaskOutputBytes. */
export const MAX_FRAME_BYTES = 1024 ** 3;
/** Largest JSON part: messages are small, a bigger one is a broken or hostile peer. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** The daemon gives the worker an attempt to run: the `execute` arguments and its environment. */
export interface JobMessage {
  type: 'job';
  job: string;
  /** The arguments after `execute` (`--inputs …`), as in a cold container's command. */
  args: string[];
  /** The attempt's own variables (`FLYTE_INTERNAL_*`, `FLYTE_ATTEMPT_NUMBER`, its token…). */
  env: Record<string, string>;
  /**
   * Blobs sent with the job, so that the worker need not ask for them (its `inputs.pb`): each
   * names its URI and length, and the frame's body holds their bytes one after another.
   */
  files?: FileEntry[];
}

/** A blob carried in a frame's body: its URI and how many of the body's bytes are its. */
export interface FileEntry {
  uri: string;
  bytes: number;
}

/** The daemon answers a worker's call; `body` holds read bytes. */
export interface ReplyMessage {
  type: 'reply';
  id: number;
  ok: boolean;
  error?: string;
  /** `stat`: what the path is. */
  kind?: 'file' | 'directory' | 'missing';
  /** `list`: the files under a directory, relative, `/`-separated. */
  files?: string[];
}

/** Worker → daemon: ready for jobs. */
export interface HelloMessage {
  type: 'hello';
  pid: number;
}

/** Worker → daemon: output of the running job (the body is the bytes). */
export interface LogMessage {
  type: 'log';
  job: string;
}

/**
 * Worker → daemon: a blob operation of the running job on a `file://` URI, allowed only where
 * the attempt's mounts would have allowed it (`read`/`stat`/`list`: any of its mounts;
 * `write`: its writable ones).
 */
export interface CallMessage {
  type: 'call';
  id: number;
  job: string;
  op: 'read' | 'write' | 'stat' | 'list';
  uri: string;
}

/**
 * Worker → daemon: the job ended; `exitCode` as the cold container's would be (0: documents
 * written). `writes` are the attempt's last writes (its `outputs.pb`, `error.pb`, `futures.pb`),
 * sent with the end instead of each on its own: the daemon makes them, under the same rule as a
 * `write` call, before the attempt counts as ended. The body holds their bytes.
 */
export interface DoneMessage {
  type: 'done';
  job: string;
  exitCode: number;
  writes?: FileEntry[];
}

/** Splits a frame body into the files it carries (in order); throws if the lengths do not add up. */
export function filesOf(entries: readonly FileEntry[], body: Buffer): { uri: string; bytes: Buffer }[] {
  let at = 0;
  const out = entries.map((e) => {
    if (!Number.isInteger(e.bytes) || e.bytes < 0 || at + e.bytes > body.length) throw new Error('file lengths do not match the frame body');
    const bytes = body.subarray(at, at + e.bytes);
    at += e.bytes;
    return { uri: String(e.uri), bytes };
  });
  if (at !== body.length) throw new Error('file lengths do not match the frame body');
  return out;
}

export type DaemonMessage = JobMessage | ReplyMessage;
export type WorkerMessage = HelloMessage | LogMessage | CallMessage | DoneMessage;

/** One frame's bytes. */
export function encodeFrame(message: DaemonMessage | WorkerMessage, body: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(8);
  head.writeUInt32BE(json.length, 0);
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, json, body]);
}

/** A decoded frame. */
export interface Frame<M> {
  message: M;
  body: Buffer;
}

/**
 * Splits a byte stream into frames. `push` returns the frames completed by a chunk; a frame
 * larger than the limits, or JSON that is not an object with a `type`, throws (the peer is cut).
 */
export class FrameReader<M extends { type: string }> {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame<M>[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Frame<M>[] = [];
    while (this.#buf.length >= 8) {
      const jsonLen = this.#buf.readUInt32BE(0);
      const bodyLen = this.#buf.readUInt32BE(4);
      if (jsonLen > MAX_JSON_BYTES || bodyLen > MAX_FRAME_BYTES) throw new Error(`frame too large (${jsonLen} + ${bodyLen} bytes)`);
      if (this.#buf.length < 8 + jsonLen + bodyLen) break;
      const message = JSON.parse(this.#buf.subarray(8, 8 + jsonLen).toString('utf8')) as M;
      if (typeof message !== 'object' || message === null || typeof message.type !== 'string') throw new Error('frame without a message type');
      const body = Buffer.from(this.#buf.subarray(8 + jsonLen, 8 + jsonLen + bodyLen));
      this.#buf = this.#buf.subarray(8 + jsonLen + bodyLen);
      out.push({ message, body });
    }
    return out;
  }
}

/** The worker's socket inside its container (its directory is the mount). */
export const WORKER_SOCKET_DIR = '/run/tflyte-worker';
export const WORKER_SOCKET_NAME = 'worker.sock';
/** Variable naming the socket a worker connects to. */
export const WORKER_SOCKET_ENV = 'TFLYTE_WORKER_SOCKET';
