#include "core/domain/timer_trigger.hpp"
#include "core/domain/workflow_validation.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::domain;

namespace {

WorkflowStep
trigger(std::string from, std::map<std::string, Binding> inputs = {})
{
  WorkflowStep step;
  step.id = "start";
  step.from = std::move(from);
  step.inputs_values = std::move(inputs);
  return step;
}

} // namespace

TEST_SUITE_BEGIN("domain::TimerTrigger");

TEST_CASE(
  "the built-in timer triggers are in the catalogue with an output time")
{
  for (const auto name : { "emitevery", "one-run", "crongw" }) {
    const auto metadata = builtin_trigger(name);
    REQUIRE(metadata);
    CHECK(metadata->kind == ActionKind::source);
    CHECK_FALSE(metadata->dynamic_outputs);
    REQUIRE(metadata->outputs.size() == 1);
    CHECK(metadata->outputs[0].name == "time");
    CHECK(is_timer_trigger(name));
  }
  CHECK_FALSE(is_timer_trigger("manual"));
  CHECK(builtin_trigger_names().size() == 6);
}

TEST_CASE("the period of emitevery is the sum of its inputs, 5 s by default")
{
  CHECK(timer_trigger(trigger("emitevery")).value().period_ms == 5000);
  const auto timer = timer_trigger(trigger(
    "emitevery",
    { { "seconds", Scalar(1.5) }, { "minutes", Scalar(std::int64_t{ 2 }) } }));
  REQUIRE(timer);
  CHECK(timer->kind == TimerKind::every);
  CHECK(timer->period_ms == 121'500);
}

TEST_CASE("a period under 100 ms or over 366 days is refused naming the input")
{
  const auto fast =
    timer_problems(trigger("emitevery", { { "seconds", Scalar(0.05) } }));
  REQUIRE(fast.size() == 1);
  CHECK(fast[0].input == "seconds");
  CHECK(fast[0].message.find("under the shortest of 0.1 s") !=
        std::string::npos);
  const auto slow =
    timer_problems(trigger("emitevery", { { "days", Scalar(400.0) } }));
  REQUIRE(slow.size() == 1);
  CHECK(slow[0].input == "days");
  const auto negative =
    timer_problems(trigger("emitevery", { { "hours", Scalar(-1.0) } }));
  REQUIRE(negative.size() == 1);
  CHECK(negative[0].input == "hours");
}

TEST_CASE("emitevery ticks at start plus n periods, whatever the time asked")
{
  TimerTrigger timer;
  timer.kind = TimerKind::every;
  timer.period_ms = 200;
  CHECK(next_fire(timer, 1000, 0) == 1000);
  CHECK(next_fire(timer, 1000, 1000) == 1000);
  CHECK(next_fire(timer, 1000, 1001) == 1200);
  CHECK(next_fire(timer, 1000, 1399) == 1400);
  CHECK(next_fire(timer, 1000, 1400) == 1400);
}

TEST_CASE("one-run fires at its start only")
{
  const auto timer = timer_trigger(trigger("one-run")).value();
  CHECK(next_fire(timer, 1000, 1000) == 1000);
  CHECK_FALSE(next_fire(timer, 1000, 1001));
}

TEST_CASE(
  "crongw reads foreach and timezone, and refuses bad ones naming the input")
{
  const auto timer =
    timer_trigger(trigger("crongw",
                          { { "foreach", Scalar(std::string("0 9 * * *")) },
                            { "timezone", Scalar(std::string("+02:00")) } }));
  REQUIRE(timer);
  REQUIRE(timer->zone.intervals.size() == 1);
  CHECK(timer->zone.intervals[0].offset_minutes == 120);
  // 2026-03-01T06:00Z -> 09:00 at +02:00 is 07:00Z.
  CHECK(next_fire(*timer, 0, 1'772'344'800'000) == 1'772'348'400'000);
  const auto bad = timer_problems(
    trigger("crongw",
            { { "foreach", Scalar(std::string("*/7 25 * * *")) },
              { "timezone", Scalar(std::string("Mars Olympus")) } }));
  REQUIRE(bad.size() == 2);
  CHECK(bad[0].input == "foreach");
  CHECK(bad[0].message.find("field \"hour\"") != std::string::npos);
  CHECK(bad[1].input == "timezone");
  // A zone name is for the time zone database to read (at deploy).
  const auto named =
    timer_trigger(trigger("crongw",
                          { { "foreach", Scalar(std::string("0 9 * * *")) },
                            { "timezone", Scalar(std::string("Europe/Paris")) } }));
  REQUIRE(named);
  CHECK(named->zone.name == "Europe/Paris");
  CHECK(named->zone.intervals.empty());
  const auto missing = timer_trigger(trigger("crongw"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("\"foreach\"") != std::string::npos);
}

TEST_CASE("a timer input read from a variable is refused")
{
  const auto problems = timer_problems(
    trigger("emitevery", { { "seconds", VariableReference{ "period" } } }));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].message.find("must be a static value") !=
        std::string::npos);
}

TEST_SUITE_END();
