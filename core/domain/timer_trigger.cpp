#include "core/domain/timer_trigger.hpp"

#include <cmath>

namespace ryax::domain {

namespace {

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

// The static value of input `name`, or nullopt when unbound; a problem for
// a binding that is not static.
std::optional<Scalar>
static_input(const WorkflowStep& trigger,
             const std::string& name,
             std::vector<TimerProblem>& problems)
{
  const auto it = trigger.inputs_values.find(name);
  if (it == trigger.inputs_values.end()) {
    return std::nullopt;
  }
  if (const auto* value = std::get_if<Scalar>(&it->second)) {
    return *value;
  }
  if (std::holds_alternative<StaticFile>(it->second)) {
    // "@daily" reads as a static file: validate_workflow says to write
    // {literal: "@daily"}.
    return std::nullopt;
  }
  problems.push_back(
    { name,
      "trigger " + quote(trigger.from) + " input " + quote(name) +
        " must be a static value: the trigger reads it when it is deployed" });
  return std::nullopt;
}

std::vector<TimerProblem>
every_problems(const WorkflowStep& trigger, std::int64_t* period_ms)
{
  std::vector<TimerProblem> problems;
  // Milliseconds per unit.
  const std::pair<const char*, double> units[] = {
    { "seconds", 1e3 },
    { "minutes", 60e3 },
    { "hours", 3600e3 },
    { "days", 86400e3 },
  };
  double total = 0;
  std::string last_set;
  for (const auto& [name, unit] : units) {
    const auto value = static_input(trigger, name, problems);
    if (!value) {
      continue;
    }
    double number = 0;
    if (const auto* f = std::get_if<double>(&*value)) {
      number = *f;
    } else if (const auto* i = std::get_if<std::int64_t>(&*value)) {
      number = static_cast<double>(*i);
    } else {
      continue; // its type is validate_workflow's to report
    }
    if (!std::isfinite(number) || number < 0) {
      problems.push_back({ name,
                           "trigger \"emitevery\" input " + quote(name) +
                             " must be a number of 0 or more" });
      continue;
    }
    total += number * unit;
    if (number > 0) {
      last_set = name;
    }
  }
  if (!problems.empty()) {
    return problems;
  }
  if (total == 0) {
    total = static_cast<double>(k_default_timer_period_ms);
  }
  const auto culprit = last_set.empty() ? std::string("seconds") : last_set;
  if (total < static_cast<double>(k_min_timer_period_ms)) {
    problems.push_back(
      { culprit,
        "trigger \"emitevery\": the period (seconds + minutes + hours + "
        "days) is " +
          std::to_string(total / 1000) + " s, under the shortest of 0.1 s" });
  } else if (total > static_cast<double>(k_max_timer_period_ms)) {
    problems.push_back(
      { culprit,
        "trigger \"emitevery\": the period (seconds + minutes + hours + "
        "days) is over the longest of 366 days" });
  } else if (period_ms != nullptr) {
    *period_ms = static_cast<std::int64_t>(std::llround(total));
  }
  return problems;
}

std::vector<TimerProblem>
cron_problems(const WorkflowStep& trigger, TimerTrigger* timer)
{
  std::vector<TimerProblem> problems;
  const auto foreach = static_input(trigger, "foreach", problems);
  const auto timezone = static_input(trigger, "timezone", problems);
  const auto* expression =
    foreach ? std::get_if<std::string>(&*foreach) : nullptr;
  if (expression != nullptr) {
    if (auto cron = parse_cron(*expression); !cron) {
      problems.push_back({ "foreach",
                           "trigger \"crongw\" input \"foreach\": cron " +
                             quote(*expression) + ": " +
                             cron.error().message });
    } else if (timer != nullptr) {
      timer->cron = *cron;
    }
  }
  const auto* zone = timezone ? std::get_if<std::string>(&*timezone) : nullptr;
  if (zone != nullptr) {
    if (auto offset = parse_utc_offset(*zone); offset) {
      if (timer != nullptr) {
        timer->zone = ZoneOffsets::fixed(*offset, *zone);
      }
    } else if (!looks_like_zone_name(*zone)) {
      problems.push_back(
        { "timezone",
          "trigger \"crongw\" input \"timezone\": " + quote(*zone) +
            " is neither a time zone name (\"Europe/Paris\") nor an offset "
            "(\"UTC\", \"+02:00\")" });
    } else if (timer != nullptr) {
      timer->zone.name = *zone;
    }
  }
  return problems;
}

std::vector<TimerProblem>
problems_of(const WorkflowStep& trigger, TimerTrigger* timer)
{
  if (trigger.from == "emitevery") {
    return every_problems(trigger, timer ? &timer->period_ms : nullptr);
  }
  if (trigger.from == "crongw") {
    return cron_problems(trigger, timer);
  }
  return {};
}

} // namespace

bool
is_timer_trigger(std::string_view from)
{
  return from == "emitevery" || from == "one-run" || from == "crongw";
}

std::vector<TimerProblem>
timer_problems(const WorkflowStep& trigger)
{
  return problems_of(trigger, nullptr);
}

Result<TimerTrigger>
timer_trigger(const WorkflowStep& trigger)
{
  if (!is_timer_trigger(trigger.from)) {
    return fail(ErrorCode::failed_precondition,
                "trigger " + quote(trigger.from) + " is not a timer trigger");
  }
  TimerTrigger timer;
  timer.kind = trigger.from == "emitevery" ? TimerKind::every
               : trigger.from == "crongw"  ? TimerKind::cron
                                           : TimerKind::once;
  if (auto problems = problems_of(trigger, &timer); !problems.empty()) {
    return fail(ErrorCode::invalid_argument, problems.front().message);
  }
  if (timer.kind == TimerKind::cron &&
      !trigger.inputs_values.contains("foreach")) {
    return fail(ErrorCode::invalid_argument,
                "trigger \"crongw\" input \"foreach\" is missing: give a cron "
                "expression such as \"*/5 * * * *\"");
  }
  return timer;
}

std::optional<std::int64_t>
next_fire(const TimerTrigger& timer,
          std::int64_t start_ms,
          std::int64_t from_ms)
{
  switch (timer.kind) {
    case TimerKind::once:
      return from_ms <= start_ms ? std::optional(start_ms) : std::nullopt;
    case TimerKind::every: {
      if (from_ms <= start_ms) {
        return start_ms;
      }
      const auto n =
        (from_ms - start_ms + timer.period_ms - 1) / timer.period_ms;
      return start_ms + n * timer.period_ms;
    }
    case TimerKind::cron:
      return next_cron_time(timer.cron, timer.zone, from_ms - 1);
  }
  return std::nullopt;
}

} // namespace ryax::domain
