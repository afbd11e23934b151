#pragma once

#include "core/domain/cron.hpp"
#include "core/domain/error.hpp"
#include "core/domain/workflow.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::domain {

// The shortest and longest period of "emitevery", in milliseconds.
inline constexpr std::int64_t k_min_timer_period_ms = 100;
inline constexpr std::int64_t k_max_timer_period_ms = 366LL * 24 * 3600 * 1000;
// The period of "emitevery" when its inputs are all 0 or absent.
inline constexpr std::int64_t k_default_timer_period_ms = 5000;

// How a built-in timer trigger fires.
enum class TimerKind
{
  every, // "emitevery": at start + n * period, n = 0, 1, ...
  once,  // "one-run": at start, once
  cron,  // "crongw": at each minute the cron expression matches
};

// A built-in trigger that starts runs by itself, from its inputs.
struct TimerTrigger
{
  TimerKind kind = TimerKind::once;
  std::int64_t period_ms = 0; // every
  CronSchedule cron;          // cron
  // cron: the time zone its expression is read in. A fixed offset ("UTC",
  // "+02:00") comes with its one interval; a zone name ("Europe/Paris", or
  // "" for the daemon's zone) comes without, for the time zone database to
  // fill (application/ports/time_zones.hpp).
  ZoneOffsets zone;
};

// One problem of a timer trigger's inputs.
struct TimerProblem
{
  std::string input; // the input at fault ("seconds", "foreach"...)
  std::string message;
};

// Whether `from` names a built-in timer trigger ("emitevery", "one-run",
// "crongw").
bool is_timer_trigger(std::string_view from);

// The problems of the inputs_values of `trigger` (a timer trigger): a value
// that is not static, a period under 100 ms or over 366 days, a bad cron
// expression (naming the field) or time zone. Empty when it can fire, or
// when `trigger` is not a timer trigger. Input types are checked by
// validate_workflow.
std::vector<TimerProblem> timer_problems(const WorkflowStep& trigger);

// How `trigger` fires. invalid_argument with the first of timer_problems
// ('input "foreach": ...'); failed_precondition when it is not a timer
// trigger.
Result<TimerTrigger> timer_trigger(const WorkflowStep& trigger);

// The first fire time at or after `from_ms` of `timer` started at
// `start_ms` (Unix milliseconds), or nullopt when it fires no more ("once"
// after `start_ms`, a cron expression that never matches).
std::optional<std::int64_t> next_fire(const TimerTrigger& timer,
                                      std::int64_t start_ms,
                                      std::int64_t from_ms);

} // namespace ryax::domain
