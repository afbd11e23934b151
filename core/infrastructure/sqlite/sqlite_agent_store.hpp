#pragma once

#include "core/application/ports/agent_store.hpp"
#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

// AgentStore in the daemon's SQLite database (tables join_tokens and
// agent_sites, schema 13).
class SqliteAgentStore final : public app::AgentStore
{
public:
  explicit SqliteAgentStore(Database& database);

  Result<void> add_token(const domain::JoinTokenRecord& token) override;
  Result<std::optional<domain::JoinTokenRecord>> find_token(
    const std::string& id) override;
  Result<std::vector<domain::JoinTokenRecord>> list_tokens() override;
  Result<void> put_site(const domain::AgentSite& site) override;
  Result<std::optional<domain::AgentSite>> find_site(
    const std::string& name) override;
  Result<std::vector<domain::AgentSite>> list_sites() override;
  Result<void> touch_site(const std::string& name,
                          std::int64_t at_ms,
                          const std::string& address) override;
  Result<bool> remove_site(const std::string& name) override;

private:
  Database& m_database;
};

} // namespace ryax::infra::sqlite
