#include "core/infrastructure/sqlite/sqlite_run_store.hpp"

#include "core/infrastructure/json/run_json.hpp"
#include "core/infrastructure/sqlite/sqlite_run_rows.hpp"

#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ryax::infra::sqlite {

namespace {

// Resets a statement when leaving a scope: a statement left on a row keeps
// a read transaction open on the connection.
class ResetOnExit
{
public:
  explicit ResetOnExit(SQLite::Statement& q)
    : m_q(q)
  {
  }
  ~ResetOnExit() { m_q.tryReset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

private:
  SQLite::Statement& m_q;
};

} // namespace

SqliteRunStore::SqliteRunStore(Database& database, app::SecretBox& box)
  : m_database(database)
  , m_box(box)
{
}

SQLite::Statement&
SqliteRunStore::prepared(std::unique_ptr<SQLite::Statement>& slot,
                         const char* sql)
{
  if (!slot) {
    slot = std::make_unique<SQLite::Statement>(m_database.connection(), sql);
  } else {
    // reset() would throw the error of a failed previous use again.
    slot->tryReset();
  }
  return *slot;
}

Result<void>
SqliteRunStore::write_step(const std::string& run_id,
                           const domain::StepKey& key,
                           const domain::StepRun& step,
                           std::set<std::string>& file_keys)
{
  auto& q = prepared(
    m_upsert_step,
    "INSERT OR REPLACE INTO run_steps (run_id, step, branch, state, attempt, "
    "inputs, output_sets, fan_out, log_lines, error, placement, created_ms, "
    "scheduled_ms, started_ms, finished_ms, origins, retried_because) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto sets = nlohmann::json::array();
  for (const auto& outputs : step.output_sets) {
    RYAX_TRY_ASSIGN(auto sealed, json::sealed_values_to_json(outputs, m_box));
    sets.push_back(std::move(sealed));
    json::collect_file_keys(outputs, file_keys);
  }
  json::collect_file_keys(step.inputs, file_keys);
  q.bind(1, run_id);
  q.bind(2, key.step);
  q.bind(3, key.branch);
  q.bind(4, std::string(domain::to_string(step.state)));
  q.bind(5, step.attempt);
  RYAX_TRY_ASSIGN(const auto inputs, json::sealed_values_to_json(step.inputs, m_box));
  q.bind(6, rows::dump(inputs));
  q.bind(7, rows::dump(sets));
  q.bind(8, step.fan_out ? 1 : 0);
  q.bind(9, static_cast<int64_t>(step.log_lines));
  q.bind(10, step.error ? rows::dump(json::step_error_to_json(*step.error)) : "");
  q.bind(11, step.placement);
  q.bind(12, static_cast<int64_t>(step.created_ms));
  rows::bind_optional(q, 13, step.scheduled_ms);
  rows::bind_optional(q, 14, step.started_ms);
  rows::bind_optional(q, 15, step.finished_ms);
  std::string origins;
  for (const auto& origin : step.origins) {
    origins += (origins.empty() ? "" : ",") + origin;
  }
  q.bind(16, origins);
  q.bind(17, step.retried_because);
  q.exec();
  return {};
}

void
SqliteRunStore::write_file_keys(const std::string& run_id,
                                const std::set<std::string>& file_keys)
{
  for (const auto& key : file_keys) {
    auto& q =
      prepared(m_insert_file,
               "INSERT OR IGNORE INTO run_files (run_id, key) VALUES (?, ?)");
    q.bind(1, run_id);
    q.bind(2, key);
    q.exec();
  }
}

Result<void>
SqliteRunStore::write_run(const app::RunWrite& write)
{
  const auto& h = write.header;
  std::set<std::string> file_keys;
  if (write.creation) {
    const auto& creation = *write.creation;
    auto& exists =
      prepared(m_run_exists, "SELECT 1 FROM runs WHERE id = ?");
    {
      const ResetOnExit reset(exists);
      exists.bind(1, h.id);
      if (exists.executeStep()) {
        return fail(ErrorCode::already_exists,
                    fmt::format("run \"{}\" already exists", h.id));
      }
    }
    auto& insert = prepared(
      m_insert_run,
      "INSERT INTO runs (id, workflow_id, workflow_version, state, "
      "created_ms, started_ms, finished_ms, error, trigger_values, "
      "trigger_step, actions, steps_total, steps_done, priority, project) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, h.id);
    insert.bind(2, h.workflow_id);
    insert.bind(3, h.workflow_version);
    insert.bind(4, std::string(domain::to_string(h.state)));
    insert.bind(5, static_cast<int64_t>(h.created_ms));
    rows::bind_optional(insert, 6, h.started_ms);
    rows::bind_optional(insert, 7, h.finished_ms);
    insert.bind(8, rows::run_error_text(h.error));
    RYAX_TRY_ASSIGN(const auto trigger_values,
                    json::sealed_values_to_json(creation.trigger_values, m_box));
    insert.bind(9, rows::dump(trigger_values));
    insert.bind(10, creation.trigger_step);
    insert.bind(11, rows::dump(nlohmann::json(creation.actions)));
    insert.bind(12, h.steps_total);
    insert.bind(13, h.steps_done);
    insert.bind(14, creation.priority);
    insert.bind(15, creation.project);
    insert.exec();
    json::collect_file_keys(creation.trigger_values, file_keys);
    if (!creation.variables.empty()) {
      RYAX_TRY(write_variables(h.id, creation.variables));
    }
  } else {
    auto& update = prepared(
      m_update_run,
      "UPDATE runs SET state = ?, started_ms = ?, finished_ms = ?, error = ?, "
      "steps_total = ?, steps_done = ? WHERE id = ?");
    update.bind(1, std::string(domain::to_string(h.state)));
    rows::bind_optional(update, 2, h.started_ms);
    rows::bind_optional(update, 3, h.finished_ms);
    update.bind(4, rows::run_error_text(h.error));
    update.bind(5, h.steps_total);
    update.bind(6, h.steps_done);
    update.bind(7, h.id);
    if (update.exec() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("run \"{}\" not found", h.id));
    }
  }
  for (const auto& [key, step] : write.steps) {
    RYAX_TRY(write_step(h.id, key, step, file_keys));
  }
  for (const auto& key : write.removed) {
    auto& q = prepared(m_delete_step,
                       "DELETE FROM run_steps WHERE run_id = ? AND step = ? "
                       "AND branch = ?");
    q.bind(1, h.id);
    q.bind(2, key.step);
    q.bind(3, key.branch);
    q.exec();
  }
  write_file_keys(h.id, file_keys);
  return {};
}

Result<void>
SqliteRunStore::write_variables(const std::string& run_id,
                                const domain::Values& variables)
{
  RYAX_TRY_ASSIGN(const auto sealed,
                  json::sealed_values_to_json(variables, m_box));
  SQLite::Statement q(
    m_database.connection(),
    "INSERT INTO run_variables (run_id, resolved) VALUES (?, ?)");
  q.bind(1, run_id);
  q.bind(2, rows::dump(sealed));
  q.exec();
  return {};
}

Result<domain::Values>
SqliteRunStore::read_variables(const std::string& run_id)
{
  SQLite::Statement q(m_database.connection(),
                      "SELECT resolved FROM run_variables WHERE run_id = ?");
  q.bind(1, run_id);
  if (!q.executeStep()) {
    return domain::Values{};
  }
  return rows::parse_values(q.getColumn(0).getString(), run_id, "variables", m_box);
}

Result<void>
SqliteRunStore::commit(const std::vector<app::RunWrite>& writes)
{
  if (writes.empty()) {
    return {};
  }
  return m_database.locked([&]() -> Result<void> {
    // Returning early rolls the transaction back: all or nothing.
    SQLite::Transaction tx(m_database.connection());
    for (const auto& write : writes) {
      RYAX_TRY(write_run(write));
    }
    tx.commit();
    return {};
  });
}

Result<std::optional<app::StoredRun>>
SqliteRunStore::load(const std::string& id)
{
  return m_database.locked([&]() -> Result<std::optional<app::StoredRun>> {
    auto& c = m_database.connection();
    // One read transaction: the run row and its steps from the same state.
    SQLite::Transaction tx(c);
    SQLite::Statement q(
      c,
      "SELECT workflow_id, workflow_version, state, created_ms, started_ms, "
      "finished_ms, error, trigger_values, actions, priority, project FROM "
      "runs WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) {
      return std::optional<app::StoredRun>{};
    }
    app::StoredRun stored;
    auto& run = stored.run;
    run.id = id;
    run.workflow_id = q.getColumn(0).getString();
    run.workflow_version = q.getColumn(1).getInt();
    run.state = domain::parse_run_state(q.getColumn(2).getString())
                  .value_or(domain::RunState::error);
    run.created_ms = q.getColumn(3).getInt64();
    run.started_ms = rows::optional_column(q, 4);
    run.finished_ms = rows::optional_column(q, 5);
    RYAX_TRY_ASSIGN(run.error, rows::parse_run_error(q.getColumn(6).getString(), id));
    RYAX_TRY_ASSIGN(run.trigger_values,
                    rows::parse_values(q.getColumn(7).getString(), id, "trigger", m_box));
    RYAX_TRY_ASSIGN(const auto actions,
                    rows::parse_column(q.getColumn(8).getString(), id, "actions"));
    stored.priority = q.getColumn(9).getInt();
    stored.project = q.getColumn(10).getString();
    if (actions.is_object()) {
      for (const auto& [step, action] : actions.items()) {
        if (action.is_string()) {
          stored.actions.emplace(step, action.get<std::string>());
        }
      }
    }
    q.reset();
    RYAX_TRY_ASSIGN(stored.variables, read_variables(id));
    SQLite::Statement steps(
      c,
      fmt::format("SELECT {} FROM run_steps WHERE run_id = ?", rows::k_step_columns));
    steps.bind(1, id);
    while (steps.executeStep()) {
      RYAX_TRY_ASSIGN(auto step, rows::read_step(steps, id, m_box));
      run.steps.insert(std::move(step));
    }
    tx.commit();
    return std::optional{ std::move(stored) };
  });
}

Result<std::vector<std::string>>
SqliteRunStore::unfinished()
{
  return m_database.locked([&]() -> Result<std::vector<std::string>> {
    SQLite::Statement q(m_database.connection(),
                        "SELECT id FROM runs WHERE state IN ('pending', "
                        "'running') ORDER BY created_ms, id");
    std::vector<std::string> ids;
    while (q.executeStep()) {
      ids.push_back(q.getColumn(0).getString());
    }
    return ids;
  });
}

Result<std::vector<app::RunSummary>>
SqliteRunStore::list(const app::RunFilter& filter)
{
  if (filter.limit <= 0) {
    return fail(
      ErrorCode::invalid_argument,
      fmt::format("run list limit must be positive, not {}", filter.limit));
  }
  // Only the conditions in use, so that SQLite picks the matching index.
  std::string where;
  const auto add = [&](std::string_view condition) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
  };
  if (!filter.project.empty()) {
    add("project = :project");
  }
  if (!filter.workflow_id.empty()) {
    add("workflow_id = :workflow");
  }
  if (filter.state) {
    add("state = :state");
  }
  if (filter.since_ms) {
    add("created_ms >= :since");
  }
  if (!filter.id_prefix.empty()) { // a range of the primary key (ASCII ids)
    add("id >= :low AND id < :high");
  }
  return m_database.locked([&]() -> Result<std::vector<app::RunSummary>> {
    SQLite::Statement q(m_database.connection(),
                        fmt::format("SELECT {} FROM runs{} ORDER BY created_ms "
                                    "DESC, id DESC LIMIT :limit",
                                    rows::k_summary_columns,
                                    where));
    if (!filter.project.empty()) {
      q.bind(":project", filter.project);
    }
    if (!filter.workflow_id.empty()) {
      q.bind(":workflow", filter.workflow_id);
    }
    if (filter.state) {
      q.bind(":state", std::string(domain::to_string(*filter.state)));
    }
    if (filter.since_ms) {
      q.bind(":since", static_cast<int64_t>(*filter.since_ms));
    }
    if (!filter.id_prefix.empty()) {
      q.bind(":low", filter.id_prefix);
      q.bind(":high", filter.id_prefix + "\x7f");
    }
    q.bind(":limit", filter.limit);
    std::vector<app::RunSummary> runs;
    while (q.executeStep()) {
      RYAX_TRY_ASSIGN(auto summary, rows::read_summary(q));
      runs.push_back(std::move(summary));
    }
    return runs;
  });
}

Result<std::vector<std::string>>
SqliteRunStore::remove(const std::string& id)
{
  // Removing runs is how users free space: on a full disk it may use the
  // space reserve.
  return m_database.locked_freeing([&]() -> Result<std::vector<std::string>> {
    auto& c = m_database.connection();
    SQLite::Transaction tx(c);
    SQLite::Statement unshared(
      c,
      "SELECT key FROM run_files AS f WHERE run_id = ?1 AND NOT EXISTS "
      "(SELECT 1 FROM run_files AS o WHERE o.key = f.key AND o.run_id != ?1) "
      "ORDER BY key");
    unshared.bind(1, id);
    std::vector<std::string> keys;
    while (unshared.executeStep()) {
      keys.push_back(unshared.getColumn(0).getString());
    }
    SQLite::Statement run(c, "DELETE FROM runs WHERE id = ?");
    run.bind(1, id);
    if (run.exec() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("run \"{}\" not found", id));
    }
    // Also without the cascade, should foreign keys be off.
    for (const char* sql : { "DELETE FROM run_steps WHERE run_id = ?",
                             "DELETE FROM run_files WHERE run_id = ?",
                             "DELETE FROM run_variables WHERE run_id = ?" }) {
      SQLite::Statement q(c, sql);
      q.bind(1, id);
      q.exec();
    }
    tx.commit();
    return keys;
  });
}

Result<std::vector<std::string>>
SqliteRunStore::expired(const app::RetentionPolicy& policy, std::int64_t now_ms)
{
  if (policy.max_age_ms <= 0 && policy.max_runs_per_workflow <= 0) {
    return std::vector<std::string>{};
  }
  return m_database.locked([&]() -> Result<std::vector<std::string>> {
    // Finished: any state but pending and running (an unknown state reads
    // back as error). `newer` is 1 for a workflow's newest finished run.
    SQLite::Statement q(
      m_database.connection(),
      "WITH finished AS (SELECT id, created_ms, finished_ms, ROW_NUMBER() "
      "OVER (PARTITION BY project, workflow_id ORDER BY created_ms DESC, id "
      "DESC) AS "
      "newer FROM runs WHERE state NOT IN ('pending', 'running')) "
      "SELECT id FROM finished WHERE (?1 > 0 AND finished_ms < ?2) OR "
      "(?3 > 0 AND newer > ?3) ORDER BY created_ms, id");
    q.bind(1, static_cast<int64_t>(policy.max_age_ms));
    q.bind(2, static_cast<int64_t>(now_ms - policy.max_age_ms));
    q.bind(3, policy.max_runs_per_workflow);
    std::vector<std::string> ids;
    while (q.executeStep()) {
      ids.push_back(q.getColumn(0).getString());
    }
    return ids;
  });
}

} // namespace ryax::infra::sqlite
