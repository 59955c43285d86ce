/**
 * Request validation beyond the protobuf shape (flyteadmin `manager/impl/validation`): required
 * identifier fields, name formats, pagination. Every error names the field path.
 */
import { fromJson, IdlJsonError, type flyteidl } from '../../core/idl.ts';
import { adminError } from '../errors.ts';
import type { ListParams } from '../repositories/list-query.ts';

/** A complete entity identifier (all four parts present). */
export interface FullIdentifier {
  project: string;
  domain: string;
  name: string;
  version: string;
}

const NAME_MAX = 255;
/** Characters allowed in project/domain/name/version: no slashes or control characters. */
const SAFE_PART = /^[A-Za-z0-9_.:\-+=@~]+$/;

/** Parses a protobuf-JSON body, turning shape errors into `SBX_ADMIN_INVALID_BODY` with the path. */
export function parseBody<T>(typeName: string, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw adminError('SBX_ADMIN_INVALID_BODY', `request body must be a JSON object (${typeName.split('.').pop()})`, { path: 'body' });
  }
  try {
    return fromJson<T>(typeName, body, 'body');
  } catch (e) {
    if (e instanceof IdlJsonError) throw adminError('SBX_ADMIN_INVALID_BODY', e.message, { path: e.path, cause: e });
    throw adminError('SBX_ADMIN_INVALID_BODY', `request body does not fit ${typeName}: ${(e as Error).message}`, { path: 'body', cause: e });
  }
}

/** Checks one identifier part: present, ≤ 255 chars, no `/` or odd characters. */
export function requirePart(value: string | null | undefined, path: string): string {
  if (value === undefined || value === null || value === '') {
    throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} is required`, { path });
  }
  if (value.length > NAME_MAX) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} is longer than ${NAME_MAX} characters`, { path });
  if (!SAFE_PART.test(value) || value === '.' || value === '..') {
    throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} may only contain letters, digits and _ . : - + = @ ~ (got ${JSON.stringify(value)})`, { path });
  }
  return value;
}

/** Checks an entity identifier with all four parts, and its resource type if set. */
export function requireIdentifier(
  id: flyteidl.core.IIdentifier | null | undefined,
  path: string,
  resourceType?: number,
): FullIdentifier {
  if (!id) throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path} is required`, { path });
  if (resourceType !== undefined && id.resourceType !== undefined && id.resourceType !== null && Number(id.resourceType) !== 0 && Number(id.resourceType) !== resourceType) {
    throw adminError('SBX_ADMIN_INVALID_ARGUMENT', `${path}.resource_type must be ${RESOURCE_TYPE_NAMES[resourceType] ?? resourceType}`, { path: `${path}.resource_type` });
  }
  return {
    project: requirePart(id.project, `${path}.project`),
    domain: requirePart(id.domain, `${path}.domain`),
    name: requirePart(id.name, `${path}.name`),
    version: requirePart(id.version, `${path}.version`),
  };
}

/** `core.ResourceType` names by number. */
export const RESOURCE_TYPE_NAMES: readonly string[] = ['UNSPECIFIED', 'TASK', 'WORKFLOW', 'LAUNCH_PLAN', 'DATASET'];

const EXECUTION_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Execution names must be DNS-1123 labels: lowercase letters, digits, `-`, ≤ 63, starting with a letter. */
export function requireExecutionName(name: string, path: string): string {
  if (name.length > 63 || !EXECUTION_NAME.test(name)) {
    throw adminError(
      'SBX_ADMIN_INVALID_EXECUTION_NAME',
      `${path} ${JSON.stringify(name)} is not a valid execution name: use 1–63 lowercase letters, digits and "-", starting with a letter and not ending with "-"`,
      { path },
    );
  }
  return name;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

function queryString(query: Record<string, unknown>, key: string): string | undefined {
  const v = query[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw adminError('SBX_ADMIN_INVALID_PAGINATION', `query parameter ${key} must be given once, as text`, { path: `query.${key}` });
  return v;
}

/**
 * Reads `limit`, `token`, `filters`, `sort_by.key`, `sort_by.direction` from a query string.
 * `limit` defaults to 100 (flyteadmin requires it; we are lenient), at most 10000.
 */
export function parseListQuery(query: Record<string, unknown>): ListParams {
  const limitText = queryString(query, 'limit');
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined && limitText !== '') {
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) {
      throw adminError('SBX_ADMIN_INVALID_PAGINATION', `limit must be an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(limitText)}`, { path: 'query.limit' });
    }
    limit = Number(limitText);
  }
  const token = queryString(query, 'token') ?? '';
  if (token !== '' && (!/^\d+$/.test(token) || !Number.isSafeInteger(Number(token)))) {
    throw adminError('SBX_ADMIN_INVALID_PAGINATION', `token must be a token returned by a previous page, got ${JSON.stringify(token)}`, { path: 'query.token' });
  }
  const dirText = (queryString(query, 'sort_by.direction') ?? 'DESCENDING').toUpperCase();
  if (!['ASCENDING', 'DESCENDING', '0', '1'].includes(dirText)) {
    throw adminError('SBX_ADMIN_INVALID_PAGINATION', `sort_by.direction must be ASCENDING or DESCENDING, got ${JSON.stringify(dirText)}`, { path: 'query.sort_by.direction' });
  }
  const sortKey = queryString(query, 'sort_by.key');
  return {
    limit,
    offset: token === '' ? 0 : Number(token),
    filters: queryString(query, 'filters') ?? '',
    ...(sortKey !== undefined && sortKey !== '' ? { sortKey } : {}),
    sortDirection: dirText === 'ASCENDING' || dirText === '1' ? 'ASCENDING' : 'DESCENDING',
  };
}
