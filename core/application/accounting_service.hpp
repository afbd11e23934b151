#pragma once

#include "core/application/accounting_recorder.hpp"
#include "core/application/ports/accounting_store.hpp"
#include "core/domain/accounting.hpp"
#include "core/domain/identity.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ryax::app {

// What a summary covers.
struct AccountingQuery
{
  std::string project; // "" for every project the caller may see
  // Executions that ended in [since_ms, until_ms), milliseconds since the
  // UNIX epoch; until_ms 0: no upper bound.
  std::int64_t since_ms = 0;
  std::int64_t until_ms = 0;
  domain::AccountingGroupBy group_by = domain::AccountingGroupBy::project;
  // How many records to return besides the sums (the oldest first), at
  // most k_max_records; 0 for none.
  std::size_t records = 0;
};

// The sums of the executions a query selects.
struct AccountingSummary
{
  std::vector<domain::AccountingGroup> groups; // by key()
  domain::AccountingTotals total;
  // The first `records` records of the query, and whether more were left
  // out.
  std::vector<domain::AccountingRecord> records;
  bool records_cut = false;
};

// Sums the accounting records (ryax accounting): by project, workflow,
// action, site or pool, over a period, in the projects the caller may see.
class AccountingService
{
public:
  // The most records one summary returns.
  static constexpr std::size_t k_max_records = 100000;

  // Sums what `store` holds; with `recorder`, what it has pending is
  // written first, so that a summary counts every execution that ended
  // before it.
  explicit AccountingService(AccountingStore& store,
                             AccountingRecorder* recorder = nullptr)
    : m_store(store)
    , m_recorder(recorder)
  {
  }

  // The summary of `query` for `caller`: an admin sees every project,
  // anyone else the projects it is a member of. permission_denied naming
  // the project when the caller is not a member of query.project;
  // invalid_argument when until is not after since, a bound is negative
  // or records exceeds k_max_records; internal from the store.
  Result<AccountingSummary> summarize(const domain::Principal& caller,
                                      const AccountingQuery& query);

private:
  AccountingStore& m_store;
  AccountingRecorder* m_recorder;
};

} // namespace ryax::app
