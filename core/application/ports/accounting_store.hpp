#pragma once

#include "core/domain/accounting.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ryax::app {

// Which accounting records a scan reads.
struct AccountingFilter
{
  // The projects read; empty: every project.
  std::vector<std::string> projects;
  // Records that ended in [since_ms, until_ms) (milliseconds since the
  // UNIX epoch); until_ms 0: no upper bound.
  std::int64_t since_ms = 0;
  std::int64_t until_ms = 0;
};

// The accounting records of every execution: append-only, one per
// execution id, kept when the runs they belong to are removed (billing
// outlives run history). Every method is atomic by itself and thread-safe;
// internal when the storage fails.
class AccountingStore
{
public:
  virtual ~AccountingStore() = default;

  // Keep `records` (all or none). A record whose execution id is kept
  // already is ignored: appending again after a failure that did land
  // counts nothing twice.
  virtual Result<void> append(
    const std::vector<domain::AccountingRecord>& records) = 0;

  // Call `visit` on every record `filter` selects, by ended_ms then
  // execution id, without holding them all in memory.
  virtual Result<void> scan(
    const AccountingFilter& filter,
    const std::function<void(const domain::AccountingRecord&)>& visit) = 0;

  // The groups (domain::group_of under `by`) of the records `filter`
  // selects with their sums (AccountingTotals::add of each record, up to
  // rounding), by key(). What scan() and adding up give, computed where
  // the records are.
  virtual Result<std::vector<domain::AccountingGroup>> sum(
    const AccountingFilter& filter,
    domain::AccountingGroupBy by) = 0;
};

} // namespace ryax::app
