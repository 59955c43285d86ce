/**
 * Type compatibility between Flyte `LiteralType`s, following the Flyte compiler
 * (`flytepropeller/pkg/compiler/validators/typing.go`, v1.16.8): can a value of the upstream type
 * be bound to an input of the downstream type?
 */
import { own } from './conversion-error.ts';
import { SimpleType, type ILiteralType } from './descriptor-helpers.ts';

const SIMPLE_BY_NAME: Record<string, number> = SimpleType;

function simpleOf(lt: ILiteralType): number | undefined {
  const s = own<unknown>(lt, 'simple');
  if (typeof s === 'number') return s;
  if (typeof s === 'string') return SIMPLE_BY_NAME[s];
  return undefined;
}

function isNone(lt: ILiteralType | undefined): boolean {
  return lt !== undefined && simpleOf(lt) === SimpleType.NONE;
}

function tagOf(lt: ILiteralType): string {
  return own<string>(own(lt, 'structure'), 'tag') ?? '';
}

/** Serialises with sorted keys, dropping unset/default members (as protobuf text does). */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const parts = Object.keys(v)
      .sort()
      .filter((k) => {
        const x = (v as Record<string, unknown>)[k];
        return !(x === undefined || x === null || x === '' || x === 0 || x === false || (Array.isArray(x) && x.length === 0));
      })
      .map((k) => `${k}:${stable((v as Record<string, unknown>)[k])}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/** A key equal for types that Flyte's trivial checker considers equal (metadata, structure, annotation ignored). */
function trivialKey(lt: ILiteralType): string {
  const simple = simpleOf(lt);
  if (simple !== undefined) return `simple:${simple}`;
  const { structure: _s, metadata: _m, annotation: _a, ...rest } = lt;
  return stable(rest);
}

/** Struct → struct. Flyte compares the JSON schemas in `metadata`; we compare declared fields. */
function structCastsFrom(down: ILiteralType, up: ILiteralType): boolean {
  const downFields = own<Record<string, ILiteralType>>(own(down, 'structure'), 'dataclassType');
  const upFields = own<Record<string, ILiteralType>>(own(up, 'structure'), 'dataclassType');
  // Like Flyte with a missing schema: a struct without declared fields matches any struct.
  if (!downFields || !upFields || Object.keys(downFields).length === 0 || Object.keys(upFields).length === 0) return true;
  return Object.entries(downFields).every(([k, dt]) => {
    const ut = upFields[k];
    return ut !== undefined && isCastable(ut, dt);
  });
}

function trivialCastsFrom(down: ILiteralType, up: ILiteralType): boolean {
  // Enums are constrained strings: enum → str and str → enum are allowed.
  if (own(up, 'enumType') && simpleOf(down) === SimpleType.STRING) return true;
  if (own(down, 'enumType') && simpleOf(up) === SimpleType.STRING) return true;
  const upTag = tagOf(up);
  if (upTag !== '' && tagOf(down) !== upTag) return false;
  if (simpleOf(up) === SimpleType.STRUCT && simpleOf(down) === SimpleType.STRUCT) return structCastsFrom(down, up);
  return trivialKey(up) === trivialKey(down);
}

function blobCastsFrom(down: flyteidl_BlobType, up: ILiteralType): boolean {
  const ub = own<flyteidl_BlobType>(up, 'blob');
  if (!ub) return false;
  // Stricter than Flyte 1.16 (which ignores dimensionality): a file is not a directory.
  if (Number(ub.dimensionality ?? 0) !== Number(down.dimensionality ?? 0)) return false;
  const uf = ub.format ?? '';
  const df = down.format ?? '';
  return uf === '' || df === '' || uf === df;
}
type flyteidl_BlobType = { format?: string | null; dimensionality?: unknown };

type SchemaColumn = { name?: string | null; type?: unknown };
type SdColumn = { name?: string | null; literalType?: ILiteralType | null };
type SchemaT = { columns?: SchemaColumn[] | null };
type SdT = { format?: string | null; columns?: SdColumn[] | null };

const SCHEMA_COLUMN_BY_NAME: Record<string, number> = { INTEGER: 0, FLOAT: 1, STRING: 2, BOOLEAN: 3, DATETIME: 4, DURATION: 5 };

/** Schema column types map onto simple types (INTEGER=0 → SimpleType.INTEGER=1, …). */
function schemaColumnSimple(c: SchemaColumn): number {
  const t = typeof c.type === 'string' ? (SCHEMA_COLUMN_BY_NAME[c.type] ?? -2) : Number(c.type ?? 0);
  return t + 1;
}

/** Every downstream column exists upstream with a matching type (empty column lists match anything). */
function columnsSubset<U, D>(up: U[], down: D[], name: (c: U | D) => string, match: (u: U, d: D) => boolean): boolean {
  if (up.length === 0 || down.length === 0) return true;
  return down.every((d) => {
    const u = up.find((x) => name(x) === name(d));
    return u !== undefined && match(u, d);
  });
}

const colName = (c: { name?: string | null }): string => c.name ?? '';

function isParquetOrEmpty(format: string | null | undefined): boolean {
  return !format || format.toLowerCase() === 'parquet';
}

function schemaCastsFrom(down: SchemaT, up: ILiteralType): boolean {
  const us = own<SchemaT>(up, 'schema');
  const usd = own<SdT>(up, 'structuredDatasetType');
  const dcols = down.columns ?? [];
  if (us) return columnsSubset(us.columns ?? [], dcols, colName, (u, d) => schemaColumnSimple(u) === schemaColumnSimple(d));
  if (!usd || !isParquetOrEmpty(usd.format)) return false;
  return columnsSubset(usd.columns ?? [], dcols, colName, (u, d) => (u.literalType ? simpleOf(u.literalType) : undefined) === schemaColumnSimple(d));
}

function structuredDatasetCastsFrom(down: SdT, up: ILiteralType): boolean {
  if (isNone(up)) return true;
  const us = own<SchemaT>(up, 'schema');
  const usd = own<SdT>(up, 'structuredDatasetType');
  const dcols = down.columns ?? [];
  if (us) {
    if (!isParquetOrEmpty(down.format)) return false;
    return columnsSubset(us.columns ?? [], dcols, colName, (u, d) => (d.literalType ? simpleOf(d.literalType) : undefined) === schemaColumnSimple(u));
  }
  if (!usd) return false;
  if (usd.format && down.format && usd.format.toLowerCase() !== down.format.toLowerCase()) return false;
  return columnsSubset(usd.columns ?? [], dcols, colName, (u, d) =>
    u.literalType && d.literalType ? castsFrom(d.literalType, u.literalType) : false,
  );
}

function unionCastsFrom(down: ILiteralType[], up: ILiteralType): boolean {
  const upVariants = own<{ variants?: ILiteralType[] | null }>(up, 'unionType');
  if (upVariants) {
    // Every upstream variant must fit some downstream variant.
    return (upVariants.variants ?? []).every((u) => down.some((d) => isCastable(u, d)));
  }
  // Exactly one downstream variant may accept the value, so the choice is unambiguous.
  return down.filter((d) => isCastable(up, d)).length === 1;
}

/** The type checker selected by the downstream type, as in Flyte's `getTypeChecker`. */
function castsFrom(down: ILiteralType, up: ILiteralType): boolean {
  const dColl = own<ILiteralType>(down, 'collectionType');
  if (dColl) {
    const uColl = own<ILiteralType>(up, 'collectionType');
    if (isNone(uColl)) return true; // an empty list literal types as list<none>
    return uColl !== undefined && castsFrom(dColl, uColl);
  }
  const dMap = own<ILiteralType>(down, 'mapValueType');
  if (dMap) {
    const uMap = own<ILiteralType>(up, 'mapValueType');
    if (isNone(uMap)) return true;
    return uMap !== undefined && castsFrom(dMap, uMap);
  }
  const dBlob = own<flyteidl_BlobType>(down, 'blob');
  if (dBlob) return blobCastsFrom(dBlob, up);
  const dSchema = own<SchemaT>(down, 'schema');
  if (dSchema) return schemaCastsFrom(dSchema, up);
  const dUnion = own<{ variants?: ILiteralType[] | null }>(down, 'unionType');
  if (dUnion) return unionCastsFrom(dUnion.variants ?? [], up);
  const dSd = own<SdT>(down, 'structuredDatasetType');
  if (dSd) return structuredDatasetCastsFrom(dSd, up);
  if (isNone(down)) return isNone(up);
  return trivialCastsFrom(down, up);
}

/**
 * True if a value of type `upstream` may be bound to an input of type `downstream`, by the rules
 * of Flyte's compiler:
 * - simple types must be equal (`int` → `float` is NOT allowed); `none` only casts to `none`,
 *   optionals and unions holding none;
 * - `enum` → `str` and `str` → `enum` are allowed; enum → enum needs the same values;
 * - lists and dicts are checked element-wise; `list<none>` / `dict<none>` (empty) cast to any;
 * - to a union: exactly one variant must accept the value; union → union: every upstream variant
 *   must fit some downstream variant; a single-variant union casts like its variant;
 * - a tagged upstream type (a union variant) needs the same `structure.tag` downstream;
 * - structs: every downstream field must exist upstream with a castable type; a struct without
 *   declared fields (`t.struct()`) is compatible with any struct (Flyte compares JSON schemas);
 * - blobs: formats equal or either empty, and (stricter than Flyte) the same dimensionality, so a
 *   file is not a directory;
 * - schemas and structured datasets: formats and column subsets as in Flyte.
 */
export function isCastable(upstream: ILiteralType, downstream: ILiteralType): boolean {
  const upUnion = own<{ variants?: ILiteralType[] | null }>(upstream, 'unionType');
  const only = upUnion?.variants?.length === 1 ? upUnion.variants[0] : undefined;
  if (only && castsFrom(downstream, only)) return true;
  return castsFrom(downstream, upstream);
}
