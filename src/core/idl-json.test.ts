import { describe, expect, it } from 'vitest';
import { decode, encode, fromJson, toJson } from './idl.ts';

describe('proto3 JSON of wrapper types', () => {
  it('writes a wrapper as its bare value, also when it holds the default (decoded as an empty message)', () => {
    // flytekit sends `generates_deck: BoolValue(false)`; decoded, the wrapper has no `value`.
    const template = decode('flyteidl.core.TaskTemplate', encode('flyteidl.core.TaskTemplate', { metadata: { generatesDeck: { value: false }, retries: {} } }));
    const json = toJson('flyteidl.core.TaskTemplate', template);
    expect((json.metadata as Record<string, unknown>).generates_deck).toBe(false);
    // and reads back
    const again = fromJson<{ metadata?: { generatesDeck?: { value?: boolean } } }>('flyteidl.core.TaskTemplate', json);
    expect(again.metadata?.generatesDeck?.value ?? false).toBe(false);
    const on = toJson('flyteidl.core.TaskTemplate', decode('flyteidl.core.TaskTemplate', encode('flyteidl.core.TaskTemplate', { metadata: { generatesDeck: { value: true } } })));
    expect((on.metadata as Record<string, unknown>).generates_deck).toBe(true);
  });
});
