#include "core/domain/run_progress.hpp"

#include "core/domain/workflow_graph.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <span>

namespace ryax::domain {

namespace {

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

// The DAG of a workflow, computed once per call: workflow_edges rebuilds
// the whole graph each time, and upstream_steps per step would make a
// long chain quadratic in its edges for every step.
class StepGraph
{
public:
  explicit StepGraph(const WorkflowDefinition& workflow)
  {
    m_position.emplace(workflow.trigger.id, 0);
    for (std::size_t i = 0; i < workflow.actions.size(); ++i) {
      m_position.emplace(workflow.actions[i].id, i + 1);
    }
    for (auto& edge : workflow_edges(workflow)) {
      m_upstream[edge.to].push_back(edge.from);
      m_downstream[edge.from].push_back(edge.to);
    }
  }

  // The position of `step` in the file (the trigger first).
  std::size_t
  position(const std::string& step) const
  {
    const auto it = m_position.find(step);
    return it == m_position.end() ? m_position.size() : it->second;
  }

  std::span<const std::string>
  upstream(const std::string& step) const
  {
    const auto it = m_upstream.find(step);
    return it == m_upstream.end() ? std::span<const std::string>()
                                  : std::span(it->second);
  }

  // Every step below `step`, transitively.
  std::set<std::string>
  descendants(const std::string& step) const
  {
    std::set<std::string> found;
    std::vector<std::string> todo{ step };
    while (!todo.empty()) {
      const auto current = std::move(todo.back());
      todo.pop_back();
      const auto it = m_downstream.find(current);
      if (it == m_downstream.end()) {
        continue;
      }
      for (const auto& next : it->second) {
        if (found.insert(next).second) {
          todo.push_back(next);
        }
      }
    }
    return found;
  }

private:
  std::map<std::string, std::size_t> m_position;
  std::map<std::string, std::vector<std::string>> m_upstream;
  std::map<std::string, std::vector<std::string>> m_downstream;
};

// The executions of `step`, in branch order.
auto
executions_of(Run& run, const std::string& step)
{
  auto first = run.steps.lower_bound(StepKey{ step, "" });
  auto last = first;
  while (last != run.steps.end() && last->first.step == step) {
    ++last;
  }
  return std::pair(first, last);
}

// Whether the run may still start steps.
bool
going(const Run& run)
{
  return !is_final(run.state) && !run.failed();
}

void
cancel_unstarted(Run& run, std::int64_t now_ms)
{
  for (auto& [key, execution] : run.steps) {
    if (execution.state == StepState::waiting ||
        execution.state == StepState::scheduled) {
      execution.state = StepState::cancelled;
      execution.finished_ms = now_ms;
    }
  }
}

// Move the run to its final state when nothing is left to run.
void
settle(Run& run, std::int64_t now_ms)
{
  if (is_final(run.state)) {
    return;
  }
  bool all_done = true;
  for (const auto& [key, execution] : run.steps) {
    if (execution.state == StepState::scheduled ||
        execution.state == StepState::running) {
      return;
    }
    all_done = all_done && execution.state == StepState::done;
  }
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

// The message when `key`'s fan-out would meet another fan-out downstream,
// or nullopt when its descendants can be split.
std::optional<std::string>
fan_out_conflict(Run& run, const StepGraph& graph, const StepKey& key)
{
  for (const auto& descendant : graph.descendants(key.step)) {
    const auto [first, last] = executions_of(run, descendant);
    for (auto it = first; it != last; ++it) {
      const auto& branch = it->first.branch;
      if (branch != key.branch && is_branch_prefix(key.branch, branch)) {
        return describe(key) + " returned a list, but step " +
               quote(descendant) + " below it already runs once per " +
               "element of another list (branch " + quote(branch) +
               "): two fan-outs side by side that meet downstream are not " +
               "supported";
      }
    }
  }
  return std::nullopt;
}

// Replace each waiting execution of a descendant of `key` in its branch by
// one execution per element of the fan-out.
void
split_descendants(Run& run,
                  const StepGraph& graph,
                  const StepKey& key,
                  std::size_t elements,
                  std::int64_t now_ms)
{
  for (const auto& descendant : graph.descendants(key.step)) {
    const auto it = run.steps.find(StepKey{ descendant, key.branch });
    if (it == run.steps.end() || it->second.state != StepState::waiting) {
      continue;
    }
    run.steps.erase(it);
    for (std::size_t i = 0; i < elements; ++i) {
      StepRun execution;
      execution.created_ms = now_ms;
      run.steps.emplace(StepKey{ descendant, child_branch(key.branch, i) },
                        std::move(execution));
    }
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
            std::int64_t now_ms)
{
  execution.finished_ms = now_ms;
  execution.state =
    run.state == RunState::cancelled ? StepState::cancelled : StepState::error;
  if (!run.failed() && run.state != RunState::cancelled) {
    run.error = RunError{ key.step, key.branch, error };
    cancel_unstarted(run, now_ms);
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
    auto message =
      "trigger " + quote(trigger.id) + ": unknown output " + quote(name);
    if (const auto near = closest_match(name, names)) {
      message += " (did you mean " + quote(*near) + "?)";
    }
    return fail(ErrorCode::invalid_argument, std::move(message));
  }
  for (const auto& output : trigger.outputs) {
    const auto it = values.find(output.name);
    if (it == values.end() && output.optional) {
      values.emplace(output.name, std::monostate{});
      continue;
    }
    if (it == values.end()) {
      return fail(ErrorCode::invalid_argument,
                  "trigger " + quote(trigger.id) + ": output " +
                    quote(output.name) + " is required");
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
  return {};
}

} // namespace

Result<Run>
start(std::string id,
      const WorkflowDefinition& workflow,
      int version,
      Outputs trigger_values,
      std::int64_t now_ms)
{
  RYAX_TRY(topological_order(workflow));
  RYAX_TRY(check_trigger_values(workflow.trigger, trigger_values));

  Run run;
  run.id = std::move(id);
  run.workflow_id = workflow.id;
  run.workflow_version = version;
  run.created_ms = now_ms;
  StepRun trigger;
  trigger.state = StepState::done;
  trigger.output_sets.push_back(trigger_values);
  trigger.created_ms = now_ms;
  trigger.scheduled_ms = trigger.started_ms = trigger.finished_ms = now_ms;
  run.steps.emplace(StepKey{ workflow.trigger.id, "" }, std::move(trigger));
  run.trigger_values = std::move(trigger_values);
  for (const auto& action : workflow.actions) {
    StepRun execution;
    execution.created_ms = now_ms;
    run.steps.emplace(StepKey{ action.id, "" }, std::move(execution));
  }
  settle(run, now_ms);
  return run;
}

std::vector<ReadyStep>
ready_steps(const Run& run, const WorkflowDefinition& workflow)
{
  if (!going(run)) {
    return {};
  }
  const StepGraph graph(workflow);
  std::vector<ReadyStep> ready;
  for (const auto& [key, execution] : run.steps) {
    if (execution.state != StepState::waiting) {
      continue;
    }
    const auto upstream = graph.upstream(key.step);
    const bool can_start =
      std::ranges::all_of(upstream, [&](const std::string& step) {
        const auto visible = run.find_visible(step, key.branch);
        // A fan-out step's own branch was split: its descendants there are
        // gone, so a match in the same branch is never an element's.
        return visible && visible->second->state == StepState::done &&
               !(visible->second->fan_out &&
                 visible->first.branch == key.branch);
      });
    if (can_start) {
      ready.push_back(key);
    }
  }
  std::ranges::stable_sort(ready, [&](const StepKey& a, const StepKey& b) {
    const auto pa = graph.position(a.step);
    const auto pb = graph.position(b.step);
    return pa != pb ? pa < pb : branch_less(a.branch, b.branch);
  });
  return ready;
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
  execution->state = StepState::scheduled;
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
  execution->state = StepState::running;
  execution->started_ms = now_ms;
  if (run.state == RunState::pending) {
    run.state = RunState::running;
    run.started_ms = now_ms;
  }
  return {};
}

Result<void>
apply_result(Run& run,
             const WorkflowDefinition& workflow,
             const StepKey& key,
             StepOutcome outcome,
             std::int64_t now_ms)
{
  RYAX_TRY_ASSIGN(auto* execution, find_execution(run, key));
  if (auto* error = std::get_if<StepError>(&outcome)) {
    if (!can_transition(execution->state, StepState::error)) {
      return wrong_state(run, key, *execution, "fail");
    }
    apply_error(run, key, *execution, std::move(*error), now_ms);
    return {};
  }
  if (!can_transition(execution->state, StepState::done) ||
      execution->state != StepState::running) {
    return wrong_state(run, key, *execution, "complete");
  }

  auto* fan_out = std::get_if<FanOut>(&outcome);
  const bool split = fan_out != nullptr && going(run);
  std::optional<StepGraph> graph;
  if (split) {
    graph.emplace(workflow);
    if (auto conflict = fan_out_conflict(run, *graph, key)) {
      apply_error(run,
                  key,
                  *execution,
                  StepError{ "invalid_output", std::move(*conflict), 0, "" },
                  now_ms);
      return {};
    }
  }
  execution->state = StepState::done;
  execution->finished_ms = now_ms;
  execution->fan_out = fan_out != nullptr;
  if (fan_out != nullptr) {
    execution->output_sets = std::move(fan_out->sets);
  } else {
    execution->output_sets = { std::move(std::get<Outputs>(outcome)) };
  }
  if (split) {
    split_descendants(run, *graph, key, execution->output_sets.size(), now_ms);
  }
  settle(run, now_ms);
  return {};
}

Result<std::vector<StepKey>>
cancel(Run& run, std::int64_t now_ms)
{
  if (is_final(run.state)) {
    return fail(ErrorCode::failed_precondition,
                "run " + quote(run.id) + " is already " +
                  std::string(to_string(run.state)));
  }
  cancel_unstarted(run, now_ms);
  std::vector<StepKey> running;
  for (const auto& [key, execution] : run.steps) {
    if (execution.state == StepState::running) {
      running.push_back(key);
    }
  }
  run.state = RunState::cancelled;
  run.finished_ms = now_ms;
  return running;
}

std::vector<StepKey>
recover(Run& run, std::int64_t now_ms)
{
  const bool rerun = going(run);
  std::vector<StepKey> requeued;
  for (auto& [key, execution] : run.steps) {
    if (execution.state != StepState::scheduled &&
        execution.state != StepState::running) {
      continue;
    }
    if (rerun) {
      execution.state = StepState::waiting;
      execution.attempt += 1;
      execution.inputs.clear();
      execution.placement.clear();
      execution.scheduled_ms.reset();
      execution.started_ms.reset();
      requeued.push_back(key);
    } else {
      execution.state = StepState::cancelled;
      execution.finished_ms = now_ms;
      execution.error = StepError{
        "cancelled", "the daemon stopped while the step was running", 0, ""
      };
    }
  }
  settle(run, now_ms);
  return requeued;
}

} // namespace ryax::domain
