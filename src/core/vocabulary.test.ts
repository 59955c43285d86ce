/** Flyte's numbers written in vocabulary.ts are the protos' own. */
import { describe, expect, test } from 'vitest';
import protobuf from 'protobufjs';
import { idlLookup } from './idl.ts';
import { END_NODE, executionId, minSuccessesNeeded, ResourceType, START_NODE } from './vocabulary.ts';

describe('vocabulary', () => {
  test('ResourceType matches flyteidl.core.ResourceType name for name and number for number', () => {
    const e = idlLookup('flyteidl.core.ResourceType');
    if (!(e instanceof protobuf.Enum)) throw new Error('flyteidl.core.ResourceType is not an enum');
    expect(ResourceType).toEqual(e.values);
  });

  test('start and end node ids, and the execution id shape', () => {
    expect([START_NODE, END_NODE]).toEqual(['start-node', 'end-node']);
    expect(executionId({ project: 'p', domain: 'd', name: 'n', org: 'o' } as never)).toEqual({ project: 'p', domain: 'd', name: 'n' });
  });
});

describe('minSuccessesNeeded', () => {
  test('min successes first, then the float32 ratio rounded up, else all', () => {
    expect(minSuccessesNeeded(10, { minSuccesses: 3, minSuccessRatio: 0.9 })).toBe(3);
    expect(minSuccessesNeeded(10, { minSuccessRatio: 0.7 })).toBe(7);
    expect(minSuccessesNeeded(10, { minSuccessRatio: Math.fround(0.7) })).toBe(7);
    expect(minSuccessesNeeded(5, { minSuccessRatio: 0.6 })).toBe(3);
    expect(minSuccessesNeeded(3, { minSuccessRatio: 0.5 })).toBe(2);
    expect(minSuccessesNeeded(4, {})).toBe(4);
    expect(minSuccessesNeeded(2, { minSuccesses: 5 })).toBe(2);
  });
});
