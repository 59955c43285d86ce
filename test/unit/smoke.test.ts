import { test, expect } from 'vitest';
import { my_wf, t1 } from '../../examples/basic_workflow.ts';
import { serializeWorkflow, LOCAL_SETTINGS } from '../../src/sdk/serialize.ts';
import { compileWorkflow } from '../../src/compiler/compile.ts';
import { ENTITY } from '../../src/sdk/entities.ts';
test('smoke', async () => {
  expect(await my_wf({ a: 50, b: 'hello' })).toEqual([52, 'helloworld']);
  expect(await t1({ a: 1 })).toEqual({ t1_int_output: 3, c: 'world' });
  const s = serializeWorkflow(my_wf[ENTITY], LOCAL_SETTINGS);
  const r = compileWorkflow({ primary: s.template, tasks: [...s.tasks.values()].map(x => x.template) });
  console.log(JSON.stringify(r.diagnostics), JSON.stringify(r.closure?.primary?.connections));
  expect(r.diagnostics).toEqual([]);
});
