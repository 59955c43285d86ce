/**
 * The admin SQLite file: WAL, foreign keys, versioned migrations applied once, seeding, phase
 * CHECK constraints generated from the phase constants, data kept across reopen.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openAdminDb, type AdminDb } from '../../src/admin/index.ts';

const dirs: string[] = [];
const dbs: AdminDb[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function freshFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-admin-db-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'admin.db');
}

function open(file: string): AdminDb {
  const db = openAdminDb(file);
  dbs.push(db);
  return db;
}

describe('openAdminDb', () => {
  it('creates the file with WAL, foreign keys, migrations and seeds; reopening keeps data and migrates once', () => {
    const file = freshFile();
    const db = open(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT id FROM domains ORDER BY position').all()).toEqual([{ id: 'development' }, { id: 'staging' }, { id: 'production' }]);
    db.prepare("INSERT INTO projects (id, name, created_at, updated_at) VALUES ('kept', 'kept', 1, 1)").run();
    db.close();
    const again = open(file);
    expect(again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
    expect(again.prepare("SELECT id FROM projects WHERE id IN ('kept', 'flytesnacks') ORDER BY id").all()).toEqual([{ id: 'flytesnacks' }, { id: 'kept' }]);
  });

  it('enforces the generated phase CHECK and foreign keys', () => {
    const db = open(freshFile());
    const insert = (phase: string, project = 'flytesnacks') =>
      db
        .prepare(
          `INSERT INTO executions (project, domain, name, phase, launch_plan_project, launch_plan_domain, launch_plan_name, launch_plan_version,
             workflow_project, workflow_domain, workflow_name, workflow_version, mode, spec, inputs_uri, user_inputs_uri, created_at, updated_at)
           VALUES (?, 'development', ?, ?, 'p', 'd', 'n', 'v', 'p', 'd', 'n', 'v', 'MANUAL', x'', '', '', 1, 1)`,
        )
        .run(project, `e-${phase.toLowerCase()}-${project}`, phase);
    expect(() => insert('RUNNING')).not.toThrow();
    expect(() => insert('SLEEPING')).toThrow(/CHECK constraint/);
    expect(() => insert('RUNNING', 'no-such-project')).toThrow(/FOREIGN KEY/);
  });

  it('refuses a database written by a newer build', () => {
    const file = freshFile();
    const db = open(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
    db.close();
    expect(() => openAdminDb(file)).toThrow(/newer than this build/);
  });
});
