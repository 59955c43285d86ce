import { describe, expect, it } from 'vitest';
import { decode, encode, MessageName } from './idl.ts';
import { isCastable } from './type-check.ts';
import { t, type TypeDescriptor } from './types.ts';
import type { flyteidl } from './idl.ts';

type LT = flyteidl.core.ILiteralType;
const lt = (d: TypeDescriptor | LT): LT => ('literalType' in d && typeof d.literalType === 'function' ? d.literalType() : (d as LT));
const name = (x: TypeDescriptor | LT): string => ('literalType' in x && typeof x.literalType === 'function' ? x.toString() : JSON.stringify(x));

const listOfNone: LT = { collectionType: { simple: 0 } };
const dictOfNone: LT = { mapValueType: { simple: 0 } };

/** [upstream, downstream, castable] — the Flyte compiler's answers (typing.go, v1.16.8). */
const TABLE: Array<[TypeDescriptor | LT, TypeDescriptor | LT, boolean]> = [
  // simple types: equal or nothing
  [t.int, t.int, true],
  [t.int, t.float, false],
  [t.float, t.int, false],
  [t.str, t.int, false],
  [t.bool, t.bool, true],
  [t.datetime, t.datetime, true],
  [t.datetime, t.duration, false],
  // none
  [t.none, t.none, true],
  [t.none, t.int, false],
  [t.int, t.none, false],
  [t.none, t.optional(t.int), true],
  [t.none, t.union(t.int, t.str), false],
  // optional / union
  [t.int, t.optional(t.int), true],
  [t.optional(t.int), t.int, false],
  [t.optional(t.int), t.optional(t.int), true],
  [t.optional(t.int), t.union(t.int, t.str, t.none), true],
  [t.union(t.int, t.str), t.union(t.str, t.int), true],
  [t.union(t.int, t.str), t.union(t.int, t.bool), false],
  [t.str, t.union(t.int, t.str), true],
  [t.float, t.union(t.int, t.str), false],
  [t.optional(t.float), t.optional(t.int), false],
  // a value fitting two variants is ambiguous
  [t.str, { unionType: { variants: [{ simple: 3, structure: { tag: 'a' } }, { simple: 3, structure: { tag: 'b' } }] } }, false],
  // a single-variant union casts like its variant (when the tags agree)
  [{ unionType: { variants: [{ simple: 1 }] } }, t.int, true],
  [{ unionType: { variants: [{ simple: 1, structure: { tag: 'int' } }] } }, t.int, false],
  // tags must match when the upstream type carries one
  [{ simple: 1, structure: { tag: 'x' } }, { simple: 1, structure: { tag: 'y' } }, false],
  [{ simple: 1, structure: { tag: 'x' } }, { simple: 1, structure: { tag: 'x' } }, true],
  [{ simple: 1 }, { simple: 1, structure: { tag: 'x' } }, true],
  // metadata and annotations are ignored
  [{ simple: 3, metadata: { fields: { a: { stringValue: 'b' } } } }, t.str, true],
  // enums
  [t.enum('a', 'b'), t.str, true],
  [t.str, t.enum('a', 'b'), true],
  [t.enum('a', 'b'), t.enum('a', 'b'), true],
  [t.enum('a'), t.enum('a', 'b'), false],
  [t.enum('a', 'b'), t.enum('b', 'a'), false],
  [t.enum('a'), t.int, false],
  // collections and maps, element-wise
  [t.list(t.int), t.list(t.int), true],
  [t.list(t.int), t.list(t.float), false],
  [t.list(t.int), t.list(t.optional(t.int)), true],
  [t.list(t.list(t.str)), t.list(t.list(t.str)), true],
  [t.list(t.int), t.int, false],
  [t.int, t.list(t.int), false],
  [listOfNone, t.list(t.str), true],
  [t.dict(t.int), t.dict(t.int), true],
  [t.dict(t.int), t.dict(t.str), false],
  [dictOfNone, t.dict(t.float), true],
  [t.dict(t.int), t.list(t.int), false],
  [t.list(t.enum('a')), t.list(t.str), true],
  // structs
  [t.struct({ a: t.int }), t.struct({ a: t.int }), true],
  [t.struct({ a: t.int, b: t.str }), t.struct({ a: t.int }), true],
  [t.struct({ a: t.int }), t.struct({ a: t.int, b: t.str }), false],
  [t.struct({ a: t.int }), t.struct({ a: t.str }), false],
  [t.struct({ a: t.int }), t.struct(), true],
  [t.struct(), t.struct({ a: t.int }), true],
  [t.struct({ a: t.list(t.int) }), t.struct({ a: t.list(t.optional(t.int)) }), true],
  [t.struct(), t.dict(t.str), false],
  [t.dict(t.str), t.struct(), false],
  // blobs: formats equal or empty, same dimensionality
  [t.file, t.file, true],
  [t.dir, t.dir, true],
  [t.file, t.dir, false],
  [t.dir, t.file, false],
  [{ blob: { format: 'csv' } }, t.file, true],
  [{ blob: { format: 'csv' } }, { blob: { format: 'csv' } }, true],
  [{ blob: { format: 'csv' } }, { blob: { format: 'parquet' } }, false],
  [t.str, t.file, false],
  [t.file, t.str, false],
  // structured datasets and schemas
  [{ structuredDatasetType: { format: 'parquet' } }, { structuredDatasetType: {} }, true],
  [{ structuredDatasetType: { format: 'csv' } }, { structuredDatasetType: { format: 'parquet' } }, false],
  [t.none, { structuredDatasetType: {} }, true],
  [
    { structuredDatasetType: { columns: [{ name: 'a', literalType: { simple: 1 } }, { name: 'b', literalType: { simple: 3 } }] } },
    { structuredDatasetType: { columns: [{ name: 'a', literalType: { simple: 1 } }] } },
    true,
  ],
  [
    { structuredDatasetType: { columns: [{ name: 'a', literalType: { simple: 1 } }] } },
    { structuredDatasetType: { columns: [{ name: 'a', literalType: { simple: 2 } }] } },
    false,
  ],
  [{ schema: { columns: [{ name: 'a', type: 0 }] } }, { schema: { columns: [{ name: 'a', type: 0 }] } }, true],
  [{ schema: { columns: [{ name: 'a', type: 0 }] } }, { schema: { columns: [{ name: 'a', type: 1 }] } }, false],
  [{ schema: { columns: [{ name: 'a', type: 0 }] } }, { structuredDatasetType: { columns: [{ name: 'a', literalType: { simple: 1 } }] } }, true],
];

describe('isCastable follows the Flyte compiler', () => {
  for (const [up, down, want] of TABLE) {
    it(`${name(up)} -> ${name(down)}: ${want}`, () => {
      expect(isCastable(lt(up), lt(down))).toBe(want);
    });
  }

  it('gives the same answers after the types went through protobuf binary', () => {
    const wire = (x: LT): LT => decode(MessageName.LiteralType, encode(MessageName.LiteralType, x));
    for (const [up, down, want] of TABLE) {
      expect(isCastable(wire(lt(up)), wire(lt(down))), `${name(up)} -> ${name(down)}`).toBe(want);
    }
  });

  it('accepts enum names as well as numbers for simple types', () => {
    expect(isCastable({ simple: 'INTEGER' } as never, { simple: 1 })).toBe(true);
    expect(isCastable({ simple: 'FLOAT' } as never, { simple: 1 })).toBe(false);
  });
});
