import { describe, expect, it } from 'vitest';
import { isSandboxError } from '../../core/errors.ts';
import { buildListSql, nextToken, parseFilters, type ListSpec } from './list-query.ts';

const SPEC: ListSpec = {
  fields: {
    phase: { column: 'e.phase', kind: 'text', values: ['UNDEFINED', 'QUEUED', 'RUNNING'] },
    name: { column: 'e.name', kind: 'text' },
    created_at: { column: 'e.created_at', kind: 'time' },
    'execution_tag.key': { column: 't.key', kind: 'text', tag: 'key' },
    'execution_tag.value': { column: 't.value', kind: 'text', tag: 'value' },
  },
  tagJoin: 't.name = e.name',
  prefixes: ['execution'],
  defaultSortKey: 'created_at',
  tieBreaker: 'e.name',
};

describe('parseFilters', () => {
  it('splits on "+" and on the space a decoded "+" becomes', () => {
    expect(parseFilters('eq(phase,RUNNING)+value_in(phase,RUNNING;QUEUED)')).toEqual([
      { fn: 'eq', field: 'phase', value: 'RUNNING' },
      { fn: 'value_in', field: 'phase', value: 'RUNNING;QUEUED' },
    ]);
    expect(parseFilters('eq(name,a) contains(name,b)').map((f) => f.value)).toEqual(['a', 'b']);
    expect(parseFilters('')).toEqual([]);
  });

  it('rejects unknown functions and garbage with SBX_ADMIN_INVALID_FILTER', () => {
    for (const bad of ['drop(phase,x)', 'eq(phase)', 'eq(phase,x', 'phase=RUNNING']) {
      expect(() => parseFilters(bad), bad).toThrow(expect.objectContaining({ code: 'SBX_ADMIN_INVALID_FILTER' }));
    }
  });
});

describe('buildListSql', () => {
  it('binds every value, maps phase numbers to names, joins tags in one EXISTS', () => {
    const q = buildListSql(SPEC, { filters: 'value_in(execution.phase,2;QUEUED)+eq(execution_tag.key,k)+eq(execution_tag.value,v)', sortDirection: 'ASCENDING' });
    expect(q.where).toEqual(['e.phase IN (?, ?)', 'EXISTS (SELECT 1 FROM execution_tags t WHERE t.name = e.name AND t.key = ? AND t.value = ?)']);
    expect(q.params).toEqual(['RUNNING', 'QUEUED', 'k', 'v']);
    expect(q.orderBy).toBe('e.created_at ASC, e.name ASC');
  });

  it('escapes LIKE wildcards and parses timestamps', () => {
    const q = buildListSql(SPEC, { filters: 'contains(name,50%_x)+gt(created_at,2024-01-01T00:00:00Z)', sortKey: 'name', sortDirection: 'DESCENDING' });
    expect(q.params).toEqual(['%50\\%\\_x%', Date.parse('2024-01-01T00:00:00Z')]);
    expect(q.orderBy).toBe('e.name DESC, e.name DESC');
  });

  it('refuses unknown fields, bad phase names and sorting by tags', () => {
    const cases = ['eq(secret,1)', 'eq(phase,SLEEPING)', 'gt(created_at,yesterday)'];
    for (const filters of cases) {
      try {
        buildListSql(SPEC, { filters, sortDirection: 'ASCENDING' });
        expect.unreachable(filters);
      } catch (e) {
        expect(isSandboxError(e, 'SBX_ADMIN_INVALID_FILTER'), filters).toBe(true);
      }
    }
    expect(() => buildListSql(SPEC, { filters: '', sortKey: 'execution_tag.key', sortDirection: 'ASCENDING' })).toThrow();
  });

  it('gives a next token only for a full page', () => {
    expect(nextToken(0, 10, 10)).toBe('10');
    expect(nextToken(10, 10, 3)).toBe('');
  });
});
