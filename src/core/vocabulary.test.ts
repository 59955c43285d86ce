/** Flyte's numbers written in vocabulary.ts are the protos' own. */
import { describe, expect, test } from 'vitest';
import { idlRoot } from './idl.ts';
import { END_NODE, executionId, ResourceType, START_NODE } from './vocabulary.ts';

describe('vocabulary', () => {
  test('ResourceType matches flyteidl.core.ResourceType name for name and number for number', () => {
    const e = idlRoot().lookupEnum('flyteidl.core.ResourceType');
    expect(ResourceType).toEqual(e.values);
  });

  test('start and end node ids, and the execution id shape', () => {
    expect([START_NODE, END_NODE]).toEqual(['start-node', 'end-node']);
    expect(executionId({ project: 'p', domain: 'd', name: 'n', org: 'o' } as never)).toEqual({ project: 'p', domain: 'd', name: 'n' });
  });
});
