import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { t, task, workflow } from 'tflyte';
import { entityDef, findEntity, type EntityDef } from '../sdk/internal.ts';
import { planCalled, planOnDemandFrom, planRegistration } from './registration-plan.ts';

const FILE = path.resolve(import.meta.dirname, '../../examples/dynamic_workflow.ts');
const where = { project: 'flytesnacks', domain: 'development' };
const names = (entities: { kind: string; id: { name?: string | null } }[]) => entities.map((e) => `${e.kind}:${e.id.name}`).sort();

describe('planning what a local run registers', () => {
  it('planCalled plans the entity and what it calls, not the rest of the file', async () => {
    const all = await planRegistration(FILE, where);
    const only = planCalled(findEntity(all.loaded, 'merge_sort'), all.settings);
    const planned = names(only);
    expect(planned).toContain('workflow:examples.dynamic_workflow.merge_sort');
    expect(planned).toContain('task:examples.dynamic_workflow.merge_sort_remotely');
    expect(planned).not.toContain('workflow:examples.dynamic_workflow.wf');
    expect(planned).not.toContain('task:examples.dynamic_workflow.count_characters');
    expect(names(all.entities)).toEqual(expect.arrayContaining(planned));
    expect(all.entities.length).toBeGreaterThan(only.length);
  });

  it('planOnDemandFrom plans a callee found by name, and nothing for a name it does not know', async () => {
    const plan = await planRegistration(FILE, where);
    const onDemand = planOnDemandFrom((name) => plan.loaded.allEntities.get(name), plan.settings);
    expect(names(onDemand({ resourceType: 1, name: 'examples.dynamic_workflow.split' }) ?? [])).toEqual(['task:examples.dynamic_workflow.split']);
    expect(onDemand({ resourceType: 1, name: 'examples.dynamic_workflow.nope' })).toBeUndefined();
  });

  it('planCalled throws the compile error of the entity itself', () => {
    const one = task({ name: 'plan_test.one', inputs: { x: t.int }, outputs: t.int }, ({ x }) => x);
    const broken = workflow({ name: 'plan_test.broken', inputs: { x: t.int }, outputs: t.int }, ({ x }) => one({ x, y: x } as never));
    const settings = { ...where, version: 'v', image: 'img' };
    expect(() => planCalled(entityDef(broken) as EntityDef, settings)).toThrow(/^plan_test\.broken does not compile/);
    expect(names(planCalled(entityDef(one) as EntityDef, settings))).toEqual(['task:plan_test.one']);
  });
});
