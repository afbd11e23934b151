#include "core/domain/run_progress.hpp"

#include "core/domain/run_branches.hpp"
#include "core/domain/suggest.hpp"

#include <algorithm>

namespace ryax::domain {

namespace {

using Index = CompiledWorkflow::Index;

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

// Whether the run may still start steps.
bool
going(const Run& run)
{
  return !is_final(run.state) && !run.failed();
}

void
set_state(Run& run, StepRun& execution, StepState state)
{
  --run.counts[static_cast<std::size_t>(execution.state)];
  ++run.counts[static_cast<std::size_t>(state)];
  execution.state = state;
}

void
cancel_unstarted(Run& run, std::int64_t now_ms, std::vector<StepKey>& changed)
{
  if (run.count(StepState::waiting) + run.count(StepState::scheduled) == 0) {
    return;
  }
  for (auto& [key, execution] : run.steps) {
    if (execution.state == StepState::waiting
        || execution.state == StepState::scheduled) {
      set_state(run, execution, StepState::cancelled);
      execution.finished_ms = now_ms;
      changed.push_back(key);
    }
  }
}

// Move the run to its final state when nothing is left to run.
void
settle(Run& run, std::int64_t now_ms)
{
  if (is_final(run.state)
      || run.count(StepState::scheduled) + run.count(StepState::running) > 0) {
    return;
  }
  const bool all_done =
    run.count(StepState::done) == static_cast<int>(run.steps.size());
  if (run.failed()) {
    run.state = RunState::error;
  } else if (all_done) {
    run.state = RunState::done;
  } else {
    return;
  }
  run.finished_ms = now_ms;
  if (!run.started_ms) {
    run.started_ms = now_ms;
  }
}

// The executions of step `step` whose projection on the fan-outs above
// `upstream` is `branch`, i.e. those that see upstream's execution in
// `branch`: `visit(key, execution)` for each, in branch order. Without
// crossed fan-outs they are the executions in `branch` and below it (a
// contiguous range of the map); otherwise every execution of the step is
// checked.
template<typename RunType, typename Visit>
void
for_each_seeing(RunType& run,
                const CompiledWorkflow& workflow,
                Index upstream,
                const std::string& step,
                const std::string& branch,
                Visit&& visit)
{
  auto it = run.steps.lower_bound(
    StepKey{ step, run.crossed ? std::string() : branch });
  std::vector<decltype(it)> matches;
  for (; it != run.steps.end() && it->first.step == step; ++it) {
    if (!run.crossed) {
      if (!is_branch_prefix(branch, it->first.branch)) {
        break;
      }
      matches.push_back(it);
      continue;
    }
    const auto seen =
      upstream_execution(run, workflow, upstream, it->first, it->second);
    if (seen && seen->key.branch == branch) {
      matches.push_back(it);
    }
  }
  // Collected first: visit may erase what it is given.
  for (auto match : matches) {
    visit(match);
  }
}

// Replace each waiting execution of a descendant of `key` that sees it by
// one execution per element of its fan-out.
void
split_descendants(Run& run,
                  const CompiledWorkflow& workflow,
                  Index step,
                  const StepKey& key,
                  std::size_t elements,
                  std::int64_t now_ms,
                  RunChanges& changes)
{
  for (const auto descendant : workflow.descendants(step)) {
    for_each_seeing(
      run, workflow, step, workflow.id(descendant), key.branch,
      [&](auto it) {
        if (it->second.state != StepState::waiting) {
          return;
        }
        const auto old_key = it->first;
        auto origins = std::move(it->second.origins);
        for (const auto& origin : origins) {
          const auto index = workflow.index(origin);
          if (!index || !workflow.is_ancestor(*index, step)) {
            run.crossed = true;
          }
        }
        --run.counts[static_cast<std::size_t>(StepState::waiting)];
        run.steps.erase(it);
        changes.removed.push_back(old_key);
        auto hint = run.steps.end();
        for (std::size_t i = 0; i < elements; ++i) {
          StepRun execution;
          execution.created_ms = now_ms;
          execution.origins = origins;
          execution.origins.push_back(key.step);
          StepKey new_key{ old_key.step, child_branch(old_key.branch, i) };
          changes.changed.push_back(new_key);
          hint = run.steps.emplace_hint(hint, std::move(new_key),
                                        std::move(execution));
          ++hint;
          ++run.counts[static_cast<std::size_t>(StepState::waiting)];
        }
      });
  }
}

// The waiting executions right below `key` (done) that are now ready.
void
collect_ready(const Run& run,
              const CompiledWorkflow& workflow,
              Index step,
              const StepKey& key,
              std::vector<ReadyStep>& ready)
{
  for (const auto below : workflow.downstream(step)) {
    for_each_seeing(
      run, workflow, step, workflow.id(below), key.branch,
      [&](auto it) {
        if (it->second.state == StepState::waiting
            && is_ready(run, workflow, it->first, it->second)) {
          ready.push_back(it->first);
        }
      });
  }
}

Result<StepRun*>
find_execution(Run& run, const StepKey& key)
{
  auto* execution = run.find(key);
  if (execution == nullptr) {
    return fail(ErrorCode::not_found,
                "run " + quote(run.id) + ": no execution of " + describe(key));
  }
  return execution;
}

std::unexpected<Error>
wrong_state(const Run& run,
            const StepKey& key,
            const StepRun& execution,
            std::string_view action)
{
  return fail(ErrorCode::failed_precondition,
              "run " + quote(run.id) + ": cannot " + std::string(action) + " " +
                describe(key) + ": it is " +
                std::string(to_string(execution.state)) + " in a " +
                std::string(to_string(run.state)) + " run" +
                (run.failed() ? " that failed" : ""));
}

void
apply_error(Run& run,
            const StepKey& key,
            StepRun& execution,
            StepError error,
            std::int64_t now_ms,
            RunChanges& changes)
{
  execution.finished_ms = now_ms;
  set_state(run,
            execution,
            run.state == RunState::cancelled ? StepState::cancelled
                                             : StepState::error);
  changes.changed.push_back(key);
  if (!run.failed() && run.state != RunState::cancelled) {
    run.error = RunError{ key.step, key.branch, error };
    cancel_unstarted(run, now_ms, changes.changed);
  }
  execution.error = std::move(error);
  settle(run, now_ms);
}

Result<void>
check_trigger_values(const WorkflowStep& trigger, Outputs& values)
{
  std::vector<std::string_view> names;
  for (const auto& output : trigger.outputs) {
    names.push_back(output.name);
  }
  for (const auto& [name, value] : values) {
    if (std::ranges::find(names, name) != names.end()) {
      continue;
    }
    return fail(ErrorCode::invalid_argument,
                "trigger " + quote(trigger.id) + ": unknown output " +
                  quote(name) + did_you_mean(name, names));
  }
  // Every missing value at once, with what a run takes.
  std::vector<std::string> missing;
  std::string takes;
  for (const auto& output : trigger.outputs) {
    takes += (takes.empty() ? "" : ", ") + output.name + " (" +
             std::string(to_string(output.type)) +
             (output.optional ? ", optional)" : ")");
    if (!output.optional && !values.contains(output.name)) {
      missing.push_back(quote(output.name));
    }
  }
  if (!missing.empty()) {
    std::string names;
    for (std::size_t i = 0; i < missing.size(); ++i) {
      names += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") +
               missing[i];
    }
    return fail(ErrorCode::invalid_argument,
                "trigger " + quote(trigger.id) + ": output" +
                  (missing.size() == 1 ? " " : "s ") + names +
                  (missing.size() == 1 ? " is" : " are") +
                  " required; a run takes " + takes);
  }
  for (const auto& output : trigger.outputs) {
    const auto it = values.find(output.name);
    if (it == values.end() && output.optional) {
      values.emplace(output.name, std::monostate{});
      continue;
    }
    if (!value_fits(output, it->second)) {
      return fail(ErrorCode::invalid_argument,
                  "trigger " + quote(trigger.id) + ": output " +
                    quote(output.name) + " is " +
                    std::string(to_string(output.type)) + ", got " +
                    std::string(value_type_name(it->second)));
    }
    if (const auto* number = std::get_if<std::int64_t>(&it->second);
        number != nullptr && output.type == IoType::float_) {
      it->second = static_cast<double>(*number);
    }
  }
  // Password values are secrets from the start, however they were given.
  mark_secrets(values, trigger.outputs);
  return {};
}

// The origins of an execution written before origins were recorded: then
// fan-outs only nested, so the component at depth k comes from the step
// above it that fanned out in the branch of the first k components.
std::vector<std::string>
legacy_origins(const Run& run,
               const CompiledWorkflow& workflow,
               const StepKey& key)
{
  std::vector<std::string> origins;
  const auto step = workflow.index(key.step);
  if (!step) {
    return origins;
  }
  std::string prefix;
  std::string_view rest = key.branch;
  while (!rest.empty()) {
    std::string origin;
    for (Index above = 1; above < workflow.size(); ++above) {
      if (!workflow.is_ancestor(above, *step)) {
        continue;
      }
      const auto* execution = run.find(StepKey{ workflow.id(above), prefix });
      if (execution != nullptr && execution->fan_out) {
        origin = workflow.id(above);
        break;
      }
    }
    origins.push_back(std::move(origin));
    const auto component = take_component(rest);
    prefix += (prefix.empty() ? "" : ".") + std::string(component);
  }
  return origins;
}

} // namespace

Result<Run>
start(std::string id,
      const CompiledWorkflow& workflow,
      int version,
      Outputs trigger_values,
      std::int64_t now_ms)
{
  const auto& definition = workflow.definition();
  RYAX_TRY(check_trigger_values(definition.trigger, trigger_values));

  Run run;
  run.id = std::move(id);
  run.workflow_id = definition.id;
  run.workflow_version = version;
  run.created_ms = now_ms;
  StepRun trigger;
  trigger.state = StepState::done;
  trigger.output_sets.push_back(trigger_values);
  trigger.created_ms = now_ms;
  trigger.scheduled_ms = trigger.started_ms = trigger.finished_ms = now_ms;
  run.steps.emplace(StepKey{ definition.trigger.id, "" }, std::move(trigger));
  run.trigger_values = std::move(trigger_values);
  for (const auto& action : definition.actions) {
    StepRun execution;
    execution.created_ms = now_ms;
    run.steps.emplace(StepKey{ action.id, "" }, std::move(execution));
  }
  run.recount();
  settle(run, now_ms);
  return run;
}

void
restore(Run& run, const CompiledWorkflow& workflow)
{
  for (auto& [key, execution] : run.steps) {
    if (!key.branch.empty() && execution.origins.empty()) {
      execution.origins = legacy_origins(run, workflow, key);
    }
  }
  run.recount();
  run.crossed = false;
  for (const auto& [key, execution] : run.steps) {
    for (std::size_t k = 1; k < execution.origins.size(); ++k) {
      const auto before = workflow.index(execution.origins[k - 1]);
      const auto after = workflow.index(execution.origins[k]);
      if (!before || !after || !workflow.is_ancestor(*before, *after)) {
        run.crossed = true;
      }
    }
  }
}

std::vector<ReadyStep>
ready_steps(const Run& run, const CompiledWorkflow& workflow)
{
  if (!going(run) || run.count(StepState::waiting) == 0) {
    return {};
  }
  std::vector<std::pair<Index, const StepKey*>> ready;
  for (const auto& [key, execution] : run.steps) {
    if (execution.state == StepState::waiting
        && is_ready(run, workflow, key, execution)) {
      ready.emplace_back(workflow.index(key.step).value_or(workflow.size()),
                         &key);
    }
  }
  // The map orders by step id then branch: sort by step position, keeping
  // branch order within a step.
  std::ranges::stable_sort(
    ready, [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ReadyStep> keys;
  keys.reserve(ready.size());
  for (const auto& [position, key] : ready) {
    keys.push_back(*key);
  }
  return keys;
}

Result<void>
mark_scheduled(Run& run,
               const StepKey& key,
               Inputs inputs,
               std::string placement,
               std::int64_t now_ms)
{
  RYAX_TRY_ASSIGN(auto* execution, find_execution(run, key));
  if (!going(run) || execution->state != StepState::waiting) {
    return wrong_state(run, key, *execution, "schedule");
  }
  set_state(run, *execution, StepState::scheduled);
  execution->inputs = std::move(inputs);
  execution->placement = std::move(placement);
  execution->scheduled_ms = now_ms;
  return {};
}

Result<void>
mark_running(Run& run, const StepKey& key, std::int64_t now_ms)
{
  RYAX_TRY_ASSIGN(auto* execution, find_execution(run, key));
  if (is_final(run.state) || execution->state != StepState::scheduled) {
    return wrong_state(run, key, *execution, "start");
  }
  set_state(run, *execution, StepState::running);
  execution->started_ms = now_ms;
  if (run.state == RunState::pending) {
    run.state = RunState::running;
    run.started_ms = now_ms;
  }
  return {};
}

Result<RunChanges>
apply_result(Run& run,
             const CompiledWorkflow& workflow,
             const StepKey& key,
             StepOutcome outcome,
             std::int64_t now_ms)
{
  RYAX_TRY_ASSIGN(auto* execution, find_execution(run, key));
  RunChanges changes;
  if (auto* error = std::get_if<StepError>(&outcome)) {
    if (!can_transition(execution->state, StepState::error)) {
      return wrong_state(run, key, *execution, "fail");
    }
    apply_error(run, key, *execution, std::move(*error), now_ms, changes);
    return changes;
  }
  if (!can_transition(execution->state, StepState::done) ||
      execution->state != StepState::running) {
    return wrong_state(run, key, *execution, "complete");
  }
  const auto step = workflow.index(key.step);
  if (!step) {
    return fail(ErrorCode::not_found,
                "run " + quote(run.id) + ": " + describe(key) +
                  " is not in its workflow version");
  }
  auto* fan_out = std::get_if<FanOut>(&outcome);
  set_state(run, *execution, StepState::done);
  execution->finished_ms = now_ms;
  execution->fan_out = fan_out != nullptr;
  if (fan_out != nullptr) {
    execution->output_sets = std::move(fan_out->sets);
  } else {
    execution->output_sets = { std::move(std::get<Outputs>(outcome)) };
  }
  changes.changed.push_back(key);
  if (going(run)) {
    if (fan_out != nullptr) {
      split_descendants(run, workflow, *step, key,
                        execution->output_sets.size(), now_ms, changes);
    }
    collect_ready(run, workflow, *step, key, changes.ready);
  }
  settle(run, now_ms);
  return changes;
}

Result<Cancelled>
cancel(Run& run, std::int64_t now_ms)
{
  if (is_final(run.state)) {
    return fail(ErrorCode::failed_precondition,
                "run " + quote(run.id) + " is already " +
                  std::string(to_string(run.state)));
  }
  Cancelled cancelled;
  cancel_unstarted(run, now_ms, cancelled.changed);
  if (run.count(StepState::running) > 0) {
    for (const auto& [key, execution] : run.steps) {
      if (execution.state == StepState::running) {
        cancelled.running.push_back(key);
      }
    }
  }
  run.state = RunState::cancelled;
  run.finished_ms = now_ms;
  return cancelled;
}

namespace {

// Send `execution` (scheduled or running) back to waiting with attempt + 1
// when `rerun`, else cancel it; note it in `recovered`.
void
take_back(Run& run,
          const StepKey& key,
          StepRun& execution,
          bool rerun,
          std::int64_t now_ms,
          const std::string& why,
          Recovered& recovered)
{
  recovered.changed.push_back(key);
  if (rerun) {
    set_state(run, execution, StepState::waiting);
    execution.attempt += 1;
    execution.retried_because = why;
    execution.inputs.clear();
    execution.placement.clear();
    execution.scheduled_ms.reset();
    execution.started_ms.reset();
    recovered.requeued.push_back(key);
  } else {
    set_state(run, execution, StepState::cancelled);
    execution.finished_ms = now_ms;
    execution.error = StepError{ "cancelled", why, 0, "" };
  }
}

} // namespace

Recovered
recover(Run& run, std::int64_t now_ms)
{
  run.recount(); // a run read back from storage has no counts
  const bool rerun = going(run);
  Recovered recovered;
  for (auto& [key, execution] : run.steps) {
    if (execution.state != StepState::scheduled &&
        execution.state != StepState::running) {
      continue;
    }
    take_back(run, key, execution, rerun, now_ms,
              "the daemon stopped while the step was running", recovered);
  }
  settle(run, now_ms);
  return recovered;
}

Result<Recovered>
requeue_lost(Run& run,
             const StepKey& key,
             std::int64_t now_ms,
             const std::string& why)
{
  auto* execution = run.find(key);
  if (execution == nullptr) {
    return fail(ErrorCode::not_found,
                "run \"" + run.id + "\": no execution " + describe(key));
  }
  if (execution->state != StepState::scheduled
      && execution->state != StepState::running) {
    return fail(ErrorCode::failed_precondition,
                "run \"" + run.id + "\": " + describe(key) + " is "
                  + std::string(to_string(execution->state))
                  + ", not running");
  }
  Recovered recovered;
  take_back(run, key, *execution, going(run), now_ms,
            why, recovered);
  settle(run, now_ms);
  return recovered;
}

} // namespace ryax::domain
