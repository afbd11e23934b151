#include "core/infrastructure/sqlite/sqlite_accounting_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace ryax::infra::sqlite {

namespace {

constexpr const char* k_columns =
  "execution_id, project, workflow_id, workflow_version, action_id, "
  "action_name, action_version, run_id, step, branch, attempt, site, "
  "node_pool, node, state, submitted_ms, started_ms, ended_ms, "
  "requested_cpu, requested_memory_bytes, requested_gpu, "
  "requested_time_seconds, allocated_cpu, allocated_memory_bytes, "
  "allocated_gpu";

constexpr int k_column_count = 25;

// Rows read per hold of the connection.
constexpr int k_page_rows = 2000;

void
bind_record(SQLite::Statement& q, const domain::AccountingRecord& r)
{
  int i = 0;
  q.bind(++i, r.execution_id);
  q.bind(++i, r.project);
  q.bind(++i, r.workflow_id);
  q.bind(++i, r.workflow_version);
  q.bind(++i, r.action_id);
  q.bind(++i, r.action_name);
  q.bind(++i, r.action_version);
  q.bind(++i, r.run_id);
  q.bind(++i, r.step);
  q.bind(++i, r.branch);
  q.bind(++i, r.attempt);
  q.bind(++i, r.site);
  q.bind(++i, r.node_pool);
  q.bind(++i, r.node);
  q.bind(++i, r.state);
  q.bind(++i, static_cast<int64_t>(r.submitted_ms));
  q.bind(++i, static_cast<int64_t>(r.started_ms));
  q.bind(++i, static_cast<int64_t>(r.ended_ms));
  q.bind(++i, r.requested_cpu);
  q.bind(++i, static_cast<int64_t>(r.requested_memory_bytes));
  q.bind(++i, static_cast<int64_t>(r.requested_gpu));
  q.bind(++i, static_cast<int64_t>(r.requested_time_seconds));
  q.bind(++i, r.allocated_cpu);
  q.bind(++i, static_cast<int64_t>(r.allocated_memory_bytes));
  q.bind(++i, static_cast<int64_t>(r.allocated_gpu));
}

domain::AccountingRecord
read_record(SQLite::Statement& q)
{
  domain::AccountingRecord r;
  int i = 0;
  r.execution_id = q.getColumn(i++).getString();
  r.project = q.getColumn(i++).getString();
  r.workflow_id = q.getColumn(i++).getString();
  r.workflow_version = q.getColumn(i++).getInt();
  r.action_id = q.getColumn(i++).getString();
  r.action_name = q.getColumn(i++).getString();
  r.action_version = q.getColumn(i++).getString();
  r.run_id = q.getColumn(i++).getString();
  r.step = q.getColumn(i++).getString();
  r.branch = q.getColumn(i++).getString();
  r.attempt = q.getColumn(i++).getInt();
  r.site = q.getColumn(i++).getString();
  r.node_pool = q.getColumn(i++).getString();
  r.node = q.getColumn(i++).getString();
  r.state = q.getColumn(i++).getString();
  r.submitted_ms = q.getColumn(i++).getInt64();
  r.started_ms = q.getColumn(i++).getInt64();
  r.ended_ms = q.getColumn(i++).getInt64();
  r.requested_cpu = q.getColumn(i++).getDouble();
  r.requested_memory_bytes = q.getColumn(i++).getInt64();
  r.requested_gpu = q.getColumn(i++).getInt64();
  r.requested_time_seconds = q.getColumn(i++).getInt64();
  r.allocated_cpu = q.getColumn(i++).getDouble();
  r.allocated_memory_bytes = q.getColumn(i++).getInt64();
  r.allocated_gpu = q.getColumn(i++).getInt64();
  return r;
}

// The conditions of `filter` (period, projects) for a WHERE clause; their
// values are bound by bind_conditions, after parameter `i`.
std::string
conditions_of(const app::AccountingFilter& filter)
{
  std::string where = "ended_ms >= ?";
  if (filter.until_ms != 0) {
    where += " AND ended_ms < ?";
  }
  if (!filter.projects.empty()) {
    where += " AND project IN (?";
    for (std::size_t i = 1; i < filter.projects.size(); ++i) {
      where += ", ?";
    }
    where += ")";
  }
  return where;
}

void
bind_conditions(SQLite::Statement& q,
                const app::AccountingFilter& filter,
                int& i)
{
  q.bind(++i, static_cast<int64_t>(filter.since_ms));
  if (filter.until_ms != 0) {
    q.bind(++i, static_cast<int64_t>(filter.until_ms));
  }
  for (const auto& project : filter.projects) {
    q.bind(++i, project);
  }
}

// The key columns of a grouping, in AccountingGroup's order.
std::vector<std::string>
key_columns(domain::AccountingGroupBy by)
{
  switch (by) {
  case domain::AccountingGroupBy::project:
    return { "project" };
  case domain::AccountingGroupBy::workflow:
    return { "project", "workflow_id" };
  case domain::AccountingGroupBy::action:
    return { "project", "action_id", "action_version" };
  case domain::AccountingGroupBy::site:
    return { "site" };
  case domain::AccountingGroupBy::pool:
    return { "site", "node_pool" };
  }
  return { "project" };
}

} // namespace

SqliteAccountingStore::SqliteAccountingStore(Database& database)
  : m_database(database)
{
}

Result<void>
SqliteAccountingStore::append(
  const std::vector<domain::AccountingRecord>& records)
{
  if (records.empty()) {
    return {};
  }
  return m_database.locked([&]() -> Result<void> {
    SQLite::Transaction tx(m_database.connection());
    std::string marks = "?";
    for (int i = 1; i < k_column_count; ++i) {
      marks += ", ?";
    }
    SQLite::Statement q(m_database.connection(),
                        fmt::format("INSERT OR IGNORE INTO accounting ({}) "
                                    "VALUES ({})",
                                    k_columns,
                                    marks));
    for (const auto& record : records) {
      bind_record(q, record);
      q.exec();
      q.reset();
    }
    tx.commit();
    return {};
  });
}

Result<void>
SqliteAccountingStore::scan(
  const app::AccountingFilter& filter,
  const std::function<void(const domain::AccountingRecord&)>& visit)
{
  const std::string where =
    "(ended_ms > ? OR (ended_ms = ? AND execution_id > ?)) AND "
    + conditions_of(filter);
  const auto sql = fmt::format("SELECT {} FROM accounting WHERE {} ORDER BY "
                               "ended_ms, execution_id LIMIT {}",
                               k_columns,
                               where,
                               k_page_rows);
  // Keyset paging: each page starts after the last row of the previous.
  std::int64_t after_end = std::numeric_limits<std::int64_t>::min();
  std::string after_id;
  for (;;) {
    std::vector<domain::AccountingRecord> page;
    RYAX_TRY(m_database.locked([&]() -> Result<void> {
      SQLite::Statement q(m_database.connection(), sql);
      int i = 0;
      q.bind(++i, static_cast<int64_t>(after_end));
      q.bind(++i, static_cast<int64_t>(after_end));
      q.bind(++i, after_id);
      bind_conditions(q, filter, i);
      while (q.executeStep()) {
        page.push_back(read_record(q));
      }
      return {};
    }));
    for (const auto& record : page) {
      visit(record);
    }
    if (page.size() < static_cast<std::size_t>(k_page_rows)) {
      return {};
    }
    after_end = page.back().ended_ms;
    after_id = page.back().execution_id;
  }
}

Result<std::vector<domain::AccountingGroup>>
SqliteAccountingStore::sum(const app::AccountingFilter& filter,
                           domain::AccountingGroupBy by)
{
  const auto columns = key_columns(by);
  std::string keys;
  for (const auto& column : columns) {
    keys += (keys.empty() ? "" : ", ") + column;
  }
  // TOTAL() is a float that never overflows; d is the duration in ms.
  const auto sql = fmt::format(
    "SELECT {0}, COUNT(*), TOTAL(allocated_cpu * d), "
    "TOTAL(allocated_memory_bytes / 1073741824.0 * d), "
    "TOTAL(allocated_gpu * d), TOTAL(d) FROM (SELECT {0}, allocated_cpu, "
    "allocated_memory_bytes, allocated_gpu, MAX(ended_ms - started_ms, 0) "
    "AS d FROM accounting WHERE {1}) GROUP BY {0}",
    keys,
    conditions_of(filter));
  RYAX_TRY_ASSIGN(auto groups,
                  m_database.locked(
                    [&]() -> Result<std::vector<domain::AccountingGroup>> {
                      SQLite::Statement q(m_database.connection(), sql);
                      int i = 0;
                      bind_conditions(q, filter, i);
                      std::vector<domain::AccountingGroup> found;
                      while (q.executeStep()) {
                        domain::AccountingRecord keyed;
                        int c = 0;
                        for (const auto& column : columns) {
                          auto value = q.getColumn(c++).getString();
                          if (column == "project") {
                            keyed.project = std::move(value);
                          } else if (column == "workflow_id") {
                            keyed.workflow_id = std::move(value);
                          } else if (column == "action_id") {
                            keyed.action_id = std::move(value);
                          } else if (column == "action_version") {
                            keyed.action_version = std::move(value);
                          } else if (column == "site") {
                            keyed.site = std::move(value);
                          } else {
                            keyed.node_pool = std::move(value);
                          }
                        }
                        auto group = domain::group_of(keyed, by);
                        auto& t = group.totals;
                        t.executions = q.getColumn(c++).getInt64();
                        t.cpu_seconds = q.getColumn(c++).getDouble() / 1000.0;
                        t.gb_seconds = q.getColumn(c++).getDouble() / 1000.0;
                        t.gpu_seconds = q.getColumn(c++).getDouble() / 1000.0;
                        t.duration_seconds =
                          q.getColumn(c++).getDouble() / 1000.0;
                        found.push_back(std::move(group));
                      }
                      return found;
                    }));
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    return a.key() < b.key();
  });
  return groups;
}

} // namespace ryax::infra::sqlite
