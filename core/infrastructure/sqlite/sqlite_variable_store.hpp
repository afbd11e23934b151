#pragma once

#include "core/application/ports/secret_box.hpp"
#include "core/application/ports/variable_store.hpp"
#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

// VariableStore in the daemon's SQLite database (table variables, schema
// 10). Password values are sealed with `box` (column sealed = 1).
class SqliteVariableStore final : public app::VariableStore
{
public:
  SqliteVariableStore(Database& database, app::SecretBox& box);

  Result<void> put(const domain::Variable& variable) override;
  Result<std::optional<domain::Variable>> get(const std::string& project,
                                              const std::string& name) override;
  Result<std::vector<domain::Variable>> list(
    const std::string& project) override;
  Result<std::size_t> count(const std::string& project) override;
  Result<bool> remove(const std::string& project,
                      const std::string& name) override;

private:
  Database& m_database;
  app::SecretBox& m_box;
};

} // namespace ryax::infra::sqlite
