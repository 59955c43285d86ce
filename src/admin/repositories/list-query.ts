/**
 * Flyte's list semantics turned into SQL: the filter language (`eq(phase,RUNNING)+
 * value_in(phase,RUNNING;QUEUED)`, `contains(workflow.name,wf)`, `execution_tag.key`/`.value`),
 * `sort_by` and offset tokens (flyteadmin `pkg/manager/impl/util/filters.go`). Only whitelisted
 * fields reach SQL, always as bound parameters.
 */
import { adminError } from '../errors.ts';

/** How a filterable field is stored and compared. */
export interface FieldSpec {
  /** SQL expression (a column of the listed table, qualified if needed). */
  column: string;
  kind: 'text' | 'number' | 'time' | 'bool';
  /** Allowed values for enums (phases); numbers given by clients are mapped through `byNumber`. */
  values?: readonly string[];
  /** Tag fields are matched in `execution_tags` through one EXISTS clause per filter string. */
  tag?: 'key' | 'value';
}

/** What may be filtered and sorted on, per listed table. */
export interface ListSpec {
  fields: Readonly<Record<string, FieldSpec>>;
  /** SQL correlating `execution_tags t` with the listed row, when tag fields exist. */
  tagJoin?: string;
  defaultSortKey: string;
  /** SQL appended to ORDER BY (same direction) so that pages are stable, e.g. the key columns. */
  tieBreaker: string;
  /** Entity prefixes accepted before a field name (`execution.phase`). */
  prefixes: readonly string[];
}

/** A page request, already validated. */
export interface ListParams {
  limit: number;
  offset: number;
  filters: string;
  sortKey?: string;
  sortDirection: 'ASCENDING' | 'DESCENDING';
}

/** SQL fragments produced for a list. */
export interface ListSql {
  where: string[];
  params: unknown[];
  orderBy: string;
}

const FUNCTIONS: Record<string, string> = {
  eq: '=',
  ne: '!=',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  contains: 'LIKE',
  not_like: 'NOT LIKE',
  value_in: 'IN',
  value_not_in: 'NOT IN',
};

const FILTER_RE = /^([a-z_]+)\(([^,()]+),([^()]*)\)/;

/** One parsed filter expression. */
export interface ParsedFilter {
  fn: string;
  field: string;
  value: string;
}

/**
 * Parses a filter string. Expressions are joined by `+` (or a space, which is what `+` becomes
 * after URL query decoding). Throws `SBX_ADMIN_INVALID_FILTER` naming the bad part.
 */
export function parseFilters(filters: string): ParsedFilter[] {
  const out: ParsedFilter[] = [];
  let rest = filters.trim();
  while (rest.length > 0) {
    const m = FILTER_RE.exec(rest);
    if (!m) {
      throw adminError('SBX_ADMIN_INVALID_FILTER', `cannot parse filter at "${rest.slice(0, 60)}": expected fn(field,value) joined by "+"`, { path: 'query.filters' });
    }
    const [whole, fn = '', field = '', value = ''] = m;
    if (!(fn in FUNCTIONS)) {
      throw adminError('SBX_ADMIN_INVALID_FILTER', `unknown filter function "${fn}" (known: ${Object.keys(FUNCTIONS).join(', ')})`, { path: 'query.filters' });
    }
    out.push({ fn, field: field.trim(), value });
    rest = rest.slice(whole.length).replace(/^[+ ]+/, '');
  }
  return out;
}

function resolveField(spec: ListSpec, name: string): FieldSpec {
  const direct = spec.fields[name];
  if (direct) return direct;
  for (const p of spec.prefixes) {
    if (name.startsWith(`${p}.`)) {
      const f = spec.fields[name.slice(p.length + 1)];
      if (f) return f;
    }
  }
  throw adminError('SBX_ADMIN_INVALID_FILTER', `cannot filter or sort on "${name}" (allowed: ${Object.keys(spec.fields).join(', ')})`, { path: 'query.filters' });
}

function convertValue(field: FieldSpec, name: string, raw: string): string | number {
  const v = raw.trim();
  switch (field.kind) {
    case 'text': {
      if (field.values) {
        const byNumber = /^\d+$/.test(v) ? field.values[Number(v)] : undefined;
        const name2 = byNumber ?? v.toUpperCase();
        if (!field.values.includes(name2)) {
          throw adminError('SBX_ADMIN_INVALID_FILTER', `"${v}" is not a valid value for ${name} (one of ${field.values.join(', ')})`, { path: 'query.filters' });
        }
        return name2;
      }
      return raw;
    }
    case 'number': {
      if (!/^-?\d+(\.\d+)?$/.test(v)) throw adminError('SBX_ADMIN_INVALID_FILTER', `${name} needs a number, got "${v}"`, { path: 'query.filters' });
      return Number(v);
    }
    case 'bool':
      if (v !== 'true' && v !== 'false') throw adminError('SBX_ADMIN_INVALID_FILTER', `${name} needs true or false, got "${v}"`, { path: 'query.filters' });
      return v === 'true' ? 1 : 0;
    case 'time': {
      const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (Number.isNaN(ms)) throw adminError('SBX_ADMIN_INVALID_FILTER', `${name} needs an RFC 3339 timestamp, got "${v}"`, { path: 'query.filters' });
      return ms;
    }
  }
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Builds WHERE fragments and ORDER BY for a list. Throws `SBX_ADMIN_INVALID_FILTER` for unknown
 * fields or values, so nothing unvalidated reaches SQL.
 */
export function buildListSql(spec: ListSpec, params: Pick<ListParams, 'filters' | 'sortKey' | 'sortDirection'>): ListSql {
  const where: string[] = [];
  const values: unknown[] = [];
  const tagWhere: string[] = [];
  const tagValues: unknown[] = [];
  for (const f of parseFilters(params.filters)) {
    const field = resolveField(spec, f.field);
    const op = FUNCTIONS[f.fn] ?? '=';
    const target = field.tag ? tagWhere : where;
    const targetValues = field.tag ? tagValues : values;
    const column = field.tag ? `t.${field.tag}` : field.column;
    if (op === 'IN' || op === 'NOT IN') {
      const items = f.value.split(';').filter((x) => x.length > 0).map((x) => convertValue(field, f.field, x));
      if (items.length === 0) throw adminError('SBX_ADMIN_INVALID_FILTER', `${f.fn}(${f.field}, …) needs at least one value`, { path: 'query.filters' });
      target.push(`${column} ${op} (${items.map(() => '?').join(', ')})`);
      targetValues.push(...items);
    } else if (op === 'LIKE' || op === 'NOT LIKE') {
      target.push(`${column} ${op} ? ESCAPE '\\'`);
      targetValues.push(`%${escapeLike(f.value)}%`);
    } else {
      target.push(`${column} ${op} ?`);
      targetValues.push(convertValue(field, f.field, f.value));
    }
  }
  if (tagWhere.length > 0) {
    if (!spec.tagJoin) throw adminError('SBX_ADMIN_INVALID_FILTER', 'tags cannot be filtered here', { path: 'query.filters' });
    where.push(`EXISTS (SELECT 1 FROM execution_tags t WHERE ${spec.tagJoin} AND ${tagWhere.join(' AND ')})`);
    values.push(...tagValues);
  }
  const sortKey = params.sortKey && params.sortKey.length > 0 ? params.sortKey : spec.defaultSortKey;
  const sortField = resolveField(spec, sortKey);
  if (sortField.tag) throw adminError('SBX_ADMIN_INVALID_PAGINATION', `cannot sort by ${sortKey}`, { path: 'query.sort_by.key' });
  const dir = params.sortDirection === 'ASCENDING' ? 'ASC' : 'DESC';
  return { where, params: values, orderBy: `${sortField.column} ${dir}, ${spec.tieBreaker.split(',').map((c) => `${c.trim()} ${dir}`).join(', ')}` };
}

/** The response token: the next offset, only when the page is full (flyteadmin's rule). */
export function nextToken(offset: number, limit: number, count: number): string {
  return count === limit ? String(offset + count) : '';
}
