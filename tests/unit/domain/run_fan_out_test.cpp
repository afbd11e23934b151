#include "core/domain/run.hpp"
#include "core/domain/run_progress.hpp"
#include "core/domain/run_values.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

using namespace ryax;
using namespace ryax::domain;
using ryax::test::action;
using ryax::test::k_now;
using ryax::test::make_workflow;
using ryax::test::ref;

namespace {

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
drive(Run& run, const WorkflowDefinition& workflow, const Behaviour& behave)
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

TEST_CASE("a step below two side-by-side fan-outs fails the second one")
{
  const auto workflow =
    make_workflow({ action("left"),
                    action("right"),
                    action("both",
                           { { "l", ref("left", "item") },
                             { "r", ref("right", "item") } }) });
  auto run = start("r", workflow, 1, { { "n", std::int64_t{ 0 } } }, k_now);
  REQUIRE(run);
  drive(*run, workflow, [](const StepKey&, const Inputs&) {
    return StepOutcome(numbers(0, 2));
  });
  CHECK(run->state == RunState::error);
  REQUIRE(run->error);
  CHECK(run->error->step == "right");
  CHECK(run->error->error.kind == "invalid_output");
  CHECK(run->error->error.message.starts_with(
    "step \"right\" returned a list, but step \"both\" below it"));
  CHECK(run->find({ "both", "0" })->state == StepState::cancelled);
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
