#include "core/infrastructure/sqlite/sqlite_agent_store.hpp"

#include "core/infrastructure/json/site_json.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

namespace ryax::infra::sqlite {

namespace {

constexpr const char* k_site_columns =
  "site_json, credential_hash, joined_ms, last_seen_ms, address";

Result<domain::AgentSite>
read_site(SQLite::Statement& q)
{
  domain::AgentSite site;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(q.getColumn(0).getString());
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::internal,
                std::string("agent_sites: a stored site is not JSON: ") + e.what());
  }
  RYAX_TRY_ASSIGN(site.site, json::site_from_json(doc));
  site.credential_hash = q.getColumn(1).getString();
  site.joined_ms = q.getColumn(2).getInt64();
  site.last_seen_ms = q.getColumn(3).getInt64();
  site.address = q.getColumn(4).getString();
  return site;
}

domain::JoinTokenRecord
read_token(SQLite::Statement& q)
{
  return domain::JoinTokenRecord{ q.getColumn(0).getString(),
                                  q.getColumn(1).getString(),
                                  q.getColumn(2).getInt64(),
                                  q.getColumn(3).getInt64() };
}

} // namespace

SqliteAgentStore::SqliteAgentStore(Database& database)
  : m_database(database)
{
}

Result<void>
SqliteAgentStore::add_token(const domain::JoinTokenRecord& token)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement exists(m_database.connection(),
                             "SELECT 1 FROM join_tokens WHERE id = ?");
    exists.bind(1, token.id);
    if (exists.executeStep()) {
      return fail(ErrorCode::already_exists,
                  fmt::format("join token {} exists already", token.id));
    }
    SQLite::Statement q(m_database.connection(),
                        "INSERT INTO join_tokens (id, hash, created_ms, "
                        "expires_ms) VALUES (?, ?, ?, ?)");
    q.bind(1, token.id);
    q.bind(2, token.hash);
    q.bind(3, token.created_ms);
    q.bind(4, token.expires_ms);
    q.exec();
    return {};
  });
}

Result<std::optional<domain::JoinTokenRecord>>
SqliteAgentStore::find_token(const std::string& id)
{
  return m_database.locked(
    [&]() -> Result<std::optional<domain::JoinTokenRecord>> {
      SQLite::Statement q(m_database.connection(),
                          "SELECT id, hash, created_ms, expires_ms FROM "
                          "join_tokens WHERE id = ?");
      q.bind(1, id);
      if (!q.executeStep()) {
        return std::nullopt;
      }
      return read_token(q);
    });
}

Result<std::vector<domain::JoinTokenRecord>>
SqliteAgentStore::list_tokens()
{
  return m_database.locked(
    [&]() -> Result<std::vector<domain::JoinTokenRecord>> {
      SQLite::Statement q(m_database.connection(),
                          "SELECT id, hash, created_ms, expires_ms FROM "
                          "join_tokens ORDER BY created_ms, id");
      std::vector<domain::JoinTokenRecord> tokens;
      while (q.executeStep()) {
        tokens.push_back(read_token(q));
      }
      return tokens;
    });
}

Result<void>
SqliteAgentStore::put_site(const domain::AgentSite& site)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("INSERT OR REPLACE INTO agent_sites (name, {}) VALUES "
                  "(?, ?, ?, ?, ?, ?)",
                  k_site_columns));
    q.bind(1, site.site.name);
    q.bind(2, json::site_to_json(site.site).dump());
    q.bind(3, site.credential_hash);
    q.bind(4, site.joined_ms);
    q.bind(5, site.last_seen_ms);
    q.bind(6, site.address);
    q.exec();
    return {};
  });
}

Result<std::optional<domain::AgentSite>>
SqliteAgentStore::find_site(const std::string& name)
{
  return m_database.locked([&]() -> Result<std::optional<domain::AgentSite>> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("SELECT {} FROM agent_sites WHERE name = ?", k_site_columns));
    q.bind(1, name);
    if (!q.executeStep()) {
      return std::nullopt;
    }
    RYAX_TRY_ASSIGN(auto site, read_site(q));
    return site;
  });
}

Result<std::vector<domain::AgentSite>>
SqliteAgentStore::list_sites()
{
  return m_database.locked([&]() -> Result<std::vector<domain::AgentSite>> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("SELECT {} FROM agent_sites ORDER BY name", k_site_columns));
    std::vector<domain::AgentSite> sites;
    while (q.executeStep()) {
      RYAX_TRY_ASSIGN(auto site, read_site(q));
      sites.push_back(std::move(site));
    }
    return sites;
  });
}

Result<void>
SqliteAgentStore::touch_site(const std::string& name,
                             std::int64_t at_ms,
                             const std::string& address)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "UPDATE agent_sites SET last_seen_ms = ?, address = ? "
                        "WHERE name = ?");
    q.bind(1, at_ms);
    q.bind(2, address);
    q.bind(3, name);
    q.exec();
    return {};
  });
}

Result<bool>
SqliteAgentStore::remove_site(const std::string& name)
{
  return m_database.locked([&]() -> Result<bool> {
    SQLite::Statement q(m_database.connection(),
                        "DELETE FROM agent_sites WHERE name = ?");
    q.bind(1, name);
    return q.exec() > 0;
  });
}

} // namespace ryax::infra::sqlite
