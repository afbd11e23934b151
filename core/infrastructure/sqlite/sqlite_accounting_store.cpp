#include "core/infrastructure/sqlite/sqlite_accounting_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

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
  std::string where = "(ended_ms > ? OR (ended_ms = ? AND execution_id > ?))";
  where += " AND ended_ms >= ?";
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
      q.bind(++i, static_cast<int64_t>(filter.since_ms));
      if (filter.until_ms != 0) {
        q.bind(++i, static_cast<int64_t>(filter.until_ms));
      }
      for (const auto& project : filter.projects) {
        q.bind(++i, project);
      }
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

} // namespace ryax::infra::sqlite
