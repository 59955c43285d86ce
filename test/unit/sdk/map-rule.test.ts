/** The one rule for which map inputs are mapped over, shared by workflow bodies and eager maps. */
import { describe, expect, test } from 'vitest';
import { t } from 'tflyte';
import { mapsOver } from '../../../src/sdk/map.ts';

describe('mapsOver', () => {
  test('an array for a scalar input is mapped; a scalar is passed to every item', () => {
    expect(mapsOver(t.int, [1, 2])).toBe(true);
    expect(mapsOver(t.int, [])).toBe(true);
    expect(mapsOver(t.int, 3)).toBe(false);
  });
  test('for a list input, only a list of lists is mapped', () => {
    expect(mapsOver(t.list(t.int), [[1], [2, 3]])).toBe(true);
    expect(mapsOver(t.list(t.int), [1, 2])).toBe(false);
    expect(mapsOver(t.list(t.int), [])).toBe(false);
  });
});
