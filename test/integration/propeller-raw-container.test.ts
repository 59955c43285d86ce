/**
 * Raw containers (Flyte copilot protocol): propeller writes one file per input into the mounted
 * input dir and reads one file per declared output from the mounted output dir.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { flyteidl } from '../../src/core/idl.ts';
import type { LaunchSpec } from '../../src/launcher/index.ts';
import { closure, createHarness, lit, promise, taskNode, T, workflowTemplate } from '../support/fake-propeller-harness.ts';
import type { Harness } from '../support/fake-propeller-harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const raw: flyteidl.core.ITaskTemplate = {
  id: { resourceType: 1, project: 'flytesnacks', domain: 'development', name: 'square', version: 'v1' },
  type: 'raw-container',
  metadata: {},
  interface: {
    inputs: { variables: { x: { type: { simple: T.INT } } } },
    outputs: { variables: { y: { type: { simple: T.INT } } } },
  },
  container: {
    image: 'alpine:3',
    command: ['sh', '-c', 'echo $(( {{.inputs.x}} * {{ .Inputs.x }} )) > /var/outputs/y'],
    dataConfig: { enabled: true, inputPath: '/var/inputs', outputPath: '/var/outputs' },
  },
};

const hostDir = (spec: LaunchSpec, containerPath: string): string => spec.mounts.find((m) => m.containerPath === containerPath)!.hostPath;

function wf() {
  return closure(
    workflowTemplate('raw', [taskNode('n0', raw, { x: promise('', 'a') })], {
      inputs: { a: T.INT },
      outputs: { y: T.INT },
      outputBindings: { y: promise('n0', 'y') },
    }),
    [raw],
  );
}

it('writes inputs as files, renders {{.inputs.x}}, and reads outputs back', async () => {
  h.launcher.script(/-n0-\d+$/, {
    exitCode: 0,
    writeFiles: async (spec) => {
      const x = Number(await fs.readFile(path.join(hostDir(spec, '/var/inputs'), 'x'), 'utf8'));
      await fs.writeFile(path.join(hostDir(spec, '/var/outputs'), 'y'), `${x * x}\n`);
    },
  });
  const r = await h.run(wf(), { a: lit.int(7) });
  expect(r.phase).toBe('SUCCEEDED');
  expect(r.outputs).toEqual({ y: 49 });
  const spec = h.launcher.launched[0]!;
  expect(spec.image).toBe('alpine:3');
  expect(spec.command).toEqual(['sh', '-c', 'echo $(( 7 * 7 )) > /var/outputs/y']);
  expect(spec.mounts.find((m) => m.containerPath === '/var/inputs')?.readOnly).toBe(true);
  await expect(fs.stat(path.join(hostDir(spec, '/var/inputs'), 'inputs.pb'))).resolves.toBeTruthy();
});

it('fails with the content of _ERROR, and with OutputsNotFound when an output is missing', async () => {
  h.launcher.script(/-n0-\d+$/, {
    exitCode: 0,
    writeFiles: async (spec) => fs.writeFile(path.join(hostDir(spec, '/var/outputs'), '_ERROR'), 'bad input'),
  });
  const r = await h.run(wf(), { a: lit.int(7) });
  expect(r.phase).toBe('FAILED');
  expect(r.error).toMatchObject({ code: 'RawContainerError', message: 'User Error: bad input' });

  h.launcher.script(/-n0-\d+$/, { exitCode: 0 });
  const r2 = await h.run(wf(), { a: lit.int(7) });
  expect(r2.error?.code).toBe('RetriesExhausted|OutputsNotFound');
});
