// RunEngine driven by hand (no workers): what a lost execution and a late
// result do to a run.

#include "core/application/event_bus.hpp"
#include "core/application/metrics.hpp"
#include "core/application/run_definitions.hpp"
#include "core/application/run_engine.hpp"
#include "core/application/run_journal.hpp"
#include "tests/support/runner_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

using namespace ryax;
using namespace ryax::domain;

namespace {

// An engine and its journal on the harness's stores, with workflow "wf" of
// one step "only" deployed.
struct EngineFixture
{
  test::RunnerHarness h;
  app::RunDefinitions definitions{ h.workflows, h.format, h.catalogue,
                                   h.files,     h.staging, h.box,
                                   "x86_64" };
  app::RunEngine engine{ h.clock, h.settings.site, { 0, 100 } };
  app::RunJournal journal{ h.runs, engine };

  EngineFixture()
  {
    engine.set_journal(journal);
    h.deploy(test::make_workflow(
      { test::action("only", { { "x", test::ref("start", "n") } }) }));
  }

  ~EngineFixture() { engine.stop(); }

  // Admit run "run-1" and return its first job, marked running.
  app::StepJob start()
  {
    auto definition = definitions.deployed("default", "wf");
    REQUIRE(definition);
    auto run = domain::start("run-1",
                             *(*definition)->workflow,
                             (*definition)->version,
                             { { "n", std::int64_t{ 1 } } },
                             test::k_now);
    REQUIRE(run);
    const auto admitted = engine.admit(std::move(*run), *definition, 0);
    REQUIRE(admitted);
    REQUIRE(journal.sync(*admitted));
    return take();
  }

  // The next job, marked running.
  app::StepJob take()
  {
    app::StepJob job;
    REQUIRE(engine.take_job(job));
    REQUIRE(engine.begin(job));
    return job;
  }

  const StepRun& step(const app::RunSnapshot& snapshot)
  {
    const auto* found = snapshot.stored.run.find(StepKey{ "only", "" });
    REQUIRE(found != nullptr);
    return *found;
  }
};

Outputs
outputs(std::int64_t out)
{
  return Outputs{ { "out", out } };
}

// Why an execution was lost.
StepError
lost()
{
  return StepError{ "site_lost", "site local stopped answering", 0, {} };
}

// What the engine recorded, as lines ("run default/wf running").
class CapturingRecorder final : public app::metrics::Recorder
{
public:
  CapturingRecorder() { app::metrics::set_recorder(this); }
  ~CapturingRecorder() override { app::metrics::set_recorder(nullptr); }

  void run_state(std::string_view project,
                 std::string_view workflow,
                 RunState state) override
  {
    lines.push_back(fmt::format("run {}/{} {}", project, workflow,
                                domain::to_string(state)));
  }
  void step_ended(const app::metrics::StepSample& sample) override
  {
    lines.push_back(fmt::format("step {}/{} {} {}", sample.project,
                                sample.workflow, sample.action, sample.state));
    durations.push_back(sample.run_seconds);
  }
  void build_ended(std::string_view, double) override {}
  void call_ended(std::string_view, std::string_view, double) override {}
  void commit_ended(double, int) override {}
  void http_request(std::string_view, std::string_view, std::string_view,
                    int, double) override {}

  std::vector<std::string> lines;
  std::vector<double> durations;
};

} // namespace

TEST_SUITE_BEGIN("app::RunEngine");

TEST_CASE("a lost execution goes back to waiting with attempt + 1 and is "
          "placed again once that is durable")
{
  EngineFixture f;
  const auto first = f.start();
  CHECK(first.site == "local");
  CHECK(first.pool == "default");
  CHECK(first.node_pool.name == "default");
  CHECK(first.attempt == 1);

  const auto sequence = f.engine.interrupted(first, 3, lost());
  auto snapshot = f.engine.snapshot("run-1");
  REQUIRE(snapshot);
  CHECK(f.step(*snapshot).state == StepState::waiting);
  CHECK(f.step(*snapshot).attempt == 2);
  CHECK(f.step(*snapshot).log_lines == 3);
  CHECK(f.step(*snapshot).placement.empty());
  CHECK(f.step(*snapshot).retried_because
        == "attempt 1 was lost: site local stopped answering");
  REQUIRE(f.journal.sync(sequence));

  const auto second = f.take();
  CHECK(second.attempt == 2);
  CHECK(second.running->execution_id() == "run-1.only.r.2");
  REQUIRE(f.journal.sync(f.engine.finish(second, outputs(7), 0)));
  snapshot = f.engine.snapshot("run-1");
  if (snapshot) { // still in memory until settled
    CHECK(snapshot->stored.run.state == RunState::done);
  }
  const auto stored = f.h.runs.load("run-1").value().value();
  CHECK(stored.run.state == RunState::done);
  const auto* only = stored.run.find(StepKey{ "only", "" });
  REQUIRE(only != nullptr);
  CHECK(only->attempt == 2);
  CHECK(std::get<std::int64_t>(only->output_sets.at(0).at("out")) == 7);
}

TEST_CASE("a late result of an execution given up is ignored: the newer "
          "attempt's result counts")
{
  EngineFixture f;
  const auto first = f.start();
  REQUIRE(f.journal.sync(f.engine.interrupted(first, 0, lost())));
  const auto second = f.take();

  // The lost execution's result arrives after all.
  (void)f.engine.finish(first, outputs(99), 5);
  auto snapshot = f.engine.snapshot("run-1");
  REQUIRE(snapshot);
  CHECK(f.step(*snapshot).state == StepState::running);
  CHECK(f.step(*snapshot).attempt == 2);
  CHECK(f.step(*snapshot).log_lines == 0);

  REQUIRE(f.journal.sync(f.engine.finish(second, outputs(7), 0)));
  // Ending it twice changes nothing either.
  (void)f.engine.finish(second, outputs(8), 0);
  const auto stored = f.h.runs.load("run-1").value().value();
  CHECK(stored.run.state == RunState::done);
  const auto* only = stored.run.find(StepKey{ "only", "" });
  REQUIRE(only != nullptr);
  CHECK(std::get<std::int64_t>(only->output_sets.at(0).at("out")) == 7);
  CHECK_FALSE(f.engine.busy());
}

TEST_CASE("a fan-out past max_run_executions fails its step with the limit")
{
  EngineFixture f;
  const auto big = f.start();
  FanOut over;
  over.sets.assign(150, outputs(1));
  REQUIRE(f.journal.sync(f.engine.finish(big, over, 0)));
  const auto failed = f.h.runs.load("run-1").value().value();
  CHECK(failed.run.state == RunState::error);
  REQUIRE(failed.run.error);
  CHECK(failed.run.error->error.kind == "invalid_output");
  CHECK(failed.run.error->error.message
        == "the step returned 150 elements: its fan-out would make about 152 "
           "step executions in the run, more than max_run_executions (100, "
           "ryaxd.yaml)");
}

TEST_CASE("the third lost attempt of a step fails it with the reason")
{
  EngineFixture f;
  auto job = f.start();
  for (int attempt = 1; attempt < app::RunEngine::k_max_lost_attempts;
       ++attempt) {
    REQUIRE(f.journal.sync(f.engine.interrupted(job, 0, lost())));
    job = f.take();
    CHECK(job.attempt == attempt + 1);
  }
  REQUIRE(f.journal.sync(f.engine.interrupted(job, 0, lost())));
  const auto stored = f.h.runs.load("run-1").value().value();
  CHECK(stored.run.state == RunState::error);
  const auto* only = stored.run.find(StepKey{ "only", "" });
  REQUIRE(only != nullptr);
  CHECK(only->state == StepState::error);
  CHECK(only->attempt == 3);
  CHECK(only->retried_because
        == "attempt 2 was lost: site local stopped answering");
  REQUIRE(only->error);
  CHECK(only->error->kind == "site_lost");
  CHECK(only->error->message
        == "gave up after 3 attempts, each lost: site local stopped answering");
  CHECK_FALSE(f.engine.busy());
}

TEST_CASE("a lost execution of a cancelled run is cancelled, not run again")
{
  EngineFixture f;
  const auto first = f.start();
  REQUIRE(f.engine.cancel("run-1"));
  REQUIRE(f.journal.sync(f.engine.interrupted(first, 0, lost())));
  const auto stored = f.h.runs.load("run-1").value().value();
  CHECK(stored.run.state == RunState::cancelled);
  const auto* only = stored.run.find(StepKey{ "only", "" });
  REQUIRE(only != nullptr);
  CHECK(only->state == StepState::cancelled);
  CHECK(only->attempt == 1);
  CHECK_FALSE(f.engine.busy());
}

TEST_CASE("the engine tells metrics each run state once and each execution's end, and events when runs start and finish")
{
  CapturingRecorder recorder;
  test::ManualClock clock;
  app::EventBus bus(clock);
  app::events::set_bus(&bus);
  {
    EngineFixture f;
    const auto first = f.start();
    REQUIRE(f.journal.sync(f.engine.interrupted(first, 0, lost())));
    const auto second = f.take();
    f.h.clock.advance_ms(1500);
    REQUIRE(f.journal.sync(f.engine.finish(second, outputs(7), 0)));
  }
  app::events::set_bus(nullptr);
  INFO(fmt::format("{}", fmt::join(recorder.lines, " | ")));
  CHECK(recorder.lines
        == std::vector<std::string>{ "run default/wf pending",
                                     "run default/wf running",
                                     "step default/wf echo lost",
                                     "run default/wf done",
                                     "step default/wf echo done" });
  REQUIRE(recorder.durations.size() == 2);
  CHECK(recorder.durations[0] < 0); // lost: no end
  CHECK(recorder.durations[1] == doctest::Approx(1.5));
  const auto events = bus.after(0, 10);
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == "run.started");
  CHECK(events[0].subject == "run-1");
  CHECK(events[1].kind == "run.finished");
  CHECK(events[1].fields.at("state") == "done");
  CHECK(events[1].fields.at("workflow") == "wf");
}

TEST_SUITE_END();
