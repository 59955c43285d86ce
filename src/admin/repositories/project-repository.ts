/** SQL for projects and domains. */
import type { AdminDb } from '../db/open-db.ts';
import { buildListSql, type ListParams, type ListSpec } from './list-query.ts';
import { withSqliteErrors } from './sqlite-errors.ts';

/** A `projects` row. */
export interface ProjectRow {
  id: string;
  name: string;
  description: string;
  labels: string;
  state: string;
  created_at: number;
  updated_at: number;
}

/** A `domains` row. */
export interface DomainRow {
  id: string;
  name: string;
}

const PROJECT_LIST: ListSpec = {
  fields: {
    id: { column: 'id', kind: 'text' },
    name: { column: 'name', kind: 'text' },
    state: { column: 'state', kind: 'text', values: ['ACTIVE', 'ARCHIVED', 'SYSTEM_GENERATED', 'SYSTEM_ARCHIVED'] },
    created_at: { column: 'created_at', kind: 'time' },
  },
  prefixes: ['project'],
  defaultSortKey: 'created_at',
  tieBreaker: 'id',
};

/** Projects and the global domain list. */
export class ProjectRepository {
  readonly #db: AdminDb;
  constructor(db: AdminDb) {
    this.#db = db;
  }

  get(id: string): ProjectRow | undefined {
    return this.#db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
  }

  /** Inserts a project; `SBX_ADMIN_ALREADY_EXISTS` if the id is taken. */
  insert(row: ProjectRow): void {
    withSqliteErrors(`project ${row.id}`, () =>
      this.#db
        .prepare('INSERT INTO projects (id, name, description, labels, state, created_at, updated_at) VALUES (@id, @name, @description, @labels, @state, @created_at, @updated_at)')
        .run(row),
    );
  }

  update(row: ProjectRow): void {
    this.#db
      .prepare('UPDATE projects SET name = @name, description = @description, labels = @labels, state = @state, updated_at = @updated_at WHERE id = @id')
      .run(row);
  }

  list(params: ListParams): ProjectRow[] {
    const q = buildListSql(PROJECT_LIST, params);
    const where = q.where.length ? `WHERE ${q.where.join(' AND ')}` : '';
    return this.#db
      .prepare(`SELECT * FROM projects ${where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`)
      .all(...q.params, params.limit, params.offset) as ProjectRow[];
  }

  domains(): DomainRow[] {
    return this.#db.prepare('SELECT id, name FROM domains ORDER BY position').all() as DomainRow[];
  }

  hasDomain(id: string): boolean {
    return this.#db.prepare('SELECT 1 FROM domains WHERE id = ?').get(id) !== undefined;
  }
}
