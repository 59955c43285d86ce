/**
 * The warm pool against scripted workers: the inner launcher is propeller's in-memory one (each
 * "container" is a function), and each worker is a real client on the pool's real unix socket that
 * the test drives — a well-behaved worker, one that dies, one that never says hello, and a hostile
 * one probing the blob channel.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AttemptExit, LaunchSpec, Mount } from '../../../src/launcher/launcher.ts';
import { WarmPool, WARM_LABEL } from '../../../src/launcher/warm-pool.ts';
import { encodeFrame, FrameReader, type DaemonMessage, type JobMessage, type ReplyMessage } from '../../../src/launcher/worker-protocol.ts';
import { createInMemoryLauncher, type InMemoryLauncher } from '../../../src/propeller/in-memory-launcher.ts';

/** A scripted worker: connects, says hello, and lets the test answer jobs. */
class FakeWorker {
  readonly jobs: JobMessage[] = [];
  readonly #socket: net.Socket;
  readonly #reader = new FrameReader<DaemonMessage>();
  readonly #replies = new Map<number, (r: { reply: ReplyMessage; body: Buffer }) => void>();
  #waiters: (() => void)[] = [];
  #id = 1;

  constructor(socketPath: string, hello = true) {
    this.#socket = net.createConnection(socketPath);
    this.#socket.on('error', () => undefined);
    this.#socket.on('data', (c: Buffer) => {
      for (const { message, body } of this.#reader.push(c)) {
        if (message.type === 'job') {
          this.jobs.push(message);
          this.bodies.push(body);
        }
        else this.#replies.get(message.id)?.({ reply: message, body });
        for (const w of this.#waiters.splice(0)) w();
      }
    });
    if (hello) this.#socket.write(encodeFrame({ type: 'hello', pid: 1 }));
  }

  async nextJob(): Promise<JobMessage> {
    while (this.jobs.length === 0) await new Promise<void>((r) => this.#waiters.push(r));
    return this.jobs.shift() as JobMessage;
  }

  call(job: string, op: 'read' | 'write' | 'stat' | 'list', uri: string, body?: Uint8Array): Promise<{ reply: ReplyMessage; body: Buffer }> {
    const id = this.#id++;
    return new Promise((resolve) => {
      this.#replies.set(id, resolve);
      this.#socket.write(encodeFrame({ type: 'call', id, job, op, uri }, body));
    });
  }

  log(job: string, text: string): void {
    this.#socket.write(encodeFrame({ type: 'log', job }, Buffer.from(text)));
  }

  done(job: string, exitCode = 0, writes: { uri: string; text: string }[] = []): void {
    const entries = writes.map((w) => ({ uri: w.uri, bytes: Buffer.byteLength(w.text) }));
    this.#socket.write(encodeFrame({ type: 'done', job, exitCode, writes: entries }, Buffer.from(writes.map((w) => w.text).join(''))));
  }

  /** The bodies of the job frames (the files sent with them), in order. */
  bodies: Buffer[] = [];

  close(): void {
    this.#socket.destroy();
  }
}

let dir: string;
let inner: InMemoryLauncher;
let pool: WarmPool;
/** Workers by container name; `exitOf` ends a container from the test. */
const workers = new Map<string, FakeWorker>();
const exitOf = new Map<string, (x: AttemptExit) => void>();
let workerScript: 'hello' | 'silent' = 'hello';

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-warm-'));
  workers.clear();
  exitOf.clear();
  workerScript = 'hello';
  inner = createInMemoryLauncher(
    (spec, signal) =>
      new Promise<AttemptExit>((resolve) => {
        // A container of another kind (no worker socket) just runs until it is stopped.
        const socket = spec.env.TFLYTE_WORKER_SOCKET;
        const w = socket ? new FakeWorker(socket, workerScript === 'hello') : undefined;
        if (w) workers.set(spec.key, w);
        const end = (x: AttemptExit): void => {
          w?.close();
          resolve(x);
        };
        exitOf.set(spec.key, end);
        signal.addEventListener('abort', () => end({ state: 'EXITED', exitCode: 137, oomKilled: false, signal: 'SIGKILL' }));
      }),
  );
  pool = new WarmPool(inner, { root: path.join(dir, 'w'), helloTimeoutMs: 300 });
});

afterEach(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A store with an attempt's input (read-only), its output dir (writable) and another execution's data. */
function store(): { access: Mount[]; input: string; outDir: string; foreign: string } {
  const root = path.join(dir, 'blobs');
  const input = path.join(root, 'e1', 'n0', 'inputs.pb');
  const outDir = path.join(root, 'e1', 'n0', '0');
  const foreign = path.join(root, 'e2', 'n0', 'outputs.pb');
  for (const f of [input, foreign]) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, `data of ${f}`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  return {
    access: [
      { hostPath: input, containerPath: input, readOnly: true },
      { hostPath: outDir, containerPath: outDir, readOnly: false },
    ],
    input,
    outDir,
    foreign,
  };
}

function spec(key: string, access: Mount[] = [], extra: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    key,
    labels: { 'tflyte.execution': key.split('-')[0] as string },
    image: 'img',
    command: ['tflyte-sandbox', 'execute', '--inputs', 'file:///x/inputs.pb', '--entity', 'e'],
    env: { TASK_VAR: 'same', FLYTE_ATTEMPT_NUMBER: key.slice(-1) },
    resources: {},
    mounts: [],
    logPath: path.join(dir, `${key}.log`),
    reuse: { replicas: 1, idleTtlMs: 60_000, group: 'p/d', attemptEnv: ['FLYTE_ATTEMPT_NUMBER'], access },
    ...extra,
  };
}

describe('WarmPool', () => {
  test('attempts run one after another in one warm container, each with its own variables, log and exit', async () => {
    await pool.launch(spec('a-n0-0'));
    await pool.launch(spec('b-n0-1'));
    expect(inner.launched).toHaveLength(1);
    const warm = inner.launched[0] as LaunchSpec;
    expect(warm.command).toEqual(['tflyte-sandbox', 'worker']);
    expect(warm.labels[WARM_LABEL]).toBe('1');
    // The container's environment holds what attempts share, never an attempt's own variables.
    expect(warm.env.TASK_VAR).toBe('same');
    expect(warm.env.FLYTE_ATTEMPT_NUMBER).toBeUndefined();
    const w = workers.get(warm.key) as FakeWorker;
    const j1 = await w.nextJob();
    expect(j1).toMatchObject({ job: 'a-n0-0', args: ['--inputs', 'file:///x/inputs.pb', '--entity', 'e'], env: { FLYTE_ATTEMPT_NUMBER: '0' } });
    w.log('a-n0-0', 'first says hi\n');
    w.done('a-n0-0');
    expect(await pool.wait('a-n0-0')).toMatchObject({ state: 'EXITED', exitCode: 0, ranIn: warm.key });
    const j2 = await w.nextJob();
    expect(j2).toMatchObject({ job: 'b-n0-1', env: { FLYTE_ATTEMPT_NUMBER: '1' } });
    w.log('b-n0-1', 'second\n');
    w.done('b-n0-1', 1);
    expect(await pool.wait('b-n0-1')).toMatchObject({ state: 'EXITED', exitCode: 1, ranIn: warm.key });
    expect(fs.readFileSync(path.join(dir, 'a-n0-0.log'), 'utf8')).toBe('first says hi\n');
    expect(fs.readFileSync(path.join(dir, 'b-n0-1.log'), 'utf8')).toBe('second\n');
    // Warm containers are not attempts: list shows the attempts only.
    expect((await pool.list({})).map((a) => a.key).sort()).toEqual(['a-n0-0', 'b-n0-1']);
  });

  test('another environment, image or group gets another pool; replicas bound the containers of one', async () => {
    await pool.launch(spec('a-n0-0', [], { reuse: { replicas: 2, idleTtlMs: 60_000, group: 'p/d', attemptEnv: ['FLYTE_ATTEMPT_NUMBER'], access: [] } }));
    await pool.launch(spec('a-n1-0', [], { reuse: { replicas: 2, idleTtlMs: 60_000, group: 'p/d', attemptEnv: ['FLYTE_ATTEMPT_NUMBER'], access: [] } }));
    await pool.launch(spec('a-n2-0'));
    expect(inner.launched).toHaveLength(2);
    await pool.launch(spec('c-n0-0', [], { env: { TASK_VAR: 'other' } }));
    await pool.launch(spec('d-n0-0', [], { image: 'other-img' }));
    await pool.launch(spec('e-n0-0', [], { reuse: { replicas: 1, idleTtlMs: 60_000, group: 'q/d', attemptEnv: [], access: [] } }));
    expect(inner.launched).toHaveLength(5);
    expect(new Set(pool.warmContainers().map((c) => c.pool)).size).toBe(4);
  });

  test('a container that dies fails only the attempt it ran, as lost; the next attempt gets a new container', async () => {
    await pool.launch(spec('a-n0-0'));
    await pool.launch(spec('b-n0-0'));
    const first = inner.launched[0] as LaunchSpec;
    await (workers.get(first.key) as FakeWorker).nextJob();
    (exitOf.get(first.key) as (x: AttemptExit) => void)({ state: 'EXITED', exitCode: 70, oomKilled: false });
    const lost = await pool.wait('a-n0-0');
    expect(lost).toMatchObject({ state: 'EXITED', exitCode: 70, ranIn: first.key });
    expect(lost.state === 'EXITED' && lost.containerLost).toMatch(/ended \(exit code 70\) while running this attempt/);
    expect(fs.readFileSync(path.join(dir, 'a-n0-0.log'), 'utf8')).toMatch(/\[tflyte-sandbox\] the warm container .* ended/);
    // b was waiting: it runs in a replacement.
    await expect.poll(() => inner.launched.length).toBe(2);
    const second = inner.launched[1] as LaunchSpec;
    const w2 = workers.get(second.key) as FakeWorker;
    expect((await w2.nextJob()).job).toBe('b-n0-0');
    w2.done('b-n0-0');
    expect(await pool.wait('b-n0-0')).toMatchObject({ exitCode: 0, ranIn: second.key });
  });

  test('abort of a running attempt removes its container; abort of a waiting one just drops it', async () => {
    await pool.launch(spec('a-n0-0'));
    await pool.launch(spec('b-n0-0'));
    const first = inner.launched[0] as LaunchSpec;
    await (workers.get(first.key) as FakeWorker).nextJob();
    await pool.abort('b-n0-0');
    expect(await pool.wait('b-n0-0')).toMatchObject({ state: 'EXITED', exitCode: 137, signal: 'SIGKILL' });
    await pool.abort('a-n0-0');
    expect(await pool.wait('a-n0-0')).toMatchObject({ state: 'EXITED', exitCode: 137, signal: 'SIGKILL', ranIn: first.key });
    expect(inner.running()).toEqual([]);
    expect(pool.warmContainers()).toEqual([]);
    // Nothing waits: no container was started to replace it.
    expect(inner.launched).toHaveLength(1);
  });

  test('a container that never says hello is removed, and the attempts waiting for it fail as not started', async () => {
    workerScript = 'silent';
    await pool.launch(spec('a-n0-0'));
    const exit = await pool.wait('a-n0-0');
    // Its one container is gone and nothing else could run it.
    expect(exit.state).toBe('EXITED');
    expect(exit.state === 'EXITED' && exit.startFailed).toMatch(/ended before it was ready/);
    expect(inner.running()).toEqual([]);
  });

  test('an idle container is removed after idleTtlMs; close removes the rest', async () => {
    await pool.launch(spec('a-n0-0', [], { reuse: { replicas: 1, idleTtlMs: 100, group: 'p/d', attemptEnv: [], access: [] } }));
    const w = workers.get((inner.launched[0] as LaunchSpec).key) as FakeWorker;
    await w.nextJob();
    w.done('a-n0-0');
    await pool.wait('a-n0-0');
    expect(pool.warmContainers()).toHaveLength(1);
    await expect.poll(() => pool.warmContainers().length, { timeout: 3000 }).toBe(0);
    expect(inner.running()).toEqual([]);
    await pool.launch(spec('b-n0-0'));
    expect(pool.warmContainers()).toHaveLength(1);
    await pool.close();
    expect(pool.warmContainers()).toHaveLength(0);
    expect(inner.running()).toEqual([]);
  });

  test('a warm container left by an earlier daemon is removed before the first warm attempt', async () => {
    await inner.launch({ ...spec('left'), key: 'tflyte-warm-old', labels: { [WARM_LABEL]: '1' }, env: {} });
    await pool.launch(spec('a-n0-0'));
    expect(inner.running()).not.toContain('tflyte-warm-old');
  });

  test('the blob channel allows what the attempt was given, and nothing else', async () => {
    const s = store();
    await pool.launch(spec('a-n0-0', s.access));
    const w = workers.get((inner.launched[0] as LaunchSpec).key) as FakeWorker;
    await w.nextJob();
    const url = (p: string): string => pathToFileURL(p).href;
    // Reads of its input, writes into its output directory.
    const read = await w.call('a-n0-0', 'read', url(s.input));
    expect([read.reply.ok, read.body.toString()]).toEqual([true, `data of ${s.input}`]);
    expect((await w.call('a-n0-0', 'write', url(path.join(s.outDir, 'outputs.pb')), Buffer.from('out'))).reply.ok).toBe(true);
    expect(fs.readFileSync(path.join(s.outDir, 'outputs.pb'), 'utf8')).toBe('out');
    expect((await w.call('a-n0-0', 'write', url(path.join(s.outDir, 'deep', 'er', 'f')), Buffer.from('x'))).reply.ok).toBe(true);
    expect((await w.call('a-n0-0', 'list', url(s.outDir))).reply.files).toEqual(['deep/er/f', 'outputs.pb']);
    expect((await w.call('a-n0-0', 'stat', url(path.join(s.outDir, 'none')))).reply.kind).toBe('missing');
    // Everything else is refused, with the reason.
    const refused = async (op: 'read' | 'write' | 'stat' | 'list', p: string, job = 'a-n0-0'): Promise<string> => {
      const r = await w.call(job, op, p.startsWith('file:') || p.includes('://') ? p : url(p), Buffer.from('evil'));
      expect(r.reply.ok).toBe(false);
      return r.reply.error ?? '';
    };
    expect(await refused('read', s.foreign)).toMatch(/may not read .* not a part of the store this attempt was given/);
    expect(await refused('write', s.input)).toMatch(/may not write .* not a writable part/);
    expect(await refused('read', `${url(s.outDir)}/../../../e2/n0/outputs.pb`)).toMatch(/may not read/);
    expect(await refused('read', 'http://example.com/x')).toMatch(/not a file:\/\/ URI/);
    expect(await refused('read', s.input, 'someone-else')).toMatch(/no attempt someone-else runs in this container/);
    // A link inside its output directory that leads out is not followed, for reads or writes.
    fs.symlinkSync(path.dirname(s.foreign), path.join(s.outDir, 'escape'));
    expect(await refused('read', path.join(s.outDir, 'escape', 'outputs.pb'))).toMatch(/may not read/);
    expect(await refused('write', path.join(s.outDir, 'escape', 'new.pb'))).toMatch(/may not write/);
    expect(await refused('write', path.join(s.outDir, 'escape', 'made', 'new.pb'))).toMatch(/may not write/);
    expect(fs.existsSync(path.join(path.dirname(s.foreign), 'made'))).toBe(false);
    expect(fs.readFileSync(s.foreign, 'utf8')).toBe(`data of ${s.foreign}`);
    // Once the attempt has ended, its access ends too.
    w.done('a-n0-0');
    await pool.wait('a-n0-0');
    expect(await refused('read', s.input)).toMatch(/no attempt a-n0-0 runs/);
  });

  test('the job carries its inputs; the documents sent with done are written under the same rule', async () => {
    const s = store();
    const url = (p: string): string => pathToFileURL(p).href;
    const command = ['tflyte-sandbox', 'execute', '--inputs', url(s.input), '--output-prefix', url(s.outDir), '--entity', 'e'];
    await pool.launch(spec('a-n0-0', s.access, { command }));
    const w = workers.get((inner.launched[0] as LaunchSpec).key) as FakeWorker;
    const job = await w.nextJob();
    expect(job.files).toEqual([{ uri: url(s.input), bytes: Buffer.byteLength(`data of ${s.input}`) }]);
    expect(w.bodies[0]?.toString()).toBe(`data of ${s.input}`);
    w.done('a-n0-0', 0, [{ uri: url(path.join(s.outDir, 'outputs.pb')), text: 'the outputs' }]);
    expect(await pool.wait('a-n0-0')).toMatchObject({ exitCode: 0 });
    expect(fs.readFileSync(path.join(s.outDir, 'outputs.pb'), 'utf8')).toBe('the outputs');
    // A last write outside the attempt's writable areas fails the attempt, and says why.
    await pool.launch(spec('b-n0-0', s.access, { command }));
    await w.nextJob();
    w.done('b-n0-0', 0, [{ uri: url(s.foreign), text: 'evil' }]);
    expect(await pool.wait('b-n0-0')).toMatchObject({ exitCode: 1 });
    expect(fs.readFileSync(path.join(dir, 'b-n0-0.log'), 'utf8')).toMatch(/may not write .* not a writable part/);
    expect(fs.readFileSync(s.foreign, 'utf8')).toBe(`data of ${s.foreign}`);
  });

  test('only commands that run the sandbox runtime can reuse a container', async () => {
    await expect(pool.launch(spec('a-n0-0', [], { command: ['python', 'main.py'] }))).rejects.toThrow(/only tasks that run the sandbox's runtime/);
  });
});
