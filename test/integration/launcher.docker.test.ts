/**
 * The Docker launcher against a real engine: the shared contract plus what only Docker does
 * (re-adoption after a restart, limits, isolation, admin reachability, runtime image and mount).
 * Skipped with a printed reason when no engine answers, except under CI where that fails.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { DockerLauncher } from '../../src/launcher/docker-launcher.ts';
import { ensureRuntimeImage, RUNTIME_IMAGE_LABEL, runtimeImageTag, runtimeMount } from '../../src/launcher/image-builder.ts';
import type { LaunchSpec } from '../../src/launcher/index.ts';
import { describeLauncherContract, nodeScenarioScript } from '../support/launcher-contract.ts';

const docker = new Docker();
const engineProblem = await docker.ping().then(
  () => undefined,
  (e: unknown) => `no Docker engine answers (${(e as Error).message})`,
);
if (engineProblem && process.env.CI) {
  throw new Error(`CI must run the Docker tests, but ${engineProblem}: start dockerd (scripts/ci/install-docker.sh)`);
}
/** The test image: Node 24 itself as the "runtime binary", built with the real image builder. */
const NODE_IMAGE = (await runtimeImageTag(process.execPath)).replace('tflyte-sandbox-runtime', 'tflyte-test-node');
const image = engineProblem ? undefined : await ensureRuntimeImage(docker, { binaryPath: process.execPath, tag: NODE_IMAGE });

describeLauncherContract('docker', async () => new DockerLauncher({ docker }), {
  skipReason: engineProblem,
  async prepare(_launcher, _key, s) {
    return { image: NODE_IMAGE, command: ['-e', nodeScenarioScript(s)] };
  },
});

const suite = engineProblem ? describe.skip : describe;
if (engineProblem) console.warn(`[docker tests] skipping: ${engineProblem}`);

suite('DockerLauncher against a real engine', () => {
  let dir: string;
  const keys = new Set<string>();
  const launchers: DockerLauncher[] = [];
  const mk = (opts: ConstructorParameters<typeof DockerLauncher>[0] = {}) => {
    const l = new DockerLauncher({ docker, ...opts });
    launchers.push(l);
    return l;
  };
  const spec = (name: string, script: string, over: Partial<LaunchSpec> = {}): LaunchSpec => {
    const key = `tflyte-dt-${process.pid}-${name}`;
    keys.add(key);
    return {
      key,
      labels: { 'tflyte.test': String(process.pid), 'tflyte.execution': 'e', 'tflyte.node': name, 'tflyte.attempt': '0' },
      image: NODE_IMAGE,
      command: ['-e', script],
      env: {},
      resources: {},
      mounts: [{ hostPath: dir, containerPath: dir, readOnly: false }],
      logPath: path.join(dir, `${name}.log`),
      ...over,
    };
  };

  beforeAll(async () => {
    expect(image).toBe(NODE_IMAGE);
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tflyte-docker-'));
  });
  afterAll(async () => {
    for (const k of keys) await docker.getContainer(k).remove({ force: true }).catch(() => undefined);
    for (const l of launchers) await l.close();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('builds the runtime image once, labelled, with the binary as entrypoint', async () => {
    const info = await docker.getImage(NODE_IMAGE).inspect();
    expect(info.Config.Entrypoint).toEqual(['/usr/local/bin/tflyte-sandbox']);
    expect(info.Config.Labels?.[RUNTIME_IMAGE_LABEL]).toBe('1');
    expect(info.Config.Env).toContain('HOME=/tmp');
    expect(await ensureRuntimeImage(docker, { binaryPath: '/nonexistent', tag: NODE_IMAGE })).toBe(NODE_IMAGE); // exists: skipped
  });

  it('a new launcher instance re-adopts a running container: wait works and logs continue without duplicates', async () => {
    const ready = path.join(dir, 'readopt.ready');
    const go = path.join(dir, 'readopt.go');
    const script = `console.log('line-1'); require('fs').writeFileSync(${JSON.stringify(ready)}, '');
      const t = setInterval(() => { if (require('fs').existsSync(${JSON.stringify(go)})) { console.log('line-2'); clearInterval(t); process.exitCode = 4; } }, 20);`;
    const s = spec('readopt', script);
    const first = mk();
    await first.launch(s);
    await eventually(() => fs.existsSync(ready), 'the container to start');
    // The log file is written by the launcher's log follower, which may lag behind the container.
    await eventually(() => fs.existsSync(s.logPath) && fs.readFileSync(s.logPath, 'utf8').includes('line-1'), 'line-1 in the log');
    await first.close(); // the sandbox "stops"; the container keeps running

    const second = mk();
    expect((await second.list({ 'tflyte.node': 'readopt' })).map((a) => a.key)).toEqual([s.key]);
    const waiting = second.wait(s.key);
    fs.writeFileSync(go, '');
    expect(await waiting).toMatchObject({ state: 'EXITED', exitCode: 4, oomKilled: false });
    expect(fs.readFileSync(s.logPath, 'utf8')).toBe('line-1\nline-2\n');
    await second.cleanup(s.key);
  });

  it('finishes a launch interrupted between create and start', async () => {
    const l = mk();
    const s = spec('created-only', `console.log('ran')`);
    await docker.createContainer(l.createOptionsFor(s));
    await l.launch(s);
    expect(await l.wait(s.key)).toMatchObject({ exitCode: 0 });
    expect(fs.readFileSync(s.logPath, 'utf8')).toBe('ran\n');
  });

  it('applies limits and isolation: cpu, memory, no capabilities, no new privileges', async () => {
    const l = mk();
    const s = spec('limits', `console.log(require('fs').readFileSync('/proc/self/status','utf8').match(/CapEff:\\s*(\\w+)/)[1])`, {
      resources: { cpu: 0.5, memoryBytes: 256 * 1024 * 1024 },
    });
    await l.launch(s);
    expect(await l.wait(s.key)).toMatchObject({ exitCode: 0 });
    const info = await docker.getContainer(s.key).inspect();
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info.Mounts.map((m) => m.Source)).not.toContain('/var/run/docker.sock');
    expect(fs.readFileSync(s.logPath, 'utf8').trim()).toBe('0000000000000000'); // no effective capability
  });

  it('refuses to mount the Docker socket', async () => {
    const s = spec('sock', '0', { mounts: [{ hostPath: '/var/run/docker.sock', containerPath: '/var/run/docker.sock', readOnly: true }] });
    await expect(mk().launch(s)).rejects.toMatchObject({ code: 'SBX_LAUNCHER_INVALID_SPEC' });
  });

  it('reports an image that does not exist locally', async () => {
    await expect(mk().launch(spec('noimg', '0', { image: 'tflyte-no-such-image:0' }))).rejects.toMatchObject({
      code: 'SBX_LAUNCHER_IMAGE_NOT_FOUND',
    });
  });

  it('reports a container the engine cannot start as exit 125 with startFailed, and the reason in its log', async () => {
    // launch returns once the container exists (starts run in the background so a round can
    // launch a fan-out at once); a start the engine refuses must still end the attempt.
    const l = mk();
    const s = spec('nostart', '0', { entrypoint: ['/no/such/entrypoint'] });
    await l.launch(s);
    const exit = await l.wait(s.key);
    // Marked as the engine's failure (the task never ran), so propeller counts it as SYSTEM.
    expect(exit).toMatchObject({ state: 'EXITED', exitCode: 125, startFailed: expect.stringMatching(/failed to start: .*no such/i) });
    expect(fs.readFileSync(s.logPath, 'utf8')).toContain(`container ${s.key} failed to start`);
    await l.cleanup(s.key);
    expect(await l.wait(s.key)).toEqual({ state: 'NOT_FOUND' });
  });

  it('launches many containers without waiting for each start', async () => {
    const l = mk();
    const specs = Array.from({ length: 4 }, (_x, i) => spec(`many-${i}`, `console.log(${i})`));
    for (const s of specs) await l.launch(s);
    const exits = await Promise.all(specs.map((s) => l.wait(s.key)));
    expect(exits.map((e) => (e.state === 'EXITED' ? e.exitCode : -1))).toEqual([0, 0, 0, 0]);
    specs.forEach((s, i) => expect(fs.readFileSync(s.logPath, 'utf8')).toBe(`${i}\n`));
    for (const s of specs) await l.cleanup(s.key);
  });

  it('reports an OOM kill', async () => {
    const l = mk();
    const s = spec('oom', `const a = []; for (;;) a.push(Buffer.alloc(8 * 1024 * 1024, 1));`, {
      resources: { memoryBytes: 64 * 1024 * 1024 },
    });
    await l.launch(s);
    expect(await l.wait(s.key)).toMatchObject({ state: 'EXITED', exitCode: 137, oomKilled: true });
  });

  it('writes to the blob store as the launching user with every capability dropped', async () => {
    const owned = path.join(dir, 'owned-by-1000');
    await fsp.mkdir(owned);
    await fsp.chown(owned, 1000, 1000);
    const script = `require('fs').writeFileSync(${JSON.stringify(path.join(owned, 'f'))}, 'x'); console.log(process.getuid())`;
    // As the directory's owner: allowed. As root without CAP_DAC_OVERRIDE: refused.
    const asOwner = spec('as-owner', script, { mounts: [{ hostPath: owned, containerPath: owned, readOnly: false }] });
    await mk({ user: '1000:1000' }).launch(asOwner);
    expect(await launchers.at(-1)!.wait(asOwner.key)).toMatchObject({ exitCode: 0 });
    expect(fs.statSync(path.join(owned, 'f')).uid).toBe(1000);
    const asRoot = spec('as-root', script, { mounts: [{ hostPath: owned, containerPath: owned, readOnly: false }] });
    await mk({ user: '0:0' }).launch(asRoot);
    expect(await launchers.at(-1)!.wait(asRoot.key)).toMatchObject({ exitCode: 1 });
    expect(fs.readFileSync(asRoot.logPath, 'utf8')).toContain('EACCES');
  });

  describe('admin reachability', () => {
    let loopback: http.Server;
    let unixServer: http.Server;
    let socketPath: string;
    const handler: http.RequestListener = (_req, res) => res.end('pong');
    beforeAll(async () => {
      loopback = http.createServer(handler);
      await new Promise<void>((r) => loopback.listen(0, '127.0.0.1', r));
      socketPath = path.join(dir, 'admin.sock');
      unixServer = http.createServer(handler);
      await new Promise<void>((r) => unixServer.listen(socketPath, r));
      // Containers run as another uid than this root test (as the sandbox does): open the way.
      fs.chmodSync(dir, 0o755);
      fs.chmodSync(socketPath, 0o666);
    });
    afterAll(async () => {
      loopback?.close();
      unixServer?.close();
    });

    const probe = `const s = process.env.TFLYTE_ADMIN_SOCKET; const u = new URL(process.env.TFLYTE_ADMIN_URL);
      const req = require('http').get(s ? { socketPath: s, path: '/' } : { host: u.hostname, port: u.port, path: '/' },
        (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log('reply', b)); });
      req.setTimeout(3000, () => req.destroy(new Error('timeout')));
      req.on('error', (e) => { console.log('error', e.code || e.message); process.exitCode = 2; });`;

    it('reaches the admin through its unix socket, bind-mounted (no network exposure)', async () => {
      const l = mk({ adminSocketPath: socketPath });
      const port = (loopback.address() as { port: number }).port;
      const s = spec('admin-unix', probe, { adminUrl: `http://127.0.0.1:${port}` });
      await l.launch(s);
      expect(await l.wait(s.key)).toMatchObject({ exitCode: 0 });
      expect(fs.readFileSync(s.logPath, 'utf8').trim()).toBe('reply pong');
    });

    it('rewrites a loopback admin URL to host.docker.internal, which cannot reach a 127.0.0.1 listener', async () => {
      const l = mk();
      const port = (loopback.address() as { port: number }).port;
      const s = spec('admin-loopback', `console.log(process.env.TFLYTE_ADMIN_URL);${probe}`, { adminUrl: `http://127.0.0.1:${port}/api` });
      await l.launch(s);
      expect(await l.wait(s.key)).toMatchObject({ exitCode: 2 });
      const log = fs.readFileSync(s.logPath, 'utf8');
      expect(log).toContain(`http://host.docker.internal:${port}/api`);
      expect(log).toMatch(/error (ECONNREFUSED|EHOSTUNREACH|timeout)/);
    });
  });

  it('runs the runtime binary inside an image without glibc, through the mounted loader', async () => {
    // A user image holding one text file and nothing else: no shell, no libc.
    const tag = 'tflyte-test-noglibc:1';
    const tarball = makeTar([{ path: 'etc/motd', content: 'from the user image\n' }]);
    await new Promise<void>((resolve, reject) => {
      void docker.importImage(Readable.from([tarball]), { repo: 'tflyte-test-noglibc', tag: '1' }).then((stream) =>
        docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
      );
    });
    const rm = await runtimeMount(process.execPath);
    const l = mk();
    const s = spec('noglibc', `console.log(process.version, require('fs').readFileSync('/etc/motd', 'utf8').trim())`, {
      image: tag,
      entrypoint: rm.entrypoint,
      mounts: rm.mounts,
    });
    await l.launch(s);
    expect(await l.wait(s.key)).toMatchObject({ exitCode: 0 });
    expect(fs.readFileSync(s.logPath, 'utf8').trim()).toBe(`${process.version} from the user image`);
    await l.cleanup(s.key);
    await docker.getImage(tag).remove().catch(() => undefined);
  });

  it('measures container start (launch to exit of a trivial task) against a bare docker run', async () => {
    const l = mk();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = spec(`timing-${i}`, '0');
      const t0 = performance.now();
      await l.launch(s);
      const exit = await l.wait(s.key);
      times.push(performance.now() - t0);
      expect(exit).toMatchObject({ exitCode: 0 });
      await l.cleanup(s.key);
    }
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const c = await docker.createContainer({ Image: NODE_IMAGE, Cmd: ['-e', '0'], name: `tflyte-dt-${process.pid}-bare-${i}` });
      keys.add(`tflyte-dt-${process.pid}-bare-${i}`);
      await c.start();
      const r = (await c.wait()) as { StatusCode: number };
      bare.push(performance.now() - t0);
      expect(r.StatusCode).toBe(0);
      await c.remove({ force: true });
    }
    const fmt = (xs: number[]) => xs.map((t) => t.toFixed(0)).join(', ');
    console.log(`[docker launcher] launch→exit of node -e 0: ${fmt(times)} ms; bare create/start/wait: ${fmt(bare)} ms`);
  });
});

/** A minimal ustar archive of regular files (for importing a tiny image). */
function makeTar(files: { path: string; content: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const body = Buffer.from(f.content);
    const h = Buffer.alloc(512);
    h.write(f.path, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
