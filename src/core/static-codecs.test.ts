import path from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { codecsModule } from '../../scripts/build/idl-codecs.mjs';
import { planRegistration } from '../cli/registration-plan.ts';
import { fromJson, idlDescriptor, jsonMappingOfTables, messageType, toJson } from './idl.ts';
import type { PrecompiledCodecs } from './idl-codecs.ts';
import { staticCodecs, tableLookups, type MessageCodec } from './static-codecs.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The tables the build writes into the bundle, from the descriptor the binary carries. */
function buildTables(): { codecs: (fullName: string) => (() => PrecompiledCodecs) | undefined; enums: Record<string, Record<string, number>>; count: number } {
  const { source, count } = codecsModule(protobuf.Root.fromJSON(JSON.parse(JSON.stringify(idlDescriptor()))));
  const body = `${source.replace(/^export /gm, '')}\nreturn { codecs: PRECOMPILED_CODECS, enums: PRECOMPILED_ENUMS };`;
  return { ...(new Function(body)() as Omit<ReturnType<typeof buildTables>, 'count'>), count };
}

const tables = buildTables();
const reflected = (fullName: string): MessageCodec => messageType(fullName.slice(1));
const lookups = tableLookups(tables);
const codecOf = staticCodecs(lookups, reflected);
const OPTIONS: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: Buffer as unknown as typeof String, defaults: false, arrays: false, objects: false, oneofs: false };

/** Encodes, decodes and normalises `value` as `type` both ways; the results must be the same. */
function compare(type: string, value: object): void {
  const s = codecOf(`.${type}`);
  const r = messageType(type);
  expect(s, type).toBeDefined();
  if (!s) return;
  const bytes = s.encode(s.fromObject(value as Record<string, unknown>)).finish();
  const expected = r.encode(r.fromObject(value as Record<string, unknown>)).finish();
  expect(Buffer.from(bytes).toString('hex'), type).toBe(Buffer.from(expected).toString('hex'));
  expect(s.toObject(s.decode(bytes), OPTIONS), type).toEqual(r.toObject(r.decode(expected), OPTIONS));
  expect(s.toObject(s.fromObject(value as Record<string, unknown>), OPTIONS), type).toEqual(r.toObject(r.fromObject(value as Record<string, unknown>), OPTIONS));
}

describe('static codecs (the build’s codecs without reflection)', () => {
  it('has a codec for every message type and the values of every enum', () => {
    expect(tables.count).toBeGreaterThan(300);
    expect(tables.codecs('.flyteidl.core.Literal')?.().fields).toEqual(['.flyteidl.core.Scalar', '.flyteidl.core.LiteralCollection', '.flyteidl.core.LiteralMap', '.flyteidl.core.LiteralOffloadedMetadata', null, null]);
    expect(tables.codecs('.flyteidl.core.NoSuchMessage')).toBeUndefined();
    expect(tables.enums['.flyteidl.core.SimpleType']).toMatchObject({ NONE: 0, INTEGER: 1, STRING: 3 });
    expect(codecOf('.flyteidl.core.NoSuchMessage')).toBeUndefined();
    // protobufjs wraps Any (its JSON form needs reflection): left to reflection.
    expect(codecOf('.google.protobuf.Any')).toBeUndefined();
  });

  it('makes a type’s codecs only when they are first used, not for every type a used one refers to', () => {
    const made: string[] = [];
    const counting = {
      codecs: (fullName: string) => {
        const factory = tables.codecs(fullName);
        return factory && (() => (made.push(fullName), factory()));
      },
      enums: tables.enums,
    };
    const literal = staticCodecs(tableLookups(counting), reflected)('.flyteidl.core.Literal');
    expect(made).toEqual([]);
    const bytes = literal?.encode(literal.fromObject({ scalar: { primitive: { integer: '5' } } })).finish();
    expect(made).toEqual(['.flyteidl.core.Literal', '.flyteidl.core.Scalar', '.flyteidl.core.Primitive']);
    expect(bytes).toEqual(messageType('flyteidl.core.Literal').encode(messageType('flyteidl.core.Literal').fromObject({ scalar: { primitive: { integer: '5' } } })).finish());
  });

  it('gives reflection’s bytes and objects for every entity of the examples and fixtures', async () => {
    const files = [
      ...['basic_workflow.ts', 'dynamic_workflow.ts', 'conditional_map.ts', 'eager_workflows.ts', 'all_types.ts'].map((f) => path.join(ROOT, 'examples', f)),
      path.join(ROOT, 'test/fixtures/compile/good_workflows.ts'),
      path.join(ROOT, 'test/fixtures/sandbox/features.ts'),
    ];
    const types = { task: 'flyteidl.admin.TaskSpec', workflow: 'flyteidl.admin.WorkflowSpec', launchPlan: 'flyteidl.admin.LaunchPlanSpec' } as const;
    let compared = 0;
    for (const file of files) {
      const plan = await planRegistration(file, { project: 'p', domain: 'd' });
      for (const e of plan.entities) {
        compare(types[e.kind], e.spec);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('gives reflection’s results for literals of every kind, int64 beyond 2^53, oneofs, enums by name, bytes and unknown keys', () => {
    const literals = {
      literals: {
        big: { scalar: { primitive: { integer: '9007199254740993' } } },
        neg: { scalar: { primitive: { integer: -5 } } },
        f: { scalar: { primitive: { floatValue: 1.5 } } },
        s: { scalar: { primitive: { stringValue: 'héllo' } } },
        b: { scalar: { primitive: { boolean: true } } },
        t: { scalar: { primitive: { datetime: { seconds: '1700000000', nanos: 5 } } } },
        d: { scalar: { primitive: { duration: { seconds: 3 } } } },
        blob: { scalar: { blob: { uri: 's3://b/k', metadata: { type: { format: 'csv', dimensionality: 'MULTIPART' } } } } },
        bin: { scalar: { binary: { value: Buffer.from([0, 1, 2, 255]), tag: 'msgpack' } } },
        st: { scalar: { generic: { fields: { a: { numberValue: 1 }, n: { nullValue: 'NULL_VALUE' }, l: { listValue: { values: [{ boolValue: false }] } } } } } },
        none: { scalar: { noneType: {} } },
        err: { scalar: { error: { failedNodeId: 'n0', message: 'boom' } } },
        u: { scalar: { union: { value: { scalar: { primitive: { integer: 1 } } }, type: { simple: 'INTEGER', structure: { tag: 'int' } } } } },
        c: { collection: { literals: [{ scalar: { primitive: { integer: 1 } } }, { map: { literals: { k: { scalar: { primitive: { stringValue: 'v' } } } } } }] } },
        off: { offloadedMetadata: { uri: 'file:///x', sizeBytes: '12', inferredType: { simple: 2 } } },
        meta: { scalar: { primitive: { integer: 2 } }, hash: 'h', metadata: { z: '1', a: '2' } },
      },
      unknownKey: 1,
    };
    compare('flyteidl.core.LiteralMap', literals);
    compare('flyteidl.core.ExecutionError', { code: 'USER:Oops', message: 'm', errorUri: 'u', kind: 'USER', timestamp: { seconds: 1 }, worker: 'w' });
    compare('flyteidl.event.TaskExecutionEvent', {
      taskId: { resourceType: 'TASK', project: 'p', domain: 'd', name: 't', version: 'v' },
      phase: 'RUNNING',
      occurredAt: { seconds: '1700000000' },
      logs: [{ uri: 'file:///log', name: 'log', messageFormat: 'JSON' }],
      retryAttempt: 2,
      customInfo: { fields: { container: { stringValue: 'c1' } } },
      reason: 'r',
      reasons: [{ occurredAt: { seconds: 1 }, reason: 'queued' }],
    });
    // A field of a type protobufjs wraps (Any), through reflection's codec.
    compare('flyteidl.admin.LaunchPlanMetadata', { launchConditions: { typeUrl: 'type.googleapis.com/x.Y', value: Buffer.from('ab') }, notifications: [{ phases: [3], email: { recipientsEmail: ['a@b'] } }] });
  });

  it('sets reflection up for a field left to it (Any) only when a value has that field', () => {
    const asked: string[] = [];
    const codec = staticCodecs(tableLookups(tables), (fullName) => {
      asked.push(fullName);
      return reflected(fullName);
    });
    const lp = codec('.flyteidl.admin.LaunchPlanMetadata');
    lp?.encode(lp.fromObject({ notifications: [{ phases: [3], email: { recipientsEmail: ['a@b'] } }] }));
    expect(asked).toEqual([]);
    lp?.encode(lp.fromObject({ launchConditions: { typeUrl: 'type.googleapis.com/x.Y', value: Buffer.from('ab') } }));
    expect(asked).toEqual(['.google.protobuf.Any']);
  });

  it('decodes into messages with the prototype reflection gives them: defaults and virtual oneofs', () => {
    const s = codecOf('.flyteidl.core.Literal');
    const r = messageType('flyteidl.core.Literal');
    const bytes = r.encode(r.fromObject({ scalar: { primitive: { integer: 3 } } })).finish();
    const a = s?.decode(bytes) as Record<string, unknown>;
    const b = r.decode(bytes) as unknown as Record<string, unknown>;
    expect(a.value).toBe('scalar');
    expect(a.value).toBe(b.value);
    expect(a.hash).toBe(b.hash);
    expect(a.metadata).toEqual(b.metadata);
    // Setting a oneof's virtual property drops the other fields (to the prototype's default).
    a.value = 'collection';
    b.value = 'collection';
    expect(Object.hasOwn(a, 'scalar')).toBe(false);
    expect(a.scalar).toBe(b.scalar);
  });

  it('refuses what reflection refuses, with its message', () => {
    const s = codecOf('.flyteidl.core.Literal');
    const r = messageType('flyteidl.core.Literal');
    const bad = { scalar: 'not an object' };
    expect(() => s?.fromObject(bad)).toThrow(/\.flyteidl\.core\.Literal\.scalar: object expected/);
    expect(() => r.fromObject(bad)).toThrow(/\.flyteidl\.core\.Literal\.scalar: object expected/);
    expect(() => s?.decode(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(RangeError);
  });
});

describe('the JSON mapping over the build’s tables (no reflection)', () => {
  const tablesJson = jsonMappingOfTables(lookups);

  /** `toJson` and `fromJson` of `value` both ways; the results, or their errors, must be the same. */
  const same = (type: string, value: object): void => {
    const json = toJson(type, value);
    expect(tablesJson.toJson(type, value), type).toEqual(json);
    expect(tablesJson.fromJson(type, json), type).toEqual(fromJson(type, json));
  };
  const sameError = (type: string, json: unknown): void => {
    const message = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    const expected = message(() => fromJson(type, json));
    expect(expected).not.toBe('no error');
    expect(message(() => tablesJson.fromJson(type, json)), JSON.stringify(json)).toBe(expected);
  };

  it('gives reflection’s JSON for every entity of the examples and fixtures, and reads it back the same', async () => {
    const files = [
      ...['basic_workflow.ts', 'dynamic_workflow.ts', 'conditional_map.ts', 'eager_workflows.ts', 'all_types.ts'].map((f) => path.join(ROOT, 'examples', f)),
      path.join(ROOT, 'test/fixtures/compile/good_workflows.ts'),
    ];
    const types = { task: 'flyteidl.admin.TaskSpec', workflow: 'flyteidl.admin.WorkflowSpec', launchPlan: 'flyteidl.admin.LaunchPlanSpec' } as const;
    let compared = 0;
    for (const file of files) {
      for (const e of (await planRegistration(file, { project: 'p', domain: 'd' })).entities) {
        same(types[e.kind], e.spec);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('gives reflection’s JSON for well-known types, wrappers, enums, int64, bytes and defaults', () => {
    same('flyteidl.admin.Execution', {
      id: { project: 'p', domain: 'd', name: 'e' },
      spec: { launchPlan: { resourceType: 3, project: 'p', domain: 'd', name: 'lp', version: 'v' }, metadata: { mode: 1, principal: 'me', nesting: 2 } },
      closure: { phase: 4, startedAt: { seconds: '1700000000', nanos: 5000000 }, duration: { seconds: '3', nanos: 500000000 }, error: { code: 'USER:X', message: 'm', kind: 1 } },
    });
    same('flyteidl.core.ArrayNode', { parallelism: 3, minSuccessRatio: 0.5, isOriginalSubNodeInterface: { value: true }, executionMode: 1 });
    same('flyteidl.core.ArrayNode', { isOriginalSubNodeInterface: {} });
    same('flyteidl.core.LiteralMap', {
      literals: {
        i: { scalar: { primitive: { integer: '9007199254740993' } } },
        b: { scalar: { binary: { value: Buffer.from([1, 2, 255]), tag: 't' } } },
        g: { scalar: { generic: { fields: { a: { listValue: { values: [{ numberValue: 1 }, { nullValue: 0 }] } } } } } },
      },
    });
    same('flyteidl.event.TaskExecutionEvent', { phase: 3, retryAttempt: 1, customInfo: { fields: { x: { stringValue: 'y' } } }, logs: [{ uri: 'u', messageFormat: 2 }] });
  });

  it('refuses what reflection refuses, with the same message', () => {
    sameError('flyteidl.admin.ExecutionCreateRequest', { project: 'p', nope: 1 });
    sameError('flyteidl.admin.ExecutionCreateRequest', { project: 3 });
    sameError('flyteidl.admin.ExecutionCreateRequest', { spec: { metadata: { mode: 'SIDEWAYS' } } });
    sameError('flyteidl.core.Literal', { scalar: { primitive: { integer: 1 } }, collection: { literals: [] } });
    sameError('flyteidl.core.Literal', { scalar: { primitive: { integer: 'x1' } } });
    sameError('flyteidl.core.Literal', { scalar: { primitive: { datetime: 'yesterday' } } });
    sameError('flyteidl.core.LiteralMap', { literals: [] });
    sameError('flyteidl.core.LiteralCollection', { literals: {} });
  });
});
