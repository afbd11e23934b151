// The AccountingStore contract: every test runs against the SQLite adapter
// and the in-memory one (tests/support/in_memory_accounting_store.hpp).

#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_accounting_store.hpp"
#include "tests/support/in_memory_accounting_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <map>

using ryax::domain::AccountingRecord;

namespace {

struct SqliteAccounting
{
  ryax::test::TempDir tmp;
  std::unique_ptr<ryax::infra::sqlite::Database> database =
    std::move(*ryax::infra::sqlite::Database::open(tmp / "ryax.db"));
  ryax::infra::sqlite::SqliteAccountingStore adapter{ *database };
  ryax::app::AccountingStore&
  store()
  {
    return adapter;
  }
};

struct MemoryAccounting
{
  ryax::test::InMemoryAccountingStore adapter;
  ryax::app::AccountingStore&
  store()
  {
    return adapter;
  }
};

AccountingRecord
record(std::string id, std::string project, std::int64_t ended_ms)
{
  AccountingRecord r;
  r.execution_id = std::move(id);
  r.project = std::move(project);
  r.workflow_id = "wf";
  r.workflow_version = 3;
  r.action_id = "resize";
  r.action_name = "Resize an image";
  r.action_version = "1.2";
  r.run_id = "run-1";
  r.step = "s";
  r.branch = "2.0";
  r.attempt = 2;
  r.site = "local";
  r.node_pool = "gpu";
  r.node = "host-1";
  r.state = "done";
  r.submitted_ms = ended_ms - 300;
  r.started_ms = ended_ms - 200;
  r.ended_ms = ended_ms;
  r.requested_cpu = 0.5;
  r.requested_memory_bytes = 256LL << 20;
  r.requested_gpu = 1;
  r.requested_time_seconds = 3600;
  r.allocated_cpu = 0.5;
  r.allocated_memory_bytes = 256LL << 20;
  r.allocated_gpu = 1;
  return r;
}

std::string
fmt_id(int i)
{
  return "run-" + std::to_string(i) + ".s..1";
}

std::vector<AccountingRecord>
scan(ryax::app::AccountingStore& s, const ryax::app::AccountingFilter& filter)
{
  std::vector<AccountingRecord> out;
  REQUIRE(s.scan(filter, [&](const AccountingRecord& r) { out.push_back(r); }));
  return out;
}

#define STORES SqliteAccounting, MemoryAccounting

} // namespace

TEST_SUITE_BEGIN("contract::AccountingStore");

TEST_CASE_TEMPLATE("records read back equal and by end time then id",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  const auto late = record("b", "p", 2'000);
  const auto early = record("c", "p", 1'000);
  const auto tie = record("a", "p", 2'000);
  REQUIRE(s.append({ late, early }));
  REQUIRE(s.append({ tie }));
  CHECK(scan(s, {}) == std::vector{ early, tie, late });
  REQUIRE(s.append({}));
}

TEST_CASE_TEMPLATE("an execution id is kept once: appending again counts "
                   "nothing twice",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.append({ record("a", "p", 1'000) }));
  auto again = record("a", "p", 5'000);
  REQUIRE(s.append({ again, record("b", "p", 2'000) }));
  const auto all = scan(s, {});
  REQUIRE(all.size() == 2);
  CHECK(all[0].ended_ms == 1'000);
}

TEST_CASE_TEMPLATE("a scan selects projects and ended_ms from since up to until",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  REQUIRE(s.append({ record("a", "p", 1'000), record("b", "q", 2'000),
                     record("c", "r", 3'000), record("d", "p", 4'000) }));
  ryax::app::AccountingFilter filter;
  filter.projects = { "p", "r" };
  CHECK(scan(s, filter).size() == 3);
  filter.since_ms = 2'000;
  filter.until_ms = 4'000;
  const auto some = scan(s, filter);
  REQUIRE(some.size() == 1);
  CHECK(some[0].execution_id == "c");
  filter.projects.clear();
  CHECK(scan(s, filter).size() == 2);
}

TEST_CASE_TEMPLATE("a scan reads every record of a large history in order",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  std::vector<AccountingRecord> batch;
  for (int i = 0; i < 4'500; ++i) {
    // Many share an end time: paging must not skip or repeat them.
    batch.push_back(record(fmt_id(i), i % 2 == 0 ? "p" : "q", 1'000 + i / 7));
  }
  REQUIRE(s.append(batch));
  const auto all = scan(s, {});
  REQUIRE(all.size() == 4'500);
  for (std::size_t i = 1; i < all.size(); ++i) {
    const bool ordered =
      all[i - 1].ended_ms < all[i].ended_ms
      || (all[i - 1].ended_ms == all[i].ended_ms
          && all[i - 1].execution_id < all[i].execution_id);
    REQUIRE(ordered);
  }
  ryax::app::AccountingFilter only_p;
  only_p.projects = { "p" };
  CHECK(scan(s, only_p).size() == 2'250);
}

TEST_CASE_TEMPLATE("sums are what adding up the scanned records gives for "
                   "every grouping",
                   F,
                   STORES)
{
  F f;
  auto& s = f.store();
  std::vector<AccountingRecord> batch;
  for (int i = 0; i < 300; ++i) {
    auto r = record(fmt_id(i), i % 3 == 0 ? "p" : "q", 1'000 + i * 10);
    r.workflow_id = "wf" + std::to_string(i % 4);
    r.action_version = i % 2 == 0 ? "1.2" : "1.3";
    r.site = i % 5 == 0 ? "worker" : "local";
    r.started_ms = r.ended_ms - (i % 7) * 100;
    r.allocated_cpu = 0.5 * (i % 3 + 1);
    r.allocated_gpu = i % 2;
    if (i == 7) {
      r.started_ms = r.ended_ms + 50; // a clock step: counts as 0 s
    }
    batch.push_back(r);
  }
  REQUIRE(s.append(batch));
  ryax::app::AccountingFilter filter;
  filter.since_ms = 1'200;
  filter.until_ms = 3'500;
  filter.projects = { "p", "q" };
  for (const auto by :
       { ryax::domain::AccountingGroupBy::project,
         ryax::domain::AccountingGroupBy::workflow,
         ryax::domain::AccountingGroupBy::action,
         ryax::domain::AccountingGroupBy::site,
         ryax::domain::AccountingGroupBy::pool }) {
    std::map<std::string, ryax::domain::AccountingGroup> expected;
    for (const auto& r : scan(s, filter)) {
      auto group = ryax::domain::group_of(r, by);
      auto key = group.key();
      expected.try_emplace(key, group).first->second.totals.add(r);
    }
    const auto sums = s.sum(filter, by);
    REQUIRE(sums);
    REQUIRE(sums->size() == expected.size());
    auto it = expected.begin();
    for (const auto& group : *sums) {
      INFO(ryax::domain::to_string(by), " ", group.key());
      CHECK(group.key() == it->first);
      CHECK(group.project == it->second.project);
      CHECK(group.site == it->second.site);
      CHECK(group.totals.executions == it->second.totals.executions);
      CHECK(group.totals.cpu_seconds
            == doctest::Approx(it->second.totals.cpu_seconds));
      CHECK(group.totals.gb_seconds
            == doctest::Approx(it->second.totals.gb_seconds));
      CHECK(group.totals.gpu_seconds
            == doctest::Approx(it->second.totals.gpu_seconds));
      CHECK(group.totals.duration_seconds
            == doctest::Approx(it->second.totals.duration_seconds));
      ++it;
    }
  }
  ryax::app::AccountingFilter none;
  none.projects = { "nobody" };
  CHECK(s.sum(none, ryax::domain::AccountingGroupBy::project)->empty());
}

TEST_SUITE_END();
