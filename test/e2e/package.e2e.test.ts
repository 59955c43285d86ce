/**
 * `tflyte-sandbox package FILE... -o pkg.tgz` from the built binary (and source): the package
 * holds, in `pyflyte package`'s format, what `register` would send, plus the code bundles.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { decode, type flyteidl } from '../../src/core/idl.ts';
import { binaryAvailable, runCli, type CliFlavor } from '../support/cli.ts';

const flavors: CliFlavor[] = ['source', ...(binaryAvailable() ? (['binary'] as const) : [])];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-package-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function unpack(tgz: string): Promise<Map<string, Buffer>> {
  const dir = fs.mkdtempSync(path.join(tmp, 'x-'));
  await execa('tar', ['-xzf', tgz, '-C', dir]);
  return new Map(fs.readdirSync(dir).map((n) => [n, fs.readFileSync(path.join(dir, n))]));
}

describe.each(flavors)('package — %s', (flavor) => {
  test('writes tasks (_1.pb), workflows (_2.pb), launch plans (_3.pb) in dependency order and the code bundle', async () => {
    const out = path.join(tmp, `${flavor}.tgz`);
    const r = await runCli(flavor, ['package', 'examples/conditional_map.ts', '-o', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*: \d+ tasks, 3 workflows, 3 launch plans \(version [0-9a-f]{16}\)/);
    const files = await unpack(out);
    const names = [...files.keys()].sort();
    expect(names.filter((n) => /^fast[0-9a-f]{64}\.tar\.gz$/.test(n))).toHaveLength(1);
    const pbs = names.filter((n) => n.endsWith('.pb'));
    expect(pbs.every((n) => /^\d{4}_[\w.-]+_[123]\.pb$/.test(n))).toBe(true);
    // Every task comes before the workflows, each workflow before its launch plan.
    const kinds = pbs.map((n) => n.slice(-4, -3));
    expect(kinds.lastIndexOf('1')).toBeLessThan(kinds.indexOf('2'));
    const tasks = pbs.filter((n) => n.endsWith('_1.pb')).map((n) => decode<flyteidl.admin.ITaskSpec>('flyteidl.admin.TaskSpec', files.get(n) as Buffer).template ?? {});
    const square = tasks.find((t) => t.id?.name === 'examples.conditional_map.square');
    const variant = tasks.find((t) => /^examples\.conditional_map\.map_square_[0-9a-f]{8}-arraynode$/.test(t.id?.name ?? ''));
    expect(square && variant).toBeTruthy();
    // The array-node variant: list-typed interface, and it runs the square task itself.
    expect(variant?.interface?.inputs?.variables?.x?.type).toEqual({ collectionType: { simple: 1 } });
    expect(variant?.container?.args).toEqual(square?.container?.args);
    expect(square?.container?.args).toContain('{{ .remote_package_path }}');
    const wf = pbs.filter((n) => n.endsWith('_2.pb')).map((n) => decode<flyteidl.admin.IWorkflowSpec>('flyteidl.admin.WorkflowSpec', files.get(n) as Buffer).template ?? {});
    const sos = wf.find((w) => w.id?.name === 'examples.conditional_map.sum_of_squares');
    const arrayNode = sos?.nodes?.find((n) => n.arrayNode)?.arrayNode;
    expect(arrayNode?.node?.taskNode?.referenceId?.name).toBe(variant?.id?.name);
    expect(arrayNode?.isOriginalSubNodeInterface).toBeTruthy();
    expect(arrayNode?.isOriginalSubNodeInterface?.value ?? false).toBe(false);
    const lps = pbs.filter((n) => n.endsWith('_3.pb')).map((n) => decode<flyteidl.admin.ILaunchPlan>('flyteidl.admin.LaunchPlan', files.get(n) as Buffer));
    expect(lps.map((l) => l.id?.name).sort()).toEqual(['examples.conditional_map.classify', 'examples.conditional_map.halve_some', 'examples.conditional_map.sum_of_squares']);
    expect(lps.every((l) => l.spec?.workflowId?.name === l.id?.name)).toBe(true);
  });

  test('--no-code leaves the bundles out; launch plans carry their expected inputs and outputs', async () => {
    const out = path.join(tmp, `${flavor}-nocode.tgz`);
    expect((await runCli(flavor, ['package', '--no-code', 'test/fixtures/sandbox/features.ts', '-o', out])).exitCode).toBe(0);
    const files = await unpack(out);
    expect([...files.keys()].some((n) => n.endsWith('.tar.gz'))).toBe(false);
    const lp = [...files.entries()]
      .filter(([n]) => n.endsWith('_3.pb'))
      .map(([, b]) => decode<flyteidl.admin.ILaunchPlan>('flyteidl.admin.LaunchPlan', b))
      .find((l) => l.id?.name === 'sum3_lp');
    // a is fixed (not expected), b has a default, c is required.
    expect(Object.keys(lp?.closure?.expectedInputs?.parameters ?? {}).sort()).toEqual(['b', 'c']);
    expect(lp?.closure?.expectedInputs?.parameters?.b?.default?.scalar?.primitive?.integer).toBeDefined();
    expect(lp?.closure?.expectedInputs?.parameters?.c?.required).toBe(true);
    expect(Object.keys(lp?.closure?.expectedOutputs?.variables ?? {})).toEqual(['o0']);
  });

  test('the same code packages to the same bytes', async () => {
    const a = path.join(tmp, `${flavor}-a.tgz`);
    const b = path.join(tmp, `${flavor}-b.tgz`);
    for (const out of [a, b]) expect((await runCli(flavor, ['package', 'examples/basic_workflow.ts', '-o', out])).exitCode).toBe(0);
    const [fa, fb] = [await unpack(a), await unpack(b)];
    expect([...fa.keys()]).toEqual([...fb.keys()]);
    for (const [k, v] of fa) expect(v.equals(fb.get(k) as Buffer), k).toBe(true);
  });

  test('a missing file is a clear error and leaves no package behind', async () => {
    const out = path.join(tmp, `${flavor}-missing.tgz`);
    const r = await runCli(flavor, ['package', 'examples/nope.ts', '-o', out]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/examples\/nope\.ts does not exist/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
