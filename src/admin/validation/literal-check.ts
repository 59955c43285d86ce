/**
 * A structural check of a `Literal` against a `LiteralType`, used to validate execution and
 * launch-plan inputs (flyteadmin `validation.ValidateInputs`).
 *
 * TODO(core): switch to core's literal type inference + `isCastable` / `literalTypeToString`
 * once they are stable; this admin-local version checks shape only (no struct schemas).
 */
import type { flyteidl } from '../../core/idl.ts';

type LiteralType = flyteidl.core.ILiteralType;
type Literal = flyteidl.core.ILiteral;

const SIMPLE_NAMES = ['none', 'int', 'float', 'str', 'bool', 'datetime', 'duration', 'binary', 'error', 'struct'];

/** Short human-readable rendering of a type (`int`, `list<str>`, `dict<str, float>`, `file`). */
export function describeType(t: LiteralType | null | undefined): string {
  if (!t) return 'unknown';
  if (t.simple !== undefined && t.simple !== null) return SIMPLE_NAMES[Number(t.simple)] ?? `simple(${t.simple})`;
  if (t.collectionType) return `list<${describeType(t.collectionType)}>`;
  if (t.mapValueType) return `dict<str, ${describeType(t.mapValueType)}>`;
  if (t.blob) return Number(t.blob.dimensionality ?? 0) === 1 ? 'dir' : 'file';
  if (t.enumType) return `enum(${(t.enumType.values ?? []).join('|')})`;
  if (t.unionType) return (t.unionType.variants ?? []).map(describeType).join(' | ');
  if (t.structuredDatasetType) return 'structured_dataset';
  if (t.schema) return 'schema';
  return 'unknown';
}

function scalarMatchesSimple(s: flyteidl.core.IScalar, simple: number): boolean {
  const p = s.primitive;
  switch (simple) {
    case 0:
      return s.noneType !== undefined && s.noneType !== null;
    case 1:
      return p?.integer !== undefined && p.integer !== null;
    case 2:
      // An integer is accepted where a float is expected (JSON clients often drop ".0").
      return (p?.floatValue !== undefined && p.floatValue !== null) || (p?.integer !== undefined && p.integer !== null);
    case 3:
      return p?.stringValue !== undefined && p.stringValue !== null;
    case 4:
      return p?.boolean !== undefined && p.boolean !== null;
    case 5:
      return p?.datetime !== undefined && p.datetime !== null;
    case 6:
      return p?.duration !== undefined && p.duration !== null;
    case 7:
      return s.binary !== undefined && s.binary !== null;
    case 8:
      return s.error !== undefined && s.error !== null;
    case 9:
      return (s.generic !== undefined && s.generic !== null) || (s.binary !== undefined && s.binary !== null);
    default:
      return false;
  }
}

/**
 * Returns undefined if `lit` fits `type`, else a sentence saying what is wrong, with the path
 * inside the value (`[2]`, `.key`).
 */
export function checkLiteral(lit: Literal | null | undefined, type: LiteralType | null | undefined, at = ''): string | undefined {
  if (!type) return undefined;
  if (!lit) return `${at || 'value'} is empty, expected ${describeType(type)}`;
  // Offloaded literals carry their own inferred type; trust them.
  if (lit.offloadedMetadata) return undefined;
  const where = at === '' ? '' : ` at ${at}`;
  const scalar = lit.scalar;
  if (type.unionType) {
    if (scalar?.union) return undefined;
    const variants = type.unionType.variants ?? [];
    return variants.some((v) => checkLiteral(lit, v) === undefined)
      ? undefined
      : `value${where} matches no variant of ${describeType(type)}`;
  }
  if (scalar?.union) return checkLiteral(scalar.union.value, type, at);
  if (type.simple !== undefined && type.simple !== null) {
    const simple = Number(type.simple);
    if (scalar && scalarMatchesSimple(scalar, simple)) return undefined;
    return `value${where} is not a ${describeType(type)}`;
  }
  if (type.collectionType) {
    if (!lit.collection) return `value${where} is not a list (${describeType(type)})`;
    const items = lit.collection.literals ?? [];
    for (let i = 0; i < items.length; i++) {
      const err = checkLiteral(items[i], type.collectionType, `${at}[${i}]`);
      if (err) return err;
    }
    return undefined;
  }
  if (type.mapValueType) {
    if (!lit.map) return `value${where} is not a dict (${describeType(type)})`;
    for (const [k, v] of Object.entries(lit.map.literals ?? {})) {
      const err = checkLiteral(v, type.mapValueType, `${at}.${k}`);
      if (err) return err;
    }
    return undefined;
  }
  if (type.blob) return scalar?.blob ? undefined : `value${where} is not a ${describeType(type)}`;
  if (type.enumType) {
    const s = scalar?.primitive?.stringValue;
    if (typeof s !== 'string') return `value${where} is not a string for ${describeType(type)}`;
    return (type.enumType.values ?? []).includes(s) ? undefined : `"${s}"${where} is not one of ${describeType(type)}`;
  }
  if (type.structuredDatasetType) return scalar?.structuredDataset ? undefined : `value${where} is not a structured dataset`;
  if (type.schema) return scalar?.schema ? undefined : `value${where} is not a schema`;
  return undefined;
}

/**
 * Every storage location a literal points at (files, directories, structured datasets, schemas,
 * offloaded literals), with where it sits in the value (`[2]`, `.key`).
 */
export function literalUris(lit: Literal | null | undefined, at = ''): { uri: string; at: string }[] {
  if (!lit) return [];
  const out: { uri: string; at: string }[] = [];
  const add = (uri: string | null | undefined) => {
    if (uri) out.push({ uri, at });
  };
  add(lit.offloadedMetadata?.uri);
  const scalar = lit.scalar;
  add(scalar?.blob?.uri);
  add(scalar?.structuredDataset?.uri);
  add(scalar?.schema?.uri);
  if (scalar?.union) out.push(...literalUris(scalar.union.value, at));
  (lit.collection?.literals ?? []).forEach((item, i) => out.push(...literalUris(item, `${at}[${i}]`)));
  for (const [k, v] of Object.entries(lit.map?.literals ?? {})) out.push(...literalUris(v, `${at}.${k}`));
  return out;
}
