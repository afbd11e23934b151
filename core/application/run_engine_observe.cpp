// What the runner tells metrics and `ryax events` (RunEngine::observe*).

#include "core/application/event_bus.hpp"
#include "core/application/metrics.hpp"
#include "core/application/run_engine.hpp"
#include "core/application/run_engine_state.hpp"

#include <fmt/format.h>

namespace ryax::app {

namespace {

double
seconds_between(std::optional<std::int64_t> from,
                std::optional<std::int64_t> to)
{
  if (!from || !to || *to < *from) {
    return -1;
  }
  return static_cast<double>(*to - *from) / 1000.0;
}

} // namespace

void
RunEngine::observe(ActiveRun& active)
{
  const auto state = active.run ? active.run->state : domain::RunState::pending;
  if (state == active.reported) {
    return;
  }
  active.reported = state;
  const auto& workflow = active.definition->workflow_id;
  if (auto* recorder = metrics::recorder()) {
    recorder->run_state(active.project, workflow, state);
  }
  if (!domain::is_final(state)) {
    return;
  }
  const auto& run = *active.run;
  std::string message =
    fmt::format("run {} of {} {}", run.id, workflow, domain::to_string(state));
  if (run.error) {
    message += fmt::format(": {}", run.error->error.message);
  }
  events::publish("run.finished",
                  active.project,
                  run.id,
                  std::move(message),
                  { { "workflow", workflow },
                    { "state", std::string(domain::to_string(state)) } });
}

void
RunEngine::announce(ActiveRun& active)
{
  const auto state = active.run ? active.run->state : domain::RunState::pending;
  const auto& workflow = active.definition->workflow_id;
  if (auto* recorder = metrics::recorder()) {
    recorder->run_state(active.project, workflow, domain::RunState::pending);
  }
  active.reported = domain::RunState::pending;
  events::publish("run.started",
                  active.project,
                  active.id,
                  fmt::format("run {} of {} version {} started",
                              active.id,
                              workflow,
                              active.definition->version),
                  { { "workflow", workflow },
                    { "version", std::to_string(active.definition->version) },
                    { "state", std::string(domain::to_string(state)) } });
}

void
RunEngine::observe_step(ActiveRun& active,
                        const domain::StepKey& key,
                        std::string_view state)
{
  auto* recorder = metrics::recorder();
  if (recorder == nullptr || !active.run) {
    return;
  }
  const auto* step = active.run->find(key);
  const auto& definition = *active.definition;
  const auto index = definition.workflow->index(key.step);
  if (step == nullptr || !index || *index >= definition.plans.size()) {
    return;
  }
  const auto& plan = definition.plans[*index];
  metrics::StepSample sample;
  sample.project = active.project;
  sample.workflow = definition.workflow_id;
  sample.action = plan.spec ? std::string_view(plan.spec->action.metadata.id)
                            : std::string_view(key.step);
  sample.state = state;
  sample.queue_seconds = seconds_between(step->created_ms, step->started_ms);
  sample.run_seconds = seconds_between(step->started_ms, step->finished_ms);
  recorder->step_ended(sample);
}

std::map<std::pair<std::string, std::string>, int>
RunEngine::executions_by_state()
{
  std::map<std::pair<std::string, std::string>, int> counts;
  std::lock_guard lock(m_mutex);
  for (const auto& [id, active] : m_runs) {
    if (!active->run) {
      ++counts[{ active->project, "waiting" }];
      continue;
    }
    for (const auto& [key, step] : active->run->steps) {
      if (!domain::is_final(step.state)) {
        ++counts[{ active->project, std::string(domain::to_string(step.state)) }];
      }
    }
  }
  return counts;
}

} // namespace ryax::app
