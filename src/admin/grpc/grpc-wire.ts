/**
 * Unary gRPC over HTTP/2, on Node's own `http2` (what flytekit, flytectl and FlyteRemote speak to
 * a Flyte admin). Only what those clients use: unary calls, identity or gzip message encoding,
 * status and message in the trailers. A method is a protobufjs method of the IDL root plus a
 * handler over plain objects — the same shapes the REST routes pass to the managers.
 *
 * Every failure is answered with a real status (never UNKNOWN: flytekit starts an OAuth flow on
 * UNKNOWN). The message is the sandbox's error message, code included.
 */
import type http2 from 'node:http2';
import zlib from 'node:zlib';
import { isSandboxError, type ErrorCategory } from '../../core/errors.ts';
import { decode, encode } from '../../core/idl.ts';
import type { AdminLogger } from '../ports.ts';

/** gRPC status codes (grpc/doc/statuscodes.md). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** An error a handler throws to answer a given status. */
export class GrpcError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'GrpcError';
    this.status = status;
  }
}

/** One unary method: its protobuf request/response types and what answers it. */
export interface UnaryMethod {
  /** Full request message name, e.g. `flyteidl.admin.TaskCreateRequest`. */
  requestType: string;
  responseType: string;
  handle(request: Record<string, unknown>, call: CallInfo): Promise<object> | object;
}

/** What a handler may know of the call. */
export interface CallInfo {
  /** `/package.Service/Method`. */
  path: string;
  /** Request metadata (HTTP/2 headers), lower-case names. */
  metadata: http2.IncomingHttpHeaders;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** Methods by path (`/flyteidl.service.AdminService/CreateTask`). */
export type MethodTable = ReadonlyMap<string, UnaryMethod>;

const STATUS_BY_CATEGORY: Record<ErrorCategory, number> = {
  VALIDATION: GrpcStatus.INVALID_ARGUMENT,
  COMPILE: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  INVALID_TRANSITION: GrpcStatus.FAILED_PRECONDITION,
  LAUNCHER: GrpcStatus.INTERNAL,
  STORAGE: GrpcStatus.INTERNAL,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  ILLEGAL_STATE: GrpcStatus.INTERNAL,
};

/** Codes whose status differs from their category's (flyteadmin's choices where it has one). */
const STATUS_BY_CODE: Record<string, number> = {
  // flyteadmin: the same id with a different spec is InvalidArgument ("…already exists with different structure").
  SBX_ADMIN_ALREADY_EXISTS_DIFFERENT: GrpcStatus.INVALID_ARGUMENT,
  SBX_ADMIN_PAYLOAD_TOO_LARGE: GrpcStatus.RESOURCE_EXHAUSTED,
  SBX_ADMIN_UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  SBX_ADMIN_FORBIDDEN: GrpcStatus.PERMISSION_DENIED,
  SBX_STORAGE_NOT_FOUND: GrpcStatus.NOT_FOUND,
  SBX_STORAGE_OUTSIDE_ROOT: GrpcStatus.INVALID_ARGUMENT,
  SBX_STORAGE_INVALID_URI: GrpcStatus.INVALID_ARGUMENT,
};

/** The gRPC status and message of anything a handler threw. */
export function grpcStatusOf(err: unknown): { status: number; message: string; internal: boolean } {
  if (err instanceof GrpcError) return { status: err.status, message: err.message, internal: err.status === GrpcStatus.INTERNAL };
  if (isSandboxError(err)) {
    const status = STATUS_BY_CODE[err.code] ?? STATUS_BY_CATEGORY[err.category] ?? GrpcStatus.INTERNAL;
    const at = err.path ? ` (at ${err.path})` : '';
    return { status, message: `${err.code}: ${err.message}${at}`, internal: status === GrpcStatus.INTERNAL };
  }
  return { status: GrpcStatus.INTERNAL, message: `SBX_ADMIN_INTERNAL: ${(err as Error)?.message ?? String(err)}`, internal: true };
}

/** Percent-encodes a status message as the gRPC spec asks (printable ASCII except `%` stays). */
export function encodeGrpcMessage(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Frames one message: compressed flag, 4-byte big-endian length, bytes. */
export function frameMessage(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

/** The one message of a unary request body, inflated if it says it is compressed. */
export function unframeMessage(body: Buffer, encoding: string | undefined): Buffer {
  if (body.length < 5) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'the request has no gRPC message (a unary call sends exactly one)');
  const compressed = body[0] === 1;
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `the request must hold exactly one gRPC message of ${length} bytes, got ${body.length - 5}`);
  const bytes = body.subarray(5);
  if (!compressed) return bytes;
  if (encoding !== 'gzip') throw new GrpcError(GrpcStatus.UNIMPLEMENTED, `message encoding ${JSON.stringify(encoding ?? '')} is not supported (use identity or gzip)`);
  return zlib.gunzipSync(bytes);
}

/** Options of {@link handleGrpcStream}. */
export interface GrpcServeOptions {
  methods: MethodTable;
  /** Largest request message accepted (flytekit sends up to 20 MB). */
  maxReceiveBytes: number;
  logger: AdminLogger;
}

/** Longest status message sent (it travels in a header; an error quoting a huge input must still fit). */
const MAX_MESSAGE_CHARS = 2000;

function respondStatus(stream: http2.ServerHttp2Stream, status: number, fullMessage: string): void {
  if (stream.destroyed || stream.closed) return;
  const message = fullMessage.length > MAX_MESSAGE_CHARS ? `${fullMessage.slice(0, MAX_MESSAGE_CHARS)}… (${fullMessage.length - MAX_MESSAGE_CHARS} more characters)` : fullMessage;
  const trailers = { 'grpc-status': String(status), ...(message ? { 'grpc-message': encodeGrpcMessage(message) } : {}) };
  if (!stream.headersSent) {
    // Trailers-only response.
    stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto', ...trailers }, { endStream: true });
  } else {
    stream.close();
  }
}

/** Whether a request stream is a gRPC call (content type `application/grpc…`). */
export function isGrpcRequest(headers: http2.IncomingHttpHeaders): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc');
}

/** Answers one gRPC request stream. */
export function handleGrpcStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, o: GrpcServeOptions): void {
  const path = String(headers[':path'] ?? '');
  const aborted = new AbortController();
  stream.on('close', () => aborted.abort());
  stream.on('error', () => undefined);
  if (headers[':method'] !== 'POST') {
    respondStatus(stream, GrpcStatus.UNIMPLEMENTED, `gRPC calls are POST requests, got ${String(headers[':method'])}`);
    return;
  }
  const method = o.methods.get(path);
  if (!method) {
    respondStatus(stream, GrpcStatus.UNIMPLEMENTED, `${path} is not served by tflyte-sandbox (see docs/flyte-clients.md for the calls it answers)`);
    stream.resume();
    return;
  }
  const parts: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  stream.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > o.maxReceiveBytes + 5) {
      tooLarge = true;
      respondStatus(stream, GrpcStatus.RESOURCE_EXHAUSTED, `the request message is larger than the sandbox accepts (${o.maxReceiveBytes} bytes)`);
      return;
    }
    parts.push(chunk);
  });
  stream.on('end', () => {
    if (tooLarge) return;
    void (async () => {
      let response: Uint8Array;
      try {
        const bytes = unframeMessage(Buffer.concat(parts), typeof headers['grpc-encoding'] === 'string' ? headers['grpc-encoding'] : undefined);
        let request: Record<string, unknown>;
        try {
          request = decode<Record<string, unknown>>(method.requestType, bytes);
        } catch (e) {
          throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `the request is not a valid ${method.requestType}: ${(e as Error).message}`);
        }
        const result = await method.handle(request, { path, metadata: headers, signal: aborted.signal });
        response = encode(method.responseType, result);
      } catch (e) {
        const { status, message, internal } = grpcStatusOf(e);
        if (internal) o.logger.error('gRPC call failed', { path, error: message, stack: (e as Error)?.stack });
        respondStatus(stream, status, message);
        return;
      }
      if (stream.destroyed || stream.closed) return;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-accept-encoding': 'identity,gzip' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frameMessage(response));
    })();
  });
}
