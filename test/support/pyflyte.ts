/**
 * The Python Flyte users' suites share this: real flytekit (`.build/pyflyte-venv`, installed from
 * PyPI by scripts/ci/install-flytekit.sh), the fixtures in test/fixtures/python, and the cases
 * (Flyte's documentation examples written for flytekit) with what flytekit's own local run prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { isTerminalWorkflowPhase, type WorkflowPhase } from '../../src/core/phases.ts';
import { ROOT } from './cli.ts';
import type { TestSandbox } from './sandbox.ts';

export const VENV_BIN = path.join(ROOT, '.build', 'pyflyte-venv', 'bin');
export const PYFLYTE = path.join(VENV_BIN, 'pyflyte');
export const havePyflyte = fs.existsSync(PYFLYTE);
if (!havePyflyte) {
  if (process.env.CI) throw new Error(`${PYFLYTE} is missing in CI: .ci/run runs scripts/ci/install-flytekit.sh before the tests`);
  console.warn('skipping the pyflyte suite: .build/pyflyte-venv does not exist (run scripts/ci/install-flytekit.sh; it needs Python 3 and PyPI)');
}

export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'python');
export const FILE = 'flyte_examples.py';

/** workflow, its arguments, what flytekit's local run prints, what the sandbox's outputs are, and its file (default {@link FILE}). */
export const CASES: [string, string[], string, unknown, string?][] = [
  ['my_wf', ['--a', '5', '--b', 'hi'], 'hi-7', 'hi-7'],
  ['dynamic_wf', ['--n', '4'], '14', 14],
  ['map_wf', ['--xs', '[1, 2, 3]'], '[1, 4, 9]', [1, 4, 9]],
  ['conditional_wf', ['--x', '5'], 'big 5', 'big 5'],
  ['conditional_wf', ['--x', '1'], 'small 1', 'small 1'],
  ['simple_eager_workflow', ['--x', '3'], '8', 8],
  // The rest of Flyte's eager guide: plain values, conditionals, gathered async tasks, static and eager sub-workflows, exceptions.
  ['another_eager_workflow', ['--x', '3'], '6', 6],
  ['eager_workflow_with_conditionals', ['--x', '3'], '8', 8],
  ['eager_workflow_with_conditionals', ['--x', '200'], '100', 100],
  ['eager_workflow_with_gather', ['--x', '3'], '12', 12],
  ['eager_workflow_with_static_subworkflow', ['--x', '3'], '8', 8],
  ['nested_eager_workflow', ['--x', '3'], '8', 8],
  ['eager_workflow_with_exception', ['--x', '5'], '5', 5],
  // Files between tasks, and from an eager body to a child (blobs under the sandbox's file:// store).
  ['file_wf', ['--text', 'hello'], 'hello', 'hello'],
  ['eager_passes_a_file', ['--text', 'hello'], 'hello', 'hello'],
  // Flyte's dynamic-workflow page: common characters, and merge sort recursing through a dynamic workflow and a conditional.
  ['dynamic_wf', ['--s1', 'Pear', '--s2', 'Earth'], '3', 3, 'dynamic_workflow.py'],
  ['merge_sort', ['--numbers', '[1813, 3105, 3260, 2634, 383, 7037, 3291, 2403, 315, 7164]', '--numbers_count', '10'], '[315, 383, 1813, 2403, 2634, 3105, 3260, 3291, 7037, 7164]', [315, 383, 1813, 2403, 2634, 3105, 3260, 3291, 7037, 7164], 'dynamic_workflow.py'],
];

export const env = (sbx: TestSandbox): Record<string, string> => ({
  PATH: `${VENV_BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  HOME: process.env.HOME ?? '/tmp',
  FLYTECTL_CONFIG: path.join(sbx.dataDir, 'flyte-config.yaml'),
  PYTHONDONTWRITEBYTECODE: '1',
});
/**
 * How long one pyflyte command may take: less than the suites' 600 s test timeout, so that a run
 * that never ends fails its test with what the sandbox was doing ({@link sandboxState}) instead of
 * being cut short by the runner's timeout with nothing to show.
 */
const PYFLYTE_TIMEOUT_MS = 540_000;

export const pyflyte = async (sbx: TestSandbox, args: string[]): Promise<{ exitCode: number; out: string }> => {
  const r = await execa(PYFLYTE, args, { cwd: FIXTURES, env: env(sbx), extendEnv: false, reject: false, timeout: PYFLYTE_TIMEOUT_MS, all: true });
  return { exitCode: r.exitCode ?? -1, out: `${String(r.all ?? '')}${r.timedOut ? `\n[pyflyte did not end in ${PYFLYTE_TIMEOUT_MS / 1000} s and was killed]` : ''}` };
};

/**
 * What the sandbox was doing, for the failure of a pyflyte command: the latest executions and their
 * phases, every node of those not ended, its containers, and the end of its log.
 */
export async function sandboxState(sbx: TestSandbox): Promise<string> {
  const parts: string[] = [];
  const cli = (args: string[]) => sbx.cli(args, { timeoutMs: 30_000 }).catch((e: unknown) => ({ stdout: '', stderr: String(e) }));
  const listed = await cli(['get', 'executions', '--limit', '15', '--json']);
  parts.push(`== executions\n${listed.stdout}${listed.stderr}`);
  let executions: { name?: string; phase?: string }[] = [];
  try {
    executions = JSON.parse(listed.stdout.trim().split('\n').pop() ?? '[]') as typeof executions;
  } catch {
    // shown above as printed
  }
  for (const e of executions.filter((x) => x.name && !isTerminalWorkflowPhase(x.phase as WorkflowPhase))) {
    const one = await cli(['get', 'execution', e.name as string, '--json']);
    parts.push(`== execution ${e.name} (${e.phase})\n${one.stdout}${one.stderr}`);
  }
  const containers = await execa('docker', ['ps', '-a', '--format', '{{.Names}} {{.Status}} {{.Image}}'], { reject: false, timeout: 30_000 });
  parts.push(`== containers\n${String(containers.stdout)}${String(containers.stderr)}`);
  const log = path.join(sbx.dataDir, 'logs', 'sandbox.log');
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trimEnd().split('\n') : ['(no sandbox.log)'];
  parts.push(`== sandbox.log (last 60 lines)\n${lines.slice(-60).join('\n')}`);
  return parts.join('\n');
}

/** Runs `wf` remotely and checks the execution the sandbox recorded; returns its name. */
export async function runRemote(sbx: TestSandbox, wf: string, args: string[], remote: unknown, file = FILE): Promise<string> {
  // pyflyte polls every 30 s by default; the sandbox answers at once.
  const r = await pyflyte(sbx, ['run', '--remote', '--wait', '--poll-interval', '1', file, wf, ...args]);
  if (r.exitCode !== 0) {
    // Printed as well as asserted: a test that passes when retried shows no failure message.
    const state = await sandboxState(sbx);
    console.error(`pyflyte run ${wf} ${args.join(' ')} exited ${r.exitCode}:\n${r.out}\n${state}`);
    expect(r.exitCode, `${r.out}\n${state}`).toBe(0);
  }
  const name = /Execution (\S+) has succeeded/.exec(r.out)?.[1];
  expect(name, r.out).toBeDefined();
  const got = await sbx.cli(['get', 'execution', name!, '--json']);
  expect(got.exitCode, got.stderr).toBe(0);
  const shown = JSON.parse(got.stdout.trim().split('\n').pop() ?? '{}') as {
    phase?: string;
    outputs?: Record<string, unknown>;
    nodes?: { node: string; phase: string; outputs: unknown }[];
  };
  expect(shown.phase).toBe('SUCCEEDED');
  expect(shown.outputs).toEqual({ o0: remote });
  // Our CLI reads every node's data too (a dynamic node carries flytekit's compiled sub-workflow).
  for (const n of shown.nodes ?? []) if (n.phase === 'SUCCEEDED') expect(n.outputs, `outputs of node ${n.node}`).not.toBe('?');
  return name!;
}

