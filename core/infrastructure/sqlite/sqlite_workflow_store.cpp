#include "core/infrastructure/sqlite/sqlite_workflow_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

namespace ryax::infra::sqlite {

namespace {

constexpr const char* k_deployment_columns =
  "id, latest_version, deployed_version, state, reason, updated_at, project, "
  "trigger_started_ms, trigger_once_done, trigger_skipped_ticks, "
  "trigger_error";

app::WorkflowDeployment
read_deployment(SQLite::Statement& q)
{
  app::WorkflowDeployment d;
  d.id = q.getColumn(0).getString();
  d.latest_version = q.getColumn(1).getInt();
  d.deployed_version = q.getColumn(2).getInt();
  d.state = app::parse_deployment_state(q.getColumn(3).getString())
              .value_or(app::DeploymentState::error);
  d.reason = q.getColumn(4).getString();
  d.updated_at = q.getColumn(5).getInt64();
  d.project = q.getColumn(6).getString();
  d.trigger.started_ms = q.getColumn(7).getInt64();
  d.trigger.once_done = q.getColumn(8).getInt() != 0;
  d.trigger.skipped_ticks = q.getColumn(9).getInt64();
  d.trigger.error = q.getColumn(10).getString();
  return d;
}

} // namespace

SqliteWorkflowStore::SqliteWorkflowStore(Database& database)
  : m_database(database)
{
}

Result<std::optional<app::StoredWorkflow>>
SqliteWorkflowStore::find(const std::string& project,
                          const std::string& id,
                          int version)
{
  return m_database.locked([&]() -> Result<std::optional<app::StoredWorkflow>> {
    auto& c = m_database.connection();
    SQLite::Statement q(
      c,
      version == 0
        ? "SELECT version, definition, created_at FROM workflow_versions "
          "WHERE project = ? AND workflow_id = ? ORDER BY version DESC LIMIT 1"
        : "SELECT version, definition, created_at FROM workflow_versions "
          "WHERE project = ? AND workflow_id = ? AND version = ?");
    q.bind(1, project);
    q.bind(2, id);
    if (version != 0) {
      q.bind(3, version);
    }
    if (!q.executeStep()) {
      return std::optional<app::StoredWorkflow>{};
    }
    app::StoredWorkflow w;
    w.id = id;
    w.version = q.getColumn(0).getInt();
    w.yaml = q.getColumn(1).getString();
    w.created_at = q.getColumn(2).getInt64();
    w.project = project;
    SQLite::Statement files(
      c,
      "SELECT path, content_key, size FROM workflow_files "
      "WHERE project = ? AND workflow_id = ? AND version = ? ORDER BY path");
    files.bind(1, project);
    files.bind(2, id);
    files.bind(3, w.version);
    while (files.executeStep()) {
      w.files.push_back({ files.getColumn(0).getString(),
                          files.getColumn(1).getString(),
                          files.getColumn(2).getInt64() });
    }
    return std::optional{ std::move(w) };
  });
}

Result<void>
SqliteWorkflowStore::add_version(const app::StoredWorkflow& w)
{
  return written(m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Transaction tx(c);
    SQLite::Statement exists(
      c,
      "SELECT 1 FROM workflow_versions WHERE project = ? AND workflow_id = ? "
      "AND version = ?");
    exists.bind(1, w.project);
    exists.bind(2, w.id);
    exists.bind(3, w.version);
    if (exists.executeStep()) {
      return fail(ErrorCode::already_exists,
                  fmt::format("workflow \"{}\" version {} already exists",
                              w.id,
                              w.version));
    }
    exists.reset();
    SQLite::Statement upsert(
      c,
      "INSERT INTO workflows (id, latest_version, updated_at, project) VALUES "
      "(?, ?, ?, ?) ON CONFLICT (project, id) DO UPDATE SET latest_version = "
      "excluded.latest_version");
    upsert.bind(1, w.id);
    upsert.bind(2, w.version);
    upsert.bind(3, static_cast<int64_t>(w.created_at));
    upsert.bind(4, w.project);
    upsert.exec();
    SQLite::Statement insert(
      c,
      "INSERT INTO workflow_versions (project, workflow_id, "
      "version, definition, created_at) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, w.project);
    insert.bind(2, w.id);
    insert.bind(3, w.version);
    insert.bind(4, w.yaml);
    insert.bind(5, static_cast<int64_t>(w.created_at));
    insert.exec();
    for (const auto& file : w.files) {
      SQLite::Statement f(c,
                          "INSERT INTO workflow_files (project, workflow_id, "
                          "version, path, content_key, size) VALUES (?, ?, ?, "
                          "?, ?, ?)");
      f.bind(1, w.project);
      f.bind(2, w.id);
      f.bind(3, w.version);
      f.bind(4, file.path);
      f.bind(5, file.key);
      f.bind(6, static_cast<int64_t>(file.size));
      f.exec();
    }
    tx.commit();
    return {};
  }));
}

Result<std::optional<app::WorkflowDeployment>>
SqliteWorkflowStore::deployment(const std::string& project,
                                const std::string& id)
{
  return m_database.locked(
    [&]() -> Result<std::optional<app::WorkflowDeployment>> {
      SQLite::Statement q(m_database.connection(),
                          fmt::format("SELECT {} FROM workflows WHERE "
                                      "project = ? AND id = ?",
                                      k_deployment_columns));
      q.bind(1, project);
      q.bind(2, id);
      if (!q.executeStep()) {
        return std::optional<app::WorkflowDeployment>{};
      }
      return std::optional{ read_deployment(q) };
    });
}

Result<std::vector<app::WorkflowDeployment>>
SqliteWorkflowStore::list(const std::string& project)
{
  return m_database.locked(
    [&]() -> Result<std::vector<app::WorkflowDeployment>> {
      SQLite::Statement q(m_database.connection(),
                          fmt::format("SELECT {} FROM workflows WHERE "
                                      "project = ? ORDER BY id",
                                      k_deployment_columns));
      q.bind(1, project);
      std::vector<app::WorkflowDeployment> result;
      while (q.executeStep()) {
        result.push_back(read_deployment(q));
      }
      return result;
    });
}

Result<void>
SqliteWorkflowStore::set_deployment(const app::WorkflowDeployment& d)
{
  return written(m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "UPDATE workflows SET deployed_version = ?, state = ?, "
                        "reason = ?, updated_at = ? WHERE project = ? AND "
                        "id = ?");
    q.bind(1, d.deployed_version);
    q.bind(2, std::string(app::to_string(d.state)));
    q.bind(3, d.reason);
    q.bind(4, static_cast<int64_t>(d.updated_at));
    q.bind(5, d.project);
    q.bind(6, d.id);
    if (q.exec() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("workflow \"{}\" not found", d.id));
    }
    return {};
  }));
}

Result<std::vector<app::WorkflowDeployment>>
SqliteWorkflowStore::deployed()
{
  return m_database.locked(
    [&]() -> Result<std::vector<app::WorkflowDeployment>> {
      SQLite::Statement q(m_database.connection(),
                          fmt::format("SELECT {} FROM workflows WHERE "
                                      "state = 'deployed' ORDER BY project, id",
                                      k_deployment_columns));
      std::vector<app::WorkflowDeployment> result;
      while (q.executeStep()) {
        result.push_back(read_deployment(q));
      }
      return result;
    });
}

Result<void>
SqliteWorkflowStore::set_trigger_state(const std::string& project,
                                       const std::string& id,
                                       const app::TriggerState& state)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "UPDATE workflows SET trigger_started_ms = ?, "
                        "trigger_once_done = ?, trigger_skipped_ticks = ?, "
                        "trigger_error = ? WHERE project = ? AND id = ?");
    q.bind(1, static_cast<int64_t>(state.started_ms));
    q.bind(2, state.once_done ? 1 : 0);
    q.bind(3, static_cast<int64_t>(state.skipped_ticks));
    q.bind(4, state.error);
    q.bind(5, project);
    q.bind(6, id);
    if (q.exec() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("workflow \"{}\" not found", id));
    }
    return {};
  });
}

Result<void>
SqliteWorkflowStore::add_error(const std::string& project,
                               const std::string& id,
                               const app::DeploymentError& error)
{
  return written(m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(
      m_database.connection(),
      "INSERT INTO workflow_errors (project, workflow_id, version, at, "
      "message) VALUES (?, ?, ?, ?, ?)");
    q.bind(1, project);
    q.bind(2, id);
    q.bind(3, error.version);
    q.bind(4, static_cast<int64_t>(error.at));
    q.bind(5, error.message);
    q.exec();
    return {};
  }));
}

Result<std::vector<app::DeploymentError>>
SqliteWorkflowStore::errors(const std::string& project, const std::string& id)
{
  return m_database.locked([&]() -> Result<std::vector<app::DeploymentError>> {
    SQLite::Statement q(m_database.connection(),
                        "SELECT at, version, message FROM workflow_errors "
                        "WHERE project = ? AND workflow_id = ? ORDER BY id");
    q.bind(1, project);
    q.bind(2, id);
    std::vector<app::DeploymentError> result;
    while (q.executeStep()) {
      result.push_back({ q.getColumn(0).getInt64(),
                         q.getColumn(1).getInt(),
                         q.getColumn(2).getString() });
    }
    return result;
  });
}

Result<void>
SqliteWorkflowStore::remove(const std::string& project, const std::string& id)
{
  return written(m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Transaction tx(c);
    // Explicit deletes: the tables carry no foreign keys (schema 9).
    for (const char* sql :
         { "DELETE FROM workflow_files WHERE project = ? AND workflow_id = ?",
           "DELETE FROM workflow_versions WHERE project = ? AND workflow_id = ?",
           "DELETE FROM workflow_errors WHERE project = ? AND workflow_id = ?" }) {
      SQLite::Statement q(c, sql);
      q.bind(1, project);
      q.bind(2, id);
      q.exec();
    }
    SQLite::Statement q(c, "DELETE FROM workflows WHERE project = ? AND id = ?");
    q.bind(1, project);
    q.bind(2, id);
    if (q.exec() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("workflow \"{}\" not found", id));
    }
    tx.commit();
    return {};
  }));
}

} // namespace ryax::infra::sqlite
