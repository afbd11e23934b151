#include "core/infrastructure/sqlite/sqlite_api_key_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

namespace ryax::infra::sqlite {

namespace {

constexpr const char* k_columns = "project, name, prefix, hash, created_ms, "
                                  "expires_ms, revoked, last_used_ms";

domain::ApiKey
read_key(SQLite::Statement& q)
{
  domain::ApiKey key;
  key.project = q.getColumn(0).getString();
  key.name = q.getColumn(1).getString();
  key.prefix = q.getColumn(2).getString();
  key.hash = q.getColumn(3).getString();
  key.created_ms = q.getColumn(4).getInt64();
  key.expires_ms = q.getColumn(5).getInt64();
  key.revoked = q.getColumn(6).getInt() != 0;
  if (!q.getColumn(7).isNull()) {
    key.last_used_ms = q.getColumn(7).getInt64();
  }
  return key;
}

} // namespace

SqliteApiKeyStore::SqliteApiKeyStore(Database& database)
  : m_database(database)
{
}

Result<void>
SqliteApiKeyStore::add(const domain::ApiKey& key)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement exists(
      m_database.connection(),
      "SELECT 1 FROM api_keys WHERE project = ? AND name = ?");
    exists.bind(1, key.project);
    exists.bind(2, key.name);
    if (exists.executeStep()) {
      return fail(ErrorCode::already_exists,
                  fmt::format("API key \"{}\" already exists in project "
                              "\"{}\"",
                              key.name,
                              key.project));
    }
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("INSERT INTO api_keys ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  k_columns));
    q.bind(1, key.project);
    q.bind(2, key.name);
    q.bind(3, key.prefix);
    q.bind(4, key.hash);
    q.bind(5, static_cast<int64_t>(key.created_ms));
    q.bind(6, static_cast<int64_t>(key.expires_ms));
    q.bind(7, key.revoked ? 1 : 0);
    if (key.last_used_ms) {
      q.bind(8, static_cast<int64_t>(*key.last_used_ms));
    } else {
      q.bind(8);
    }
    q.exec();
    return {};
  });
}

Result<std::vector<domain::ApiKey>>
SqliteApiKeyStore::list(const std::string& project)
{
  return m_database.locked([&]() -> Result<std::vector<domain::ApiKey>> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("SELECT {} FROM api_keys WHERE project = ? ORDER BY name",
                  k_columns));
    q.bind(1, project);
    std::vector<domain::ApiKey> keys;
    while (q.executeStep()) {
      keys.push_back(read_key(q));
    }
    return keys;
  });
}

Result<std::size_t>
SqliteApiKeyStore::count(const std::string& project)
{
  return m_database.locked([&]() -> Result<std::size_t> {
    SQLite::Statement q(m_database.connection(),
                        "SELECT COUNT(*) FROM api_keys WHERE project = ?");
    q.bind(1, project);
    q.executeStep();
    return static_cast<std::size_t>(q.getColumn(0).getInt64());
  });
}

Result<bool>
SqliteApiKeyStore::revoke(const std::string& project, const std::string& name)
{
  return m_database.locked([&]() -> Result<bool> {
    SQLite::Statement q(
      m_database.connection(),
      "UPDATE api_keys SET revoked = 1 WHERE project = ? AND name = ?");
    q.bind(1, project);
    q.bind(2, name);
    return q.exec() > 0;
  });
}

Result<std::optional<domain::ApiKey>>
SqliteApiKeyStore::find_by_hash(const std::string& project,
                                const std::string& hash)
{
  return m_database.locked([&]() -> Result<std::optional<domain::ApiKey>> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("SELECT {} FROM api_keys WHERE hash = ? AND project = ?",
                  k_columns));
    q.bind(1, hash);
    q.bind(2, project);
    if (!q.executeStep()) {
      return std::optional<domain::ApiKey>{};
    }
    return std::optional{ read_key(q) };
  });
}

Result<void>
SqliteApiKeyStore::touch(const std::string& project,
                         const std::string& name,
                         std::int64_t at_ms)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(
      m_database.connection(),
      "UPDATE api_keys SET last_used_ms = ? WHERE project = ? AND name = ?");
    q.bind(1, static_cast<int64_t>(at_ms));
    q.bind(2, project);
    q.bind(3, name);
    q.exec();
    return {};
  });
}

Result<bool>
SqliteApiKeyStore::keys_required(const std::string& project)
{
  return m_database.locked([&]() -> Result<bool> {
    SQLite::Statement q(
      m_database.connection(),
      "SELECT required FROM api_key_settings WHERE project = ?");
    q.bind(1, project);
    return q.executeStep() && q.getColumn(0).getInt() != 0;
  });
}

Result<void>
SqliteApiKeyStore::set_keys_required(const std::string& project, bool required)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "INSERT OR REPLACE INTO api_key_settings (project, "
                        "required) VALUES (?, ?)");
    q.bind(1, project);
    q.bind(2, required ? 1 : 0);
    q.exec();
    return {};
  });
}

} // namespace ryax::infra::sqlite
