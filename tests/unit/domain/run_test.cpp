#include "core/domain/run.hpp"
#include "core/domain/run_progress.hpp"
#include "core/domain/run_values.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ryax;
using namespace ryax::domain;
using ryax::test::action;
using ryax::test::io;
using ryax::test::k_now;
using ryax::test::ref;

namespace {

// A manual trigger "start" with outputs n (integer), who (optional string)
// and ratio (optional float), then `actions`.
test::Compiled
make_workflow(std::vector<WorkflowStep> actions,
              std::vector<WorkflowResult> results = {})
{
  return test::compile(test::make_workflow(std::move(actions),
                             std::move(results),
                             { io("n", IoType::integer),
                               io("who", IoType::string, true),
                               io("ratio", IoType::float_, true) }));
}

Run
start_run(const CompiledWorkflow& workflow, std::int64_t n = 7)
{
  auto run = start("run-1", workflow, 3, { { "n", n } }, k_now);
  REQUIRE(run);
  return *run;
}

// "b" for the root branch, "b@2.0" otherwise.
std::vector<std::string>
names(const std::vector<StepKey>& keys)
{
  std::vector<std::string> result;
  for (const auto& key : keys) {
    result.push_back(key.branch.empty() ? key.step
                                        : key.step + "@" + key.branch);
  }
  return result;
}

// Bind, schedule, start and end `key` with `outcome`; its inputs.
Inputs
execute(Run& run,
        const CompiledWorkflow& workflow,
        const StepKey& key,
        StepOutcome outcome,
        std::int64_t now_ms = k_now)
{
  auto inputs = resolve_inputs(run, workflow, key, {});
  REQUIRE_MESSAGE(inputs, inputs.error().message);
  REQUIRE(mark_scheduled(run, key, *inputs, "local", now_ms));
  REQUIRE(mark_running(run, key, now_ms));
  REQUIRE(apply_result(run, workflow, key, std::move(outcome), now_ms));
  return *inputs;
}

} // namespace

TEST_SUITE_BEGIN("domain::Run");

TEST_CASE("states are spelled in snake_case and parsed back exactly")
{
  for (const auto state : k_all_run_states) {
    CHECK(parse_run_state(to_string(state)) == state);
  }
  for (const auto state : k_all_step_states) {
    CHECK(parse_step_state(to_string(state)) == state);
  }
  CHECK(to_string(RunState::cancelled) == "cancelled");
  CHECK(to_string(StepState::scheduled) == "scheduled");
  CHECK_FALSE(parse_run_state("Done"));
  CHECK_FALSE(parse_step_state("finished"));
}

TEST_CASE("transitions follow the life of runs and steps")
{
  CHECK(can_transition(RunState::pending, RunState::running));
  CHECK(can_transition(RunState::pending, RunState::cancelled));
  CHECK(can_transition(RunState::running, RunState::error));
  CHECK_FALSE(can_transition(RunState::running, RunState::pending));
  CHECK(can_transition(StepState::waiting, StepState::scheduled));
  CHECK(can_transition(StepState::scheduled, StepState::running));
  CHECK(can_transition(StepState::running, StepState::done));
  CHECK(can_transition(StepState::running, StepState::waiting));
  CHECK_FALSE(can_transition(StepState::waiting, StepState::running));
  CHECK_FALSE(can_transition(StepState::waiting, StepState::done));
  for (const auto to : k_all_run_states) {
    CHECK_FALSE(can_transition(to, to));
    for (const auto from :
         { RunState::done, RunState::error, RunState::cancelled }) {
      CHECK_FALSE(can_transition(from, to));
    }
  }
  for (const auto to : k_all_step_states) {
    CHECK_FALSE(can_transition(to, to));
    for (const auto from :
         { StepState::done, StepState::error, StepState::cancelled }) {
      CHECK_FALSE(can_transition(from, to));
    }
  }
}

TEST_CASE("branch paths nest and sort numerically")
{
  CHECK(child_branch("", 2) == "2");
  CHECK(child_branch("2", 0) == "2.0");
  CHECK(parent_branch("2.0") == "2");
  CHECK(parent_branch("2") == "");
  CHECK_FALSE(parent_branch(""));
  CHECK(branch_depth("") == 0);
  CHECK(branch_depth("12.3.0") == 3);
  CHECK(is_branch_prefix("", "2.0"));
  CHECK(is_branch_prefix("2", "2.0"));
  CHECK_FALSE(is_branch_prefix("2", "20"));
  CHECK_FALSE(is_branch_prefix("2.0", "2"));
  CHECK(branch_less("", "0"));
  CHECK(branch_less("0.5", "1"));
  CHECK(branch_less("9", "10"));
  CHECK(StepKey{ "a", "10" } > StepKey{ "a", "9" });
  CHECK(describe({ "a", "" }) == "step \"a\"");
  CHECK(describe({ "a", "2.0" }) == "step \"a\" (branch \"2.0\")");
}

TEST_CASE("a new run has its trigger done and every action waiting")
{
  const auto workflow = make_workflow({ action("a"), action("b") });
  const auto run = start_run(workflow, 5);
  CHECK(run.id == "run-1");
  CHECK(run.workflow_id == "wf");
  CHECK(run.workflow_version == 3);
  CHECK(run.state == RunState::pending);
  CHECK(run.created_ms == k_now);
  CHECK_FALSE(run.started_ms);
  REQUIRE(run.steps.size() == 3);
  const auto* trigger = run.find({ "start", "" });
  REQUIRE(trigger);
  CHECK(trigger->state == StepState::done);
  REQUIRE(trigger->output_sets.size() == 1);
  CHECK(trigger->output_sets[0].at("n") == Value(std::int64_t{ 5 }));
  CHECK(trigger->output_sets[0].at("who") == Value());
  CHECK(run.trigger_values == trigger->output_sets[0]);
  CHECK(run.find({ "a", "" })->state == StepState::waiting);
  CHECK(run.find({ "b", "" })->attempt == 1);
}

TEST_CASE("trigger values are checked against the trigger's outputs")
{
  const auto workflow = make_workflow({ action("a") });
  const auto unknown =
    start("r", workflow, 1, { { "n", 1 }, { "whom", "x" } }, k_now);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::invalid_argument);
  CHECK(unknown.error().message ==
        "trigger \"start\": unknown output \"whom\" (did you mean \"who\"?)");

  const auto wrong = start("r", workflow, 1, { { "n", "seven" } }, k_now);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message ==
        "trigger \"start\": output \"n\" is integer, got string");

  const auto missing = start("r", workflow, 1, {}, k_now);
  REQUIRE_FALSE(missing);
  // Every missing value at once, and what a run takes, with types.
  CHECK(missing.error().message.starts_with(
    "trigger \"start\": output \"n\" is required; a run takes n (integer)"));

  const auto widened =
    start("r", workflow, 1, { { "n", 1 }, { "ratio", 2 } }, k_now);
  REQUIRE(widened);
  CHECK(widened->trigger_values.at("ratio") == Value(2.0));
}

TEST_CASE("a workflow with a cycle does not compile, so no run starts")
{
  const auto compiled = CompiledWorkflow::compile(test::make_workflow(
    { action("a", { { "x", ref("b", "out") } }), action("b", {}, { "a" }) }));
  REQUIRE_FALSE(compiled);
  CHECK(compiled.error().code == ErrorCode::failed_precondition);
  CHECK(compiled.error().message.find("a -> b -> a") != std::string::npos);
}

TEST_CASE("a workflow without actions is done as soon as it starts")
{
  const auto run = start_run(make_workflow({}));
  CHECK(run.state == RunState::done);
  CHECK(run.finished_ms == k_now);
}

TEST_CASE("a three-step chain runs in order")
{
  const auto workflow =
    make_workflow({ action("c", { { "x", ref("b", "out") } }),
                    action("a", { { "x", ref("start", "n") } }),
                    action("b", { { "x", ref("a", "out") } }) },
                  { { "final", { "c", "out" } } });
  auto run = start_run(workflow, 1);
  std::vector<std::string> order;
  std::int64_t now = k_now;
  for (auto ready = ready_steps(run, workflow); !ready.empty();
       ready = ready_steps(run, workflow)) {
    REQUIRE(ready.size() == 1);
    const auto key = ready[0];
    order.push_back(key.step);
    auto inputs = resolve_inputs(run, workflow, key, {});
    REQUIRE(inputs);
    REQUIRE(mark_scheduled(run, key, *inputs, "local", ++now));
    CHECK(ready_steps(run, workflow).empty());
    REQUIRE(mark_running(run, key, ++now));
    CHECK(run.state == RunState::running);
    const auto x = std::get<std::int64_t>(inputs->at("x"));
    REQUIRE(apply_result(
      run, workflow, key, Outputs{ { "out", std::int64_t{ x * 10 } } }, ++now));
  }
  CHECK(order == std::vector<std::string>{ "a", "b", "c" });
  CHECK(run.state == RunState::done);
  CHECK(run.started_ms == k_now + 2);
  CHECK(run.finished_ms == now);
  const auto* c = run.find({ "c", "" });
  CHECK(c->inputs.at("x") == Value(std::int64_t{ 100 }));
  CHECK(c->scheduled_ms == now - 2);
  CHECK(c->started_ms == now - 1);
  CHECK(c->finished_ms == now);
  CHECK(c->placement == "local");
  const auto found = results(run, workflow);
  REQUIRE(found.size() == 1);
  CHECK(found[0] ==
        RunResult{ "final", { Value(std::int64_t{ 1000 }) }, false });
}

TEST_CASE("a fan-in waits for both parents")
{
  const auto workflow = make_workflow(
    { action("left"),
      action("right"),
      action("join",
             { { "l", ref("left", "out") }, { "r", ref("right", "out") } }) });
  auto run = start_run(workflow);
  CHECK(names(ready_steps(run, workflow)) ==
        std::vector<std::string>{ "left", "right" });
  execute(run, workflow, { "left", "" }, Outputs{ { "out", "L" } });
  CHECK(names(ready_steps(run, workflow)) ==
        std::vector<std::string>{ "right" });
  execute(run, workflow, { "right", "" }, Outputs{ { "out", "R" } });
  CHECK(names(ready_steps(run, workflow)) ==
        std::vector<std::string>{ "join" });
  const auto inputs =
    execute(run, workflow, { "join", "" }, Outputs{ { "out", "LR" } });
  CHECK(inputs == Inputs{ { "l", "L" }, { "r", "R" } });
  CHECK(run.state == RunState::done);
}

TEST_CASE("after edges order steps that share no data")
{
  const auto workflow = make_workflow(
    { action("first"),
      action("second", {}, { "first" }),
      action("third", { { "x", ref("start", "n") } }, { "second" }) });
  auto run = start_run(workflow);
  CHECK(names(ready_steps(run, workflow)) ==
        std::vector<std::string>{ "first" });
  execute(run, workflow, { "first", "" }, Outputs{});
  CHECK(names(ready_steps(run, workflow)) ==
        std::vector<std::string>{ "second" });
  execute(run, workflow, { "second", "" }, Outputs{});
  CHECK(names(ready_steps(run, workflow)) ==
        std::vector<std::string>{ "third" });
}

TEST_CASE("a step reads the trigger and a grand-ancestor")
{
  const auto workflow =
    make_workflow({ action("a"),
                    action("b", { { "x", ref("a", "out") } }),
                    action("c",
                           { { "n", ref("start", "n") },
                             { "grand", ref("a", "out") },
                             { "parent", ref("b", "out") },
                             { "fixed", Scalar(true) } }) });
  auto run = start_run(workflow, 42);
  execute(run, workflow, { "a", "" }, Outputs{ { "out", 1.5 } });
  execute(run, workflow, { "b", "" }, Outputs{ { "out", "bee" } });
  const auto inputs = resolve_inputs(run, workflow, { "c", "" }, {});
  REQUIRE(inputs);
  CHECK(*inputs == Inputs{ { "n", std::int64_t{ 42 } },
                           { "grand", 1.5 },
                           { "parent", "bee" },
                           { "fixed", true } });
}

TEST_CASE("an interpolation renders every part as text")
{
  Interpolation text{ { std::string("n="),
                        OutputReference{ "start", "n" },
                        std::string(" r="),
                        OutputReference{ "a", "ratio" },
                        std::string(" ok="),
                        OutputReference{ "a", "ok" },
                        std::string(" to "),
                        VariableReference{ "HOST" },
                        std::string(" "),
                        OutputReference{ "start", "who" } } };
  const auto workflow =
    make_workflow({ action("a"), action("b", { { "msg", text } }) });
  auto run = start_run(workflow, 3);
  execute(
    run, workflow, { "a", "" }, Outputs{ { "ratio", 0.25 }, { "ok", false } });
  BindingContext context;
  context.variables.emplace("HOST", "example.org");
  const auto inputs = resolve_inputs(run, workflow, { "b", "" }, context);
  REQUIRE(inputs);
  CHECK(inputs->at("msg") == Value("n=3 r=0.25 ok=false to example.org "));
}

TEST_CASE("a missing project variable is an error naming it")
{
  const auto workflow = make_workflow(
    { action("a", { { "token", VariableReference{ "API_TOKEN" } } }) });
  const auto run = start_run(workflow);
  const auto inputs = resolve_inputs(run, workflow, { "a", "" }, {});
  REQUIRE_FALSE(inputs);
  CHECK(inputs.error().code == ErrorCode::not_found);
  CHECK(inputs.error().message == "step \"a\": input \"token\": project "
                                  "variable \"API_TOKEN\" is not defined");
}

TEST_CASE("static files and variables come from the caller")
{
  const auto workflow =
    make_workflow({ action("a",
                           { { "model", StaticFile{ "models/m.bin" } },
                             { "token", VariableReference{ "TOKEN" } } }) });
  const auto run = start_run(workflow);
  BindingContext context;
  context.variables.emplace("TOKEN", "s3cret");
  context.static_files.emplace("models/m.bin", FileRef{ "sha256-abc", false });
  const auto inputs = resolve_inputs(run, workflow, { "a", "" }, context);
  REQUIRE(inputs);
  CHECK(inputs->at("model") == Value(FileRef{ "sha256-abc", false }));
  CHECK(inputs->at("token") == Value("s3cret"));

  context.static_files.clear();
  const auto missing = resolve_inputs(run, workflow, { "a", "" }, context);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message ==
        "step \"a\": input \"model\": static file \"@models/m.bin\" is not "
        "in the workflow version");
}

TEST_CASE("binding fails on an unfinished or missing upstream output")
{
  const auto workflow =
    make_workflow({ action("a"), action("b", { { "x", ref("a", "nope") } }) });
  auto run = start_run(workflow);
  const auto early = resolve_inputs(run, workflow, { "b", "" }, {});
  REQUIRE_FALSE(early);
  CHECK(early.error().code == ErrorCode::failed_precondition);
  execute(run, workflow, { "a", "" }, Outputs{ { "out", 1 } });
  const auto missing = resolve_inputs(run, workflow, { "b", "" }, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message == "step \"b\": input \"x\": \"{{ a.nope }}\": "
                                   "step \"a\" has no output \"nope\"");
}

TEST_CASE("steps move only through allowed states")
{
  const auto workflow = make_workflow({ action("a"), action("b") });
  auto run = start_run(workflow);
  const auto unknown = mark_scheduled(run, { "zz", "" }, {}, "", k_now);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::not_found);
  const auto early = mark_running(run, { "a", "" }, k_now);
  REQUIRE_FALSE(early);
  CHECK(early.error().code == ErrorCode::failed_precondition);
  CHECK(early.error().message ==
        "run \"run-1\": cannot start step \"a\": it is waiting in a pending "
        "run");
  const auto not_running =
    apply_result(run, workflow, { "a", "" }, Outputs{}, k_now);
  REQUIRE_FALSE(not_running);
  CHECK(not_running.error().code == ErrorCode::failed_precondition);
  execute(run, workflow, { "a", "" }, Outputs{});
  const auto twice = apply_result(run, workflow, { "a", "" }, Outputs{}, k_now);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::failed_precondition);
}

TEST_CASE("values are typed against their declaration")
{
  CHECK(value_fits(io("n", IoType::integer), Value(std::int64_t{ 1 })));
  CHECK_FALSE(value_fits(io("n", IoType::integer), Value(1.0)));
  CHECK(value_fits(io("f", IoType::file), Value(FileRef{ "k", false })));
  CHECK_FALSE(
    value_fits(io("d", IoType::directory), Value(FileRef{ "k", false })));
  CHECK_FALSE(value_fits(io("s", IoType::string), Value()));
  CHECK(value_fits(io("s", IoType::string, true), Value()));
  auto choice = io("e", IoType::enum_);
  choice.enum_values = { "red", "blue" };
  CHECK(value_fits(choice, Value("red")));
  CHECK_FALSE(value_fits(choice, Value("green")));
  CHECK(value_type_name(Value(FileRef{ "k", true })) == "directory");
}

TEST_SUITE_END();
