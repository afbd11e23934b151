#pragma once

#include "core/application/ports/repository_store.hpp"
#include "core/application/ports/secret_box.hpp"
#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

// RepositoryStore in the daemon's SQLite database (table repositories). The
// password and the SSH key are stored sealed by `box`; secrets() opens them
// (failed_precondition naming the repository and the field when one does
// not open; a value without the box's prefix, written before sealing,
// reads as it is).
class SqliteRepositoryStore : public app::RepositoryStore
{
public:
  SqliteRepositoryStore(Database& database, app::SecretBox& box);

  Result<void> add(const domain::Repository& repository,
                   const domain::RepositorySecrets& secrets) override;
  Result<domain::Repository> get(const std::string& project,
                                 const std::string& name) override;
  Result<domain::RepositorySecrets> secrets(const std::string& project,
                                            const std::string& name) override;
  Result<std::vector<domain::Repository>> list(
    const std::string& project) override;
  Result<void> remove(const std::string& project,
                      const std::string& name) override;

private:
  Database& m_database;
  app::SecretBox& m_box;
};

} // namespace ryax::infra::sqlite
