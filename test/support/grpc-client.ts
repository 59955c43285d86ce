/**
 * A unary gRPC client on node:http2 for tests: frames the request with the IDL's codecs and reads
 * the status from the trailers, as grpc-go and grpcio do. (Real clients — flytectl, pyflyte — are
 * exercised by their own suites.)
 */
import http2 from 'node:http2';
import zlib from 'node:zlib';
import { decode, encode, idlService } from '../../src/core/idl.ts';

/** What a call answered: the status, its message, and the decoded response when OK. */
export interface GrpcReply<T> {
  status: number;
  message: string;
  response?: T;
}

/** A connection to one server. */
export class TestGrpcClient {
  readonly #session: http2.ClientHttp2Session;

  constructor(url: string) {
    this.#session = http2.connect(url);
    this.#session.on('error', () => undefined);
  }

  /** Calls `/service/method` with a plain request object; `gzip` compresses the message. */
  async call<T = Record<string, unknown>>(service: string, method: string, request: object, o: { gzip?: boolean; raw?: Buffer } = {}): Promise<GrpcReply<T>> {
    const m = idlService(service).methods[method];
    if (!m) throw new Error(`no method ${service}/${method} in the protos`);
    m.resolve();
    const reqType = m.resolvedRequestType!.fullName.slice(1);
    const resType = m.resolvedResponseType!.fullName.slice(1);
    let bytes = o.raw ?? Buffer.from(encode(reqType, request));
    if (o.gzip) bytes = zlib.gzipSync(bytes);
    const frame = Buffer.alloc(5 + bytes.length);
    frame[0] = o.gzip ? 1 : 0;
    frame.writeUInt32BE(bytes.length, 1);
    bytes.copy(frame, 5);
    const stream = this.#session.request({
      ':method': 'POST',
      ':path': `/${service}/${method}`,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(o.gzip ? { 'grpc-encoding': 'gzip' } : {}),
    });
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on('response', (h) => (headers = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('error', reject);
      stream.on('end', () => {
        const status = Number(trailers['grpc-status'] ?? headers['grpc-status'] ?? -1);
        const message = decodeURIComponent(String(trailers['grpc-message'] ?? headers['grpc-message'] ?? ''));
        const body = Buffer.concat(parts);
        resolve({ status, message, ...(status === 0 && body.length >= 5 ? { response: decode<T>(resType, body.subarray(5)) } : {}) });
      });
      stream.end(frame);
    });
  }

  close(): void {
    this.#session.close();
  }
}
