/**
 * Versioned schema migrations, applied in order by {@link applyMigrations}. Never edit a released
 * migration: add a new one. Phase `CHECK` lists are generated from `core/phases.ts`, so the
 * stored names cannot drift from the model (style P3).
 */
import type Database from 'better-sqlite3';
import { CACHE_STATUSES, NodePhases, TaskPhases, WorkflowPhases } from '../../core/phases.ts';

/** One schema migration. */
export interface Migration {
  /** Strictly increasing, starting at 1. */
  version: number;
  name: string;
  sql: string;
}

const inList = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

const WF = inList(WorkflowPhases.byNumber);
const NODE = inList(NodePhases.byNumber);
const TASK = inList(TaskPhases.byNumber);
const CACHE = inList(CACHE_STATUSES);

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE domains (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'ARCHIVED', 'SYSTEM_GENERATED', 'SYSTEM_ARCHIVED')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE tasks (
  project TEXT NOT NULL REFERENCES projects(id),
  domain TEXT NOT NULL REFERENCES domains(id),
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  task_type TEXT NOT NULL DEFAULT '',
  spec BLOB NOT NULL,
  digest TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project, domain, name, version)
);

CREATE TABLE workflows (
  project TEXT NOT NULL REFERENCES projects(id),
  domain TEXT NOT NULL REFERENCES domains(id),
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  spec BLOB NOT NULL,
  compiled BLOB NOT NULL,
  digest TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project, domain, name, version)
);

CREATE TABLE launch_plans (
  project TEXT NOT NULL REFERENCES projects(id),
  domain TEXT NOT NULL REFERENCES domains(id),
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  workflow_project TEXT NOT NULL,
  workflow_domain TEXT NOT NULL,
  workflow_name TEXT NOT NULL,
  workflow_version TEXT NOT NULL,
  spec BLOB NOT NULL,
  closure BLOB NOT NULL,
  digest TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'INACTIVE' CHECK (state IN ('INACTIVE', 'ACTIVE')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project, domain, name, version),
  FOREIGN KEY (workflow_project, workflow_domain, workflow_name, workflow_version)
    REFERENCES workflows(project, domain, name, version)
);
CREATE INDEX launch_plans_active ON launch_plans(project, domain, name) WHERE state = 'ACTIVE';

CREATE TABLE executions (
  project TEXT NOT NULL REFERENCES projects(id),
  domain TEXT NOT NULL REFERENCES domains(id),
  name TEXT NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN (${WF})),
  launch_plan_project TEXT NOT NULL,
  launch_plan_domain TEXT NOT NULL,
  launch_plan_name TEXT NOT NULL,
  launch_plan_version TEXT NOT NULL,
  workflow_project TEXT NOT NULL,
  workflow_domain TEXT NOT NULL,
  workflow_name TEXT NOT NULL,
  workflow_version TEXT NOT NULL,
  task_name TEXT,
  mode TEXT NOT NULL,
  nesting INTEGER NOT NULL DEFAULT 0,
  parent_project TEXT,
  parent_domain TEXT,
  parent_name TEXT,
  parent_node_id TEXT,
  spec BLOB NOT NULL,
  inputs_uri TEXT NOT NULL,
  user_inputs_uri TEXT NOT NULL,
  outputs_uri TEXT,
  error BLOB,
  error_code TEXT,
  abort_cause TEXT,
  abort_principal TEXT,
  state TEXT NOT NULL DEFAULT 'EXECUTION_ACTIVE' CHECK (state IN ('EXECUTION_ACTIVE', 'EXECUTION_ARCHIVED')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  duration_ms INTEGER,
  PRIMARY KEY (project, domain, name)
);
CREATE INDEX executions_created ON executions(project, domain, created_at);
CREATE INDEX executions_parent ON executions(parent_project, parent_domain, parent_name);

CREATE TABLE execution_tags (
  project TEXT NOT NULL,
  domain TEXT NOT NULL,
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (project, domain, name, key),
  FOREIGN KEY (project, domain, name) REFERENCES executions(project, domain, name) ON DELETE CASCADE
);
CREATE INDEX execution_tags_kv ON execution_tags(key, value);

CREATE TABLE node_executions (
  project TEXT NOT NULL,
  domain TEXT NOT NULL,
  execution_name TEXT NOT NULL,
  node_id TEXT NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN (${NODE})),
  parent_node_id TEXT,
  parent_task BLOB,
  retry_group TEXT NOT NULL DEFAULT '',
  spec_node_id TEXT NOT NULL DEFAULT '',
  node_name TEXT NOT NULL DEFAULT '',
  is_parent INTEGER NOT NULL DEFAULT 0,
  is_dynamic INTEGER NOT NULL DEFAULT 0,
  is_array INTEGER NOT NULL DEFAULT 0,
  is_eager INTEGER NOT NULL DEFAULT 0,
  input_uri TEXT NOT NULL DEFAULT '',
  output_uri TEXT,
  error BLOB,
  deck_uri TEXT NOT NULL DEFAULT '',
  cache_status TEXT CHECK (cache_status IS NULL OR cache_status IN (${CACHE})),
  task_node_metadata BLOB,
  child_execution BLOB,
  dynamic_workflow BLOB,
  dynamic_job_spec_uri TEXT NOT NULL DEFAULT '',
  target_entity BLOB,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  duration_ms INTEGER,
  last_event_at INTEGER NOT NULL,
  PRIMARY KEY (project, domain, execution_name, node_id),
  FOREIGN KEY (project, domain, execution_name) REFERENCES executions(project, domain, name) ON DELETE CASCADE
);
CREATE INDEX node_executions_parent ON node_executions(project, domain, execution_name, parent_node_id);

CREATE TABLE task_executions (
  project TEXT NOT NULL,
  domain TEXT NOT NULL,
  execution_name TEXT NOT NULL,
  node_id TEXT NOT NULL,
  task_project TEXT NOT NULL,
  task_domain TEXT NOT NULL,
  task_name TEXT NOT NULL,
  task_version TEXT NOT NULL,
  retry_attempt INTEGER NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN (${TASK})),
  phase_version INTEGER NOT NULL DEFAULT 0,
  input_uri TEXT NOT NULL DEFAULT '',
  output_uri TEXT,
  error BLOB,
  logs BLOB,
  custom_info TEXT,
  reason TEXT NOT NULL DEFAULT '',
  task_type TEXT NOT NULL DEFAULT '',
  metadata BLOB,
  event_version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  duration_ms INTEGER,
  PRIMARY KEY (project, domain, execution_name, node_id, task_project, task_domain, task_name, task_version, retry_attempt),
  FOREIGN KEY (project, domain, execution_name, node_id)
    REFERENCES node_executions(project, domain, execution_name, node_id) ON DELETE CASCADE
);

CREATE TABLE propeller_state (
  execution_key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  active INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX propeller_state_active ON propeller_state(active) WHERE active = 1;
`,
  },
  {
    version: 2,
    name: 'propeller node statuses apart from the document head',
    // A save writes the head and the node statuses a round changed, not the whole document:
    // heads saved before this keep their nodes inside, and the rows here are newer.
    sql: `
CREATE TABLE propeller_nodes (
  execution_key TEXT NOT NULL REFERENCES propeller_state(execution_key) ON DELETE CASCADE,
  unique_id TEXT NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (execution_key, unique_id)
) WITHOUT ROWID;
`,
  },
];

/**
 * Applies every migration newer than the stored version, each in its own transaction, recording
 * it in `schema_migrations`. Idempotent. Throws if the DB was written by a newer build.
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this build supports (${latest})`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    })();
  }
  return latest;
}
