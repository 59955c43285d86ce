import { describe, expect, it } from 'vitest';
import { LiteralConversionError } from './conversion-error.ts';
import { decode, encode, MessageName, type flyteidl } from './idl.ts';
import { jsToLiteralMap, literalMapToJs, literalMapToValues, literalToJs } from './literals.ts';
import { t } from './types.ts';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LiteralConversionError);
    return (e as Error).message;
  }
  throw new Error('nothing thrown');
}

const wire = (m: flyteidl.core.ILiteralMap): flyteidl.core.ILiteralMap =>
  decode(MessageName.LiteralMap, encode(MessageName.LiteralMap, m));

describe('jsToLiteralMap / literalMapToValues', () => {
  const vars = { a: t.int, b: t.str, c: t.optional(t.list(t.float)) };

  it('converts named values and reads them back through protobuf binary', () => {
    const map = jsToLiteralMap({ a: 1, b: 'x', c: [1.5] }, vars, 'inputs');
    expect(Object.keys(map.literals ?? {})).toEqual(['a', 'b', 'c']);
    expect(literalMapToValues(wire(map), vars, 'inputs')).toEqual({ a: 1, b: 'x', c: [1.5] });
  });

  it('treats a missing optional as none', () => {
    const map = jsToLiteralMap({ a: 1, b: 'x' }, vars, 'inputs');
    expect(literalMapToValues(wire(map), vars, 'inputs')).toEqual({ a: 1, b: 'x', c: null });
    expect(literalMapToValues({ literals: {} }, { c: t.optional(t.int) }, 'inputs')).toEqual({ c: null });
  });

  it('rejects missing, extra and mistyped values with their path', () => {
    expect(messageOf(() => jsToLiteralMap({ a: 1 }, vars, 'inputs'))).toBe('inputs.b: missing input (expected str)');
    expect(messageOf(() => jsToLiteralMap({ a: 1, b: 'x', zz: 2 }, vars, 'inputs'))).toBe(
      'inputs.zz: unexpected input (known inputs: a, b, c)',
    );
    expect(messageOf(() => jsToLiteralMap({ a: 'x', b: 'x' }, vars, 'inputs'))).toBe('inputs.a: expected int, got "x"');
    expect(messageOf(() => jsToLiteralMap({ a: 1, b: 'x', c: [1, 'y'] }, vars, 'inputs'))).toBe(
      'inputs.c[1]: expected float, got "y"',
    );
    expect(messageOf(() => jsToLiteralMap({ o0: 1 }, {}, 'outputs'))).toBe('outputs.o0: unexpected output (there are no outputs)');
    expect(messageOf(() => jsToLiteralMap(5 as never, vars, 'inputs'))).toBe('inputs: expected an object of named inputs, got 5');
    expect(messageOf(() => literalMapToValues({ literals: {} }, { a: t.int }, 'inputs'))).toBe('inputs.a: missing input (expected int)');
    expect(
      messageOf(() => literalMapToValues(jsToLiteralMap({ a: 1 }, { a: t.int }, 'outputs'), { a: t.str }, 'outputs')),
    ).toBe('outputs.a: expected str, got int literal 1');
  });
});

describe('literalToJs renders plain JSON', () => {
  it('renders every kind of value', () => {
    const d = t.struct({ n: t.int });
    const map = jsToLiteralMap(
      {
        i: 7,
        f: 2.5,
        s: 'x',
        b: true,
        when: new Date('2024-05-01T10:00:00.123Z'),
        took: 1500,
        nothing: null,
        xs: [1, 2],
        m: { k: 'v' },
        cfg: { n: 3 },
        maybe: null,
        either: 'e',
        colour: 'red',
        f1: 's3://b/k',
        d1: '/tmp/d',
      },
      {
        i: t.int,
        f: t.float,
        s: t.str,
        b: t.bool,
        when: t.datetime,
        took: t.duration,
        nothing: t.none,
        xs: t.list(t.int),
        m: t.dict(t.str),
        cfg: d,
        maybe: t.optional(t.int),
        either: t.union(t.int, t.str),
        colour: t.enum('red', 'blue'),
        f1: t.file,
        d1: t.dir,
      },
      'outputs',
    );
    expect(literalMapToJs(wire(map))).toEqual({
      i: 7,
      f: 2.5,
      s: 'x',
      b: true,
      when: '2024-05-01T10:00:00.123Z',
      took: 1500,
      nothing: null,
      xs: [1, 2],
      m: { k: 'v' },
      cfg: { n: 3 },
      maybe: null,
      either: 'e',
      colour: 'red',
      f1: 's3://b/k',
      d1: '/tmp/d',
    });
  });

  it('keeps what JSON cannot hold exactly as strings', () => {
    expect(literalToJs(t.int.toLiteral(2n ** 62n, 'v'))).toBe('4611686018427387904');
    expect(literalToJs(t.float.toLiteral(Number.NaN, 'v'))).toBe('NaN');
    expect(literalToJs(t.float.toLiteral(Number.NEGATIVE_INFINITY, 'v'))).toBe('-Infinity');
  });

  it('renders literals of types tflyte does not author', () => {
    expect(literalToJs({ scalar: { error: { failedNodeId: 'n1', message: 'boom' } } })).toEqual({
      error: { failedNodeId: 'n1', message: 'boom' },
    });
    expect(literalToJs({ scalar: { structuredDataset: { uri: 's3://b/df' } } })).toBe('s3://b/df');
    expect(literalToJs({ offloadedMetadata: { uri: 's3://b/off' } })).toEqual({ offloaded: 's3://b/off' });
    expect(literalToJs({ scalar: { binary: { value: Uint8Array.from([1, 2]), tag: 'raw' } } })).toEqual({ binary: 'AQI=', tag: 'raw' });
    expect(literalToJs({ scalar: { binary: { value: Uint8Array.from([0x81, 0xa1, 0x61, 0x01]), tag: 'msgpack' } } })).toEqual({ a: 1 });
    expect(literalToJs(null)).toBeNull();
  });

  it('orders names by the interface when given one', () => {
    const map = jsToLiteralMap({ b: 1, a: 2 }, { b: t.int, a: t.int }, 'outputs');
    const iface = { variables: { a: { type: t.int.literalType() }, b: { type: t.int.literalType() } } };
    expect(Object.keys(literalMapToJs(map, iface))).toEqual(['a', 'b']);
    expect(literalMapToJs(null)).toEqual({});
  });
});
