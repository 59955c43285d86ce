import { describe, expect, expectTypeOf, it } from 'vitest';
import { LiteralConversionError } from './conversion-error.ts';
import { isSandboxError } from './errors.ts';
import { decode, encode, MessageName } from './idl.ts';
import { descriptorFromLiteralType, literalTypeToString, t, type TypeDescriptor, type ValueOf } from './types.ts';

/** Runs `fn` and returns the LiteralConversionError it throws (fails the test otherwise). */
function conversionError(fn: () => unknown): LiteralConversionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LiteralConversionError);
    return e as LiteralConversionError;
  }
  throw new Error('expected a LiteralConversionError, nothing was thrown');
}

function roundTrip<V>(d: TypeDescriptor<V>, v: unknown): V {
  return d.fromLiteral(decode(MessageName.Literal, encode(MessageName.Literal, d.toLiteral(v, 'v'))), 'v');
}

describe('literal shapes (Flyte IDL)', () => {
  it('writes primitives as scalar.primitive', () => {
    expect(t.int.toLiteral(42, 'v')).toEqual({ scalar: { primitive: { integer: 42 } } });
    expect(t.float.toLiteral(1.5, 'v')).toEqual({ scalar: { primitive: { floatValue: 1.5 } } });
    expect(t.str.toLiteral('x', 'v')).toEqual({ scalar: { primitive: { stringValue: 'x' } } });
    expect(t.bool.toLiteral(false, 'v')).toEqual({ scalar: { primitive: { boolean: false } } });
    expect(t.datetime.toLiteral(new Date('2024-05-01T10:00:00.250Z'), 'v')).toEqual({
      scalar: { primitive: { datetime: { seconds: 1714557600, nanos: 250_000_000 } } },
    });
    expect(t.duration.toLiteral(90_500, 'v')).toEqual({ scalar: { primitive: { duration: { seconds: 90, nanos: 500_000_000 } } } });
    expect(t.duration.toLiteral(-1500, 'v')).toEqual({ scalar: { primitive: { duration: { seconds: -1, nanos: -500_000_000 } } } });
    expect(t.none.toLiteral(null, 'v')).toEqual({ scalar: { noneType: {} } });
    expect(t.enum('a', 'b').toLiteral('b', 'v')).toEqual({ scalar: { primitive: { stringValue: 'b' } } });
  });

  it('writes int64 beyond 2^53 from a bigint as a decimal string and rejects it on read', () => {
    const big = 2n ** 62n;
    const lit = t.int.toLiteral(big, 'v');
    expect(lit).toEqual({ scalar: { primitive: { integer: '4611686018427387904' } } });
    const decoded = decode(MessageName.Literal, encode(MessageName.Literal, lit));
    expect(decoded).toEqual(lit);
    const e = conversionError(() => t.int.fromLiteral(decoded, 'outputs.o0'));
    expect(e.message).toBe(
      "outputs.o0: expected int, got 4611686018427387904n (outside JavaScript's safe integer range ±(2^53-1))",
    );
    // bigints inside the safe range become plain numbers.
    expect(t.int.toLiteral(12n, 'v')).toEqual({ scalar: { primitive: { integer: 12 } } });
  });

  it('writes containers as collection / map', () => {
    expect(t.list(t.int).toLiteral([1, 2], 'v')).toEqual({
      collection: { literals: [{ scalar: { primitive: { integer: 1 } } }, { scalar: { primitive: { integer: 2 } } }] },
    });
    expect(t.dict(t.str).toLiteral({ k: 'x' }, 'v')).toEqual({
      map: { literals: { k: { scalar: { primitive: { stringValue: 'x' } } } } },
    });
  });

  it('writes a struct as a generic Struct with structure.dataclass_type and a JSON schema', () => {
    const d = t.struct({ size: t.int, when: t.datetime, tags: t.list(t.str), ratio: t.optional(t.float) });
    const lit = d.toLiteral({ size: 3, when: new Date(0), tags: ['a'], ratio: null }, 'v');
    expect(lit).toEqual({
      scalar: {
        generic: {
          fields: {
            size: { numberValue: 3 },
            when: { stringValue: '1970-01-01T00:00:00.000Z' },
            tags: { listValue: { values: [{ stringValue: 'a' }] } },
            ratio: { nullValue: 0 },
          },
        },
      },
    });
    const lt = d.literalType();
    expect(lt.simple).toBe(9);
    expect(Object.keys(lt.structure?.dataclassType ?? {})).toEqual(['size', 'when', 'tags', 'ratio']);
    expect(lt.structure?.dataclassType?.tags).toEqual({ collectionType: { simple: 3 } });
    const schema = d.jsonSchema();
    expect(schema).toMatchObject({ type: 'object', required: ['size', 'when', 'tags'], additionalProperties: false });
    expect(t.struct().literalType()).toEqual({ simple: 9 });
  });

  it('writes optional and union as scalar.union with the variant type tagged', () => {
    expect(t.optional(t.int).literalType()).toEqual({
      unionType: { variants: [{ simple: 1, structure: { tag: 'int' } }, { simple: 0, structure: { tag: 'none' } }] },
    });
    expect(t.optional(t.int).toLiteral(null, 'v')).toEqual({
      scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: 0, structure: { tag: 'none' } } } },
    });
    expect(t.optional(t.int).toLiteral(undefined, 'v')).toEqual(t.optional(t.int).toLiteral(null, 'v'));
    const u = t.union(t.int, t.str);
    expect(u.toLiteral('x', 'v')).toEqual({
      scalar: {
        union: { value: { scalar: { primitive: { stringValue: 'x' } } }, type: { simple: 3, structure: { tag: 'str' } } },
      },
    });
  });

  it('writes files and directories as blobs of the right dimensionality', () => {
    expect(t.file.literalType()).toEqual({ blob: { format: '', dimensionality: 0 } });
    expect(t.dir.literalType()).toEqual({ blob: { format: '', dimensionality: 1 } });
    expect(t.dir.toLiteral('s3://b/k/', 'v')).toEqual({
      scalar: { blob: { metadata: { type: { format: '', dimensionality: 1 } }, uri: 's3://b/k/' } },
    });
    expect(roundTrip(t.file, '/tmp/x.txt')).toBe('/tmp/x.txt');
    expect(conversionError(() => t.file.fromLiteral(t.dir.toLiteral('/d', 'v'), 'inputs.f')).message).toBe(
      'inputs.f: expected file, got dir literal "/d"',
    );
  });
});

describe('rejections name the path, the expected type and what was found', () => {
  const cases: Array<[string, () => unknown, string]> = [
    ['list element', () => t.list(t.int).toLiteral([1, 2, 3, 'x'], 'inputs.freq_list'), 'inputs.freq_list[3]: expected int, got "x"'],
    ['non-integer', () => t.int.toLiteral(1.5, 'inputs.a'), 'inputs.a: expected int, got 1.5'],
    ['no coercion of strings', () => t.int.toLiteral('1', 'inputs.a'), 'inputs.a: expected int, got "1"'],
    ['unsafe number', () => t.int.toLiteral(2 ** 60, 'inputs.a'), 'inputs.a: expected int, got 1152921504606847000 (beyond the safe integer range; pass a bigint)'],
    ['bigint beyond int64', () => t.int.toLiteral(2n ** 63n, 'inputs.a'), 'inputs.a: expected int, got 9223372036854775808n (outside the int64 range)'],
    ['float from string', () => t.float.toLiteral('1.5', 'inputs.f'), 'inputs.f: expected float, got "1.5"'],
    ['str from number', () => t.str.toLiteral(1, 'inputs.s'), 'inputs.s: expected str, got 1'],
    ['bool from number', () => t.bool.toLiteral(1, 'inputs.b'), 'inputs.b: expected bool, got 1'],
    ['invalid date', () => t.datetime.toLiteral(new Date('nope'), 'inputs.d'), 'inputs.d: expected datetime, got Invalid Date'],
    ['date as string', () => t.datetime.toLiteral('2024-01-01', 'inputs.d'), 'inputs.d: expected datetime, got "2024-01-01"'],
    ['duration NaN', () => t.duration.toLiteral(Number.NaN, 'inputs.t'), 'inputs.t: expected duration, got NaN'],
    ['none', () => t.none.toLiteral(0, 'outputs.o0'), 'outputs.o0: expected none, got 0'],
    ['enum value', () => t.enum('a', 'b').toLiteral('c', 'inputs.e'), 'inputs.e: expected enum<a | b>, got "c"'],
    ['empty file path', () => t.file.toLiteral('', 'inputs.f'), 'inputs.f: expected file, got "" (a file is given as a path or URI)'],
    ['dict key', () => t.dict(t.int).toLiteral({ ok: 1, 'bad key': 'x' }, 'inputs.m'), 'inputs.m["bad key"]: expected int, got "x"'],
    ['dict not array', () => t.dict(t.int).toLiteral([1], 'inputs.m'), 'inputs.m: expected dict<int>, got [1]'],
    ['struct field', () => t.struct({ size: t.int }).toLiteral({ size: 'big' }, 'inputs.cfg'), 'inputs.cfg.size: expected int, got "big"'],
    ['struct missing field', () => t.struct({ size: t.int }).toLiteral({}, 'inputs.cfg'), 'inputs.cfg.size: expected int, got undefined'],
    ['struct unknown field', () => t.struct({ size: t.int }).toLiteral({ size: 1, colour: 'red' }, 'inputs.cfg'), 'inputs.cfg.colour: unexpected field (struct{size: int} has fields size)'],
    ['struct nested', () => t.struct({ inner: t.struct({ xs: t.list(t.float) }) }).toLiteral({ inner: { xs: [1, 'a'] } }, 'inputs.cfg'), 'inputs.cfg.inner.xs[1]: expected float, got "a"'],
    ['any struct, not JSON', () => t.struct().toLiteral({ when: new Date(0) }, 'inputs.cfg'), 'inputs.cfg.when: expected JSON value, got Date(1970-01-01T00:00:00.000Z) (give dates as ISO strings)'],
    ['struct float NaN', () => t.struct({ f: t.float }).toLiteral({ f: Number.NaN }, 'inputs.cfg'), 'inputs.cfg.f: expected float, got NaN (JSON numbers must be finite)'],
    ['optional', () => t.optional(t.int).toLiteral('x', 'inputs.o'), 'inputs.o: expected optional<int>, got "x"'],
    ['optional keeps the nested path', () => t.optional(t.list(t.int)).toLiteral([1, 'x'], 'inputs.o'), 'inputs.o[1]: expected int, got "x"'],
    ['union', () => t.union(t.int, t.str).toLiteral(true, 'inputs.u'), 'inputs.u: expected union<int | str>, got true'],
  ];
  for (const [name, fn, message] of cases) {
    it(name, () => {
      const e = conversionError(fn);
      expect(e.message).toBe(message);
      expect(message.startsWith(`${e.path}: `)).toBe(true);
    });
  }

  it('carries path, expected, got and a sandbox error code', () => {
    const e = conversionError(() => t.list(t.int).toLiteral([1, 2, 3, 'x'], 'inputs.freq_list'));
    expect({ path: e.path, expected: e.expected, got: e.got }).toEqual({ path: 'inputs.freq_list[3]', expected: 'int', got: '"x"' });
    expect(isSandboxError(e, 'SBX_CORE_LITERAL_CONVERSION_FAILED')).toBe(true);
    expect(e.kind).toBe('USER');
  });

  it('rejects literals of the wrong kind on read', () => {
    const str = t.str.toLiteral('x', 'v');
    expect(conversionError(() => t.int.fromLiteral(str, 'outputs.o0')).message).toBe('outputs.o0: expected int, got string literal "x"');
    expect(conversionError(() => t.list(t.int).fromLiteral(t.list(t.str).toLiteral(['a'], 'v'), 'outputs.o0')).message).toBe(
      'outputs.o0[0]: expected int, got string literal "a"',
    );
    expect(conversionError(() => t.float.fromLiteral(t.int.toLiteral(1, 'v'), 'x')).message).toBe('x: expected float, got int literal 1');
    expect(conversionError(() => t.enum('a').fromLiteral(t.str.toLiteral('b', 'v'), 'x')).message).toBe('x: expected enum<a>, got string literal "b"');
    expect(conversionError(() => t.struct().fromLiteral(t.int.toLiteral(1, 'v'), 'x')).message).toBe('x: expected struct, got int literal 1');
    expect(conversionError(() => t.union(t.int, t.bool).fromLiteral(str, 'x')).message).toBe('x: expected union<int | bool>, got string literal "x"');
  });
});

describe('reading', () => {
  it('reads union literals by tag and falls back to trying the variants', () => {
    const u = t.union(t.float, t.int);
    // 3 fits float first: written with the float tag, read back as 3.
    const lit = u.toLiteral(3, 'v');
    expect(lit.scalar?.union?.type?.structure?.tag).toBe('float');
    expect(roundTrip(u, 3)).toBe(3);
    // An untagged bare literal is read by the first variant that accepts it.
    expect(u.fromLiteral(t.int.toLiteral(7, 'v'), 'v')).toBe(7);
  });

  it('reads bare values as optionals and unwraps unions for plain types', () => {
    expect(t.optional(t.int).fromLiteral(t.int.toLiteral(5, 'v'), 'v')).toBe(5);
    expect(t.optional(t.int).fromLiteral(t.none.toLiteral(null, 'v'), 'v')).toBeNull();
    expect(t.int.fromLiteral(t.optional(t.int).toLiteral(5, 'v'), 'v')).toBe(5);
  });

  it('reads flytekit msgpack structs (binary tag "msgpack")', () => {
    // {"a": 1, "b": [true, null], "c": "x", "d": 1.5}
    const bytes = Uint8Array.from([
      0x84, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x92, 0xc3, 0xc0, 0xa1, 0x63, 0xa1, 0x78, 0xa1, 0x64, 0xcb,
      0x3f, 0xf8, 0, 0, 0, 0, 0, 0,
    ]);
    const lit = { scalar: { binary: { value: bytes, tag: 'msgpack' } } };
    expect(t.struct().fromLiteral(lit, 'v')).toEqual({ a: 1, b: [true, null], c: 'x', d: 1.5 });
    const typed = t.struct({ a: t.int, b: t.list(t.optional(t.bool)), c: t.str, d: t.float });
    expect(typed.fromLiteral(decode(MessageName.Literal, encode(MessageName.Literal, lit)), 'v')).toEqual({
      a: 1, b: [true, null], c: 'x', d: 1.5,
    });
    const bad = { scalar: { binary: { value: Uint8Array.from([0xc1]), tag: 'msgpack' } } };
    expect(conversionError(() => t.struct().fromLiteral(bad, 'inputs.cfg')).message).toBe(
      'inputs.cfg: unsupported msgpack type byte 0xc1 at byte 0',
    );
  });

  it('drops sub-millisecond precision of datetimes and keeps fractional durations', () => {
    const lit = { scalar: { primitive: { datetime: { seconds: '10', nanos: 1_999_999 } } } };
    expect(t.datetime.fromLiteral(lit, 'v')).toEqual(new Date(10_001));
    expect(roundTrip(t.duration, 1.5)).toBe(1.5);
  });
});

describe('names and descriptorFromLiteralType', () => {
  const all: Array<[TypeDescriptor, string]> = [
    [t.int, 'int'],
    [t.float, 'float'],
    [t.str, 'str'],
    [t.bool, 'bool'],
    [t.datetime, 'datetime'],
    [t.duration, 'duration'],
    [t.none, 'none'],
    [t.file, 'file'],
    [t.dir, 'dir'],
    [t.list(t.int), 'list<int>'],
    [t.dict(t.str), 'dict<str>'],
    [t.list(t.dict(t.optional(t.float))), 'list<dict<optional<float>>>'],
    [t.struct(), 'struct'],
    [t.struct({}), 'struct'],
    [t.struct({ a: t.int }), 'struct{a: int}'],
    [t.struct({ a: t.int, b: t.struct({ c: t.list(t.str) }) }), 'struct{a: int, b: struct{c: list<str>}}'],
    [t.optional(t.int), 'optional<int>'],
    [t.union(t.int, t.str), 'union<int | str>'],
    [t.union(t.int, t.none), 'optional<int>'],
    [t.union(t.none, t.int), 'union<none | int>'],
    [t.union(t.int, t.str, t.none), 'union<int | str | none>'],
    [t.optional(t.union(t.int, t.str)), 'union<int | str | none>'],
    [t.union(t.optional(t.int), t.str), 'union<int | none | str>'],
    [t.union(t.union(t.int, t.str), t.bool, t.int), 'union<int | str | bool>'],
    [t.union(t.int), 'int'],
    [t.optional(t.optional(t.str)), 'optional<str>'],
    [t.optional(t.none), 'none'],
    [t.enum('a', 'b'), 'enum<a | b>'],
    [t.list(t.union(t.file, t.dir)), 'list<union<file | dir>>'],
  ];
  for (const [d, name] of all) {
    it(`${name}: toString, literalTypeToString and descriptorFromLiteralType agree`, () => {
      expect(d.toString()).toBe(name);
      expect(String(d)).toBe(name);
      expect(literalTypeToString(d.literalType())).toBe(name);
      const rebuilt = descriptorFromLiteralType(d.literalType());
      expect(rebuilt.toString()).toBe(name);
      expect(rebuilt.literalType()).toEqual(d.literalType());
      // ... also after the literal type went through protobuf binary (defaults dropped, int64 as strings).
      const lt = decode(MessageName.LiteralType, encode(MessageName.LiteralType, d.literalType()));
      expect(descriptorFromLiteralType(lt).toString()).toBe(name);
    });
  }

  it('keeps foreign union tags and reads enums given by name', () => {
    const lt = {
      unionType: { variants: [{ simple: 'INTEGER', structure: { tag: 'Int' } }, { simple: 'NONE', structure: { tag: 'NoneType' } }] },
    };
    const d = descriptorFromLiteralType(lt as never);
    expect(d.toString()).toBe('optional<int>');
    expect(d.toLiteral(5, 'v').scalar?.union?.type?.structure?.tag).toBe('Int');
    expect(d.fromLiteral({ scalar: { union: { value: { scalar: { noneType: {} } }, type: { simple: 0, structure: { tag: 'NoneType' } } } } }, 'v')).toBeNull();
  });

  it('names types it cannot convert and refuses their values', () => {
    expect(literalTypeToString({ structuredDatasetType: { format: 'parquet' } })).toBe('structured_dataset<parquet>');
    expect(literalTypeToString({ schema: {} })).toBe('schema');
    expect(literalTypeToString({ simple: 7 })).toBe('binary');
    expect(literalTypeToString({ blob: { format: 'csv' } })).toBe('file<csv>');
    expect(literalTypeToString({})).toBe('unknown');
    const d = descriptorFromLiteralType({ structuredDatasetType: {} });
    expect(d.kind).toBe('unsupported');
    expect(conversionError(() => d.toLiteral(1, 'inputs.df')).message).toBe(
      'inputs.df: values of type structured_dataset are not supported by tflyte',
    );
  });

  it('rejects malformed declarations early', () => {
    expect(() => t.enum()).toThrow(/at least one value/);
    expect(() => t.enum('a', 'a')).toThrow(/duplicate/);
    expect(() => t.list(undefined as never).toString()).toThrow();
    expect(() => t.struct({ a: 1 as never })).toThrow(/field "a" must be a type/);
    expect(() => t.union()).toThrow(/at least one variant/);
  });
});

describe('type inference', () => {
  it('infers JS value types from descriptors', () => {
    const d = t.struct({ a: t.int, b: t.list(t.str), c: t.optional(t.float) });
    expectTypeOf<ValueOf<typeof d>>().toEqualTypeOf<{ a: number; b: string[]; c: number | null }>();
    expectTypeOf<ValueOf<typeof t.int>>().toEqualTypeOf<number>();
    expectTypeOf<ValueOf<typeof t.datetime>>().toEqualTypeOf<Date>();
    expectTypeOf<ValueOf<typeof t.none>>().toEqualTypeOf<null>();
    expectTypeOf<ValueOf<typeof t.file>>().toEqualTypeOf<string>();
    const e = t.enum('a', 'b');
    expectTypeOf<ValueOf<typeof e>>().toEqualTypeOf<'a' | 'b'>();
    const u = t.union(t.int, t.str);
    expectTypeOf<ValueOf<typeof u>>().toEqualTypeOf<number | string>();
    const m = t.dict(t.list(t.bool));
    expectTypeOf<ValueOf<typeof m>>().toEqualTypeOf<Record<string, boolean[]>>();
    const any = t.struct();
    expectTypeOf<ValueOf<typeof any>>().toEqualTypeOf<Record<string, unknown>>();
    const nested = t.list(t.struct({ x: t.enum('p', 'q'), y: t.optional(t.list(t.duration)) }));
    expectTypeOf<ValueOf<typeof nested>>().toEqualTypeOf<Array<{ x: 'p' | 'q'; y: number[] | null }>>();
    // fromLiteral returns the value type.
    expectTypeOf(d.fromLiteral).returns.toEqualTypeOf<{ a: number; b: string[]; c: number | null }>();
    // Runtime check so this test asserts something that can fail at run time too.
    expect(d.fromLiteral(d.toLiteral({ a: 1, b: [], c: 2.5 }, 'v'), 'v')).toEqual({ a: 1, b: [], c: 2.5 });
  });
});
