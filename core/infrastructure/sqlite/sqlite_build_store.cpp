#include "core/infrastructure/sqlite/sqlite_build_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ryax::infra::sqlite {

namespace {

constexpr const char* k_columns =
  "id, action_id, version, state, force, cache_hit, queued_at, started_at, "
  "finished_at, attempts, error, bundle_key, warnings, project";

domain::BuildJob
read_row(SQLite::Statement& q)
{
  domain::BuildJob job;
  job.id = q.getColumn(0).getInt64();
  job.action_id = q.getColumn(1).getString();
  job.version = q.getColumn(2).getString();
  job.state = domain::parse_build_job_state(q.getColumn(3).getString())
                .value_or(domain::BuildJobState::error);
  job.force = q.getColumn(4).getInt() != 0;
  job.cache_hit = q.getColumn(5).getInt() != 0;
  job.queued_at = q.getColumn(6).getInt64();
  job.started_at = q.getColumn(7).getInt64();
  job.finished_at = q.getColumn(8).getInt64();
  job.attempts = q.getColumn(9).getInt();
  job.error = q.getColumn(10).getString();
  job.bundle_key = q.getColumn(11).getString();
  const auto warnings = nlohmann::json::parse(q.getColumn(12).getString(), nullptr, false);
  if (warnings.is_array()) {
    job.warnings = warnings.get<std::vector<std::string>>();
  }
  job.project = q.getColumn(13).getString();
  return job;
}

std::optional<domain::BuildJob>
read_one(SQLite::Statement& q)
{
  if (!q.executeStep()) {
    return std::nullopt;
  }
  return read_row(q);
}

} // namespace

SqliteBuildStore::SqliteBuildStore(Database& database) : m_database(database) {}

Result<domain::BuildJob>
SqliteBuildStore::enqueue(const std::string& project,
                          const std::string& id,
                          const std::string& version,
                          bool force,
                          std::int64_t now)
{
  return m_database.locked([&]() -> Result<domain::BuildJob> {
    auto& c = m_database.connection();
    SQLite::Transaction tx(c);
    SQLite::Statement active(
      c, fmt::format("SELECT {} FROM builds WHERE project = ? AND action_id = ? "
                     "AND version = ? AND state IN ('pending', 'building') "
                     "ORDER BY id DESC LIMIT 1",
                     k_columns));
    active.bind(1, project);
    active.bind(2, id);
    active.bind(3, version);
    if (auto job = read_one(active)) {
      return *job;
    }
    SQLite::Statement insert(c, "INSERT INTO builds (project, action_id, "
                                "version, state, force, queued_at) VALUES "
                                "(?, ?, ?, 'pending', ?, ?)");
    insert.bind(1, project);
    insert.bind(2, id);
    insert.bind(3, version);
    insert.bind(4, force ? 1 : 0);
    insert.bind(5, static_cast<int64_t>(now));
    insert.exec();
    domain::BuildJob job;
    job.id = c.getLastInsertRowid();
    job.project = project;
    job.action_id = id;
    job.version = version;
    job.force = force;
    job.queued_at = now;
    tx.commit();
    return job;
  });
}

Result<std::optional<domain::BuildJob>>
SqliteBuildStore::next_pending()
{
  return m_database.locked([&]() -> Result<std::optional<domain::BuildJob>> {
    SQLite::Statement q(m_database.connection(),
                        fmt::format("SELECT {} FROM builds WHERE state = 'pending' "
                                    "ORDER BY id LIMIT 1",
                                    k_columns));
    return read_one(q);
  });
}

Result<void>
SqliteBuildStore::update(const domain::BuildJob& job)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "UPDATE builds SET state = ?, cache_hit = ?, started_at = ?, "
                        "finished_at = ?, attempts = ?, error = ?, bundle_key = ?, "
                        "warnings = ? WHERE id = ?");
    q.bind(1, std::string(domain::to_string(job.state)));
    q.bind(2, job.cache_hit ? 1 : 0);
    q.bind(3, static_cast<int64_t>(job.started_at));
    q.bind(4, static_cast<int64_t>(job.finished_at));
    q.bind(5, job.attempts);
    q.bind(6, job.error);
    q.bind(7, job.bundle_key);
    q.bind(8, nlohmann::json(job.warnings).dump());
    q.bind(9, static_cast<int64_t>(job.id));
    q.exec();
    return {};
  });
}

Result<std::optional<domain::BuildJob>>
SqliteBuildStore::latest(const std::string& project,
                         const std::string& id,
                         const std::string& version)
{
  return m_database.locked([&]() -> Result<std::optional<domain::BuildJob>> {
    SQLite::Statement q(m_database.connection(),
                        fmt::format("SELECT {} FROM builds WHERE project = ? AND "
                                    "action_id = ? AND version = ? ORDER BY id "
                                    "DESC LIMIT 1",
                                    k_columns));
    q.bind(1, project);
    q.bind(2, id);
    q.bind(3, version);
    return read_one(q);
  });
}

Result<std::vector<domain::BuildJob>>
SqliteBuildStore::requeue_interrupted()
{
  return m_database.locked([&]() -> Result<std::vector<domain::BuildJob>> {
    auto& c = m_database.connection();
    SQLite::Transaction tx(c);
    SQLite::Statement q(c, fmt::format("SELECT {} FROM builds WHERE state = "
                                       "'building' ORDER BY id",
                                       k_columns));
    std::vector<domain::BuildJob> jobs;
    while (q.executeStep()) {
      jobs.push_back(read_row(q));
      jobs.back().state = domain::BuildJobState::pending;
    }
    c.exec("UPDATE builds SET state = 'pending' WHERE state = 'building'");
    tx.commit();
    return jobs;
  });
}

} // namespace ryax::infra::sqlite
