/**
 * The admin's gRPC server and the one port it shares with HTTP/1.1 (as `flytectl demo` serves both
 * on 30080 behind Envoy). A connection that opens with the HTTP/2 preface (cleartext, prior
 * knowledge — what flytekit and flytectl send with `insecure: true`) goes to the HTTP/2 server,
 * whose gRPC calls are answered by {@link flyteServices}; every other connection goes to the
 * HTTP/1.1 server (REST, console, uploads).
 */
import type http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AdminCore } from '../core.ts';
import type { AdminLogger } from '../ports.ts';
import { flyteServices } from './flyte-services.ts';
import { handleGrpcStream, isGrpcRequest } from './grpc-wire.ts';
import { guardMethods, type GrpcGuard } from './task-grpc-guard.ts';

/** Largest gRPC request message accepted (flytekit's own limit is 20 MB). */
export const GRPC_MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Options of {@link createGrpcServer}. */
export interface GrpcServerOptions {
  logger: AdminLogger;
  /** Called for every call (the daemon's idle tracking). */
  onCall?: () => void;
  /** Run before every call's handler (the task socket's credential rules); none on the TCP port. */
  guard?: GrpcGuard;
}

/** An HTTP/2 cleartext server answering Flyte's gRPC services over an admin core. Does not listen. */
export function createGrpcServer(core: AdminCore, o: GrpcServerOptions): http2.Http2Server {
  const served = flyteServices({ managers: core.managers, version: core.context.options.version });
  const methods = o.guard ? guardMethods(served, o.guard) : served;
  const server = http2.createServer({ maxSessionMemory: 64, settings: { maxConcurrentStreams: 256 } });
  server.on('stream', (stream: http2.ServerHttp2Stream, headers) => {
    o.onCall?.();
    if (isGrpcRequest(headers)) {
      handleGrpcStream(stream, headers, { methods, maxReceiveBytes: GRPC_MAX_RECEIVE_BYTES, logger: o.logger });
      return;
    }
    stream.on('error', () => undefined);
    stream.respond({ ':status': 505, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ error: { code: 'SBX_ADMIN_UNSUPPORTED_MEDIA_TYPE', message: 'HTTP/2 on this port is for gRPC (content-type application/grpc); send REST and console requests over HTTP/1.1' } }));
  });
  server.on('sessionError', () => undefined);
  // An idle client session is destroyed after two minutes (no 'timeout' listener: Node's default; the clients reconnect on their own).
  server.setTimeout(120_000);
  return server;
}

/** A TCP server for both protocols, and a way to drop every connection it holds (at shutdown). */
export interface DualProtocolServer {
  server: net.Server;
  /** Destroys every open connection (HTTP/1.1 keep-alive and HTTP/2 sessions alike). */
  closeAllConnections(): void;
}

/**
 * One TCP server for both protocols: each connection is handed to `h2` when its first bytes are
 * the HTTP/2 preface, else to `h1` — with the bytes read so far put back.
 */
export function dualProtocolServer(h1: http.Server, h2: http2.Http2Server): DualProtocolServer {
  // `h1` never listens itself, but its request and header timeouts (and closeAllConnections) need
  // the connection tracking Node starts on 'listening': start it.
  h1.emit('listening');
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
    });
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
      // Undecided while what came is a prefix of the preface short of "PRI " (HTTP/1 methods differ by then).
      if (isH2 && n < 4) return;
      socket.off('data', onData);
      socket.off('error', onError);
      socket.pause();
      socket.setTimeout(0);
      socket.unshift(seen);
      // The HTTP/2 session reads the socket's buffered bytes itself; the HTTP/1.1 parser needs the flow resumed.
      if (isH2) h2.emit('connection', socket);
      else {
        h1.emit('connection', socket);
        socket.resume();
      }
    };
    const onError = (): void => {
      socket.destroy();
    };
    socket.on('data', onData);
    socket.on('error', onError);
    // A connection that sends nothing is closed by the HTTP/1.1 server's header timeout once handed over; bound the wait here too.
    socket.setTimeout(30_000, () => {
      if (socket.listenerCount('data') > 0 && seen.length === 0) socket.destroy();
    });
  });
  return {
    server,
    closeAllConnections: () => {
      for (const s of open) s.destroy();
    },
  };
}
