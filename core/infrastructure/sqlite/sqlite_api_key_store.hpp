#pragma once

#include "core/application/ports/api_key_store.hpp"
#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

// ApiKeyStore in the daemon's SQLite database (tables api_keys and
// api_key_settings, schema 12).
class SqliteApiKeyStore final : public app::ApiKeyStore
{
public:
  explicit SqliteApiKeyStore(Database& database);

  Result<void> add(const domain::ApiKey& key) override;
  Result<std::vector<domain::ApiKey>> list(const std::string& project) override;
  Result<std::size_t> count(const std::string& project) override;
  Result<bool> revoke(const std::string& project,
                      const std::string& name) override;
  Result<std::optional<domain::ApiKey>> find_by_hash(
    const std::string& project,
    const std::string& hash) override;
  Result<void> touch(const std::string& project,
                     const std::string& name,
                     std::int64_t at_ms) override;
  Result<bool> keys_required(const std::string& project) override;
  Result<void> set_keys_required(const std::string& project,
                                 bool required) override;

private:
  Database& m_database;
};

} // namespace ryax::infra::sqlite
