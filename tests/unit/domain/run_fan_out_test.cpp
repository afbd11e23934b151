#include "core/domain/compiled_workflow.hpp"
#include "core/domain/run.hpp"
#include "core/domain/run_progress.hpp"
#include "core/domain/run_values.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

using namespace ryax;
using namespace ryax::domain;
using ryax::test::action;
using ryax::test::k_now;
using ryax::test::ref;

namespace {

test::Compiled
make_workflow(std::vector<WorkflowStep> actions,
              std::vector<WorkflowResult> results = {})
{
  return test::compile(test::make_workflow(std::move(actions),
                                           std::move(results)));
}

// "b" for the root branch, "b@2.0" otherwise.
std::string
name(const StepKey& key)
{
  return key.branch.empty() ? key.step : key.step + "@" + key.branch;
}

using Behaviour = std::function<StepOutcome(const StepKey&, const Inputs&)>;

// Run every ready step, one at a time, until none is ready; the
// executions in the order they ran.
std::vector<std::string>
drive(Run& run, const CompiledWorkflow& workflow, const Behaviour& behave)
{
  std::vector<std::string> order;
  std::int64_t now = k_now;
  for (auto ready = ready_steps(run, workflow); !ready.empty();
       ready = ready_steps(run, workflow)) {
    const auto key = ready.front();
    order.push_back(name(key));
    auto inputs = resolve_inputs(run, workflow, key, {});
    REQUIRE_MESSAGE(inputs, inputs.error().message);
    REQUIRE(mark_scheduled(run, key, *inputs, "", ++now));
    REQUIRE(mark_running(run, key, ++now));
    REQUIRE(apply_result(run, workflow, key, behave(key, *inputs), ++now));
  }
  return order;
}

FanOut
numbers(std::int64_t from, std::int64_t count)
{
  FanOut fan_out;
  for (std::int64_t i = 0; i < count; ++i) {
    fan_out.sets.push_back({ { "item", from + i } });
  }
  return fan_out;
}

std::int64_t
integer(const Inputs& inputs, const std::string& name)
{
  return std::get<std::int64_t>(inputs.at(name));
}

} // namespace

TEST_SUITE_BEGIN("domain::Run");

TEST_CASE("a fan-out of 5 runs the downstream part 5 times with its element")
{
  // start -> split (5 items) -> square -> report; `alone` only reads start.
  const auto workflow =
    make_workflow({ action("split", { { "n", ref("start", "n") } }),
                    action("square", { { "item", ref("split", "item") } }),
                    action("report",
                           { { "item", ref("split", "item") },
                             { "square", ref("square", "out") },
                             { "n", ref("start", "n") } }),
                    action("alone", { { "n", ref("start", "n") } }) },
                  { { "squares", { "report", "out" } },
                    { "items", { "split", "item" } },
                    { "alone", { "alone", "out" } } });
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 10 } } }, k_now);
  REQUIRE(run);
  std::vector<Inputs> reports;
  const auto order =
    drive(*run, workflow, [&](const StepKey& key, const Inputs& inputs) {
      if (key.step == "split") {
        return StepOutcome(numbers(integer(inputs, "n"), 5));
      }
      if (key.step == "square") {
        const auto item = integer(inputs, "item");
        return StepOutcome(Outputs{ { "out", item * item } });
      }
      if (key.step == "report") {
        reports.push_back(inputs);
        return StepOutcome(Outputs{ { "out", inputs.at("square") } });
      }
      return StepOutcome(Outputs{ { "out", "once" } });
    });

  CHECK(run->state == RunState::done);
  CHECK(order.size() == 1 + 1 + 5 + 5);
  for (std::size_t i = 0; i < 5; ++i) {
    const auto branch = std::to_string(i);
    const auto* square = run->find({ "square", branch });
    REQUIRE(square);
    CHECK(square->state == StepState::done);
    CHECK(square->inputs.at("item") ==
          Value(std::int64_t(10 + static_cast<std::int64_t>(i))));
  }
  CHECK_FALSE(run->find({ "square", "" }));
  CHECK(run->find({ "alone", "" })->state == StepState::done);
  REQUIRE(reports.size() == 5);
  CHECK(reports[3] == Inputs{ { "item", std::int64_t{ 13 } },
                              { "square", std::int64_t{ 169 } },
                              { "n", std::int64_t{ 10 } } });

  const auto found = results(*run, workflow);
  REQUIRE(found.size() == 3);
  CHECK(found[0].key == "squares");
  CHECK(found[0].list);
  CHECK(found[0].values == std::vector<Value>{ std::int64_t{ 100 },
                                               std::int64_t{ 121 },
                                               std::int64_t{ 144 },
                                               std::int64_t{ 169 },
                                               std::int64_t{ 196 } });
  CHECK(found[1].list);
  CHECK(found[1].values.size() == 5);
  CHECK(found[2] == RunResult{ "alone", { Value("once") }, false });
}

TEST_CASE("nested fan-outs run the part below both once per pair")
{
  // start -> outer (2 items) -> inner (3 items each) -> leaf
  const auto workflow =
    make_workflow({ action("outer"),
                    action("inner", { { "base", ref("outer", "item") } }),
                    action("leaf",
                           { { "outer", ref("outer", "item") },
                             { "inner", ref("inner", "item") } }) },
                  { { "pairs", { "leaf", "out" } } });
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 0 } } }, k_now);
  REQUIRE(run);
  const auto order =
    drive(*run, workflow, [](const StepKey& key, const Inputs& inputs) {
      if (key.step == "outer") {
        return StepOutcome(numbers(100, 2));
      }
      if (key.step == "inner") {
        return StepOutcome(numbers(integer(inputs, "base") * 10, 3));
      }
      return StepOutcome(Outputs{
        { "out", integer(inputs, "outer") + integer(inputs, "inner") } });
    });
  CHECK(run->state == RunState::done);
  CHECK(order == std::vector<std::string>{ "outer",
                                           "inner@0",
                                           "inner@1",
                                           "leaf@0.0",
                                           "leaf@0.1",
                                           "leaf@0.2",
                                           "leaf@1.0",
                                           "leaf@1.1",
                                           "leaf@1.2" });
  const auto* leaf = run->find({ "leaf", "1.2" });
  REQUIRE(leaf);
  CHECK(leaf->inputs == Inputs{ { "outer", std::int64_t{ 101 } },
                                { "inner", std::int64_t{ 1012 } } });
  const auto found = results(*run, workflow);
  REQUIRE(found.size() == 1);
  CHECK(found[0].list);
  CHECK(found[0].values == std::vector<Value>{ std::int64_t{ 1100 },
                                               std::int64_t{ 1101 },
                                               std::int64_t{ 1102 },
                                               std::int64_t{ 1111 },
                                               std::int64_t{ 1112 },
                                               std::int64_t{ 1113 } });
}

TEST_CASE("a fan-out of no element runs nothing below it")
{
  const auto workflow = make_workflow(
    { action("split"), action("each", { { "item", ref("split", "item") } }) },
    { { "each", { "each", "out" } } });
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 0 } } }, k_now);
  REQUIRE(run);
  const auto order = drive(*run, workflow, [](const StepKey&, const Inputs&) {
    return StepOutcome(FanOut{});
  });
  CHECK(order == std::vector<std::string>{ "split" });
  CHECK(run->state == RunState::done);
  CHECK(results(*run, workflow) ==
        std::vector<RunResult>{ RunResult{ "each", {}, true } });
}

// left and right each return a list; both reads one element of each; tail
// reads both.
test::Compiled
crossing()
{
  return make_workflow(
    { action("left"),
      action("right"),
      action("both",
             { { "l", ref("left", "item") }, { "r", ref("right", "item") } }),
      action("tail", { { "x", ref("both", "sum") } }) },
    { { "sums", { "tail", "x" } } });
}

// left returns 0, 1; right returns 10, 11; both adds; tail echoes.
StepOutcome
crossing_behaviour(const StepKey& key, const Inputs& inputs)
{
  if (key.step == "left") {
    return numbers(0, 2);
  }
  if (key.step == "right") {
    return numbers(10, 2);
  }
  if (key.step == "both") {
    return Outputs{ { "sum",
                      std::get<std::int64_t>(inputs.at("l")) +
                        std::get<std::int64_t>(inputs.at("r")) } };
  }
  return Outputs{ { "x", inputs.at("x") } };
}

TEST_CASE("a step below two side-by-side fan-outs runs once per pair of "
          "elements, in the order the fan-outs finished")
{
  const auto workflow = crossing();
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 0 } } }, k_now);
  REQUIRE(run);
  const auto order = drive(*run, workflow, crossing_behaviour);
  CHECK(order == std::vector<std::string>{ "left", "right", "both@0.0",
                                           "both@0.1", "both@1.0", "both@1.1",
                                           "tail@0.0", "tail@0.1", "tail@1.0",
                                           "tail@1.1" });
  CHECK(run->state == RunState::done);
  CHECK(run->crossed);
  // Branch "i.j": element i of left (it finished first), j of right.
  CHECK(run->find({ "both", "1.0" })->inputs ==
        Inputs{ { "l", std::int64_t{ 1 } }, { "r", std::int64_t{ 10 } } });
  CHECK(run->find({ "both", "1.0" })->origins ==
        std::vector<std::string>{ "left", "right" });
  CHECK(results(*run, workflow) ==
        std::vector<RunResult>{ RunResult{
          "sums",
          { Value(std::int64_t{ 10 }), Value(std::int64_t{ 11 }),
            Value(std::int64_t{ 11 }), Value(std::int64_t{ 12 }) },
          true } });
}

TEST_CASE("the second fan-out to finish gives the second component, whichever "
          "it is")
{
  const auto workflow = crossing();
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 0 } } }, k_now);
  REQUIRE(run);
  std::int64_t now = k_now;
  // right first, then left.
  for (const auto* step : { "right", "left" }) {
    const StepKey key{ step, "" };
    REQUIRE(mark_scheduled(*run, key, {}, "", ++now));
    REQUIRE(mark_running(*run, key, ++now));
    REQUIRE(apply_result(*run, workflow, key, crossing_behaviour(key, {}), ++now));
  }
  const auto* both = run->find({ "both", "1.0" });
  REQUIRE(both != nullptr);
  CHECK(both->origins == std::vector<std::string>{ "right", "left" });
  const auto inputs = resolve_inputs(*run, workflow, { "both", "1.0" }, {});
  REQUIRE(inputs);
  CHECK(*inputs ==
        Inputs{ { "l", std::int64_t{ 0 } }, { "r", std::int64_t{ 11 } } });
  drive(*run, workflow, crossing_behaviour);
  CHECK(run->state == RunState::done);
}

TEST_CASE("a fan-out crossing one nested in the other runs per pair too")
{
  // outer -> inner (nested, per outer element); side beside them; join
  // below inner and side.
  const auto workflow = make_workflow(
    { action("outer"),
      action("inner", { { "o", ref("outer", "item") } }),
      action("side"),
      action("join",
             { { "i", ref("inner", "item") }, { "s", ref("side", "item") } }) });
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 0 } } }, k_now);
  REQUIRE(run);
  drive(*run, workflow, [](const StepKey& key, const Inputs& inputs) {
    if (key.step == "outer") {
      return StepOutcome(numbers(0, 2));
    }
    if (key.step == "inner") {
      return StepOutcome(numbers(std::get<std::int64_t>(inputs.at("o")) * 10, 2));
    }
    if (key.step == "side") {
      return StepOutcome(numbers(100, 3));
    }
    return StepOutcome(Outputs{ { "sum",
                                  std::get<std::int64_t>(inputs.at("i")) +
                                    std::get<std::int64_t>(inputs.at("s")) } });
  });
  CHECK(run->state == RunState::done);
  std::vector<std::int64_t> sums;
  for (const auto& [key, execution] : run->steps) {
    if (key.step == "join") {
      sums.push_back(
        std::get<std::int64_t>(execution.output_sets.front().at("sum")));
    }
  }
  std::sort(sums.begin(), sums.end());
  // inner gives 0, 1, 10, 11; side 100, 101, 102: 12 pairs.
  CHECK(sums == std::vector<std::int64_t>{ 100, 101, 101, 102, 102, 103, 110,
                                           111, 111, 112, 112, 113 });
}

TEST_CASE("an empty fan-out crossing another leaves the step below with no "
          "execution")
{
  const auto workflow = crossing();
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 0 } } }, k_now);
  REQUIRE(run);
  drive(*run, workflow, [](const StepKey& key, const Inputs& inputs) {
    if (key.step == "right") {
      return StepOutcome(FanOut{});
    }
    return crossing_behaviour(key, inputs);
  });
  CHECK(run->state == RunState::done);
  CHECK(run->find({ "both", "0" }) == nullptr);
  CHECK(run->steps.lower_bound({ "both", "" })->first.step != "both");
}

TEST_CASE("a single output set at the root is one result, not a list")
{
  const auto workflow =
    make_workflow({ action("one") }, { { "value", { "one", "out" } } });
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 0 } } }, k_now);
  REQUIRE(run);
  CHECK(results(*run, workflow) ==
        std::vector<RunResult>{ RunResult{ "value", { Value() }, false } });
  drive(*run, workflow, [](const StepKey&, const Inputs&) {
    return StepOutcome(FanOut{ { Outputs{ { "out", "only" } } } });
  });
  // A list of one element is still a list.
  CHECK(results(*run, workflow) == std::vector<RunResult>{ RunResult{
                                     "value", { Value("only") }, true } });
}

TEST_SUITE_END();
