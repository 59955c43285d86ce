/**
 * The in-container entrypoint: reads inputs.pb, runs the task, writes outputs.pb, error.pb or
 * futures.pb exactly as Flyte names them — from a working tree or from a code bundle.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decode, encode, MessageName, type flyteidl } from '../../../src/core/idl.ts';
import { compileWorkflow } from '../../../src/compiler/index.ts';
import { execute, type ExecuteArgs } from '../../../src/runtime/index.ts';
import * as sdk from '../../../src/sdk/index.ts';
import { createBundle } from '../../../src/storage/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let dir: string;
const uri = (p: string): string => pathToFileURL(p).href;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-exec-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeInputs(name: string, literals: Record<string, flyteidl.core.ILiteral>): string {
  const p = path.join(dir, `${name}.inputs.pb`);
  fs.writeFileSync(p, encode(MessageName.LiteralMap, { literals }));
  return uri(p);
}

async function run(name: string, module: string, entity: string, literals: Record<string, flyteidl.core.ILiteral>, extra: Partial<ExecuteArgs> = {}) {
  const out = path.join(dir, name);
  const prev = process.cwd();
  process.chdir(ROOT);
  try {
    const result = await execute(
      { inputs: writeInputs(name, literals), outputPrefix: uri(out), rawOutputDataPrefix: uri(path.join(dir, 'raw')), module, entity, ...extra },
      sdk as unknown as Record<string, unknown>,
      { ...process.env, FLYTE_INTERNAL_TASK_PROJECT: 'p', FLYTE_INTERNAL_TASK_DOMAIN: 'd', FLYTE_INTERNAL_TASK_VERSION: 'v7' },
    );
    const read = (f: string) => (fs.existsSync(path.join(out, f)) ? fs.readFileSync(path.join(out, f)) : undefined);
    return { result, outputs: read('outputs.pb'), error: read('error.pb'), futures: read('futures.pb') };
  } finally {
    process.chdir(prev);
  }
}

const int = (n: number): flyteidl.core.ILiteral => ({ scalar: { primitive: { integer: n } } });
const str = (s: string): flyteidl.core.ILiteral => ({ scalar: { primitive: { stringValue: s } } });

describe('execute', () => {
  test('a task writes outputs.pb with its named outputs', async () => {
    const r = await run('t1', 'examples/basic_workflow.ts', 't1', { a: int(5) });
    expect(r.result.ok).toBe(true);
    expect(r.error).toBeUndefined();
    const out = decode<flyteidl.core.ILiteralMap>(MessageName.LiteralMap, r.outputs as Buffer);
    expect(out.literals?.t1_int_output?.scalar?.primitive?.integer).toBe('7');
    expect(out.literals?.c?.scalar?.primitive?.stringValue).toBe('world');
  });

  test('a throwing task writes a recoverable USER error document with the original error', async () => {
    const r = await run('exc', 'examples/eager_workflows.ts', 'raises_exc', { x: int(0) });
    expect(r.result.ok).toBe(false);
    expect(r.outputs).toBeUndefined();
    const doc = decode<flyteidl.core.IErrorDocument>(MessageName.ErrorDocument, r.error as Buffer);
    expect(doc.error?.kind).toBe(1);
    expect(doc.error?.origin).toBe(1);
    expect(doc.error?.message).toMatch(/^TypeError: some exception/);
  });

  test('bad inputs.pb content is a non-recoverable error naming the input', async () => {
    const r = await run('badin', 'examples/basic_workflow.ts', 't1', { a: str('x') });
    const doc = decode<flyteidl.core.IErrorDocument>(MessageName.ErrorDocument, r.error as Buffer);
    expect(doc.error?.kind ?? 0).toBe(0);
    expect(doc.error?.message).toContain('inputs.a: expected int');
  });

  test('an unknown entity is a load failure naming what exists', async () => {
    const r = await run('nope', 'examples/basic_workflow.ts', 'nope', {});
    const doc = decode<flyteidl.core.IErrorDocument>(MessageName.ErrorDocument, r.error as Buffer);
    expect(doc.error?.code).toBe('USER:LoadFailed');
    expect(doc.error?.message).toContain('exports no entity named "nope"');
  });

  test('a dynamic task writes futures.pb that compiles, with every referenced task', async () => {
    const r = await run('dyn', 'examples/dynamic_workflow.ts', 'count_characters', { s1: str('ab'), s2: str('b') });
    expect(r.outputs).toBeUndefined();
    const spec = decode<flyteidl.core.IDynamicJobSpec>(MessageName.DynamicJobSpec, r.futures as Buffer);
    expect(spec.nodes?.map((n) => n.id)).toEqual(['dn0', 'dn1', 'dn2', 'dn3', 'dn4', 'dn5', 'dn6']);
    expect(String(spec.minSuccesses)).toBe('7');
    expect(spec.tasks?.map((t) => t.id?.name).sort()).toEqual([
      'examples.dynamic_workflow.derive_count',
      'examples.dynamic_workflow.return_index',
      'examples.dynamic_workflow.update_list',
    ]);
    expect(spec.tasks?.[0]?.id).toMatchObject({ project: 'p', domain: 'd', version: 'v7' });
    const compiled = compileWorkflow({
      primary: { id: { name: 'dyn' }, interface: { outputs: { variables: { o0: { type: { simple: 1 } } } } }, nodes: spec.nodes ?? [], outputs: spec.outputs ?? [] },
      tasks: spec.tasks ?? [],
    });
    expect(compiled.diagnostics).toEqual([]);
  });

  test('a dynamic task that builds no nodes writes outputs.pb', async () => {
    const file = path.join(dir, 'dyn_const.ts');
    fs.writeFileSync(file, "import { dynamic, t } from 'tflyte';\nexport const d = dynamic({ inputs: { x: t.int }, outputs: t.list(t.int) }, ({ x }) => [x, x]);\n");
    const r = await run('dynconst', path.relative(ROOT, file), 'd', { x: int(3) });
    const out = decode<flyteidl.core.ILiteralMap>(MessageName.LiteralMap, r.outputs as Buffer);
    expect(out.literals?.o0?.collection?.literals?.map((l) => l.scalar?.primitive?.integer)).toEqual(['3', '3']);
  });

  test('runs from a code bundle, and returned files are uploaded under the raw prefix', async () => {
    const bundle = await createBundle({ files: ['examples/all_types.ts'].map((relPath) => ({ relPath, absPath: path.join(ROOT, relPath) })) });
    const bundlePath = path.join(dir, 'code.tar.gz');
    fs.writeFileSync(bundlePath, bundle.bytes);
    const r = await run('bundled', 'examples/all_types.ts', 'write_file', { text: str('bundled!') }, { bundle: uri(bundlePath), workDir: path.join(dir, 'code') });
    expect(r.result).toEqual({ ok: true });
    const out = decode<flyteidl.core.ILiteralMap>(MessageName.LiteralMap, r.outputs as Buffer);
    const fileUri = out.literals?.o0?.scalar?.blob?.uri as string;
    expect(fileUri.startsWith(uri(path.join(dir, 'raw')))).toBe(true);
    expect(fs.readFileSync(new URL(fileUri), 'utf8')).toBe('bundled!');
  });
});

describe('parseExecuteArgs (a warm worker reads the arguments of execute)', () => {
  test('the flags templates render, and empty optional ones dropped', async () => {
    const { parseExecuteArgs } = await import('../../../src/runtime/worker.ts');
    expect(parseExecuteArgs(['--inputs', 'file:///i.pb', '--output-prefix', 'file:///o', '--raw-output-data-prefix', 'file:///r', '--prev-checkpoint', '', '--entity', 'e'])).toEqual({
      inputs: 'file:///i.pb',
      outputPrefix: 'file:///o',
      rawOutputDataPrefix: 'file:///r',
      entity: 'e',
    });
    expect(() => parseExecuteArgs(['--inputs', 'x', '--what', 'y'])).toThrow(/unexpected argument "--what"/);
    expect(() => parseExecuteArgs(['--inputs', 'x', '--entity', 'e', '--output-prefix', 'o'])).toThrow(/missing --raw-output-data-prefix/);
  });
});
