#pragma once

#include "core/application/ports/accounting_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <utility>

namespace ryax::test {

// AccountingStore in memory; passes the contract test of the SQLite
// adapter (tests/unit/contract/accounting_store_contract_test.cpp).
class InMemoryAccountingStore final : public app::AccountingStore
{
public:
  Result<void>
  append(const std::vector<domain::AccountingRecord>& records) override
  {
    std::lock_guard lock(m_mutex);
    if (m_fail) {
      return fail(ErrorCode::internal, "accounting store: failing on purpose");
    }
    for (const auto& record : records) {
      if (m_ids.insert(record.execution_id).second) {
        m_records.emplace(std::pair(record.ended_ms, record.execution_id),
                          record);
      }
    }
    ++m_appends;
    return {};
  }

  Result<void>
  scan(const app::AccountingFilter& filter,
       const std::function<void(const domain::AccountingRecord&)>& visit)
    override
  {
    std::vector<domain::AccountingRecord> selected;
    {
      std::lock_guard lock(m_mutex);
      for (const auto& [key, record] : m_records) {
        const bool in_project =
          filter.projects.empty()
          || std::find(filter.projects.begin(), filter.projects.end(),
                       record.project) != filter.projects.end();
        if (in_project && record.ended_ms >= filter.since_ms
            && (filter.until_ms == 0 || record.ended_ms < filter.until_ms)) {
          selected.push_back(record);
        }
      }
    }
    for (const auto& record : selected) {
      visit(record);
    }
    return {};
  }

  Result<std::vector<domain::AccountingGroup>>
  sum(const app::AccountingFilter& filter, domain::AccountingGroupBy by) override
  {
    std::map<std::string, domain::AccountingGroup> groups;
    RYAX_TRY(scan(filter, [&](const domain::AccountingRecord& record) {
      auto group = domain::group_of(record, by);
      auto key = group.key();
      groups.try_emplace(std::move(key), std::move(group))
        .first->second.totals.add(record);
    }));
    std::vector<domain::AccountingGroup> sums;
    for (auto& [key, group] : groups) {
      sums.push_back(std::move(group));
    }
    return sums;
  }

  // Make append fail (true) or work again.
  void
  set_failing(bool failing)
  {
    std::lock_guard lock(m_mutex);
    m_fail = failing;
  }

  // How many appends succeeded (batches, not records).
  int
  appends() const
  {
    std::lock_guard lock(m_mutex);
    return m_appends;
  }

  // How many records it holds.
  std::size_t
  size() const
  {
    std::lock_guard lock(m_mutex);
    return m_records.size();
  }

private:
  mutable std::mutex m_mutex;
  std::map<std::pair<std::int64_t, std::string>, domain::AccountingRecord>
    m_records;
  std::set<std::string> m_ids;
  bool m_fail = false;
  int m_appends = 0;
};

} // namespace ryax::test
