#include "core/infrastructure/sqlite/sqlite_action_catalogue.hpp"

#include "core/infrastructure/json/action_json.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <set>

namespace ryax::infra::sqlite {

namespace {

constexpr const char* k_columns =
  "metadata, repository, commit_id, directory, tree_id, scanned_at, sequence, "
  "gone_from_head, build_state, build_error, bundle_key, lock_json, "
  "build_warnings, project";

Result<domain::ActionVersion>
read_row(SQLite::Statement& q)
{
  domain::ActionVersion v;
  const auto doc = nlohmann::json::parse(q.getColumn(0).getString(), nullptr, false);
  RYAX_TRY_ASSIGN(v.metadata, json::metadata_from_json(doc));
  v.repository = q.getColumn(1).getString();
  v.commit = q.getColumn(2).getString();
  v.directory = q.getColumn(3).getString();
  v.tree_id = q.getColumn(4).getString();
  v.scanned_at = q.getColumn(5).getInt64();
  v.sequence = q.getColumn(6).getInt64();
  v.gone_from_head = q.getColumn(7).getInt() != 0;
  v.build_state = domain::parse_build_state(q.getColumn(8).getString())
                    .value_or(domain::BuildState::scanned);
  v.build_error = q.getColumn(9).getString();
  v.bundle_key = q.getColumn(10).getString();
  v.lock_json = q.getColumn(11).getString();
  const auto warnings =
    nlohmann::json::parse(q.getColumn(12).getString(), nullptr, false);
  if (warnings.is_array()) {
    v.build_warnings = warnings.get<std::vector<std::string>>();
  }
  v.project = q.getColumn(13).getString();
  return v;
}

Result<std::vector<domain::ActionVersion>>
read_all(SQLite::Statement& q)
{
  std::vector<domain::ActionVersion> result;
  while (q.executeStep()) {
    RYAX_TRY_ASSIGN(auto version, read_row(q));
    result.push_back(std::move(version));
  }
  return result;
}

Result<std::optional<domain::ActionVersion>>
read_one(SQLite::Statement& q)
{
  if (!q.executeStep()) {
    return std::optional<domain::ActionVersion>{};
  }
  RYAX_TRY_ASSIGN(auto version, read_row(q));
  return std::optional{std::move(version)};
}

} // namespace

SqliteActionCatalogue::SqliteActionCatalogue(Database& database)
  : m_database(database)
{
}

Result<std::optional<domain::ActionVersion>>
SqliteActionCatalogue::find(const std::string& project,
                            const std::string& id,
                            const std::string& version)
{
  return m_database.locked([&]() -> Result<std::optional<domain::ActionVersion>> {
    SQLite::Statement q(m_database.connection(),
                        fmt::format("SELECT {} FROM action_versions WHERE "
                                    "project = ? AND action_id = ? AND "
                                    "version = ?",
                                    k_columns));
    q.bind(1, project);
    q.bind(2, id);
    q.bind(3, version);
    return read_one(q);
  });
}

Result<std::optional<domain::ActionVersion>>
SqliteActionCatalogue::latest(const std::string& project, const std::string& id)
{
  return m_database.locked([&]() -> Result<std::optional<domain::ActionVersion>> {
    SQLite::Statement q(m_database.connection(),
                        fmt::format("SELECT {} FROM action_versions WHERE "
                                    "project = ? AND action_id = ? ORDER BY "
                                    "sequence DESC LIMIT 1",
                                    k_columns));
    q.bind(1, project);
    q.bind(2, id);
    return read_one(q);
  });
}

Result<std::vector<domain::ActionVersion>>
SqliteActionCatalogue::list(const app::ActionFilter& filter)
{
  return m_database.locked([&]() -> Result<std::vector<domain::ActionVersion>> {
    std::string sql =
      fmt::format("SELECT {} FROM action_versions a WHERE 1", k_columns);
    if (!filter.project.empty()) {
      sql += " AND project = :project";
    }
    if (!filter.repository.empty()) {
      sql += " AND repository = :repository";
    }
    if (filter.kind) {
      sql += " AND kind = :kind";
    }
    if (!filter.category.empty()) {
      sql += " AND EXISTS (SELECT 1 FROM json_each(a.categories) WHERE value = "
             ":category)";
    }
    if (!filter.all_versions) {
      sql += " AND sequence = (SELECT MAX(sequence) FROM action_versions b "
             "WHERE b.project = a.project AND b.action_id = a.action_id)";
    }
    sql += " ORDER BY action_id, sequence DESC";
    SQLite::Statement q(m_database.connection(), sql);
    if (!filter.project.empty()) {
      q.bind(":project", filter.project);
    }
    if (!filter.repository.empty()) {
      q.bind(":repository", filter.repository);
    }
    if (filter.kind) {
      q.bind(":kind", std::string(domain::to_string(*filter.kind)));
    }
    if (!filter.category.empty()) {
      q.bind(":category", filter.category);
    }
    return read_all(q);
  });
}

Result<std::vector<domain::ActionVersion>>
SqliteActionCatalogue::of_repository(const std::string& project,
                                     const std::string& repository)
{
  return m_database.locked([&]() -> Result<std::vector<domain::ActionVersion>> {
    SQLite::Statement q(m_database.connection(),
                        fmt::format("SELECT {} FROM action_versions WHERE "
                                    "project = ? AND repository = ? ORDER BY "
                                    "directory",
                                    k_columns));
    q.bind(1, project);
    q.bind(2, repository);
    return read_all(q);
  });
}

Result<int>
SqliteActionCatalogue::remove(const std::string& project,
                              const std::string& id,
                              const std::string& version)
{
  return written(m_database.locked([&]() -> Result<int> {
    SQLite::Statement q(m_database.connection(),
                        version.empty()
                          ? "DELETE FROM action_versions WHERE project = ? AND "
                            "action_id = ?"
                          : "DELETE FROM action_versions WHERE project = ? AND "
                            "action_id = ? AND version = ?");
    q.bind(1, project);
    q.bind(2, id);
    if (!version.empty()) {
      q.bind(3, version);
    }
    return q.exec();
  }));
}

Result<void>
SqliteActionCatalogue::set_build(const domain::ActionVersion& v)
{
  return written(m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "UPDATE action_versions SET build_state = ?, build_error = ?, "
                        "bundle_key = ?, lock_json = ?, build_warnings = ? "
                        "WHERE project = ? AND action_id = ? AND version = ?");
    q.bind(1, std::string(domain::to_string(v.build_state)));
    q.bind(2, v.build_error);
    q.bind(3, v.bundle_key);
    q.bind(4, v.lock_json);
    q.bind(5, nlohmann::json(v.build_warnings).dump());
    q.bind(6, v.project);
    q.bind(7, v.id());
    q.bind(8, v.version());
    if (q.exec() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("action \"{}\" version \"{}\" not found", v.id(),
                              v.version()));
    }
    return {};
  }));
}

Result<void>
SqliteActionCatalogue::commit_scan(const app::ScanCommit& scan)
{
  return written(m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Transaction tx(c);
    auto next = c.execAndGet("SELECT COALESCE(MAX(sequence), 0) FROM action_versions")
                  .getInt64();
    SQLite::Statement upsert(
      c, "INSERT OR REPLACE INTO action_versions (action_id, version, kind, "
         "categories, metadata, repository, commit_id, directory, tree_id, "
         "scanned_at, sequence, gone_from_head, build_state, build_error, "
         "bundle_key, lock_json, build_warnings, project) VALUES "
         "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'scanned', '', '', '', '[]', ?)");
    for (const auto& v : scan.upserts) {
      upsert.reset();
      upsert.clearBindings();
      upsert.bind(1, v.id());
      upsert.bind(2, v.version());
      upsert.bind(3, std::string(domain::to_string(v.metadata.kind)));
      upsert.bind(4, nlohmann::json(v.metadata.categories).dump());
      upsert.bind(5, json::to_json(v.metadata).dump());
      upsert.bind(6, v.repository);
      upsert.bind(7, v.commit);
      upsert.bind(8, v.directory);
      upsert.bind(9, v.tree_id);
      upsert.bind(10, static_cast<int64_t>(v.scanned_at));
      upsert.bind(11, static_cast<int64_t>(++next));
      upsert.bind(12, v.project);
      upsert.exec();
    }
    // Gone flags: every version of this repository absent from the commit.
    const std::set<std::string> present(scan.present.begin(), scan.present.end());
    SQLite::Statement versions(
      c, "SELECT action_id, version, gone_from_head FROM action_versions WHERE "
         "repository = ? AND project = ?");
    versions.bind(1, scan.repository);
    versions.bind(2, scan.project);
    std::vector<std::pair<std::pair<std::string, std::string>, int>> flips;
    while (versions.executeStep()) {
      const auto id = versions.getColumn(0).getString();
      const auto version = versions.getColumn(1).getString();
      const int gone = present.contains(id + ":" + version) ? 0 : 1;
      if (gone != versions.getColumn(2).getInt()) {
        flips.push_back({{id, version}, gone});
      }
    }
    SQLite::Statement flag(c, "UPDATE action_versions SET gone_from_head = ? "
                              "WHERE project = ? AND action_id = ? AND "
                              "version = ?");
    for (const auto& [key, gone] : flips) {
      flag.reset();
      flag.bind(1, gone);
      flag.bind(2, scan.project);
      flag.bind(3, key.first);
      flag.bind(4, key.second);
      flag.exec();
    }
    SQLite::Statement record(
      c, "UPDATE repositories SET last_scan_at = ?, last_scan_ref = ?, "
         "last_scan_commit = ? WHERE project = ? AND name = ?");
    record.bind(1, static_cast<int64_t>(scan.scanned_at));
    record.bind(2, scan.ref);
    record.bind(3, scan.commit);
    record.bind(4, scan.project);
    record.bind(5, scan.repository);
    record.exec();
    tx.commit();
    return {};
  }));
}

} // namespace ryax::infra::sqlite
