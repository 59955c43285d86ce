/**
 * SQL for the versioned, immutable entities: tasks, workflows and launch plans. Named entities
 * (`*_ids` lists) are derived from the distinct names of each table.
 */
import type { AdminDb } from '../db/open-db.ts';
import { buildListSql, type ListParams, type ListSpec } from './list-query.ts';
import { withSqliteErrors } from './sqlite-errors.ts';

/** Identity columns shared by every entity row. */
export interface EntityKey {
  project: string;
  domain: string;
  name: string;
  version: string;
}

/** A `tasks` row (`spec` = encoded `admin.TaskSpec`). */
export interface TaskRow extends EntityKey {
  task_type: string;
  spec: Buffer;
  digest: string;
  created_at: number;
}

/** A `workflows` row (`spec` = `admin.WorkflowSpec`, `compiled` = `core.CompiledWorkflowClosure`). */
export interface WorkflowRow extends EntityKey {
  spec: Buffer;
  compiled: Buffer;
  digest: string;
  created_at: number;
}

/** A `launch_plans` row (`spec` = `admin.LaunchPlanSpec`, `closure` = `admin.LaunchPlanClosure`). */
export interface LaunchPlanRow extends EntityKey {
  workflow_project: string;
  workflow_domain: string;
  workflow_name: string;
  workflow_version: string;
  spec: Buffer;
  closure: Buffer;
  digest: string;
  state: 'ACTIVE' | 'INACTIVE';
  created_at: number;
  updated_at: number;
}

/** A `{project, domain, name}` of a named entity. */
export interface NamedEntityRow {
  project: string;
  domain: string;
  name: string;
}

const ENTITY_FIELDS = {
  project: { column: 'project', kind: 'text' },
  domain: { column: 'domain', kind: 'text' },
  name: { column: 'name', kind: 'text' },
  version: { column: 'version', kind: 'text' },
  created_at: { column: 'created_at', kind: 'time' },
} as const;

const TABLE_FIELDS: Record<string, ListSpec> = {
  tasks: { fields: { ...ENTITY_FIELDS, type: { column: 'task_type', kind: 'text' } }, prefixes: ['task'], defaultSortKey: 'created_at', tieBreaker: 'name, version' },
  workflows: { fields: ENTITY_FIELDS, prefixes: ['workflow'], defaultSortKey: 'created_at', tieBreaker: 'name, version' },
  launch_plans: {
    fields: {
      ...ENTITY_FIELDS,
      state: { column: 'state', kind: 'text', values: ['INACTIVE', 'ACTIVE'] },
      updated_at: { column: 'updated_at', kind: 'time' },
      'workflow.name': { column: 'workflow_name', kind: 'text' },
      'workflow.version': { column: 'workflow_version', kind: 'text' },
    },
    prefixes: ['launch_plan'],
    defaultSortKey: 'created_at',
    tieBreaker: 'name, version',
  },
};

const NAME_FILTER: ListSpec = { fields: { name: { column: 'name', kind: 'text' } }, prefixes: [], defaultSortKey: 'name', tieBreaker: 'name' };

/** Filters apply to `name` only (NAME_FILTER); `created_at` sorts by the newest version (an aggregate). */
const NAME_LIST: ListSpec = {
  fields: { name: { column: 'name', kind: 'text' }, created_at: { column: 'latest', kind: 'time' } },
  prefixes: [],
  defaultSortKey: 'name',
  tieBreaker: 'name',
};

/** Queries shared by the three entity tables. */
export class EntityRepository<Row extends EntityKey> {
  protected readonly db: AdminDb;
  readonly #table: 'tasks' | 'workflows' | 'launch_plans';
  readonly #what: string;

  constructor(db: AdminDb, table: 'tasks' | 'workflows' | 'launch_plans', what: string) {
    this.db = db;
    this.#table = table;
    this.#what = what;
  }

  get(key: EntityKey): Row | undefined {
    return this.db
      .prepare(`SELECT * FROM ${this.#table} WHERE project = ? AND domain = ? AND name = ? AND version = ?`)
      .get(key.project, key.domain, key.name, key.version) as Row | undefined;
  }

  /** Inserts a row; `SBX_ADMIN_ALREADY_EXISTS` on a duplicate key (managers check first). */
  insert(row: Row): void {
    const cols = Object.keys(row);
    withSqliteErrors(`${this.#what} ${row.project}/${row.domain}/${row.name}/${row.version}`, () =>
      this.db
        .prepare(`INSERT INTO ${this.#table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`)
        .run(row),
    );
  }

  /** Versions in a project/domain, optionally of one name. */
  list(project: string, domain: string, name: string | undefined, params: ListParams): Row[] {
    const spec = TABLE_FIELDS[this.#table] as ListSpec;
    const q = buildListSql(spec, params);
    const where = ['project = ?', 'domain = ?', ...(name !== undefined ? ['name = ?'] : []), ...q.where];
    const args = [project, domain, ...(name !== undefined ? [name] : []), ...q.params];
    return this.db
      .prepare(`SELECT * FROM ${this.#table} WHERE ${where.join(' AND ')} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`)
      .all(...args, params.limit, params.offset) as Row[];
  }

  /** Distinct names in a project/domain (the named entities), sorted by name or newest version. */
  listNames(project: string, domain: string, params: ListParams): NamedEntityRow[] {
    const sortKey = params.sortKey === 'created_at' ? 'created_at' : 'name';
    const q = buildListSql(NAME_LIST, { ...params, filters: '', sortKey });
    const f = buildListSql(NAME_FILTER, { ...params, sortKey: 'name' });
    const where = ['project = ?', 'domain = ?', ...f.where];
    return this.db
      .prepare(
        `SELECT project, domain, name, MAX(created_at) AS latest FROM ${this.#table} WHERE ${where.join(' AND ')} GROUP BY project, domain, name ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`,
      )
      .all(project, domain, ...f.params, params.limit, params.offset) as NamedEntityRow[];
  }

  /** True if any version of the name exists. */
  hasName(project: string, domain: string, name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM ${this.#table} WHERE project = ? AND domain = ? AND name = ? LIMIT 1`).get(project, domain, name) !== undefined;
  }
}

/** Tasks. */
export class TaskRepository extends EntityRepository<TaskRow> {
  constructor(db: AdminDb) {
    super(db, 'tasks', 'task');
  }
}

/** Workflows. */
export class WorkflowRepository extends EntityRepository<WorkflowRow> {
  constructor(db: AdminDb) {
    super(db, 'workflows', 'workflow');
  }
}

/** Launch plans, with the ACTIVE/INACTIVE state machine. */
export class LaunchPlanRepository extends EntityRepository<LaunchPlanRow> {
  constructor(db: AdminDb) {
    super(db, 'launch_plans', 'launch plan');
  }

  /** The active version of a name, if any. */
  getActive(project: string, domain: string, name: string): LaunchPlanRow | undefined {
    return this.db
      .prepare(`SELECT * FROM launch_plans WHERE project = ? AND domain = ? AND name = ? AND state = 'ACTIVE'`)
      .get(project, domain, name) as LaunchPlanRow | undefined;
  }

  /** All active launch plans of a project/domain. */
  listActive(project: string, domain: string, params: ListParams): LaunchPlanRow[] {
    return this.list(project, domain, undefined, { ...params, filters: `eq(state,ACTIVE) ${params.filters}`.trim() });
  }

  /**
   * Sets the state of one version. Activating deactivates every other version of the same name.
   * Call inside a transaction.
   */
  setState(key: EntityKey, state: 'ACTIVE' | 'INACTIVE', now: number): void {
    if (state === 'ACTIVE') {
      this.db
        .prepare(`UPDATE launch_plans SET state = 'INACTIVE', updated_at = ? WHERE project = ? AND domain = ? AND name = ? AND state = 'ACTIVE' AND version != ?`)
        .run(now, key.project, key.domain, key.name, key.version);
    }
    this.db
      .prepare('UPDATE launch_plans SET state = ?, updated_at = ? WHERE project = ? AND domain = ? AND name = ? AND version = ?')
      .run(state, now, key.project, key.domain, key.name, key.version);
  }
}
