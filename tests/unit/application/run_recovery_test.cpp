// RunService across restarts, limits and files, on in-memory adapters.

#include "tests/support/process.hpp"
#include "tests/support/runner_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace ryax;
using namespace ryax::domain;
using test::action;
using test::ref;
using test::RunnerHarness;

namespace {

// What a daemon killed while b ran left in storage: a done, b running.
app::StoredRun
interrupted(const std::string& id)
{
  auto compiled = CompiledWorkflow::compile(test::chain_workflow()).value();
  auto run = domain::start(id, *compiled, 1, { { "n", std::int64_t{ 1 } } }, 10)
               .value();
  REQUIRE(mark_scheduled(run, { "a", "" }, { { "x", std::int64_t{ 1 } } }, "",
                         11));
  REQUIRE(mark_running(run, { "a", "" }, 12));
  REQUIRE(apply_result(run, *compiled, { "a", "" },
                       Outputs{ { "out", std::int64_t{ 2 } } }, 13));
  REQUIRE(mark_scheduled(run, { "b", "" }, { { "x", std::int64_t{ 2 } } }, "",
                         14));
  REQUIRE(mark_running(run, { "b", "" }, 15));
  return app::StoredRun{
    std::move(run),
    { { "a", "echo:1.0" }, { "b", "echo:1.0" }, { "c", "echo:1.0" } },
    0
  };
}

} // namespace

TEST_SUITE_BEGIN("app::RunService");

TEST_CASE("a run left running by a dead daemon goes on from its record: done "
          "steps never run again")
{
  RunnerHarness h;
  h.deploy(test::chain_workflow());
  REQUIRE(h.runs.commit({ app::creation_of(interrupted("run-old"), "start") }));
  h.start();
  const auto view = h.wait("run-old");
  CHECK(view.stored.run.state == RunState::done);
  // b ran again (attempt 2), then c; a never.
  CHECK(h.runtimes.started() ==
        std::vector<std::string>{ "run-old.b.r.2", "run-old.c.r.1" });
  CHECK(view.stored.run.find({ "b", "" })->attempt == 2);
  CHECK(view.stored.run.find({ "a", "" })->attempt == 1);
  CHECK(std::get<std::int64_t>(view.results.at(0).values.at(0)) == 4);
}

TEST_CASE("a run whose workflow version is gone ends in error at start")
{
  RunnerHarness h;
  auto stored = interrupted("run-orphan");
  stored.run.workflow_id = "ghost";
  REQUIRE(h.runs.commit({ app::creation_of(stored, "start") }));
  h.start();
  const auto loaded = h.runs.load("run-orphan").value().value();
  CHECK(loaded.run.state == RunState::error);
  REQUIRE(loaded.run.error);
  CHECK(loaded.run.error->error.kind == "workflow_gone");
  CHECK(loaded.run.find({ "a", "" })->state == StepState::done);
  CHECK(loaded.run.find({ "b", "" })->state == StepState::cancelled);
  CHECK(h.runtimes.started().empty());
}

TEST_CASE("max_unfinished_runs holds under concurrent starts")
{
  RunnerHarness h;
  h.settings.max_unfinished_runs = 3;
  auto workflow = test::make_workflow({ action("only") });
  h.deploy(workflow);
  h.start();
  h.runtimes.hold("only");
  std::atomic<int> accepted{ 0 };
  std::atomic<int> refused{ 0 };
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      const auto started = h.start_run("wf");
      if (started) {
        ++accepted;
      } else {
        CHECK(started.error().code == ErrorCode::unavailable);
        CHECK(started.error().message.find("max_unfinished_runs") !=
              std::string::npos);
        ++refused;
      }
    });
  }
  for (auto& client : clients) {
    client.join();
  }
  CHECK(accepted == 3);
  CHECK(refused == 5);
  h.runtimes.release("only");
}

TEST_CASE("file outputs are held until their run is stored, then shared "
          "safely: removing one run keeps what another uses")
{
  RunnerHarness h;
  h.deploy(test::make_workflow({ action("only") }));
  h.start();
  h.runtimes.set_behaviour(
    [](const test::FakeExecution& e,
       const app::LogCallback&) -> Result<StepOutcome> {
      Outputs outputs;
      outputs["file"] = FileRef{ "/fake-outputs/" + e.execution_id + "/report.txt",
                                 false };
      return Result<StepOutcome>(std::in_place, std::move(outputs));
    });
  const auto first = h.run("wf");
  const auto second = h.run("wf");
  const auto key = std::get<FileRef>(
                     first.stored.run.find({ "only", "" })->output_sets[0].at(
                       "file"))
                     .key;
  // Same content, same name: one object. Each worker lets go of it once
  // its run is stored (just after the run shows as done).
  CHECK(std::get<FileRef>(
          second.stored.run.find({ "only", "" })->output_sets[0].at("file"))
          .key == key);
  CHECK(test::eventually([&] { return h.files.holds(key) == 0; }));
  const auto removed = h.service->remove("default", first.stored.run.id);
  REQUIRE(removed);
  CHECK(*removed == 0);
  CHECK(h.files.contains(key));
  CHECK(h.service->remove("default", second.stored.run.id) == 1);
  CHECK_FALSE(h.files.contains(key));
  CHECK(h.service->remove("default", second.stored.run.id).error().code ==
        ErrorCode::not_found);
}

TEST_CASE("an output outside the execution's directory fails the step")
{
  RunnerHarness h;
  h.deploy(test::make_workflow({ action("only") }));
  h.start();
  h.runtimes.set_behaviour(
    [](const test::FakeExecution&,
       const app::LogCallback&) -> Result<StepOutcome> {
      Outputs outputs;
      outputs["file"] = FileRef{ "/etc/passwd", false };
      return Result<StepOutcome>(std::in_place, std::move(outputs));
    });
  const auto view = h.run("wf");
  REQUIRE(view.stored.run.error);
  CHECK(view.stored.run.error->error.kind == "invalid_output");
  CHECK(view.stored.run.error->error.message.find("outside") !=
        std::string::npos);
}

TEST_CASE("a going run cannot be removed, retention removes old finished ones")
{
  RunnerHarness h;
  h.settings.retention.max_runs_per_workflow = 1;
  h.deploy(test::make_workflow({ action("only") }));
  h.start();
  h.runtimes.hold("only");
  const auto going = h.start_run("wf");
  REQUIRE(going);
  CHECK(h.service->remove("default", going->stored.run.id).error().code ==
        ErrorCode::failed_precondition);
  h.runtimes.release("only");
  h.wait(going->stored.run.id);
  h.run("wf");
  h.run("wf");
  CHECK(h.service->apply_retention() == 2);
  const auto left = h.service->list({});
  REQUIRE(left);
  CHECK(left->size() == 1);
}

TEST_SUITE_END();
