/**
 * `tflyte-sandbox run FILE ENTITY` without --remote, from source and from the built binary:
 * the evidence command, input parsing and usage errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { execa } from 'execa';
import { binaryAvailable, cliCommand, runCli, type CliFlavor } from '../support/cli.ts';

const flavors: CliFlavor[] = ['source', ...(binaryAvailable() ? (['binary'] as const) : [])];

describe.each(flavors)('run (local) — %s', (flavor) => {
  test('basic_workflow my_wf --json prints phase SUCCEEDED and outputs {"o0":52,"o1":"helloworld"}', async () => {
    const r = await runCli(flavor, ['run', 'examples/basic_workflow.ts', 'my_wf', '--a', '50', '--b', 'hello', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] as string) as { execution: string; phase: string; outputs: unknown };
    expect(out.phase).toBe('SUCCEEDED');
    expect(out.outputs).toEqual({ o0: 52, o1: 'helloworld' });
    expect(typeof out.execution).toBe('string');
  });

  test('a file anywhere on disk importing only tflyte and relative modules runs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-anywhere-'));
    try {
      fs.mkdirSync(path.join(dir, 'lib'));
      fs.writeFileSync(
        path.join(dir, 'lib', 'tasks.ts'),
        "import { task, t } from 'tflyte';\nexport const inc = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);\n",
      );
      fs.writeFileSync(
        path.join(dir, 'wf.ts'),
        "import { workflow, t } from 'tflyte';\nimport { inc } from './lib/tasks.ts';\n" +
          'export const wf = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => inc({ x: inc({ x: xs[0]! }) }));\n',
      );
      const r = await runCli(flavor, ['run', path.join(dir, 'wf.ts'), 'wf', '--xs', '[40, 1]', '--json'], { cwd: os.tmpdir() });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 42 } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Ctrl-C during a local run leaves nothing behind in the temporary directory and exits 130', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-sigint-'));
    try {
      const file = path.join(tmp, 'slow.ts');
      fs.writeFileSync(
        file,
        "import { task, t } from 'tflyte';\nexport const nap = task({ inputs: { s: t.int }, outputs: t.int }, async ({ s }) => { console.log('napping'); await new Promise((r) => setTimeout(r, s * 1000)); return s; });\n",
      );
      const runTmp = path.join(tmp, 'tmp');
      fs.mkdirSync(runTmp);
      const [cmd, ...pre] = cliCommand(flavor);
      const child = execa(cmd as string, [...pre, 'run', file, 'nap', '--s', '60'], { reject: false, env: { TMPDIR: runTmp } });
      // The task is running once it printed: the run's directory exists.
      await new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('napping') && resolve()));
      expect(fs.readdirSync(runTmp).filter((n) => n.startsWith('tflyte-local-'))).toHaveLength(1);
      child.kill('SIGINT');
      const r = await child;
      expect(r.signal ?? r.exitCode).toBe(r.signal ? 'SIGINT' : 130);
      expect(fs.readdirSync(runTmp).filter((n) => n.startsWith('tflyte-local-'))).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('an unparsable input is a usage error listing the inputs and their types', async () => {
    const r = await runCli(flavor, ['run', 'examples/basic_workflow.ts', 'my_wf', '--a', 'fifty', '--b', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('expected int, got "fifty"');
    expect(r.stderr).toContain('--a <int>');
    expect(r.stderr).toContain('--b <str>');
  });

  test('a missing input is a usage error', async () => {
    const r = await runCli(flavor, ['run', 'examples/basic_workflow.ts', 'my_wf', '--a', '1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('missing input --b <str>');
  });

  test("an input named like one of run's options is given after `--`; before it, the clash is explained", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-clash-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'wf.ts'),
        "import { task, workflow, t } from 'tflyte';\n" +
          'export const greet = task({ inputs: { name: t.str }, outputs: t.str }, ({ name }) => `hi ${name}`);\n' +
          'export const greet_wf = workflow({ inputs: { name: t.str }, outputs: t.str }, ({ name }) => greet({ name }));\n',
      );
      const file = path.join(dir, 'wf.ts');
      const taken = await runCli(flavor, ['run', file, 'greet_wf', '--name', 'ada']);
      expect(taken.exitCode).toBe(2);
      expect(taken.stderr).toContain('--name went to run itself');
      expect(taken.stderr).toContain(`tflyte-sandbox run ${file} greet_wf -- --name VALUE`);
      const r = await runCli(flavor, ['run', '--json', file, 'greet_wf', '--', '--name', 'ada']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ phase: 'SUCCEEDED', outputs: { o0: 'hi ada' } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--help after the entity lists its inputs', async () => {
    const r = await runCli(flavor, ['run', 'examples/basic_workflow.ts', 'my_wf', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('examples.basic_workflow.my_wf (workflow)');
    expect(r.stdout).toContain('--a <int>');
  });

  test('an unknown entity names what the file exports', async () => {
    const r = await runCli(flavor, ['run', 'examples/basic_workflow.ts', 'nope']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('exports no entity named "nope"');
    expect(r.stderr).toContain('my_wf (workflow)');
  });
});

describe('run usage', () => {
  test('run --help prints the usage of run; run FILE without an entity is a usage error', async () => {
    const help = await runCli('source', ['run', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: tflyte-sandbox run [options] [file] [entity] [inputs...]');
    const missing = await runCli('source', ['run', 'examples/basic_workflow.ts']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('run needs a file and an entity');
  });
});
