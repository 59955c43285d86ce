/**
 * The admin client's transport against a raw TCP server that behaves like a real HTTP/1.1 peer:
 * kept-alive connections, and a server that drops an idle connection just as it is reused.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient } from './client.ts';

const VERSION_BODY = JSON.stringify({ control_plane_version: { Build: 'b', Version: '9.9.9', BuildTime: 't' } });
const reply = (body: string) =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n${body}`;

let server: net.Server | undefined;
const sockets = new Set<net.Socket>();
afterEach(async () => {
  // The client keeps its connections alive: end them, or close() would wait for them.
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server that answers each request with `VERSION_BODY`, except as `onRequest` decides. */
async function rawServer(onRequest: (conn: number, nth: number, socket: net.Socket) => boolean): Promise<{ url: string; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  server = net.createServer((socket) => {
    const conn = ++connections;
    sockets.add(socket);
    let nth = 0;
    socket.on('data', (d) => {
      for (const _ of d.toString('latin1').matchAll(/\r\n\r\n/g)) {
        requests++;
        nth++;
        if (onRequest(conn, nth, socket)) socket.write(reply(VERSION_BODY));
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, requests: () => requests };
}

describe('AdminClient transport', () => {
  it('reuses one kept-alive connection for consecutive requests', async () => {
    const s = await rawServer(() => true);
    const client = new AdminClient(s.url);
    expect((await client.version()).Version).toBe('9.9.9');
    expect((await client.version()).Version).toBe('9.9.9');
    expect(s.requests()).toBe(2);
    expect(s.connections()).toBe(1);
  });

  it('sends a request again on a fresh connection when the server dropped the reused one', async () => {
    // Connection 1 answers its first request, then closes when the second arrives (the race of
    // a server's keep-alive timeout); connection 2 answers.
    const s = await rawServer((conn, nth, socket) => {
      if (conn === 1 && nth === 2) {
        socket.destroy();
        return false;
      }
      return true;
    });
    const client = new AdminClient(s.url);
    await client.version();
    expect((await client.version()).Version).toBe('9.9.9');
    expect(s.requests()).toBe(3);
    expect(s.connections()).toBe(2);
  });

  it('does not resend on a fresh connection that fails: the error names the admin', async () => {
    const s = await rawServer((_conn, _nth, socket) => {
      socket.destroy();
      return false;
    });
    const client = new AdminClient(s.url);
    await expect(client.version()).rejects.toMatchObject({ code: 'SBX_ADMIN_CLIENT_UNREACHABLE', status: 0 });
    expect(s.requests()).toBe(1);
  });
});
