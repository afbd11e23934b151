// Runs reading project variables ("{{ vars.NAME }}"), on in-memory
// adapters.

#include "tests/support/runner_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <mutex>

using namespace ryax;
using namespace ryax::domain;
using test::action;
using test::RunnerHarness;

namespace {

// Workflow "vars": one step "only" whose input x reads variable `name`;
// its result "r" is only's out.
WorkflowDefinition
reading(const std::string& name)
{
  auto workflow = test::make_workflow(
    { action("only", { { "x", VariableReference{ name } } }) },
    { { "r", { "only", "out" } } });
  workflow.id = "vars";
  return workflow;
}

void
put(RunnerHarness& h, std::string project, std::string name, Value value)
{
  IoType type =
    std::holds_alternative<Secret>(value) ? IoType::password : IoType::integer;
  REQUIRE(h.variables.put(
    { std::move(project), std::move(name), type, "", std::move(value), 0 }));
}

std::int64_t
result(const app::RunView& view)
{
  REQUIRE(view.results.size() == 1);
  return std::get<std::int64_t>(view.results.front().values.at(0));
}

} // namespace

TEST_SUITE_BEGIN("app::RunService");

TEST_CASE("a step input bound to a variable gets the value of the run's "
          "project, kept with the run")
{
  RunnerHarness h;
  h.deploy(reading("limit"));
  h.deploy(reading("limit"), "other"); // its own "vars", of its own "echo"
  put(h, "default", "limit", std::int64_t{ 41 });
  put(h, "other", "limit", std::int64_t{ 99 });
  h.start();
  const auto view = h.run("vars");
  CHECK(view.stored.run.state == RunState::done);
  CHECK(result(view) == 42);
  CHECK(h.runs.load(view.stored.run.id).value()->variables ==
        Values{ { "limit", std::int64_t{ 41 } } });

  app::StartRunRequest request;
  request.workflow_id = "vars";
  request.project = "other";
  request.values = { { "n", "1" } };
  const auto other = h.service->start_run(request);
  REQUIRE(other);
  CHECK(result(h.wait(other->stored.run.id)) == 100);
}

TEST_CASE("an undefined variable refuses the run, naming it and the input")
{
  RunnerHarness h;
  h.deploy(reading("missing"));
  put(h, "other", "missing", std::int64_t{ 1 });
  h.start();
  const auto refused = h.start_run("vars");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::not_found);
  CHECK(refused.error().message ==
        "step \"only\" input \"x\": project variable \"missing\" is not "
        "defined in project \"default\" (ryax variable set missing VALUE)");
  CHECK(h.runs.list({}).value().empty());
}

TEST_CASE("a variable whose type does not fit its input refuses the run")
{
  RunnerHarness h;
  h.catalogue.add_built("typed", "1.0", { test::io("x", IoType::integer) }, {});
  auto workflow = reading("label");
  workflow.actions[0].from = "typed";
  h.deploy(workflow);
  REQUIRE(h.variables.put(
    { "default", "label", IoType::string, "", std::string("abc"), 0 }));
  h.start();
  const auto refused = h.start_run("vars");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::invalid_argument);
  CHECK(refused.error().message.find("variable \"label\"") !=
        std::string::npos);
}

TEST_CASE("a password variable reaches the step as a secret")
{
  RunnerHarness h;
  auto workflow = reading("token");
  workflow.actions[0].inputs_values["y"] =
    Interpolation{ { std::string("Bearer "), VariableReference{ "token" } } };
  h.deploy(workflow);
  put(h, "default", "token", Secret{ "pw-123" });
  std::mutex mutex;
  Values seen;
  const domain::StepOutcome done = Outputs{ { "out", std::int64_t{ 0 } } };
  h.runtimes.set_behaviour([&](const test::FakeExecution& execution,
                               const app::LogCallback&) -> Result<StepOutcome> {
    {
      std::lock_guard lock(mutex);
      seen = execution.inputs;
    }
    return done;
  });
  h.start();
  CHECK(h.run("vars").stored.run.state == RunState::done);
  std::lock_guard lock(mutex);
  CHECK(seen.at("x") == Value{ Secret{ "pw-123" } });
  CHECK(seen.at("y") == Value{ Secret{ "Bearer pw-123" } });
}

TEST_CASE("a run resumed after a restart reads the values of its start, not "
          "a later set")
{
  RunnerHarness h;
  const auto workflow = reading("limit");
  h.deploy(workflow);
  const auto compiled = CompiledWorkflow::compile(workflow).value();
  app::StoredRun stored{
    domain::start("run-old", *compiled, 1, { { "n", std::int64_t{ 1 } } }, 10)
      .value(),
    { { "only", "echo:1.0" } },
    0,
    "default",
    { { "limit", std::int64_t{ 1 } } }
  };
  REQUIRE(h.runs.commit({ app::creation_of(stored, "start") }));
  put(h, "default", "limit", std::int64_t{ 500 });
  h.start();
  CHECK(result(h.wait("run-old")) == 2);
}

TEST_SUITE_END();
