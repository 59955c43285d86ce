/**
 * Small helpers shared by the benchmark sections: timing, statistics, processes, ports.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Node 24 from node_modules: the same Node the baselines run on. */
export const NODE = path.join(ROOT, 'node_modules', '.bin', 'node');

/** Milliseconds since an arbitrary origin (monotonic). */
export const now = (): number => performance.now();

/** Median of the samples (NaN for none). */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `n` distinct free TCP ports on 127.0.0.1 (all held open while picked, then closed for the caller to bind). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const srv = net.createServer().once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((srv) => (srv.address() as net.AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

/** A free TCP port on 127.0.0.1 (closed again, so the caller can bind it). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** A fresh temp directory. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tflyte-bench-${prefix}-`));
}

/** Runs a command to completion; returns wall time and output (never throws on exit codes). */
export async function timed(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ ms: number; stdout: string; stderr: string; exitCode: number }> {
  const t0 = now();
  const r = await execa(cmd, args, { cwd: opts.cwd ?? ROOT, reject: false, timeout: opts.timeoutMs ?? 300_000, ...(opts.env ? { env: opts.env } : {}) });
  return { ms: now() - t0, stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}

/** Same as {@link timed} but throws with the output when the command fails. */
export async function mustRun(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ ms: number; stdout: string; stderr: string }> {
  const r = await timed(cmd, args, opts);
  if (r.exitCode !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr || r.stdout}`);
  return r;
}

/** Resolves once `url` answers 200, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitForHttp(url: string, everyMs = 2, timeoutMs = 30_000): Promise<void> {
  const deadline = now() + timeoutMs;
  while (now() < deadline) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(everyMs);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * Spawns a server process and measures spawn → first 200 from `healthUrl`; then stops it
 * (SIGTERM, waiting for exit).
 */
export async function timeServerStart(cmd: string, args: string[], healthUrl: string, env?: NodeJS.ProcessEnv): Promise<number> {
  const t0 = now();
  const child = spawn(cmd, args, { cwd: ROOT, stdio: 'ignore', env: env ?? process.env });
  try {
    await Promise.race([
      waitForHttp(healthUrl),
      new Promise((_r, reject) => child.once('exit', (code) => reject(new Error(`${path.basename(cmd)} exited with ${code} before answering`)))),
    ]);
    return now() - t0;
  } finally {
    await stopChild(child);
  }
}

/** Sends SIGTERM and waits for the exit (SIGKILL after 15 s). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Drops `file`'s pages from the kernel's page cache (GNU dd's `iflag=nocache`: posix_fadvise
 * DONTNEED), except pages some process has mapped. The memory rows start the daemon after this:
 * how many of an executable's pages a process maps depends on how they came into the page cache.
 * Measured on a fresh daemon: 47.5 MB file-backed with the binary dropped or read by `cat`, 63 MB
 * right after `npm run build` wrote it, 78 MB for a copy a program had just written. (Likely why,
 * not verified: the kernel maps the cached neighbours of a page it faults in, and written files
 * sit in the cache in larger pieces.) Answers whether it worked.
 */
export function dropFromPageCache(file: string): boolean {
  return spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore' }).status === 0;
}

/**
 * Reads `file` whole, so its pages are in the page cache. Time rows run in that state (a binary
 * partly out of the cache starts slower: ~110 ms instead of ~75 for `--version`, each page it
 * touches faulted on its own); reading, unlike writing, does not change what a daemon maps.
 */
export function warmPageCache(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (let pos = 0, n = 1; n > 0; pos += n) n = fs.readSync(fd, buf, 0, buf.length, pos);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Memory of a process in MB from `/proc/<pid>/status` (Linux only): `rss` (VmRSS), `anon`
 * (RssAnon: private memory, the V8 heap and native allocations), `file` (RssFile: pages of the
 * executable and libraries, shared with other processes running them) and `hwm` (peak RSS).
 */
export function processMemoryMb(pid: number): { rss: number; anon: number; file: number; hwm: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** A one-line description of this machine for the report. */
export function machineDescription(): string {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  cpu = cpu.replace(/\s+/g, ' ').trim();
  const mem = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`;
  return `${cpu}, ${os.availableParallelism()} cores, ${mem}, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`;
}
