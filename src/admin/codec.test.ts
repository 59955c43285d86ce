import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRegistration } from '../cli/registration-plan.ts';
import { encode, normalize } from '../core/idl.ts';
import { canonicalBytes, canonicalSpec, msToTimestamp, timestampToMs } from './codec.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The definition earlier versions stored digests with: normalise, sort keys, encode. */
function formerDigest(typeName: string, value: object): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return createHash('sha256').update(encode(typeName, sort(normalize(typeName, value)) as object)).digest('hex');
}

const SPEC_TYPES = { task: 'flyteidl.admin.TaskSpec', workflow: 'flyteidl.admin.WorkflowSpec', launchPlan: 'flyteidl.admin.LaunchPlanSpec' } as const;

describe('canonicalSpec', () => {
  it('ignores map key order and differs when content differs', () => {
    const a = { template: { type: 'python-task', interface: { inputs: { variables: { a: { type: { simple: 1 } }, b: { type: { simple: 3 } } } } } } };
    const b = { template: { interface: { inputs: { variables: { b: { type: { simple: 3 } }, a: { type: { simple: 1 } } } } }, type: 'python-task' } };
    const c = { template: { type: 'python-task', interface: { inputs: { variables: { a: { type: { simple: 3 } } } } } } };
    expect(canonicalSpec('flyteidl.admin.TaskSpec', a).digest).toBe(canonicalSpec('flyteidl.admin.TaskSpec', b).digest);
    expect(canonicalSpec('flyteidl.admin.TaskSpec', a).digest).not.toBe(canonicalSpec('flyteidl.admin.TaskSpec', c).digest);
  });

  it('gives the digest earlier versions stored, for every entity of the examples and fixtures (a re-registration stays identical)', async () => {
    const files = [
      ...['basic_workflow.ts', 'dynamic_workflow.ts', 'conditional_map.ts', 'eager_workflows.ts', 'all_types.ts'].map((f) => path.join(ROOT, 'examples', f)),
      path.join(ROOT, 'test/fixtures/compile/good_workflows.ts'),
      path.join(ROOT, 'test/fixtures/sandbox/features.ts'),
    ];
    let compared = 0;
    for (const file of files) {
      const plan = await planRegistration(file, { project: 'p', domain: 'd' });
      for (const e of plan.entities) {
        expect(canonicalSpec(SPEC_TYPES[e.kind], e.spec).digest, `${e.kind} ${e.id.name}`).toBe(formerDigest(SPEC_TYPES[e.kind], e.spec));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('gives the former bytes for values in JSON form: enum names, int64 as strings and numbers, bytes, nulls, unknown keys, nested maps', () => {
    const spec = {
      unknownKey: { z: 1 },
      template: {
        type: 'container',
        metadata: { retries: { retries: 3 }, timeout: { seconds: '30', nanos: 5 }, runtime: { type: 'FLYTE_SDK', version: '1' }, tags: { z: '1', a: '2', m: '3' } },
        interface: { inputs: { variables: { y: { type: { simple: 'STRING' } }, x: { type: { mapValueType: { simple: 'INTEGER' } } } } } },
        custom: { fields: { b: { listValue: { values: [{ numberValue: 1 }, { structValue: { fields: { q: { boolValue: true }, p: { nullValue: 'NULL_VALUE' } } } }] } }, a: { stringValue: 'x' } } },
        container: { image: 'i', args: ['a', 'b'], env: [{ key: 'B', value: '1' }, { key: 'A', value: '2' }], config: null },
        securityContext: null,
      },
      description: { shortDescription: 'd' },
    };
    const former = formerDigest('flyteidl.admin.TaskSpec', spec);
    expect(canonicalSpec('flyteidl.admin.TaskSpec', spec).digest).toBe(former);
    const lp = { workflowId: { resourceType: 2, project: 'p', domain: 'd', name: 'n', version: 'v' }, fixedInputs: { literals: { b: { scalar: { primitive: { integer: 7 } } }, a: { scalar: { binary: { value: new Uint8Array([1, 2, 3]), tag: 't' } } } } }, labels: { values: { z: 'a', a: 'z' } }, maxParallelism: 5 };
    expect(canonicalSpec('flyteidl.admin.LaunchPlanSpec', lp).digest).toBe(formerDigest('flyteidl.admin.LaunchPlanSpec', lp));
    const taskExecId = { taskId: { resourceType: 1, project: 'p', domain: 'd', name: 't', version: 'v' }, nodeExecutionId: { nodeId: 'n0', executionId: { project: 'p', domain: 'd', name: 'e' } }, retryAttempt: 2 };
    expect(createHash('sha256').update(canonicalBytes('flyteidl.core.TaskExecutionIdentifier', taskExecId)).digest('hex')).toBe(formerDigest('flyteidl.core.TaskExecutionIdentifier', taskExecId));
  });
});

describe('timestamps', () => {
  it('round-trip milliseconds', () => {
    expect(timestampToMs(msToTimestamp(1_700_000_000_123))).toBe(1_700_000_000_123);
    expect(timestampToMs(undefined)).toBeUndefined();
  });
});
