#include "core/infrastructure/sqlite/schema.hpp"

#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

const std::vector<Migration>&
schema_migrations()
{
  static const std::vector<Migration> k_migrations = {
    {1, "daemon metadata", R"sql(
CREATE TABLE daemon_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
    {2, "action repositories and catalogue", R"sql(
CREATE TABLE repositories (
  name             TEXT PRIMARY KEY,
  url              TEXT NOT NULL,
  branch           TEXT NOT NULL DEFAULT '',
  username         TEXT NOT NULL DEFAULT '',
  password         TEXT NOT NULL DEFAULT '',
  ssh_key          TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  last_scan_at     INTEGER,
  last_scan_ref    TEXT NOT NULL DEFAULT '',
  last_scan_commit TEXT NOT NULL DEFAULT ''
);
CREATE TABLE action_versions (
  action_id      TEXT NOT NULL,
  version        TEXT NOT NULL,
  kind           TEXT NOT NULL,
  categories     TEXT NOT NULL, -- JSON array, for filtering
  metadata       TEXT NOT NULL, -- JSON, see infra/json/action_json.hpp
  repository     TEXT NOT NULL,
  commit_id      TEXT NOT NULL,
  directory      TEXT NOT NULL,
  tree_id        TEXT NOT NULL,
  scanned_at     INTEGER NOT NULL,
  sequence       INTEGER NOT NULL,
  gone_from_head INTEGER NOT NULL DEFAULT 0,
  build_state    TEXT NOT NULL DEFAULT 'scanned',
  PRIMARY KEY (action_id, version)
);
CREATE INDEX action_versions_by_repository ON action_versions (repository);
CREATE INDEX action_versions_by_sequence ON action_versions (action_id, sequence);
)sql"},
    {3, "action builds", R"sql(
ALTER TABLE action_versions ADD COLUMN build_error TEXT NOT NULL DEFAULT '';
ALTER TABLE action_versions ADD COLUMN bundle_key TEXT NOT NULL DEFAULT '';
ALTER TABLE action_versions ADD COLUMN lock_json TEXT NOT NULL DEFAULT '';
ALTER TABLE action_versions ADD COLUMN build_warnings TEXT NOT NULL DEFAULT '[]';
CREATE TABLE builds (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  action_id   TEXT NOT NULL,
  version     TEXT NOT NULL,
  state       TEXT NOT NULL,
  force       INTEGER NOT NULL DEFAULT 0,
  cache_hit   INTEGER NOT NULL DEFAULT 0,
  queued_at   INTEGER NOT NULL,
  started_at  INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER NOT NULL DEFAULT 0,
  attempts    INTEGER NOT NULL DEFAULT 0,
  error       TEXT NOT NULL DEFAULT '',
  bundle_key  TEXT NOT NULL DEFAULT '',
  warnings    TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX builds_by_state ON builds (state, id);
CREATE INDEX builds_by_action ON builds (action_id, version, id);
)sql"},
    {4, "workflows, versions and deployments", R"sql(
CREATE TABLE workflows (
  id               TEXT PRIMARY KEY,
  latest_version   INTEGER NOT NULL,
  deployed_version INTEGER NOT NULL DEFAULT 0,
  state            TEXT NOT NULL DEFAULT 'undeployed',
  reason           TEXT NOT NULL DEFAULT '',
  updated_at       INTEGER NOT NULL
);
CREATE TABLE workflow_versions (
  workflow_id TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  version     INTEGER NOT NULL,
  definition  TEXT NOT NULL, -- the normalised workflow file
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, version)
);
CREATE TABLE workflow_files (
  workflow_id TEXT NOT NULL,
  version     INTEGER NOT NULL,
  path        TEXT NOT NULL,
  content_key TEXT NOT NULL, -- under <data>/workflow-files/
  size        INTEGER NOT NULL,
  PRIMARY KEY (workflow_id, version, path),
  FOREIGN KEY (workflow_id, version)
    REFERENCES workflow_versions (workflow_id, version) ON DELETE CASCADE
);
CREATE TABLE workflow_errors (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  workflow_id TEXT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  version     INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  message     TEXT NOT NULL
);
CREATE INDEX workflow_errors_by_workflow ON workflow_errors (workflow_id, id);
)sql"},
    {5, "workflow runs", R"sql(
CREATE TABLE runs (
  id               TEXT PRIMARY KEY,
  workflow_id      TEXT NOT NULL,
  workflow_version INTEGER NOT NULL,
  state            TEXT NOT NULL,
  created_ms       INTEGER NOT NULL,
  started_ms       INTEGER,
  finished_ms      INTEGER,
  error            TEXT NOT NULL DEFAULT '', -- JSON {step, branch, error}, '' for none
  trigger_values   TEXT NOT NULL DEFAULT '{}', -- JSON, see infra/json/run_json.hpp
  trigger_step     TEXT NOT NULL DEFAULT '', -- not counted in steps_total
  actions          TEXT NOT NULL DEFAULT '{}', -- JSON {step: "id:version"}
  steps_total      INTEGER NOT NULL DEFAULT 0,
  steps_done       INTEGER NOT NULL DEFAULT 0,
  priority         INTEGER NOT NULL DEFAULT 0 -- queue order of its steps
);
CREATE INDEX runs_by_created ON runs (created_ms DESC, id DESC);
CREATE INDEX runs_by_workflow ON runs (workflow_id, created_ms DESC, id DESC);
CREATE INDEX runs_by_state ON runs (state, created_ms DESC, id DESC);
CREATE INDEX runs_by_workflow_state
  ON runs (workflow_id, state, created_ms DESC, id DESC);
CREATE TABLE run_steps (
  run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step         TEXT NOT NULL,
  branch       TEXT NOT NULL, -- '' for the root, '2.0' in fan-outs
  state        TEXT NOT NULL,
  attempt      INTEGER NOT NULL,
  inputs       TEXT NOT NULL, -- JSON object
  output_sets  TEXT NOT NULL, -- JSON array of objects
  fan_out      INTEGER NOT NULL,
  log_lines    INTEGER NOT NULL,
  error        TEXT NOT NULL, -- JSON, '' for none
  placement    TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  scheduled_ms INTEGER,
  started_ms   INTEGER,
  finished_ms  INTEGER,
  PRIMARY KEY (run_id, step, branch)
) WITHOUT ROWID;
CREATE TABLE run_files (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key    TEXT NOT NULL, -- a filestore key a value of the run names
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_files_by_key ON run_files (key);
)sql"},
    {6, "fan-out origins of run branches", R"sql(
-- The fan-out steps that made each component of the branch, comma-separated
-- ('' at the root, and in runs written before: see domain::restore).
ALTER TABLE run_steps ADD COLUMN origins TEXT NOT NULL DEFAULT '';
)sql"},
    {7, "secrets sealed at rest", R"sql(
-- From this schema on, repositories.password and ssh_key and the password
-- values of runs are sealed ("v1:...", see app::SecretBox). The key lives
-- outside SQL, so this migration only marks the database: the credentials
-- written in plain text before are sealed at the next start, and the marker
-- removed (infra/sqlite/secret_sealing.cpp). An older ryaxd refuses this
-- schema, so it never takes a sealed text for a password.
INSERT OR REPLACE INTO daemon_meta (key, value)
  VALUES ('plaintext_credentials', 'seal at start');
)sql"},
    {8, "users, projects, memberships, tokens and the audit log", R"sql(
CREATE TABLE projects (
  name       TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  name            TEXT PRIMARY KEY,
  role            TEXT NOT NULL, -- admin, developer, user, operator
  local_uid       INTEGER UNIQUE, -- NULL when it is no local account
  password_hash   TEXT NOT NULL DEFAULT '', -- '' for no login
  current_project TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL
);
CREATE TABLE members (
  project TEXT NOT NULL REFERENCES projects (name) ON DELETE CASCADE,
  user    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  PRIMARY KEY (project, user)
) WITHOUT ROWID;
CREATE TABLE tokens (
  hash       TEXT PRIMARY KEY, -- SHA-256 of the token: never the token
  id         TEXT NOT NULL,
  user       TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL, -- session, personal
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, -- 0 for never
  revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_by_user ON tokens (user, created_at DESC);
CREATE TABLE audit (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms   INTEGER NOT NULL,
  user    TEXT NOT NULL,
  method  TEXT NOT NULL,
  project TEXT NOT NULL,
  outcome TEXT NOT NULL, -- ok, denied, error
  detail  TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit (at_ms DESC, id DESC);
)sql"},
    {9, "projects hold repositories, actions, builds, workflows and runs", R"sql(
-- Names are per project: the keys become (project, name). What a data dir
-- held before identities lands in the project "default". The tables keyed
-- by name are rebuilt (SQLite cannot change a primary key in place); the
-- workflow store deletes a workflow's rows itself, so the rebuilt workflow
-- tables carry no foreign keys.
CREATE TABLE repositories_9 (
  project          TEXT NOT NULL,
  name             TEXT NOT NULL,
  url              TEXT NOT NULL,
  branch           TEXT NOT NULL DEFAULT '',
  username         TEXT NOT NULL DEFAULT '',
  password         TEXT NOT NULL DEFAULT '',
  ssh_key          TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  last_scan_at     INTEGER,
  last_scan_ref    TEXT NOT NULL DEFAULT '',
  last_scan_commit TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (project, name)
);
INSERT INTO repositories_9 SELECT 'default', name, url, branch, username,
  password, ssh_key, created_at, last_scan_at, last_scan_ref,
  last_scan_commit FROM repositories;
DROP TABLE repositories;
ALTER TABLE repositories_9 RENAME TO repositories;

CREATE TABLE action_versions_9 (
  project        TEXT NOT NULL,
  action_id      TEXT NOT NULL,
  version        TEXT NOT NULL,
  kind           TEXT NOT NULL,
  categories     TEXT NOT NULL,
  metadata       TEXT NOT NULL,
  repository     TEXT NOT NULL,
  commit_id      TEXT NOT NULL,
  directory      TEXT NOT NULL,
  tree_id        TEXT NOT NULL,
  scanned_at     INTEGER NOT NULL,
  sequence       INTEGER NOT NULL,
  gone_from_head INTEGER NOT NULL DEFAULT 0,
  build_state    TEXT NOT NULL DEFAULT 'scanned',
  build_error    TEXT NOT NULL DEFAULT '',
  bundle_key     TEXT NOT NULL DEFAULT '',
  lock_json      TEXT NOT NULL DEFAULT '',
  build_warnings TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (project, action_id, version)
);
INSERT INTO action_versions_9 SELECT 'default', action_id, version, kind,
  categories, metadata, repository, commit_id, directory, tree_id,
  scanned_at, sequence, gone_from_head, build_state, build_error,
  bundle_key, lock_json, build_warnings FROM action_versions;
DROP TABLE action_versions;
ALTER TABLE action_versions_9 RENAME TO action_versions;
CREATE INDEX action_versions_by_repository
  ON action_versions (project, repository);
CREATE INDEX action_versions_by_sequence
  ON action_versions (project, action_id, sequence);

ALTER TABLE builds ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
DROP INDEX builds_by_action;
CREATE INDEX builds_by_action ON builds (project, action_id, version, id);

CREATE TABLE workflows_9 (
  project          TEXT NOT NULL,
  id               TEXT NOT NULL,
  latest_version   INTEGER NOT NULL,
  deployed_version INTEGER NOT NULL DEFAULT 0,
  state            TEXT NOT NULL DEFAULT 'undeployed',
  reason           TEXT NOT NULL DEFAULT '',
  updated_at       INTEGER NOT NULL,
  PRIMARY KEY (project, id)
);
INSERT INTO workflows_9 SELECT 'default', id, latest_version,
  deployed_version, state, reason, updated_at FROM workflows;
CREATE TABLE workflow_versions_9 (
  project     TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  version     INTEGER NOT NULL,
  definition  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (project, workflow_id, version)
);
INSERT INTO workflow_versions_9 SELECT 'default', workflow_id, version,
  definition, created_at FROM workflow_versions;
CREATE TABLE workflow_files_9 (
  project     TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  version     INTEGER NOT NULL,
  path        TEXT NOT NULL,
  content_key TEXT NOT NULL,
  size        INTEGER NOT NULL,
  PRIMARY KEY (project, workflow_id, version, path)
);
INSERT INTO workflow_files_9 SELECT 'default', workflow_id, version, path,
  content_key, size FROM workflow_files;
CREATE TABLE workflow_errors_9 (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  project     TEXT NOT NULL,
  workflow_id TEXT NOT NULL,
  version     INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  message     TEXT NOT NULL
);
INSERT INTO workflow_errors_9 SELECT id, 'default', workflow_id, version, at,
  message FROM workflow_errors;
DROP TABLE workflow_files;
DROP TABLE workflow_errors;
DROP TABLE workflow_versions;
DROP TABLE workflows;
ALTER TABLE workflows_9 RENAME TO workflows;
ALTER TABLE workflow_versions_9 RENAME TO workflow_versions;
ALTER TABLE workflow_files_9 RENAME TO workflow_files;
ALTER TABLE workflow_errors_9 RENAME TO workflow_errors;
CREATE INDEX workflow_errors_by_workflow
  ON workflow_errors (project, workflow_id, id);

ALTER TABLE runs ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
DROP INDEX runs_by_workflow;
DROP INDEX runs_by_workflow_state;
CREATE INDEX runs_by_project ON runs (project, created_ms DESC, id DESC);
CREATE INDEX runs_by_workflow
  ON runs (project, workflow_id, created_ms DESC, id DESC);
CREATE INDEX runs_by_workflow_state
  ON runs (project, workflow_id, state, created_ms DESC, id DESC);
)sql"},
    {10, "project variables and the variables of each run", R"sql(
CREATE TABLE variables (
  project     TEXT NOT NULL,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL, -- string, longstring, integer, float, boolean, password
  description TEXT NOT NULL DEFAULT '',
  value       TEXT NOT NULL, -- as typed; sealed ("v1:...") when sealed = 1
  sealed      INTEGER NOT NULL DEFAULT 0,
  updated_at  INTEGER NOT NULL, -- Unix seconds
  PRIMARY KEY (project, name)
) WITHOUT ROWID;
-- The values of the variables a run read, as they were when it started, so
-- that a run resumed after a restart reads the same ones: a JSON object of
-- values, passwords sealed as run values are.
CREATE TABLE run_variables (
  run_id   TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  resolved TEXT NOT NULL
) WITHOUT ROWID;
)sql"},
    {11, "the state of the timer trigger of each workflow", R"sql(
ALTER TABLE workflows ADD COLUMN trigger_started_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workflows ADD COLUMN trigger_once_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workflows ADD COLUMN trigger_skipped_ticks INTEGER NOT NULL
  DEFAULT 0;
ALTER TABLE workflows ADD COLUMN trigger_error TEXT NOT NULL DEFAULT '';
)sql"},
    {12, "project API keys and whether each project requires them", R"sql(
-- A key is stored as its SHA-256 only; its prefix ("ryax_ak_" and 8 hex
-- digits) is what people see.
CREATE TABLE api_keys (
  project      TEXT NOT NULL,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  hash         TEXT NOT NULL UNIQUE, -- the index each HTTP request reads
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL DEFAULT 0, -- 0: never
  revoked      INTEGER NOT NULL DEFAULT 0,
  last_used_ms INTEGER,
  PRIMARY KEY (project, name)
) WITHOUT ROWID;
CREATE TABLE api_key_settings (
  project  TEXT PRIMARY KEY,
  required INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    {13, "worker agents: join tokens and the sites that joined", R"sql(
-- Tokens and credentials are stored as their SHA-256 only.
CREATE TABLE join_tokens (
  id         TEXT PRIMARY KEY,
  hash       TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL DEFAULT 0 -- 0: never
) WITHOUT ROWID;
CREATE TABLE agent_sites (
  name            TEXT PRIMARY KEY,
  site_json       TEXT NOT NULL, -- type and node pools, as declared
  credential_hash TEXT NOT NULL,
  joined_ms       INTEGER NOT NULL,
  last_seen_ms    INTEGER NOT NULL DEFAULT 0,
  address         TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
)sql"},
    {14, "accounting: one record per step execution", R"sql(
-- Append-only and not tied to runs: billing outlives `runs rm` and the
-- retention of run history. Times in milliseconds since the UNIX epoch.
CREATE TABLE accounting (
  execution_id           TEXT NOT NULL UNIQUE, -- run.step.branch.attempt
  project                TEXT NOT NULL,
  workflow_id            TEXT NOT NULL,
  workflow_version       INTEGER NOT NULL,
  action_id              TEXT NOT NULL,
  action_name            TEXT NOT NULL,
  action_version         TEXT NOT NULL,
  run_id                 TEXT NOT NULL,
  step                   TEXT NOT NULL,
  branch                 TEXT NOT NULL,
  attempt                INTEGER NOT NULL,
  site                   TEXT NOT NULL,
  node_pool              TEXT NOT NULL,
  node                   TEXT NOT NULL,
  state                  TEXT NOT NULL,
  submitted_ms           INTEGER NOT NULL,
  started_ms             INTEGER NOT NULL,
  ended_ms               INTEGER NOT NULL,
  requested_cpu          REAL NOT NULL,
  requested_memory_bytes INTEGER NOT NULL,
  requested_gpu          INTEGER NOT NULL,
  requested_time_seconds INTEGER NOT NULL, -- 0: no limit
  allocated_cpu          REAL NOT NULL,
  allocated_memory_bytes INTEGER NOT NULL,
  allocated_gpu          INTEGER NOT NULL
);
CREATE INDEX accounting_by_end ON accounting (ended_ms, execution_id);
CREATE INDEX accounting_by_project
  ON accounting (project, ended_ms, execution_id);
)sql"},
    {15, "run steps: why an attempt runs again", R"sql(
-- Why the previous attempt ended without a result ('' for a first one).
ALTER TABLE run_steps ADD COLUMN retried_because TEXT NOT NULL DEFAULT '';
)sql"},
  };
  return k_migrations;
}

} // namespace ryax::infra::sqlite
