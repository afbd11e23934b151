// Accounting costs on a real SQLite database in a temp dir: appends one
// record a commit versus one batch, the AccountingRecorder's cost on the
// calling worker, and summaries of a large history.
//   ryax_bench_accounting [RECORDS]   (default 100000)

#include "core/application/accounting_recorder.hpp"
#include "core/application/accounting_service.hpp"
#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_accounting_store.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

using namespace ryax;

namespace {

using Clock = std::chrono::steady_clock;

double
ms_since(Clock::time_point start)
{
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
    .count();
}

domain::AccountingRecord
record(int i)
{
  domain::AccountingRecord r;
  r.execution_id = fmt::format("run-{}.s.r.1", i);
  r.project = fmt::format("p{}", i % 10);
  r.workflow_id = fmt::format("wf{}", i % 50);
  r.action_id = fmt::format("a{}", i % 20);
  r.action_version = "1.0";
  r.run_id = fmt::format("run-{}", i);
  r.step = "s";
  r.site = "local";
  r.node_pool = "default";
  r.state = "done";
  r.submitted_ms = 1'764'000'000'000 + i * 1000LL;
  r.started_ms = r.submitted_ms + 100;
  r.ended_ms = r.started_ms + 2000;
  r.requested_cpu = r.allocated_cpu = 0.5;
  r.requested_memory_bytes = r.allocated_memory_bytes = 256LL << 20;
  return r;
}

} // namespace

int
main(int argc, char** argv)
{
  const int total = argc > 1 ? std::atoi(argv[1]) : 100'000;
  const auto dir = std::filesystem::temp_directory_path()
                   / fmt::format("ryax-bench-accounting-{}", ::getpid());
  std::filesystem::create_directories(dir);
  auto opened = infra::sqlite::Database::open((dir / "ryax.db").string());
  if (!opened) {
    fmt::print(stderr, "{}\n", opened.error().message);
    return 1;
  }
  infra::sqlite::SqliteAccountingStore store(**opened);

  auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    (void)store.append({ record(i) });
  }
  fmt::print("1000 appends of one record: {:.1f} ms ({:.1f} us a record)\n",
             ms_since(start), ms_since(start));
  std::vector<domain::AccountingRecord> batch;
  for (int i = 1000; i < 2000; ++i) {
    batch.push_back(record(i));
  }
  start = Clock::now();
  (void)store.append(batch);
  fmt::print("one append of 1000 records: {:.1f} ms\n", ms_since(start));

  batch.clear();
  for (int i = 2000; i < total; ++i) {
    batch.push_back(record(i));
  }
  (void)store.append(batch);
  app::AccountingService service(store);
  domain::Principal admin;
  admin.role = domain::Role::admin;
  for (const auto by : { domain::AccountingGroupBy::project,
                         domain::AccountingGroupBy::workflow }) {
    app::AccountingQuery query;
    query.group_by = by;
    start = Clock::now();
    const auto summary = service.summarize(admin, query);
    fmt::print("summary of {} records by {}: {:.1f} ms ({} groups)\n",
               summary->total.executions,
               domain::to_string(by),
               ms_since(start),
               summary->groups.size());
  }
  app::AccountingQuery one;
  one.project = "p3";
  start = Clock::now();
  const auto summary = service.summarize(admin, one);
  fmt::print("summary of one project ({} records): {:.1f} ms\n",
             summary->total.executions,
             ms_since(start));

  app::AccountingRecorder recorder(store);
  recorder.start();
  start = Clock::now();
  for (int i = total; i < total + 10'000; ++i) {
    recorder.record(record(i));
  }
  const auto calls = ms_since(start);
  fmt::print("10000 record() on the calling thread: {:.1f} ms ({:.2f} us "
             "each)\n",
             calls,
             calls / 10);
  start = Clock::now();
  recorder.stop();
  fmt::print("stop, writing what was pending: {:.1f} ms\n", ms_since(start));
  std::filesystem::remove_all(dir);
  return 0;
}
