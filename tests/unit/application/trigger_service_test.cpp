// TriggerService on RunService with in-memory adapters and a ManualClock
// (tests/support/runner_harness.hpp): timers fire on the clock's grid.

#include "core/application/trigger_service.hpp"
#include "tests/support/fake_time_zones.hpp"
#include "tests/support/in_memory_trigger_log_store.hpp"
#include "tests/support/runner_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace ryax;
using namespace ryax::domain;
using test::action;
using test::RunnerHarness;

namespace {

// Workflow `id`: trigger "start" from `from` with `inputs`, then "only".
WorkflowDefinition
timer_workflow(std::string id,
               std::string from,
               std::map<std::string, Binding> inputs = {})
{
  auto workflow = test::make_workflow({ action("only") }, {}, {});
  workflow.id = std::move(id);
  workflow.trigger.from = std::move(from);
  workflow.trigger.inputs_values = std::move(inputs);
  return workflow;
}

// A RunnerHarness with a TriggerService on it.
struct TriggerHarness
{
  RunnerHarness h;
  test::FakeTimeZones zones;
  std::unique_ptr<app::TriggerService> triggers;

  TriggerHarness()
  {
    h.start();
    restart_triggers();
  }

  ~TriggerHarness()
  {
    triggers.reset();
    h.stop();
  }

  // A new TriggerService on the same stores, started.
  void
  restart_triggers()
  {
    triggers.reset();
    triggers = std::make_unique<app::TriggerService>(
      h.workflows, h.format, *h.service, h.clock, zones);
    const auto started = triggers->start();
    REQUIRE_MESSAGE(started, started.error().message);
  }

  // Deploy `workflow` and tell the triggers, as WorkflowService does.
  void
  deploy(const WorkflowDefinition& workflow)
  {
    h.deploy(workflow);
    triggers->deployed(deployment(workflow.id));
  }

  app::WorkflowDeployment
  deployment(const std::string& id)
  {
    return h.workflows.deployment("default", id).value().value();
  }

  // Move the clock by `ms` and let the triggers see it.
  void
  advance(std::int64_t ms)
  {
    h.clock.advance_ms(ms);
    triggers->poke();
  }

  std::size_t
  run_count()
  {
    app::RunFilter filter;
    filter.limit = 1000;
    return h.service->list(filter).value().size();
  }

  // Wait (5 s at most) until `count` runs exist.
  void
  wait_runs(std::size_t count)
  {
    const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (run_count() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    REQUIRE(run_count() == count);
  }

  // Wait (5 s at most) until `check` holds.
  template<typename Check>
  void
  wait_for(Check check)
  {
    const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!check() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    REQUIRE(check());
  }

  // The "time" trigger values of every run, sorted.
  std::vector<std::string>
  tick_times()
  {
    std::vector<std::string> times;
    for (std::size_t i = 1; i <= run_count(); ++i) {
      const auto stored =
        h.runs.load(fmt::format("run-{:012d}", i)).value().value();
      times.push_back(
        std::get<std::string>(stored.run.trigger_values.at("time")));
    }
    std::sort(times.begin(), times.end());
    return times;
  }

  // Give the trigger thread time to do what it should not.
  void
  settle()
  {
    triggers->poke();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
};

} // namespace

TEST_SUITE_BEGIN("app::TriggerService");

TEST_CASE("emitevery makes one run at deploy and one per period, on the grid")
{
  TriggerHarness t;
  const auto t0 = t.h.clock.now_unix_ms();
  t.deploy(timer_workflow("tick", "emitevery", { { "seconds", Scalar(2.0) } }));
  t.wait_runs(1);
  for (std::size_t n = 1; n < 5; ++n) {
    // Off the grid by a little: ticks stay at t0 + n * period.
    t.advance(n == 2 ? 2003 : n == 3 ? 1997 : 2000);
    t.wait_runs(n + 1);
  }
  t.settle();
  CHECK(t.run_count() == 5);
  std::vector<std::string> expected;
  for (int n = 0; n < 5; ++n) {
    expected.push_back(iso8601_utc(t0 + n * 2000));
  }
  CHECK(t.tick_times() == expected);
}

TEST_CASE("undeploy stops the timer: no run after it")
{
  TriggerHarness t;
  t.deploy(timer_workflow("tick", "emitevery", { { "seconds", Scalar(1.0) } }));
  t.wait_runs(1);
  t.triggers->undeployed("default", "tick");
  CHECK(t.triggers->scheduled() == 0);
  t.advance(5000);
  t.settle();
  CHECK(t.run_count() == 1);
}

TEST_CASE("a tick at max_concurrent_runs is skipped and counted")
{
  TriggerHarness t;
  auto workflow =
    timer_workflow("busy", "emitevery", { { "seconds", Scalar(1.0) } });
  workflow.max_concurrent_runs = 1;
  t.h.runtimes.hold("only");
  t.deploy(workflow);
  t.wait_runs(1);
  REQUIRE(t.h.runtimes.wait_held("only", 1));
  t.advance(1000);
  t.wait_for([&] { return t.deployment("busy").trigger.skipped_ticks == 1; });
  CHECK(t.run_count() == 1);
  t.h.runtimes.release("only");
  t.h.wait("run-000000000001");
  t.advance(1000);
  t.wait_runs(2);
  CHECK(t.deployment("busy").trigger.skipped_ticks == 1);
}

TEST_CASE("a timer writes its start, its skipped ticks and its stop in the trigger log")
{
  TriggerHarness t;
  test::InMemoryTriggerLogStore store;
  app::TriggerLogs logs(store, t.h.workflows, t.h.clock);
  t.triggers->set_log(&logs);
  auto workflow =
    timer_workflow("busy", "emitevery", { { "seconds", Scalar(1.0) } });
  workflow.max_concurrent_runs = 1;
  t.h.runtimes.hold("only");
  t.deploy(workflow);
  t.wait_runs(1);
  REQUIRE(t.h.runtimes.wait_held("only", 1));
  t.advance(1000);
  t.wait_for([&] { return t.deployment("busy").trigger.skipped_ticks == 1; });
  t.triggers->undeployed("default", "busy");
  t.h.runtimes.release("only");
  const auto lines = store.texts("busy");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].starts_with("ryaxd trigger emitevery started: first fires at"));
  CHECK(lines[1].find("skipped: 1 runs unfinished (max_concurrent_runs 1)")
        != std::string::npos);
  CHECK(lines[2] == "ryaxd trigger stopped: the workflow was undeployed");
}

TEST_CASE("one-run makes one run at deploy, and none after a restart")
{
  TriggerHarness t;
  t.deploy(timer_workflow("once", "one-run"));
  t.wait_runs(1);
  t.wait_for([&] { return t.deployment("once").trigger.once_done; });
  t.advance(60'000);
  t.settle();
  CHECK(t.run_count() == 1);
  t.restart_triggers();
  CHECK(t.triggers->scheduled() == 0);
  t.advance(60'000);
  t.settle();
  CHECK(t.run_count() == 1);
}

TEST_CASE("a restart takes back emitevery on its grid, without making up ticks")
{
  TriggerHarness t;
  const auto t0 = t.h.clock.now_unix_ms();
  t.deploy(timer_workflow("tick", "emitevery", { { "seconds", Scalar(1.0) } }));
  t.wait_runs(1);
  t.triggers->stop();
  t.h.clock.advance_ms(10'500); // down for 10 ticks
  t.restart_triggers();
  t.settle();
  CHECK(t.run_count() == 1);
  t.advance(500);
  t.wait_runs(2);
  CHECK(t.tick_times().back() == iso8601_utc(t0 + 11'000));
}

TEST_CASE("crongw fires at the minutes its expression matches")
{
  TriggerHarness t;
  // The ManualClock starts at 2023-11-14T22:13:20Z.
  t.deploy(timer_workflow(
    "cron", "crongw", { { "foreach", Scalar(std::string("*/5 * * * *")) } }));
  t.settle();
  CHECK(t.run_count() == 0);
  t.advance(100'000); // 22:15:00
  t.wait_runs(1);
  t.advance(299'000);
  t.settle();
  CHECK(t.run_count() == 1);
  t.advance(1000); // 22:20:00
  t.wait_runs(2);
  CHECK(t.tick_times() ==
        std::vector<std::string>{ "2023-11-14T22:15:00.000Z",
                                  "2023-11-14T22:20:00.000Z" });
}

TEST_CASE("crongw reads its expression in the time zone it names, and stops on an unknown one")
{
  TriggerHarness t;
  // A zone two hours ahead of UTC: 01:00 there is 23:00Z.
  t.zones.zones["Test/Plus2"] = ZoneOffsets::fixed(120, "Test/Plus2");
  t.deploy(timer_workflow("cron",
                          "crongw",
                          { { "foreach", Scalar(std::string("0 1 * * *")) },
                            { "timezone", Scalar(std::string("Test/Plus2")) } }));
  t.settle();
  CHECK(t.deployment("cron").trigger.error.empty());
  t.advance(2'800'000); // 2023-11-14T23:00:00Z
  t.wait_runs(1);
  CHECK(t.tick_times() ==
        std::vector<std::string>{ "2023-11-14T23:00:00.000Z" });

  t.deploy(timer_workflow("mars",
                          "crongw",
                          { { "foreach", Scalar(std::string("0 1 * * *")) },
                            { "timezone", Scalar(std::string("Mars/Base")) } }));
  const auto error = t.deployment("mars").trigger.error;
  CHECK(error.find("input \"timezone\": time zone \"Mars/Base\" is not in "
                   "the time zone database") == 0);
}

TEST_CASE("ryax run of a workflow with a timer trigger is refused")
{
  TriggerHarness t;
  t.deploy(timer_workflow(
    "cron", "crongw", { { "foreach", Scalar(std::string("@yearly")) } }));
  const auto started = t.h.start_run("cron", { { "time", "now" } });
  REQUIRE_FALSE(started);
  CHECK(started.error().code == ErrorCode::failed_precondition);
  CHECK(started.error().message.find("ryaxd starts its runs itself") !=
        std::string::npos);
}

TEST_SUITE_END();
