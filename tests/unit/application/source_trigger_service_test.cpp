// SourceTriggerService on RunService with in-memory adapters
// (tests/support/runner_harness.hpp) and a fake source runtime: each
// create_run becomes a run, acknowledged once stored.

#include "core/application/source_trigger_service.hpp"
#include "tests/support/in_memory_trigger_log_store.hpp"
#include "tests/support/runner_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

using namespace ryax;
using namespace ryax::domain;
using test::action;
using test::io;
using test::RunnerHarness;

namespace {

// Workflow `id`: trigger "start" from the source "ticker" with `count`,
// then "only". The trigger's outputs come from the source's metadata.
WorkflowDefinition
source_workflow(std::string id, std::int64_t count = 3)
{
  auto workflow = test::make_workflow({ action("only") }, {}, {});
  workflow.id = std::move(id);
  workflow.trigger.from = "ticker";
  workflow.trigger.inputs_values = { { "count", Scalar(count) } };
  return workflow;
}

// How the fake source behaves after its runs.
enum class Then
{
  wait_cancel, // until undeployed
  raise,       // run raises "boom"
  end,         // run returns
};

struct SourceHarness
{
  RunnerHarness h;
  test::InMemoryTriggerLogStore log_store;
  std::unique_ptr<app::TriggerLogs> logs;
  std::unique_ptr<app::SourceTriggerService> sources;
  std::mutex mutex;
  std::vector<app::SourceAck> acks;
  std::vector<Value> data; // what each create_run gives as n (default count)
  Then then = Then::wait_cancel;
  bool error_run = false; // a create_run_error after the runs

  SourceHarness()
  {
    ActionVersion ticker;
    ticker.project = "default";
    ticker.metadata.id = "ticker";
    ticker.metadata.version = "1.0";
    ticker.metadata.kind = ActionKind::source;
    ticker.metadata.type = ActionType::python3;
    ticker.metadata.inputs = { io("count", IoType::integer) };
    ticker.metadata.outputs = { io("n", IoType::integer) };
    ticker.build_state = BuildState::built;
    ticker.bundle_key = "bundle-ticker";
    h.catalogue.add(ticker);
    h.runtimes.set_source_behaviour(
      [this](const test::FakeExecution& execution,
             const app::CreatedRunCallback& on_run,
             const app::LogCallback& on_log)
        -> Result<std::optional<app::ExecutionError>> {
        const auto count = std::get<std::int64_t>(execution.inputs.at("count"));
        for (std::int64_t i = 0; i < count; ++i) {
          on_log({ app::LogStream::out, fmt::format("emitting {}", i), 0 });
          app::CreatedRun run;
          {
            std::lock_guard lock(mutex);
            run.data["n"] = data.empty() ? Value(i) : data.at(static_cast<std::size_t>(i));
          }
          const auto ack = on_run(run);
          std::lock_guard lock(mutex);
          acks.push_back(ack);
        }
        if (error_run) {
          app::CreatedRun failed;
          failed.failed = true;
          on_run(failed);
        }
        switch (then) {
          case Then::raise:
            return std::optional<app::ExecutionError>{ app::ExecutionError{
              app::ExecutionErrorKind::user_exception, "ValueError: boom", 0,
              "Traceback\n  line 3\nValueError: boom" } };
          case Then::end:
            return std::optional<app::ExecutionError>{};
          case Then::wait_cancel:
            break;
        }
        if (h.runtimes.wait_cancelled(execution.execution_id, std::chrono::seconds(10))) {
          return std::optional<app::ExecutionError>{ app::ExecutionError{
            app::ExecutionErrorKind::cancelled, "cancelled", 0, "" } };
        }
        return std::optional<app::ExecutionError>{};
      });
    h.start();
    logs = std::make_unique<app::TriggerLogs>(log_store, h.workflows, h.clock);
    restart_sources();
  }

  ~SourceHarness()
  {
    sources.reset();
    h.stop();
  }

  // A new SourceTriggerService on the same stores, started.
  void restart_sources()
  {
    sources.reset();
    sources = std::make_unique<app::SourceTriggerService>(
      app::SourceTriggerPorts{ h.workflows, h.format, h.catalogue, h.runtimes,
                               h.box, h.variables, h.clock },
      *h.service, *logs);
    const auto started = sources->start();
    REQUIRE_MESSAGE(started, started.error().message);
  }

  void deploy(const WorkflowDefinition& workflow)
  {
    h.deploy(workflow);
    sources->deployed(deployment(workflow.id));
  }

  void undeploy(const std::string& id)
  {
    auto d = deployment(id);
    d.state = app::DeploymentState::undeployed;
    d.deployed_version = 0;
    REQUIRE(h.workflows.set_deployment(d));
    sources->undeployed("default", id);
  }

  app::WorkflowDeployment deployment(const std::string& id)
  {
    return h.workflows.deployment("default", id).value().value();
  }

  std::vector<app::RunSummary> runs()
  {
    app::RunFilter filter;
    filter.limit = 1000;
    return h.service->list(filter).value();
  }

  std::size_t ack_count()
  {
    std::lock_guard lock(mutex);
    return acks.size();
  }

  template<typename Check>
  void wait_for(Check check)
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!check() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    REQUIRE(check());
  }

  // run_source calls so far (the runner's executions are not counted).
  std::size_t source_starts()
  {
    const auto started = h.runtimes.started();
    return static_cast<std::size_t>(std::count_if(
      started.begin(), started.end(), [](const std::string& id) {
        return id.starts_with("source-");
      }));
  }

  bool logged(const std::string& id, const std::string& text)
  {
    const auto lines = log_store.texts(id);
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(text) != std::string::npos;
    });
  }
};

} // namespace

TEST_SUITE_BEGIN("app::SourceTriggerService");

TEST_CASE("a deployed source makes one run per create_run, acknowledged with the stored run's id")
{
  SourceHarness s;
  s.deploy(source_workflow("feed", 3));
  s.wait_for([&] { return s.ack_count() == 3; });
  std::vector<std::int64_t> values;
  for (const auto& ack : s.acks) {
    CHECK(ack.error.empty());
    // Stored by the time the source gets its ack.
    const auto stored = s.h.runs.load(ack.run_id).value();
    REQUIRE(stored);
    values.push_back(std::get<std::int64_t>(stored->run.trigger_values.at("n")));
  }
  CHECK(values == std::vector<std::int64_t>{ 0, 1, 2 });
  CHECK(s.runs().size() == 3);
  CHECK(s.logged("feed", "stdout emitting 2"));
  CHECK(s.logged("feed", "ryaxd trigger started: source ticker:1.0"));
  CHECK(s.sources->running() == 1);
}

TEST_CASE("a run whose data does not fit the outputs is refused in its ack, and no run is made")
{
  SourceHarness s;
  s.data = { Value(std::string("abc")) };
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return s.ack_count() == 1; });
  CHECK(s.acks[0].run_id.empty());
  CHECK(s.acks[0].error.find("\"n\"") != std::string::npos);
  CHECK(s.runs().empty());
  CHECK(s.logged("feed", "run not created"));
}

TEST_CASE("undeploy cancels the source: it stops and makes no run after")
{
  SourceHarness s;
  s.deploy(source_workflow("feed", 2));
  s.wait_for([&] { return s.ack_count() == 2; });
  s.undeploy("feed");
  s.wait_for([&] { return s.sources->running() == 0; });
  CHECK(s.h.runtimes.cancelled().size() == 1);
  CHECK(s.runs().size() == 2);
  CHECK(s.deployment("feed").trigger.error.empty());
  CHECK(s.logged("feed", "trigger stopped: the workflow was undeployed"));
}

TEST_CASE("a source whose run raises puts the trigger in error, and a restart leaves it stopped")
{
  SourceHarness s;
  s.then = Then::raise;
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return !s.deployment("feed").trigger.error.empty(); });
  CHECK(s.deployment("feed").trigger.error
        == "the source failed: user_exception: ValueError: boom");
  CHECK(s.logged("feed", "stderr ValueError: boom"));
  CHECK(s.logged("feed", "trigger stopped in error"));
  const auto started = s.source_starts();
  CHECK(started == 1);
  s.restart_sources();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(s.source_starts() == started);
  // Deploying again starts it afresh.
  s.then = Then::wait_cancel;
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return s.source_starts() == started + 1; });
  s.wait_for([&] { return s.deployment("feed").trigger.error.empty(); });
}

TEST_CASE("a restart of the daemon starts every deployed source again")
{
  SourceHarness s;
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return s.ack_count() == 1; });
  s.restart_sources(); // the old one is cancelled by stop()
  s.wait_for([&] { return s.ack_count() == 2; });
  CHECK(s.runs().size() == 2);
  CHECK(s.sources->running() == 1);
}

TEST_CASE("a new version with a built-in trigger stops the source of the previous one")
{
  SourceHarness s;
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return s.ack_count() == 1; });
  auto manual = source_workflow("feed", 1);
  manual.trigger.from = "manual";
  manual.trigger.inputs_values.clear();
  s.deploy(manual);
  s.wait_for([&] { return s.sources->running() == 0; });
  CHECK(s.h.runtimes.cancelled().size() == 1);
}

TEST_CASE("a source whose run returns has ended: a restart does not run it again")
{
  SourceHarness s;
  s.then = Then::end;
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return s.deployment("feed").trigger.once_done; });
  CHECK(s.deployment("feed").trigger.error.empty());
  s.restart_sources();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(s.ack_count() == 1);
}

TEST_CASE("create_run_error starts no run and is written in the trigger log")
{
  SourceHarness s;
  s.error_run = true;
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return s.sources->failed_runs() == 1; });
  CHECK(s.runs().size() == 1);
  CHECK(s.logged("feed", "create_run_error"));
}

TEST_CASE("a runtime that does not start puts the trigger in error with the reason")
{
  SourceHarness s;
  s.h.runtimes.fail_acquires(1);
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return !s.deployment("feed").trigger.error.empty(); });
  CHECK(s.deployment("feed").trigger.error.find("did not start") != std::string::npos);
}

TEST_CASE("a trigger input that does not fit the source's input is a trigger error naming it")
{
  SourceHarness s;
  auto workflow = source_workflow("feed", 1);
  workflow.trigger.inputs_values["count"] = Scalar(std::string("many"));
  s.deploy(workflow);
  s.wait_for([&] { return !s.deployment("feed").trigger.error.empty(); });
  CHECK(s.deployment("feed").trigger.error.find("input \"count\"") != std::string::npos);
  CHECK(s.h.runtimes.acquired().empty());
}

TEST_CASE("the spec of a source's runtime has no time limit and one replica")
{
  SourceHarness s;
  s.deploy(source_workflow("feed", 1));
  s.wait_for([&] { return s.ack_count() == 1; });
  auto specs = s.h.runtimes.acquired();
  std::erase_if(specs, [](const app::RuntimeSpec& spec) { return spec.step_id != "start"; });
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].time_limit_seconds == 0);
  CHECK(specs[0].max_replicas == 1);
  CHECK(specs[0].step_id == "start");
}

TEST_SUITE_END();
