/**
 * Opens (creating if needed) the admin's single SQLite file: WAL journal, foreign keys on,
 * migrations applied, default domains and projects seeded. Admin is the only writer of this file
 * (style P8); propeller's state lives in it too, through `SqliteStateStore`.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { applyMigrations } from './migrations.ts';

/** The admin database handle (a better-sqlite3 connection). */
export type AdminDb = Database.Database;

/** Domains every project has, in display order (like `flytectl demo`). */
export const DEFAULT_DOMAINS: readonly string[] = ['development', 'staging', 'production'];
/** Projects seeded on open. */
export const DEFAULT_PROJECTS: readonly string[] = ['flytesnacks'];

/** Options of {@link openAdminDb}. */
export interface OpenAdminDbOptions {
  /** Projects to create if missing. @default DEFAULT_PROJECTS */
  seedProjects?: readonly string[];
  /** Milliseconds since the epoch, for seeded rows. @default Date.now */
  now?: () => number;
  /**
   * better-sqlite3's loaded addon, when the caller loads it itself (the single binary does: see
   * `src/cli/native-addon.ts`). @default better-sqlite3 finds its own
   */
  nativeBinding?: object;
}

/**
 * Opens the database at `file` (`:memory:` allowed) and brings it to the latest schema.
 * Seeding is idempotent: existing projects are left as they are.
 */
export function openAdminDb(file: string, options: OpenAdminDbOptions = {}): AdminDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // better-sqlite3 takes the loaded addon object too; its typings know only a path.
  const db = options.nativeBinding ? new Database(file, { nativeBinding: options.nativeBinding as unknown as string }) : new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    applyMigrations(db);
    seed(db, options.seedProjects ?? DEFAULT_PROJECTS, (options.now ?? Date.now)());
  } catch (e) {
    db.close();
    throw e;
  }
  cacheStatements(db);
  return db;
}

/** Most distinct SQL texts kept prepared (the repositories build a bounded set of them). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Makes `db.prepare` reuse one prepared statement per SQL text. The repositories call `prepare`
 * on every query; compiling the SQL each time was the largest single cost of a busy daemon (a
 * quarter of the event loop's long tasks under a burst of creates). Safe because no caller
 * changes a statement's mode (`pluck`, `raw`, `expand`, `safeIntegers`) or iterates one; SQLite
 * re-prepares a cached statement itself after a schema change.
 */
function cacheStatements(db: AdminDb): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let st = cache.get(sql);
    if (!st) {
      st = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(sql, st);
    }
    return st;
  }) as AdminDb['prepare'];
}

function seed(db: AdminDb, projects: readonly string[], now: number): void {
  const addDomain = db.prepare('INSERT OR IGNORE INTO domains (id, name, position) VALUES (?, ?, ?)');
  const addProject = db.prepare(
    'INSERT OR IGNORE INTO projects (id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    DEFAULT_DOMAINS.forEach((d, i) => addDomain.run(d, d, i));
    for (const p of projects) addProject.run(p, p, '', now, now);
  })();
}
