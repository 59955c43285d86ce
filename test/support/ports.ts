/** Free TCP ports on 127.0.0.1 for servers a test starts. */
import net from 'node:net';

/**
 * `n` distinct free ports, all held open while they are picked (so none is picked twice), then
 * closed for the caller to bind. Another process may still take one first: callers that start
 * several servers in parallel retry on "address already in use".
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer().once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** One free port (see {@link freePorts}). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
