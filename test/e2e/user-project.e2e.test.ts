/**
 * A real TypeScript project of a user's own, driven through the built binary as a user would:
 * `init` and `tsc --noEmit`, load errors that point at the user's line, npm packages in task code
 * (bundled with their dependencies, run in a Docker container), per-file registration, a broken
 * entity that does not block its neighbours, map logs, `logs | head`, the remembered port, `demo`'s
 * exit code, and the npm package of the CLI installed with `npm install -g`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BINARY, binaryAvailable, NODE, ROOT, runCli } from '../support/cli.ts';
import { dockerAvailable } from '../support/sandbox.ts';
import { freePort } from '../support/ports.ts';

const hasBinary = binaryAvailable();
const hasDocker = hasBinary && (await dockerAvailable());
if (hasBinary && !hasDocker) console.warn('skipping the Docker part of the user-project tests: no Docker engine answers');

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-userproj-')));
const homes: string[] = [];
afterAll(async () => {
  for (const h of homes) if (fs.existsSync(path.join(h, 'sandbox.json'))) await runCli('binary', ['stop'], { env: { TFLYTE_HOME: h } });
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cli = (args: string[], opts: { cwd?: string; home?: string } = {}) =>
  runCli('binary', args, { cwd: opts.cwd ?? tmp, env: { TFLYTE_HOME: opts.home ?? path.join(tmp, 'no-sandbox') }, timeoutMs: 180_000 });
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
const write = (dir: string, rel: string, text: string): string => {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};
function stateUrl(home: string): string {
  return (JSON.parse(fs.readFileSync(path.join(home, 'sandbox.json'), 'utf8')) as { url: string }).url;
}
function newHome(name: string): string {
  const d = fs.mkdtempSync(path.join(tmp, `home-${name}-`));
  homes.push(d);
  return d;
}
async function bundleEntries(tgz: string): Promise<string[][]> {
  const dir = fs.mkdtempSync(path.join(tmp, 'pkg-'));
  await execa('tar', ['-xzf', tgz, '-C', dir]);
  const bundles = fs.readdirSync(dir).filter((n) => n.endsWith('.tar.gz'));
  const out: string[][] = [];
  for (const b of bundles) out.push(String((await execa('tar', ['-tzf', path.join(dir, b)])).stdout).split('\n').filter(Boolean).sort());
  return out;
}

/**
 * A project with npm packages installed by hand (no registry needed): `greeter` (ES module) uses
 * its dependency `shout` (CommonJS), which it requires only when called — as a task does later.
 */
function writeProject(dir: string): void {
  write(dir, 'package.json', JSON.stringify({ name: 'flows', private: true, type: 'module', dependencies: { greeter: '1.0.0' } }));
  write(dir, 'node_modules/greeter/package.json', JSON.stringify({ name: 'greeter', version: '1.0.0', type: 'module', exports: './index.js', dependencies: { shout: '1.0.0' } }));
  write(dir, 'node_modules/greeter/index.js', "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport function greet(name) {\n  return require('shout').shout(`hello ${name}`);\n}\n");
  write(dir, 'node_modules/shout/package.json', JSON.stringify({ name: 'shout', version: '1.0.0', main: 'lib/index.js' }));
  write(dir, 'node_modules/shout/lib/index.js', "exports.shout = (s) => s.toUpperCase() + '!';\n");
  write(
    dir,
    'src/greet.ts',
    [
      "import { task, workflow, t } from 'tflyte';",
      "import { greet } from 'greeter';",
      'export const hello = task({ inputs: { who: t.str }, outputs: t.str }, ({ who }) => greet(who));',
      'export const hello_wf = workflow({ inputs: { who: t.str }, outputs: t.str }, ({ who }) => hello({ who }));',
      '',
    ].join('\n'),
  );
  write(dir, 'src/a.ts', "import { task, t } from 'tflyte';\nexport const ta = task({ inputs: {}, outputs: t.int }, () => 1);\n");
  write(dir, 'src/b.ts', "import { task, t } from 'tflyte';\nexport const tb = task({ inputs: {}, outputs: t.int }, () => 2);\n");
  write(
    dir,
    'src/mixed.ts',
    [
      "import { task, workflow, t } from 'tflyte';",
      'export const inc = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);',
      'export const good = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => inc({ x }));',
      'export const broken = workflow({ inputs: { x: t.str }, outputs: t.int }, ({ x }) => inc({ x: x as never }));',
      '',
    ].join('\n'),
  );
  write(
    dir,
    'src/maps.ts',
    [
      "import { task, workflow, map, t } from 'tflyte';",
      "export const sq = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => { console.log(`squaring ${x}`); return x * x; });",
      'export const squares = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, ({ xs }) => map(sq)({ x: xs }));',
      "export const chatty = task({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => { for (let i = 0; i < n; i++) console.log(`line ${i} ${'x'.repeat(60)}`); return n; });",
      '',
    ].join('\n'),
  );
}

describe.skipIf(!hasBinary)('a user project, without a sandbox', () => {
  const proj = path.join(tmp, 'proj');
  beforeAll(() => writeProject(proj));

  test('init writes a project whose workflows type-check with tsc, and tsc catches a mistyped input', async () => {
    const dir = path.join(tmp, 'typed');
    const r = await cli(['init', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const f of ['package.json', 'tsconfig.json', 'workflows/hello.ts', '.tflyte/types/sdk/index.d.ts']) expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))).toMatchObject({ type: 'module' });
    // The editor's view: TypeScript and Node's types as `npm install` would put them there.
    fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'));
    const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
    const ok = await execa(tsc, ['--noEmit', '-p', dir], { reject: false });
    expect(ok.exitCode, String(ok.stdout)).toBe(0);
    write(dir, 'workflows/typo.ts', "import { task, workflow, t } from 'tflyte';\nimport { count } from './hello.ts';\nexport const wf = workflow({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => count({ text: n }));\n");
    const bad = await execa(tsc, ['--noEmit', '-p', dir], { reject: false });
    expect(bad.exitCode).not.toBe(0);
    expect(String(bad.stdout)).toMatch(/workflows\/typo\.ts\(3,\d+\): error TS2322/);
    // The workflow init wrote runs as it says.
    const run = await cli(['run', 'workflows/hello.ts', 'hello_wf', '--who', 'you'], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('o0: 10');
    // Running init again keeps the user's files and refreshes the declarations.
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), '{ "mine": true }\n');
    expect((await cli(['init', dir])).exitCode).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')).toBe('{ "mine": true }\n');
  });

  test('a syntax error and a throw at load time point at file:line:col with a code frame, without our stack', async () => {
    write(proj, 'bad/syntax.ts', "import { task, t } from 'tflyte';\n\nexport const a = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {\n  return x + ;\n});\n");
    write(proj, 'bad/throws.ts', "import { task, t } from 'tflyte';\nfunction setting(): number {\n  throw new Error('config missing');\n}\nexport const v = setting();\n");
    const syntax = await cli(['run', 'bad/syntax.ts', 'a', '--x', '1'], { cwd: proj });
    expect(syntax.exitCode).toBe(2);
    expect(syntax.stderr).toContain('error: bad/syntax.ts:4:14: syntax error: Expression expected');
    expect(syntax.stderr).toContain('> 4 |   return x + ;');
    expect(syntax.stderr).toMatch(/\n {4}\| {14}\^/);
    expect(syntax.stderr).not.toMatch(/\n\s+at /);
    const thrown = await cli(['run', 'bad/throws.ts', 'v'], { cwd: proj });
    expect(thrown.exitCode).toBe(2);
    expect(thrown.stderr).toContain('error: bad/throws.ts:3:9: error thrown while loading: config missing');
    expect(thrown.stderr).toContain("> 3 |   throw new Error('config missing');");
    expect(thrown.stderr).not.toMatch(/\n\s+at /);
    // --verbose (or TFLYTE_DEBUG=1) adds the stack for a bug report.
    const verbose = await cli(['--verbose', 'run', 'bad/throws.ts', 'v'], { cwd: proj });
    expect(verbose.stderr).toMatch(/\n\s+at setting \(/);
    for (const [args, text] of [
      [['run', 'src/a.ts', 'nope'], 'exports no entity named "nope"'],
      [['run', 'src/nothere.ts', 'x'], 'cannot find src/nothere.ts'],
    ] as const) {
      const r = await cli([...args], { cwd: proj });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(text);
      expect(r.stderr).not.toMatch(/\n\s+at |tflyte-sandbox\.cjs/);
    }
  });

  test('an import of a package that is not installed says which and how to install it', async () => {
    write(proj, 'bad/needs.ts', "import { task, t } from 'tflyte';\nimport pad from 'left-pad';\nexport const p = task({ inputs: {}, outputs: t.str }, () => pad('a', 3));\n");
    const r = await cli(['package', 'bad/needs.ts', '-o', path.join(tmp, 'needs.tgz')], { cwd: proj });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`bad/needs.ts imports "left-pad", which is not installed. Install it in the project: npm install left-pad (in ${proj})`);
  });

  test('a project without "type": "module" runs without Node\'s MODULE_TYPELESS_PACKAGE_JSON warning', async () => {
    const dir = path.join(tmp, 'typeless');
    write(dir, 'package.json', '{ "name": "typeless" }');
    write(dir, 'wf.ts', "import { task, t } from 'tflyte';\nexport const one = task({ inputs: {}, outputs: t.int }, () => 1);\n");
    const r = await cli(['run', 'wf.ts', 'one'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('MODULE_TYPELESS_PACKAGE_JSON');
  });

  test("the code bundle carries the npm packages a file imports, whole and with their dependencies; each file gets only its own code", async () => {
    const out = path.join(tmp, 'greet.tgz');
    const r = await cli(['package', 'src/greet.ts', 'src/a.ts', '-o', out], { cwd: proj });
    expect(r.exitCode, r.stderr).toBe(0);
    const [first, second] = await bundleEntries(out);
    const withDeps = [first, second].find((b) => b?.includes('src/greet.ts')) ?? [];
    const alone = [first, second].find((b) => b?.includes('src/a.ts')) ?? [];
    expect(withDeps).toEqual(['node_modules/greeter/index.js', 'node_modules/greeter/package.json', 'node_modules/shout/lib/index.js', 'node_modules/shout/package.json', 'package.json', 'src/greet.ts']);
    expect(alone).toEqual(['package.json', 'src/a.ts']);
  });

  test('a native addon is refused at registration, naming the import and what to do', async () => {
    write(proj, 'node_modules/fastmath/package.json', JSON.stringify({ name: 'fastmath', main: 'index.js', gypfile: true }));
    write(proj, 'node_modules/fastmath/index.js', 'module.exports = { add: (a, b) => a + b };\n');
    write(proj, 'bad/native.ts', "import { task, t } from 'tflyte';\nimport fm from 'fastmath';\nexport const add = task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => fm.add(a, 1));\n");
    const local = await cli(['run', 'bad/native.ts', 'add', '--a', '1'], { cwd: proj });
    expect(local.exitCode, local.stderr).toBe(0);
    const r = await cli(['package', 'bad/native.ts', '-o', path.join(tmp, 'native.tgz')], { cwd: proj });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('bad/native.ts imports the npm package "fastmath", and it builds a native addon (binding.gyp)');
    expect(r.stderr).toContain('task `image` that has it installed');
  });

  test('npm run pack makes a package that npm install -g puts on PATH', async () => {
    const pack = await execa(NODE, [path.join(ROOT, 'scripts', 'pack.mjs')], { cwd: ROOT, reject: false });
    expect(pack.exitCode, String(pack.stderr)).toBe(0);
    const tgz = String(pack.stdout).split('\n')[0] ?? '';
    expect(tgz).toMatch(/dist\/tflyte-sandbox-\d+\.\d+\.\d+\.tgz$/);
    const prefix = path.join(tmp, 'global');
    const install = await execa('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tgz], { reject: false });
    expect(install.exitCode, String(install.stderr)).toBe(0);
    const onPath = await execa('tflyte-sandbox', ['--version'], { env: { PATH: `${path.join(prefix, 'bin')}:/usr/bin:/bin` }, reject: false });
    expect(onPath.exitCode).toBe(0);
    expect(String(onPath.stdout)).toBe(String((await execa(BINARY, ['--version'])).stdout));
    fs.rmSync(tgz, { force: true });
  });
});

describe.skipIf(!hasDocker)('a user project in a Docker sandbox', () => {
  const proj = path.join(tmp, 'remote');
  let home: string;
  beforeAll(async () => {
    writeProject(proj);
    home = newHome('docker');
    const r = await cli(['start', '--port', String(await freePort())], { home });
    expect(r.exitCode, r.stderr).toBe(0);
  });
  const rcli = (args: string[]) => cli(args, { cwd: proj, home });

  test('a task that uses an npm package (and its lazily required dependency) runs in its container', async () => {
    const r = await rcli(['run', '--remote', '--wait', '--json', 'src/greet.ts', 'hello_wf', '--who', 'ada']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(lastJson(r.stdout)).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 'HELLO ADA!' } });
  });

  test('a fresh project from init, with an npm dependency: type-checks, runs locally and in the sandbox', async () => {
    const dir = path.join(tmp, 'fresh');
    expect((await cli(['init', dir])).exitCode).toBe(0);
    writeProject(dir); // its packages and files beside what init wrote (init's package.json is replaced)
    write(dir, 'node_modules/greeter/index.d.ts', 'export declare function greet(name: string): string;\n');
    fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'));
    const tsc = await execa(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', dir], { reject: false });
    expect(tsc.exitCode, String(tsc.stdout)).toBe(0);
    const local = await cli(['run', '--json', 'src/greet.ts', 'hello_wf', '--who', 'bo'], { cwd: dir, home });
    expect(lastJson(local.stdout)).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 'HELLO BO!' } });
    const remote = await cli(['run', '--remote', '--wait', '--json', 'src/greet.ts', 'hello_wf', '--who', 'bo'], { cwd: dir, home });
    expect(remote.exitCode, remote.stderr).toBe(0);
    expect(lastJson(remote.stdout)).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 'HELLO BO!' } });
  });

  test('registration refuses a missing package and a native addon before sending anything', async () => {
    write(proj, 'bad/needs.ts', "import { task, t } from 'tflyte';\nimport pad from 'left-pad';\nexport const p = task({ inputs: {}, outputs: t.str }, () => pad('a', 3));\n");
    write(proj, 'node_modules/fastmath/package.json', JSON.stringify({ name: 'fastmath', main: 'index.js', gypfile: true }));
    write(proj, 'node_modules/fastmath/index.js', 'module.exports = { add: (a, b) => a + b };\n');
    write(proj, 'bad/native.ts', "import { task, t } from 'tflyte';\nimport fm from 'fastmath';\nexport const add = task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => fm.add(a, 1));\n");
    const missing = await rcli(['register', 'bad/needs.ts']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('imports "left-pad", which is not installed');
    const native = await rcli(['run', '--remote', 'bad/native.ts', 'add', '--a', '1']);
    expect(native.exitCode).toBe(2);
    expect(native.stderr).toContain('imports the npm package "fastmath", and it builds a native addon');
    const tasks = (await (await fetch(`${stateUrl(home)}/api/v1/task_ids/flytesnacks/development?limit=1000`)).json()) as { entities?: { name: string }[] };
    expect((tasks.entities ?? []).map((e) => e.name).filter((n) => n.startsWith('bad.'))).toEqual([]);
  });

  test('register A B registers each file with its own entities and version', async () => {
    const r = await rcli(['register', 'src/a.ts', 'src/b.ts']);
    expect(r.exitCode, r.stderr).toBe(0);
    const blocks = r.stdout.split(/(?=^registered )/m);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toContain('task         src.a.ta');
    expect(blocks[0]).not.toContain('src.b.tb');
    expect(blocks[1]).toContain('task         src.b.tb');
    expect(blocks[1]).not.toContain('src.a.ta');
    const versions = blocks.map((b) => /as version (\S+):/.exec(b)?.[1]);
    expect(versions[0]).not.toBe(versions[1]);
  });

  test('a workflow that does not compile does not block its neighbours; running it reports its own error', async () => {
    const good = await rcli(['run', '--remote', '--wait', 'src/mixed.ts', 'good', '--x', '1']);
    expect(good.exitCode, good.stderr).toBe(0);
    expect(good.stdout).toContain('o0: 2');
    expect(good.stderr).toContain('note: workflow src.mixed.broken was not registered: src.mixed.broken does not compile (1 problem) (run it to see why)');
    const broken = await rcli(['run', '--remote', '--wait', 'src/mixed.ts', 'broken', '--x', 'a']);
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain('node n0 (inc): input "x" expects int, got str');
    const reg = await rcli(['register', 'src/mixed.ts']);
    expect(reg.exitCode).toBe(2);
    expect(reg.stdout).toContain('workflow     src.mixed.good');
    expect(reg.stdout).toContain('not registered: workflow src.mixed.broken');
    expect(reg.stderr).toContain('1 entity was not registered');
  });

  test('logs --node of a map node prints each item, every line prefixed with the item', async () => {
    const r = await rcli(['run', '--remote', '--wait', '--json', '--name', 'usermap', 'src/maps.ts', 'squares', '--xs', '[1, 2, 3]']);
    expect(r.exitCode, r.stderr).toBe(0);
    const logs = await rcli(['logs', 'usermap', '--node', 'n0']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    for (const i of [0, 1, 2]) {
      expect(logs.stdout).toMatch(new RegExp(`^=== n0\\[${i}\\] \\(n0-0-${i}\\) attempt 0 \\(src\\.maps\\.map_sq_[0-9a-f]{8}-arraynode\\) ===$`, 'm'));
      expect(logs.stdout).toContain(`n0[${i}] | squaring ${i + 1}`);
    }
  });

  test('logs piped into head ends quietly (no EPIPE)', async () => {
    const r = await rcli(['run', '--remote', '--wait', '--json', '--name', 'userchatty', 'src/maps.ts', 'chatty', '--n', '5000']);
    expect(r.exitCode, r.stderr).toBe(0);
    const sh = await execa('sh', ['-c', `"${BINARY}" logs userchatty 2>"${path.join(tmp, 'err.txt')}" | head -3`], {
      cwd: proj,
      env: { TFLYTE_HOME: home },
      reject: false,
    });
    expect(String(sh.stdout).split('\n').slice(0, 3)).toEqual(['=== chatty attempt 0 (src.maps.chatty) ===', `line 0 ${'x'.repeat(60)}`, `line 1 ${'x'.repeat(60)}`]);
    const err = fs.readFileSync(path.join(tmp, 'err.txt'), 'utf8');
    expect(err).not.toContain('EPIPE');
    expect(err).toBe('');
  });
});

describe.skipIf(!hasBinary)('start and demo (process launcher)', () => {
  test('a port given to start is remembered by the next start of the same data dir', async () => {
    const home = newHome('port');
    const port = await freePort();
    const first = await cli(['start', '--port', String(port), '--launcher', 'process'], { home });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain(`(port ${port} saved in ${path.join(home, 'config.yaml')}: later starts use it)`);
    expect((await cli(['stop'], { home })).exitCode).toBe(0);
    const again = await cli(['start', '--launcher', 'process'], { home });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain(`API:      http://127.0.0.1:${port}/api/v1`);
    expect(again.stdout).not.toContain('saved in');
    expect((await cli(['stop'], { home })).exitCode).toBe(0);
  });

  test('demo takes --port and exits non-zero when a run fails', async () => {
    const home = newHome('demo');
    // Every task output is over this limit: every run of the demo fails.
    fs.writeFileSync(path.join(home, 'config.yaml'), 'maxTaskOutputBytes: 1\n');
    const port = await freePort();
    const r = await cli(['demo', '--port', String(port), '--launcher', 'process'], { home });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`Open the console: http://127.0.0.1:${port}/console`);
    expect(r.stderr).toMatch(/error: 7 of 7 demo runs did not succeed/);
    expect(r.stdout).not.toContain('MODULE_TYPELESS_PACKAGE_JSON');
  });
});
