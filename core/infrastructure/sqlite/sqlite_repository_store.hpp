#pragma once

#include "core/application/ports/repository_store.hpp"
#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

// RepositoryStore in the daemon's SQLite database (table repositories).
class SqliteRepositoryStore : public app::RepositoryStore
{
public:
  explicit SqliteRepositoryStore(Database& database);

  Result<void> add(const domain::Repository& repository,
                   const domain::RepositorySecrets& secrets) override;
  Result<domain::Repository> get(const std::string& name) override;
  Result<domain::RepositorySecrets> secrets(const std::string& name) override;
  Result<std::vector<domain::Repository>> list() override;
  Result<void> remove(const std::string& name) override;

private:
  Database& m_database;
};

} // namespace ryax::infra::sqlite
