#pragma once

#include "core/application/ports/build_store.hpp"
#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

// BuildStore in the daemon's SQLite database (table builds).
class SqliteBuildStore : public app::BuildStore
{
public:
  explicit SqliteBuildStore(Database& database);

  Result<domain::BuildJob> enqueue(const std::string& project,
                                   const std::string& id,
                                   const std::string& version,
                                   bool force,
                                   std::int64_t now) override;
  Result<std::optional<domain::BuildJob>> next_pending() override;
  Result<void> update(const domain::BuildJob& job) override;
  Result<std::optional<domain::BuildJob>>
  latest(const std::string& project,
         const std::string& id,
         const std::string& version) override;
  Result<std::vector<domain::BuildJob>> requeue_interrupted() override;

private:
  Database& m_database;
};

} // namespace ryax::infra::sqlite
