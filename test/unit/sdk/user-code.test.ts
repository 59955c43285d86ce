/**
 * What a user's project brings to a registration, checked on real files in a temporary project:
 * load errors that point at the user's line, the npm packages a code bundle must carry (with
 * their dependencies; native addons and missing packages refused, naming the import), and the
 * small text rules the CLI and the console print with.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { codeFrame, describeLoadError, isUserCodeError, packageName } from '../../../src/sdk/load-error.ts';
import { bundleDirOf, nativeAddonReason, packageClosure, packageDirOf, packageFiles } from '../../../src/sdk/npm-packages.ts';
import { unpackOutputs } from '../../../src/sdk/interface.ts';
import { TaskFailedError } from '../../../src/sdk/errors.ts';
import { ratioText } from '../../../src/propeller/handlers/array.ts';
import { prefixLines } from '../../../src/cli/commands/inspect.ts';

let dir: string;
const write = (rel: string, text: string): string => {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-usercode-')));
  write('package.json', '{ "name": "proj", "type": "module" }');
  write('node_modules/greeter/package.json', JSON.stringify({ name: 'greeter', main: 'index.js', dependencies: { shout: '1' }, optionalDependencies: { absent: '1' } }));
  write('node_modules/greeter/index.js', "module.exports = (s) => require('shout')(s);");
  write('node_modules/greeter/lib/lazy.js', 'module.exports = 1;');
  write('node_modules/shout/package.json', JSON.stringify({ name: 'shout', main: 'index.js' }));
  write('node_modules/shout/index.js', 'module.exports = (s) => s.toUpperCase();');
  write('node_modules/@scope/native/package.json', JSON.stringify({ name: '@scope/native' }));
  write('node_modules/@scope/native/build/Release/addon.node', 'ELF');
  write('node_modules/needy/package.json', JSON.stringify({ name: 'needy', dependencies: { 'not-installed': '1' } }));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('load errors point at the user code', () => {
  test('a syntax error: file:line:col, and a code frame with a caret under the column', () => {
    const file = write('bad.ts', 'const a = 1;\nconst b = a + ;\n');
    const err = Object.assign(new SyntaxError('Expression expected'), {
      stack: `${file}:2\nconst b = a + ;\n              ^\n\nSyntaxError [ERR_INVALID_TYPESCRIPT_SYNTAX]: Expression expected\n    at parseTypeScript (node:internal/modules/typescript:72:36)`,
    });
    const e = describeLoadError(err, file, dir);
    expect(isUserCodeError(e)).toBe(true);
    expect(e.location).toEqual({ file, line: 2, column: 15 });
    expect(e.message).toContain(':2:15: syntax error: Expression expected');
    expect(e.message).toContain('> 2 | const b = a + ;');
    expect(e.message).toContain(`    | ${' '.repeat(14)}^`);
    expect(e.message).not.toContain('node:internal');
  });

  test("a throw while loading: the first frame in the project, not the SDK's or a package's", () => {
    const file = write('throws.ts', "import x from 'y';\n\nthrow new Error('config missing');\n");
    const err = new Error('config missing');
    err.stack = [
      'Error: config missing',
      '    at helper (/somewhere/src/sdk/api.ts:10:5)',
      `    at ${path.join(dir, 'node_modules', 'greeter', 'index.js')}:1:1`,
      `    at file://${file}:3:7`,
      '    at ModuleJob.run (node:internal/modules/esm/module_job:1:1)',
    ].join('\n');
    const e = describeLoadError(err, file, dir);
    expect(e.location).toEqual({ file, line: 3, column: 7 });
    expect(e.message).toMatch(/throws\.ts:3:7: error thrown while loading: config missing/);
    expect(e.message).toContain("> 3 | throw new Error('config missing');");
  });

  test('a package that is not installed: the import and the npm install command', () => {
    const file = write('needs.ts', "import left from 'left-pad/sub';\n");
    const err = Object.assign(new Error(`Cannot find package 'left-pad' imported from ${file}`), { code: 'ERR_MODULE_NOT_FOUND' });
    const e = describeLoadError(err, file, dir);
    expect(e.message).toContain('imports "left-pad", which is not installed');
    expect(e.message).toContain(`npm install left-pad (in ${dir})`);
    expect(packageName('@scope/pkg/deep/file.js')).toBe('@scope/pkg');
    expect(packageName('lodash/fp')).toBe('lodash');
  });

  test('a code frame stays inside the file at its first and last lines', () => {
    const file = write('short.ts', 'one\n');
    expect(codeFrame({ file, line: 1, column: 1 })).toBe('> 1 | one\n    | ^\n  2 | ');
    expect(codeFrame({ file: path.join(dir, 'nope.ts'), line: 1, column: 1 })).toBeUndefined();
  });
});

describe('npm packages in the code bundle', () => {
  test('package directories and where they go in the bundle (scoped, nested, hoisted)', () => {
    const nm = path.join(dir, 'node_modules');
    expect(packageDirOf(path.join(nm, 'greeter', 'lib', 'lazy.js'))).toBe(path.join(nm, 'greeter'));
    expect(packageDirOf(path.join(nm, '@scope', 'native', 'x.js'))).toBe(path.join(nm, '@scope', 'native'));
    expect(packageDirOf(path.join(nm, 'a', 'node_modules', 'b', 'i.js'))).toBe(path.join(nm, 'a', 'node_modules', 'b'));
    expect(packageDirOf(path.join(dir, 'src', 'x.ts'))).toBeUndefined();
    expect(bundleDirOf('/mono/node_modules/a/node_modules/b')).toBe('node_modules/a/node_modules/b');
    expect(bundleDirOf('/mono/node_modules/@s/n')).toBe('node_modules/@s/n');
  });

  test('a package travels whole, with its installed dependencies; a missing optional one is fine', () => {
    const pkgs = packageClosure([{ file: path.join(dir, 'node_modules', 'greeter', 'index.js'), importedBy: 'wf.ts' }]);
    expect(pkgs.map((p) => [p.name, p.bundleDir, p.importedBy])).toEqual([
      ['greeter', 'node_modules/greeter', 'wf.ts'],
      ['shout', 'node_modules/shout', 'the package greeter'],
    ]);
    // Files this run never loaded (a lazy require) travel too.
    expect(packageFiles(path.join(dir, 'node_modules', 'greeter'))).toEqual(['index.js', 'lib/lazy.js', 'package.json']);
  });

  test('a native addon is refused, naming the import and what to do instead', () => {
    expect(nativeAddonReason(path.join(dir, 'node_modules', '@scope', 'native'))).toBe('it ships a native addon (build/Release/addon.node)');
    expect(() => packageClosure([{ file: path.join(dir, 'node_modules', '@scope', 'native', 'index.js'), importedBy: 'wf.ts' }])).toThrow(
      /wf\.ts imports the npm package "@scope\/native", and it ships a native addon .*task `image` that has it installed/,
    );
  });

  test('a dependency that is not installed is refused, naming the package that needs it', () => {
    expect(() => packageClosure([{ file: path.join(dir, 'node_modules', 'needy', 'index.js'), importedBy: 'wf.ts' }])).toThrow(
      'the npm package "needy" (imported by wf.ts) depends on "not-installed", which is not installed. Run npm install in the project.',
    );
  });
});

describe('what the CLI prints', () => {
  test('a float32 ratio reads as written', () => {
    expect(ratioText(Math.fround(0.6))).toBe('0.6');
    expect(ratioText(Math.fround(0.75))).toBe('0.75');
  });

  test('a task that declares no outputs may return nothing; a wrong shape names the outputs', () => {
    expect(unpackOutputs({ kind: 'named', names: [] } as never, undefined, 'task t').size).toBe(0);
    expect(() => unpackOutputs({ kind: 'named', names: ['a', 'b'] } as never, undefined, 'task t')).toThrow('task t: expected an object { a, b }, got undefined');
  });

  test('a task that could not run says so, without "0 attempts"', () => {
    expect(new TaskFailedError('x.raw', 0, new Error('container tasks run only in the sandbox')).message).toBe('task x.raw did not run: container tasks run only in the sandbox');
    expect(new TaskFailedError('x.t', 2, new Error('boom')).message).toBe('task x.t failed after 2 attempts: Error: boom');
  });

  test('map item log lines carry the item', () => {
    expect(prefixLines('a\nb\n', 'n0[1] | ')).toBe('n0[1] | a\nn0[1] | b\n');
    expect(prefixLines('no newline', 'p ')).toBe('p no newline\n');
    expect(prefixLines('', 'p ')).toBe('');
  });
});
