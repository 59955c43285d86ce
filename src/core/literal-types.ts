/**
 * From Flyte `LiteralType`s back to descriptors, for code that only has an interface (remote
 * entities, launch plans, the CLI reading a registered workflow).
 */
import { own } from './conversion-error.ts';
import {
  createStruct,
  createUnion,
  DictDescriptorImpl,
  ListDescriptorImpl,
  UnsupportedDescriptorImpl,
} from './composite-types.ts';
import { SimpleType, type ILiteralType } from './descriptor-helpers.ts';
import { BlobDescriptorImpl, BOOL, DATETIME, DURATION, EnumDescriptorImpl, FLOAT, INT, NONE, STR } from './scalar-types.ts';
import type { TypeDescriptor } from './types.ts';

const SIMPLE_BY_NAME: Record<string, number> = SimpleType;

/** Reads an enum field given as number or name (protobuf JSON with enums as strings). */
function enumNumber(v: unknown, byName: Record<string, number>): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return byName[v];
  return undefined;
}

function simpleDescriptor(simple: number | undefined, lt: ILiteralType): TypeDescriptor {
  switch (simple) {
    case SimpleType.NONE:
      return NONE;
    case SimpleType.INTEGER:
      return INT;
    case SimpleType.FLOAT:
      return FLOAT;
    case SimpleType.STRING:
      return STR;
    case SimpleType.BOOLEAN:
      return BOOL;
    case SimpleType.DATETIME:
      return DATETIME;
    case SimpleType.DURATION:
      return DURATION;
    case SimpleType.STRUCT: {
      const dc = own<Record<string, ILiteralType>>(own(lt, 'structure'), 'dataclassType');
      if (!dc || Object.keys(dc).length === 0) return createStruct(undefined);
      const fields: Record<string, TypeDescriptor> = {};
      for (const [k, ft] of Object.entries(dc)) fields[k] = descriptorFromLiteralType(ft);
      return createStruct(fields);
    }
    case SimpleType.BINARY:
      return new UnsupportedDescriptorImpl(lt, 'binary');
    case SimpleType.ERROR:
      return new UnsupportedDescriptorImpl(lt, 'error');
    default:
      return new UnsupportedDescriptorImpl(lt, `simple(${String(simple)})`);
  }
}

/**
 * Rebuilds a descriptor from a Flyte `LiteralType` (plain object, enums as numbers or names).
 * Never throws: types tflyte cannot convert (schema, structured dataset, binary, error) give a
 * descriptor of kind `unsupported` whose conversions throw. Union variant tags are kept, so
 * literals written with the rebuilt descriptor carry the original tags.
 *
 * Invariant: `descriptorFromLiteralType(d.literalType()).toString() === d.toString()` for every `t` type.
 */
export function descriptorFromLiteralType(lt: ILiteralType): TypeDescriptor {
  const simple = own<unknown>(lt, 'simple');
  if (simple !== undefined) return simpleDescriptor(enumNumber(simple, SIMPLE_BY_NAME), lt);
  const coll = own<ILiteralType>(lt, 'collectionType');
  if (coll) return new ListDescriptorImpl(descriptorFromLiteralType(coll));
  const mapValue = own<ILiteralType>(lt, 'mapValueType');
  if (mapValue) return new DictDescriptorImpl(descriptorFromLiteralType(mapValue));
  const blob = own<{ format?: string | null; dimensionality?: unknown }>(lt, 'blob');
  if (blob) {
    const dim = enumNumber(blob.dimensionality ?? 0, { SINGLE: 0, MULTIPART: 1 });
    return new BlobDescriptorImpl(dim === 1 ? 'dir' : 'file', blob.format ?? '');
  }
  const enumType = own<{ values?: string[] | null }>(lt, 'enumType');
  if (enumType) {
    const values = enumType.values ?? [];
    try {
      return new EnumDescriptorImpl(values);
    } catch {
      return new UnsupportedDescriptorImpl(lt, `enum<${values.join(' | ')}>`);
    }
  }
  const unionType = own<{ variants?: ILiteralType[] | null }>(lt, 'unionType');
  if (unionType) {
    const variantTypes = unionType.variants ?? [];
    if (variantTypes.length === 0) return new UnsupportedDescriptorImpl(lt, 'union<>');
    const variants = variantTypes.map((v) => descriptorFromLiteralType(v));
    const tags = variantTypes.map((v, i) => v.structure?.tag || (variants[i] as TypeDescriptor).toString());
    return createUnion(variants, tags);
  }
  if (own(lt, 'schema')) return new UnsupportedDescriptorImpl(lt, 'schema');
  const sd = own<{ format?: string | null }>(lt, 'structuredDatasetType');
  if (sd) return new UnsupportedDescriptorImpl(lt, sd.format ? `structured_dataset<${sd.format}>` : 'structured_dataset');
  return new UnsupportedDescriptorImpl(lt, 'unknown');
}

/**
 * The string form of a Flyte `LiteralType`, identical to the descriptor's `toString()`
 * (`int`, `list<int>`, `optional<str>`, `struct{a: int}`, `file`, `structured_dataset`…).
 */
export function literalTypeToString(lt: ILiteralType): string {
  return descriptorFromLiteralType(lt).toString();
}
