#pragma once

#include "core/application/ports/accounting_store.hpp"
#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

// AccountingStore in the daemon's SQLite database (table accounting,
// schema 14). A scan reads pages of rows, holding the connection only
// while it reads each page, so that a long summary never stalls the run
// journal.
class SqliteAccountingStore final : public app::AccountingStore
{
public:
  explicit SqliteAccountingStore(Database& database);

  Result<void> append(
    const std::vector<domain::AccountingRecord>& records) override;
  Result<void> scan(
    const app::AccountingFilter& filter,
    const std::function<void(const domain::AccountingRecord&)>& visit)
    override;
  // One GROUP BY query.
  Result<std::vector<domain::AccountingGroup>> sum(
    const app::AccountingFilter& filter,
    domain::AccountingGroupBy by) override;

private:
  Database& m_database;
};

} // namespace ryax::infra::sqlite
