// AccountingService (sums, project scoping), AccountingRecorder (batches,
// failures) and the records RunService makes, on in-memory adapters.

#include "core/application/accounting_recorder.hpp"
#include "core/application/accounting_service.hpp"
#include "tests/support/in_memory_accounting_store.hpp"
#include "tests/support/runner_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace ryax;
using domain::AccountingGroupBy;
using domain::AccountingRecord;
using domain::Principal;
using domain::Role;

namespace {

AccountingRecord
record(std::string id,
       std::string project,
       std::string workflow,
       std::int64_t ended_ms,
       std::int64_t duration_ms)
{
  AccountingRecord r;
  r.execution_id = std::move(id);
  r.project = std::move(project);
  r.workflow_id = std::move(workflow);
  r.action_id = "echo";
  r.action_version = "1.0";
  r.site = "local";
  r.node_pool = "default";
  r.state = "done";
  r.started_ms = ended_ms - duration_ms;
  r.submitted_ms = r.started_ms;
  r.ended_ms = ended_ms;
  r.requested_cpu = r.allocated_cpu = 2;
  r.requested_memory_bytes = r.allocated_memory_bytes = 1LL << 30;
  r.allocated_gpu = 1;
  return r;
}

Principal
member(std::vector<std::string> projects)
{
  Principal p;
  p.user = "ana";
  p.role = Role::user;
  p.projects = std::move(projects);
  return p;
}

Principal
admin()
{
  Principal p;
  p.user = "admin";
  p.role = Role::admin;
  return p;
}

struct Fixture
{
  test::InMemoryAccountingStore store;
  app::AccountingService service{ store };

  Fixture()
  {
    REQUIRE(store.append({ record("r1.a..1", "team-a", "wf1", 10'000, 2'000),
                           record("r1.b..1", "team-a", "wf2", 20'000, 1'000),
                           record("r2.a..1", "team-b", "wf1", 30'000, 4'000) }));
  }
};

} // namespace

TEST_SUITE_BEGIN("app::AccountingService");

TEST_CASE("sums are allocated amounts times durations by group")
{
  Fixture f;
  app::AccountingQuery query;
  query.group_by = AccountingGroupBy::project;
  auto summary = f.service.summarize(admin(), query);
  REQUIRE(summary);
  REQUIRE(summary->groups.size() == 2);
  const auto& a = summary->groups[0];
  CHECK(a.key() == "team-a");
  CHECK(a.totals.executions == 2);
  CHECK(a.totals.duration_seconds == doctest::Approx(3.0));
  CHECK(a.totals.cpu_seconds == doctest::Approx(6.0));
  CHECK(a.totals.gb_seconds == doctest::Approx(3.0));
  CHECK(a.totals.gpu_seconds == doctest::Approx(3.0));
  CHECK(summary->groups[1].key() == "team-b");
  CHECK(summary->total.executions == 3);
  CHECK(summary->total.cpu_seconds == doctest::Approx(14.0));
  CHECK(summary->records.empty());
}

TEST_CASE("group by workflow keeps the project in the key and the period "
          "selects by end time")
{
  Fixture f;
  app::AccountingQuery query;
  query.group_by = AccountingGroupBy::workflow;
  query.since_ms = 10'000;
  query.until_ms = 30'000; // r2 ended at 30'000: out
  auto summary = f.service.summarize(admin(), query);
  REQUIRE(summary);
  REQUIRE(summary->groups.size() == 2);
  CHECK(summary->groups[0].key() == "team-a/wf1");
  CHECK(summary->groups[0].workflow_id == "wf1");
  CHECK(summary->groups[1].key() == "team-a/wf2");
  CHECK(summary->total.executions == 2);
}

TEST_CASE("a member sees its projects only and is refused another one")
{
  Fixture f;
  auto mine = f.service.summarize(member({ "team-b" }), {});
  REQUIRE(mine);
  REQUIRE(mine->groups.size() == 1);
  CHECK(mine->groups[0].project == "team-b");

  app::AccountingQuery other;
  other.project = "team-a";
  auto refused = f.service.summarize(member({ "team-b" }), other);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::permission_denied);
  CHECK(refused.error().message
        == "user \"ana\" is not a member of project \"team-a\"");

  auto none = f.service.summarize(member({}), {});
  REQUIRE(none);
  CHECK(none->groups.empty());
}

TEST_CASE("an admin names any project")
{
  Fixture f;
  app::AccountingQuery query;
  query.project = "team-a";
  query.group_by = AccountingGroupBy::action;
  auto summary = f.service.summarize(admin(), query);
  REQUIRE(summary);
  REQUIRE(summary->groups.size() == 1);
  CHECK(summary->groups[0].key() == "team-a/echo:1.0");
}

TEST_CASE("records come oldest first up to the limit and say when cut")
{
  Fixture f;
  app::AccountingQuery query;
  query.records = 2;
  auto summary = f.service.summarize(admin(), query);
  REQUIRE(summary);
  REQUIRE(summary->records.size() == 2);
  CHECK(summary->records[0].execution_id == "r1.a..1");
  CHECK(summary->records[1].execution_id == "r1.b..1");
  CHECK(summary->records_cut);
  CHECK(summary->total.executions == 3); // the sums cover every record
}

TEST_CASE("a period that ends before it starts and too many records are "
          "refused")
{
  Fixture f;
  app::AccountingQuery query;
  query.since_ms = 5'000;
  query.until_ms = 5'000;
  auto bad = f.service.summarize(admin(), query);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_argument);
  query = {};
  query.records = app::AccountingService::k_max_records + 1;
  CHECK_FALSE(f.service.summarize(admin(), query));
}

TEST_CASE("a summary counts what the recorder has not written yet")
{
  test::InMemoryAccountingStore store;
  app::AccountingRecorder recorder(store, std::chrono::hours(1));
  recorder.start(); // gathers for an hour unless asked
  recorder.record(record("z.a.r.1", "p", "w", 1'000, 500));
  app::AccountingService service(store, &recorder);
  auto summary = service.summarize(admin(), {});
  REQUIRE(summary);
  CHECK(summary->total.executions == 1);
  recorder.stop();
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("app::AccountingRecorder");

TEST_CASE("not started it writes at once and a failing store keeps the "
          "records for the next write")
{
  test::InMemoryAccountingStore store;
  app::AccountingRecorder recorder(store);
  recorder.record(record("x.a..1", "p", "w", 1'000, 10));
  CHECK(store.size() == 1);
  store.set_failing(true);
  recorder.record(record("x.b..1", "p", "w", 2'000, 10));
  recorder.record(record("x.c..1", "p", "w", 3'000, 10));
  CHECK(recorder.pending() == 2);
  CHECK_FALSE(recorder.flush());
  store.set_failing(false);
  CHECK(recorder.flush());
  CHECK(recorder.pending() == 0);
  CHECK(store.size() == 3);
  CHECK(recorder.dropped() == 0);
}

TEST_CASE("started it writes from its own thread and stop writes the rest")
{
  test::InMemoryAccountingStore store;
  app::AccountingRecorder recorder(
    store, std::chrono::milliseconds(5), std::chrono::milliseconds(10));
  recorder.start();
  for (int i = 0; i < 50; ++i) {
    recorder.record(
      record("y." + std::to_string(i) + "..1", "p", "w", 1'000 + i, 10));
  }
  const auto deadline =
    std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store.size() < 50 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(store.size() == 50);
  store.set_failing(true);
  recorder.record(record("y.late..1", "p", "w", 9'000, 10));
  store.set_failing(false);
  recorder.stop();
  CHECK(store.size() == 51);
  CHECK(recorder.pending() == 0);
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("app::RunService accounting");

TEST_CASE("every execution of a run leaves one record with its placement "
          "times and resources")
{
  test::InMemoryAccountingStore store;
  app::AccountingRecorder recorder(store);
  test::RunnerHarness h;
  h.settings.node_name = "node-1";
  h.accounting = &recorder;
  h.runtimes.set_behaviour(
    [&h](const test::FakeExecution&, const app::LogCallback&)
      -> Result<domain::StepOutcome> {
      h.clock.advance_ms(1'500);
      return domain::StepOutcome{ domain::Outputs{
        { "out", std::int64_t{ 1 } } } };
    });
  auto workflow = test::make_workflow(
    { test::action("a", { { "x", test::ref("start", "n") } }),
      test::action("b", { { "x", test::ref("a", "out") } }) });
  workflow.id = "pair";
  workflow.actions[1].resources.cpu = 2;
  workflow.actions[1].resources.memory_bytes = 1LL << 30;
  workflow.actions[1].resources.time_seconds = 60;
  h.deploy(workflow);
  h.start();
  const auto view = h.run("pair");
  h.stop();
  REQUIRE(view.stored.run.state == domain::RunState::done);

  std::vector<AccountingRecord> records;
  REQUIRE(store.scan({}, [&](const AccountingRecord& r) {
    records.push_back(r);
  }));
  REQUIRE(records.size() == 2);
  const auto& a = records[0];
  const auto& b = records[1];
  CHECK(a.step == "a");
  CHECK(b.step == "b");
  CHECK(a.execution_id == view.stored.run.id + ".a.r.1");
  CHECK(a.project == "default");
  CHECK(a.workflow_id == "pair");
  CHECK(a.workflow_version == 1);
  CHECK(a.action_id == "echo");
  CHECK(a.action_version == "1.0");
  CHECK(a.run_id == view.stored.run.id);
  CHECK(a.attempt == 1);
  CHECK(a.site == "local");
  CHECK(a.node_pool == "default");
  CHECK(a.node == "node-1");
  CHECK(a.state == "done");
  CHECK(a.submitted_ms > 0);
  CHECK(a.submitted_ms <= a.started_ms);
  CHECK(a.duration_ms() == 1'500);
  // The defaults for a, the step's resources for b; allocated as requested.
  CHECK(a.requested_cpu == doctest::Approx(domain::k_default_cpu));
  CHECK(a.requested_memory_bytes == domain::k_default_memory_bytes);
  CHECK(a.requested_time_seconds == 0);
  CHECK(b.requested_cpu == doctest::Approx(2.0));
  CHECK(b.requested_memory_bytes == (1LL << 30));
  CHECK(b.requested_time_seconds == 60);
  CHECK(b.allocated_cpu == doctest::Approx(2.0));
  CHECK(b.allocated_memory_bytes == (1LL << 30));
  CHECK(b.allocated_gpu == 0);
  CHECK(b.submitted_ms >= a.ended_ms); // queued once a's result was durable
}

TEST_CASE("a failed execution is recorded in state error")
{
  test::InMemoryAccountingStore store;
  app::AccountingRecorder recorder(store);
  test::RunnerHarness h;
  h.accounting = &recorder;
  h.runtimes.set_behaviour(
    [](const test::FakeExecution&, const app::LogCallback&)
      -> Result<domain::StepOutcome> {
      return domain::StepOutcome{ domain::StepError{
        "user_exception", "boom", 0, {} } };
    });
  auto workflow =
    test::make_workflow({ test::action("only", { { "x", test::ref("start", "n") } }) });
  workflow.id = "fails";
  h.deploy(workflow);
  h.start();
  const auto view = h.run("fails");
  h.stop();
  CHECK(view.stored.run.state == domain::RunState::error);
  std::vector<AccountingRecord> records;
  REQUIRE(store.scan({}, [&](const AccountingRecord& r) {
    records.push_back(r);
  }));
  REQUIRE(records.size() == 1);
  CHECK(records[0].state == "error");
}

TEST_SUITE_END();
