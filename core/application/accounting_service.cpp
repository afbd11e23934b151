#include "core/application/accounting_service.hpp"

#include <fmt/format.h>

#include <map>

namespace ryax::app {

Result<AccountingSummary>
AccountingService::summarize(const domain::Principal& caller,
                             const AccountingQuery& query)
{
  if (query.since_ms < 0 || query.until_ms < 0) {
    return fail(ErrorCode::invalid_argument,
                "since and until must not be before 1970");
  }
  if (query.until_ms != 0 && query.until_ms <= query.since_ms) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("until ({} ms) must be after since ({} ms)",
                            query.until_ms,
                            query.since_ms));
  }
  if (query.records > k_max_records) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("records: at most {} (got {})",
                            k_max_records,
                            query.records));
  }
  AccountingFilter filter;
  filter.since_ms = query.since_ms;
  filter.until_ms = query.until_ms;
  if (!query.project.empty()) {
    if (!caller.member_of(query.project)) {
      return fail(ErrorCode::permission_denied,
                  fmt::format("user \"{}\" is not a member of project \"{}\"",
                              caller.user,
                              query.project));
    }
    filter.projects = { query.project };
  } else if (caller.role != domain::Role::admin) {
    if (caller.projects.empty()) {
      return AccountingSummary{}; // an empty filter would be every project
    }
    filter.projects = caller.projects;
  }
  if (m_recorder != nullptr) {
    RYAX_TRY(m_recorder->flush());
  }
  AccountingSummary summary;
  if (query.records == 0) {
    // Summed where the records are: no record crosses the port.
    RYAX_TRY_ASSIGN(summary.groups, m_store.sum(filter, query.group_by));
    for (const auto& group : summary.groups) {
      auto& total = summary.total;
      total.executions += group.totals.executions;
      total.cpu_seconds += group.totals.cpu_seconds;
      total.gb_seconds += group.totals.gb_seconds;
      total.gpu_seconds += group.totals.gpu_seconds;
      total.duration_seconds += group.totals.duration_seconds;
    }
    return summary;
  }
  std::map<std::string, domain::AccountingGroup> groups;
  RYAX_TRY(m_store.scan(filter, [&](const domain::AccountingRecord& record) {
    auto group = domain::group_of(record, query.group_by);
    auto key = group.key();
    auto [it, fresh] = groups.try_emplace(std::move(key), std::move(group));
    it->second.totals.add(record);
    summary.total.add(record);
    if (summary.records.size() < query.records) {
      summary.records.push_back(record);
    } else if (query.records > 0) {
      summary.records_cut = true;
    }
  }));
  summary.groups.reserve(groups.size());
  for (auto& [key, group] : groups) {
    summary.groups.push_back(std::move(group));
  }
  return summary;
}

} // namespace ryax::app
