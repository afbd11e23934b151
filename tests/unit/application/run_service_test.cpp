// RunService on in-memory adapters (tests/support/runner_harness.hpp): the
// runner's rules end to end, without processes.

#include "tests/support/runner_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <thread>

using namespace ryax;
using namespace ryax::domain;
using test::action;
using test::ref;
using test::RunnerHarness;

namespace {

// A workflow `id` of one step "only" reading n.
WorkflowDefinition
single(std::string id)
{
  auto workflow =
    test::make_workflow({ action("only", { { "x", ref("start", "n") } }) });
  workflow.id = std::move(id);
  return workflow;
}

std::int64_t
result(const app::RunView& view, const std::string& key)
{
  for (const auto& r : view.results) {
    if (r.key == key) {
      REQUIRE(r.values.size() == 1);
      return std::get<std::int64_t>(r.values.front());
    }
  }
  FAIL("no result ", key);
  return 0;
}

// The step of each started execution id ("run-1.b.r.1" -> "b"), in order.
std::vector<std::string>
steps_of(const std::vector<std::string>& executions)
{
  std::vector<std::string> steps;
  for (const auto& id : executions) {
    const auto first = id.find('.');
    steps.push_back(id.substr(first + 1, id.find('.', first + 1) - first - 1));
  }
  return steps;
}

// A fan-out of `count` sets {item: from + i}.
Result<domain::StepOutcome>
items(std::int64_t from, std::int64_t count)
{
  domain::StepOutcome outcome{ FanOut{} };
  auto& sets = std::get<FanOut>(outcome).sets;
  for (std::int64_t i = 0; i < count; ++i) {
    sets.push_back({ { "item", from + i } });
  }
  return outcome;
}

// The stored state of run `id`.
app::StoredRun
stored(RunnerHarness& h, const std::string& id)
{
  auto loaded = h.runs.load(id);
  REQUIRE(loaded);
  REQUIRE(loaded->has_value());
  return **loaded;
}

} // namespace

TEST_SUITE_BEGIN("app::RunService");

TEST_CASE("a chain runs each step once, and what it shows is stored")
{
  RunnerHarness h;
  h.deploy(test::chain_workflow());
  h.start();
  const auto view = h.run("chain", { { "n", "5" } });
  CHECK(view.stored.run.state == RunState::done);
  CHECK(result(view, "result") == 8);
  CHECK(steps_of(h.runtimes.started()) ==
        std::vector<std::string>{ "a", "b", "c" });
  const auto saved = stored(h, view.stored.run.id);
  CHECK(saved.run.state == RunState::done);
  for (const auto& [key, step] : saved.run.steps) {
    CHECK(step.state == StepState::done);
    CHECK(step.attempt == 1);
  }
  const auto summaries = h.service->list({});
  REQUIRE(summaries);
  REQUIRE(summaries->size() == 1);
  CHECK(summaries->front().steps_total == 3);
  CHECK(summaries->front().steps_done == 3);
}

TEST_CASE("nothing downstream starts before a result is durable")
{
  RunnerHarness h;
  h.deploy(test::chain_workflow());
  h.start();
  // a's result cannot be written for a while: b must not start.
  h.runtimes.hold("a");
  const auto started = h.start_run("chain");
  REQUIRE(started);
  REQUIRE(h.runtimes.wait_held("a", 1));
  h.runs.fail_commits(3);
  h.runtimes.release("a");
  const auto view = h.wait(started->stored.run.id);
  CHECK(view.stored.run.state == RunState::done);
  // Once the retries went through, everything ran once and is stored.
  CHECK(steps_of(h.runtimes.started()) ==
        std::vector<std::string>{ "a", "b", "c" });
  CHECK(stored(h, view.stored.run.id).run.state == RunState::done);
}

TEST_CASE("a run whose creation cannot be written is refused and never runs")
{
  RunnerHarness h;
  h.deploy(test::chain_workflow());
  h.start();
  h.runs.fail_commits(1);
  const auto refused = h.start_run("chain");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::unavailable);
  CHECK(refused.error().message.find("disk full") != std::string::npos);
  // The next one goes through; the refused one left no trace.
  const auto view = h.run("chain");
  CHECK(view.stored.run.state == RunState::done);
  const auto all = h.service->list({});
  REQUIRE(all);
  CHECK(all->size() == 1);
  CHECK(h.runtimes.started().size() == 3);
}

TEST_CASE("a full pool serves priority first, then started runs, then age")
{
  RunnerHarness h(0.5); // one execution at a time
  h.deploy(single("w"));
  h.deploy(test::chain_workflow());
  h.start();
  h.runtimes.hold("only");
  const auto blocker = h.start_run("w");
  REQUIRE(blocker);
  REQUIRE(h.runtimes.wait_held("only", 1));
  h.runtimes.release("only");
  // While the pool is busy with "a" of the chain, three runs queue.
  h.runtimes.hold("a");
  const auto chained = h.start_run("chain");
  REQUIRE(chained);
  REQUIRE(h.runtimes.wait_held("a", 1));
  const auto old = h.start_run("w");
  const auto urgent = h.start_run("w", { { "n", "1" } }, 5);
  REQUIRE(old);
  REQUIRE(urgent);
  h.runtimes.release("a");
  for (const auto* id : { &*old, &*urgent, &*chained }) {
    CHECK(h.wait(id->stored.run.id).stored.run.state == RunState::done);
  }
  // urgent (priority 5), then b and c of the started chain, then old.
  const auto started = h.runtimes.started();
  REQUIRE(started.size() == 6);
  CHECK(started[2].starts_with(urgent->stored.run.id + "."));
  CHECK(started[3].starts_with(chained->stored.run.id + ".b."));
  CHECK(started[4].starts_with(chained->stored.run.id + ".c."));
  CHECK(started[5].starts_with(old->stored.run.id + "."));
  CHECK(h.runtimes.max_concurrent() == 1);
}

TEST_CASE("a runtime that does not start is tried once more, then the step "
          "fails")
{
  RunnerHarness h;
  h.deploy(single("w"));
  h.start();
  h.runtimes.fail_acquires(1);
  CHECK(h.run("w").stored.run.state == RunState::done);
  h.runtimes.fail_acquires(2);
  const auto failed = h.run("w");
  CHECK(failed.stored.run.state == RunState::error);
  REQUIRE(failed.stored.run.error);
  CHECK(failed.stored.run.error->error.kind == "runtime_unavailable");
}

TEST_CASE("a runtime that dies loses the attempt: the step runs again with "
          "the reason and fails after three lost attempts")
{
  RunnerHarness h;
  h.deploy(single("w"));
  h.start();
  std::atomic<int> deaths{ 1 };
  h.runtimes.set_behaviour(
    [&](const test::FakeExecution&,
        const app::LogCallback&) -> Result<domain::StepOutcome> {
      if (deaths-- > 0) {
        return fail(ErrorCode::unavailable, "the runtime died");
      }
      return domain::StepOutcome(Outputs{ { "out", std::int64_t{ 1 } } });
    });
  const auto done = h.run("w");
  CHECK(done.stored.run.state == RunState::done);
  const auto& step = done.stored.run.steps.begin()->second;
  CHECK(step.attempt == 2);
  CHECK(step.retried_because == "attempt 1 was lost: the runtime died");
  deaths = app::RunEngine::k_max_lost_attempts;
  const auto failed = h.run("w");
  REQUIRE(failed.stored.run.error);
  CHECK(failed.stored.run.error->error.kind == "runtime_lost");
  CHECK(failed.stored.run.error->error.message
        == "gave up after 3 attempts, each lost: the runtime died");
  CHECK(failed.stored.run.steps.begin()->second.attempt == 3);
}

TEST_CASE("an exception in user-facing code fails the step alone, the "
          "workers go on")
{
  RunnerHarness h;
  h.deploy(single("w"));
  h.start();
  std::atomic<bool> throw_once{ true };
  h.runtimes.set_behaviour(
    [&](const test::FakeExecution&,
        const app::LogCallback&) -> Result<domain::StepOutcome> {
      if (throw_once.exchange(false)) {
        throw std::runtime_error("adapter bug");
      }
      return domain::StepOutcome(Outputs{ { "out", std::int64_t{ 1 } } });
    });
  const auto failed = h.run("w");
  REQUIRE(failed.stored.run.error);
  CHECK(failed.stored.run.error->error.kind == "internal");
  CHECK(failed.stored.run.error->error.message == "adapter bug");
  CHECK(h.run("w").stored.run.state == RunState::done);
}

TEST_CASE("cancel stops the running step and starts nothing after it")
{
  RunnerHarness h;
  h.deploy(test::chain_workflow());
  h.start();
  h.runtimes.hold("b");
  const auto started = h.start_run("chain");
  REQUIRE(started);
  const auto& id = started->stored.run.id;
  REQUIRE(h.runtimes.wait_held("b", 1));
  const auto cancelled = h.service->cancel("default", id);
  REQUIRE(cancelled);
  CHECK(cancelled->stored.run.state == RunState::cancelled);
  // The running step ends as cancelled once its runtime stopped it.
  auto view = h.wait(id);
  while (view.stored.run.find({ "b", "" })->state == StepState::running) {
    auto changed = h.service->wait_change(
      id, view.generation,
      std::chrono::steady_clock::now() + std::chrono::seconds(10));
    REQUIRE(changed);
    view = *changed;
  }
  CHECK(view.stored.run.find({ "b", "" })->state == StepState::cancelled);
  CHECK(view.stored.run.find({ "c", "" })->state == StepState::cancelled);
  CHECK(h.runtimes.cancelled() == std::vector<std::string>{ id + ".b.r.1" });
  CHECK(steps_of(h.runtimes.started()) == std::vector<std::string>{ "a", "b" });
  const auto again = h.service->cancel("default", id);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::failed_precondition);
  CHECK(h.service->cancel("default", "run-nope").error().code == ErrorCode::not_found);
}

TEST_CASE("a failure stops what follows, a sibling already running ends")
{
  RunnerHarness h;
  // start -> a -> {bad, side}; bad -> after.
  h.deploy(test::make_workflow({ action("a", { { "x", ref("start", "n") } }),
                                 action("bad", { { "x", ref("a", "out") } }),
                                 action("side", { { "x", ref("a", "out") } }),
                                 action("after",
                                        { { "x", ref("bad", "out") } }) }));
  h.start();
  h.runtimes.hold("side");
  h.runtimes.hold("bad");
  h.runtimes.set_behaviour(
    [](const test::FakeExecution& e,
       const app::LogCallback&) -> Result<domain::StepOutcome> {
      if (e.step == "bad") {
        return domain::StepOutcome(
          StepError{ "user_exception", "boom", 0, "Traceback" });
      }
      const domain::StepOutcome outcome = Outputs{ { "out", std::int64_t{ 1 } } };
      return outcome;
    });
  const auto started = h.start_run("wf");
  REQUIRE(started);
  REQUIRE(h.runtimes.wait_held("side", 1));
  REQUIRE(h.runtimes.wait_held("bad", 1));
  h.runtimes.release("bad");
  // The run is failed, but waits for side.
  auto view = h.service->wait_final(started->stored.run.id,
                                    std::chrono::steady_clock::now()
                                      + std::chrono::milliseconds(300));
  REQUIRE(view);
  CHECK(view->stored.run.state == RunState::running);
  CHECK(view->stored.run.find({ "after", "" })->state == StepState::cancelled);
  h.runtimes.release("side");
  view = h.wait(started->stored.run.id);
  CHECK(view->stored.run.state == RunState::error);
  CHECK(view->stored.run.error->step == "bad");
  CHECK(view->stored.run.find({ "side", "" })->state == StepState::done);
}

TEST_CASE("fan-outs nest and cross through the service")
{
  RunnerHarness h;
  // outer returns 2 items; inner (below outer) returns 2 per item; side
  // returns 3; join below inner and side runs 4 x 3 times.
  h.deploy(test::make_workflow(
    { action("outer"),
      action("inner", { { "o", ref("outer", "item") } }),
      action("side"),
      action("join",
             { { "i", ref("inner", "item") }, { "s", ref("side", "item") } }) },
    { { "sums", { "join", "sum" } } }));
  h.start();
  h.runtimes.set_behaviour(
    [](const test::FakeExecution& e,
       const app::LogCallback&) -> Result<domain::StepOutcome> {
      if (e.step == "outer") {
        return items(0, 2);
      }
      if (e.step == "inner") {
        return items(std::get<std::int64_t>(e.inputs.at("o")) * 10, 2);
      }
      if (e.step == "side") {
        return items(100, 3);
      }
      Outputs sum;
      sum["sum"] = std::get<std::int64_t>(e.inputs.at("i")) +
                   std::get<std::int64_t>(e.inputs.at("s"));
      return Result<domain::StepOutcome>(std::in_place, std::move(sum));
    });
  const auto view = h.run("wf");
  CHECK(view.stored.run.state == RunState::done);
  REQUIRE(view.results.size() == 1);
  CHECK(view.results[0].values.size() == 12);
  // And so it reads back after a restart.
  h.stop();
  h.start();
  const auto again = h.service->get("default", view.stored.run.id);
  REQUIRE(again);
  CHECK(again->results == view.results);
}

TEST_CASE("a run belongs to its workflow's project: another project finds "
          "neither the workflow nor its runs, by id or by listing")
{
  RunnerHarness h;
  h.deploy(single("mine"));
  h.start();
  const auto view = h.run("mine");
  const auto& id = view.stored.run.id;
  CHECK(view.stored.project == "default");
  REQUIRE(h.service->get("default", id));
  CHECK(h.service->get("default", id)->stored.project == "default");

  const auto not_found = [](const auto& result) {
    return !result && result.error().code == ErrorCode::not_found
           && result.error().message.find("in project \"team-b\"")
                != std::string::npos;
  };
  CHECK(not_found(h.service->get("team-b", id)));
  CHECK(not_found(h.service->cancel("team-b", id)));
  CHECK(not_found(h.service->remove("team-b", id)));
  CHECK(not_found(h.service->file_of("team-b", id, "any")));
  app::StartRunRequest start;
  start.workflow_id = "mine";
  start.project = "team-b";
  start.values = { { "n", "1" } };
  CHECK(not_found(h.service->start_run(start)));

  app::RunFilter filter;
  filter.project = "team-b";
  CHECK(h.service->list(filter)->empty());
  filter.project = "default";
  CHECK(h.service->list(filter)->size() == 1);

  // What was refused is still there for its own project.
  CHECK(h.service->remove("default", id));
}

TEST_SUITE_END();
