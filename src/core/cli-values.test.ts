import { describe, expect, it } from 'vitest';
import { parseCliValue, parseDurationText } from './cli-values.ts';
import { LiteralConversionError } from './conversion-error.ts';
import { descriptorFromLiteralType, t, type TypeDescriptor } from './types.ts';

const GOOD: Array<[TypeDescriptor, string, unknown]> = [
  [t.int, '42', 42],
  [t.int, '-7', -7],
  [t.int, ' 3 ', 3],
  [t.int, '9223372036854775807', 9223372036854775807n],
  [t.float, '1.5', 1.5],
  [t.float, '3', 3],
  [t.float, '-2e3', -2000],
  [t.float, '.5', 0.5],
  [t.float, 'nan', Number.NaN],
  [t.float, '-inf', Number.NEGATIVE_INFINITY],
  [t.str, ' keep spaces ', ' keep spaces '],
  [t.str, '42', '42'],
  [t.str, '', ''],
  [t.bool, 'true', true],
  [t.bool, 'FALSE', false],
  [t.bool, '1', true],
  [t.bool, '0', false],
  [t.bool, 'yes', true],
  [t.bool, 'No', false],
  [t.datetime, '2024-05-01T10:00:00Z', new Date('2024-05-01T10:00:00Z')],
  [t.datetime, '2024-05-01', new Date('2024-05-01T00:00:00Z')],
  [t.duration, '30s', 30_000],
  [t.duration, '5m', 300_000],
  [t.duration, '1h', 3_600_000],
  [t.duration, '1h30m', 5_400_000],
  [t.duration, '250ms', 250],
  [t.duration, '1.5s', 1500],
  [t.duration, '2d', 172_800_000],
  [t.duration, '1500', 1500],
  [t.duration, '-10s', -10_000],
  [t.none, 'null', null],
  [t.none, '', null],
  [t.optional(t.int), 'null', null],
  [t.optional(t.int), '', null],
  [t.optional(t.int), '5', 5],
  [t.optional(t.str), '', ''],
  [t.optional(t.str), 'none', null],
  [t.enum('red', 'green'), 'green', 'green'],
  [t.file, './data/in.csv', './data/in.csv'],
  [t.dir, 's3://bucket/prefix/', 's3://bucket/prefix/'],
  [t.list(t.int), '[1, 2, 3]', [1, 2, 3]],
  [t.list(t.str), '[]', []],
  [t.list(t.datetime), '["2024-01-01T00:00:00Z"]', [new Date('2024-01-01T00:00:00Z')]],
  [t.list(t.duration), '[100, "2s"]', [100, 2000]],
  [t.dict(t.float), '{"a": 1.5, "b": 2}', { a: 1.5, b: 2 }],
  [t.struct({ size: t.int, tags: t.list(t.str), ratio: t.optional(t.float) }), '{"size": 3, "tags": ["x"]}', { size: 3, tags: ['x'], ratio: null }],
  [t.struct(), '{"anything": [1, {"deep": null}]}', { anything: [1, { deep: null }] }],
  [t.union(t.int, t.str), '5', 5],
  [t.union(t.int, t.str), 'five', 'five'],
  [t.union(t.bool, t.list(t.int)), '[1]', [1]],
  [t.union(t.int, t.str, t.none), 'null', null],
];

describe('parseCliValue parses text by the declared type', () => {
  for (const [d, text, want] of GOOD) {
    it(`${d.toString()} <- ${JSON.stringify(text)}`, () => {
      const v = parseCliValue(d, text, '--a');
      expect(v).toEqual(want);
      // Whatever it returns converts to a literal of the type.
      expect(() => d.toLiteral(v, 'inputs.a')).not.toThrow();
    });
  }

  it('works with descriptors rebuilt from an interface', () => {
    const d = descriptorFromLiteralType(t.list(t.optional(t.int)).literalType());
    expect(parseCliValue(d, '[1, null]', '--xs')).toEqual([1, null]);
  });
});

const BAD: Array<[TypeDescriptor, string, string]> = [
  [t.int, 'x', '--a: expected int, got "x" (use an integer like 42)'],
  [t.int, '1.5', '--a: expected int, got "1.5" (use an integer like 42)'],
  [t.int, '', '--a: expected int, got "" (use an integer like 42)'],
  [t.int, '99999999999999999999', '--a: expected int, got 99999999999999999999n (outside the int64 range)'],
  [t.float, 'abc', '--a: expected float, got "abc" (use a number like 1.5)'],
  [t.float, '0x10', '--a: expected float, got "0x10" (use a number like 1.5)'],
  [t.bool, 'maybe', '--a: expected bool, got "maybe" (use true/false, 1/0 or yes/no)'],
  [t.datetime, 'yesterday', '--a: expected datetime, got "yesterday" (use ISO 8601 like 2024-05-01T10:00:00Z)'],
  [t.datetime, '2024-13-45', '--a: expected datetime, got "2024-13-45" (use an ISO 8601 date-time)'],
  [t.duration, '5 minutes', '--a: expected duration, got "5 minutes" (use milliseconds or text like 30s, 5m, 1h)'],
  [t.duration, '5w', '--a: expected duration, got "5w" (use milliseconds or text like 30s, 5m, 1h)'],
  [t.none, 'x', '--a: expected none, got "x" (use null)'],
  [t.optional(t.int), 'x', '--a: expected optional<int>, got "x" (use an integer like 42)'],
  [t.enum('red', 'green'), 'blue', '--a: expected enum<red | green>, got "blue" (use one of red, green)'],
  [t.file, '  ', '--a: expected file, got "  " (give a file path or URI)'],
  [t.list(t.int), '1,2', "--a: expected list<int>, got \"1,2\" (give it as JSON: Unexpected non-whitespace character after JSON at position 1 (line 1 column 2))"],
  [t.list(t.int), '[1, "x"]', '--a[1]: expected int, got "x"'],
  [t.list(t.int), '{"a": 1}', '--a: expected list<int>, got {"a":1}'],
  [t.dict(t.int), '[1]', '--a: expected dict<int>, got [1]'],
  [t.struct({ size: t.int }), '{"size": 1, "colour": "red"}', '--a.colour: unexpected field (struct{size: int} has fields size)'],
  [t.struct({ size: t.int }), '{}', '--a.size: expected int, got undefined'],
  [t.union(t.int, t.bool), 'x', '--a: expected union<int | bool>, got "x" (no variant of union<int | bool> accepts it)'],
];

describe('parseCliValue rejects bad text naming the input and the type', () => {
  for (const [d, text, message] of BAD) {
    it(`${d.toString()} <- ${JSON.stringify(text)}`, () => {
      let err: unknown;
      try {
        parseCliValue(d, text, '--a');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LiteralConversionError);
      expect((err as Error).message).toBe(message);
    });
  }
});

describe('parseDurationText', () => {
  it('parses unit sequences and plain milliseconds, and refuses the rest', () => {
    expect(parseDurationText('1h2m3s4ms')).toBe(3_723_004);
    expect(parseDurationText('+2m')).toBe(120_000);
    expect(parseDurationText('0')).toBe(0);
    expect(parseDurationText('')).toBeUndefined();
    expect(parseDurationText('s')).toBeUndefined();
    expect(parseDurationText('1 h')).toBeUndefined();
    expect(parseDurationText('PT1H')).toBeUndefined();
  });
});
