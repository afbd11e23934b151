#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/infrastructure/sqlite/database.hpp"

#include <atomic>
#include <cstdint>

namespace ryax::infra::sqlite {

// ActionCatalogue in the daemon's SQLite database (table action_versions);
// the metadata is stored as the JSON document of infra/json/action_json.hpp.
class SqliteActionCatalogue : public app::ActionCatalogue
{
public:
  explicit SqliteActionCatalogue(Database& database);

  Result<std::optional<domain::ActionVersion>>
  find(const std::string& project,
       const std::string& id,
       const std::string& version) override;
  Result<std::optional<domain::ActionVersion>>
  latest(const std::string& project, const std::string& id) override;
  Result<std::vector<domain::ActionVersion>>
  list(const app::ActionFilter& filter) override;
  Result<std::vector<domain::ActionVersion>>
  of_repository(const std::string& project,
                const std::string& repository) override;
  Result<int> remove(const std::string& project,
                     const std::string& id,
                     const std::string& version) override;
  Result<void> set_build(const domain::ActionVersion& version) override;
  Result<void> commit_scan(const app::ScanCommit& scan) override;

  std::uint64_t generation() const override { return m_generation.load(); }

private:
  // `result`, after noting that the store was written.
  template<typename T>
  T
  written(T result)
  {
    m_generation.fetch_add(1);
    return result;
  }

  Database& m_database;
  std::atomic<std::uint64_t> m_generation{ 0 };
};

} // namespace ryax::infra::sqlite
