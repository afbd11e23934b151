#pragma once

// The engine's record of a run in memory, shared by run_engine.cpp and
// run_engine_steps.cpp. Internal to RunEngine.

#include "core/application/run_engine.hpp"

#include <algorithm>

namespace ryax::app {

struct RunEngine::ActiveRun
{
  std::uint64_t handle = 0;
  std::string id;
  std::shared_ptr<const RunDefinition> definition;
  // The definition's binding plus the project variables the run read at
  // its start; null when it reads none (the definition's is used).
  std::shared_ptr<const domain::BindingContext> binding;
  int priority = 0;
  std::string project; // the run's (StoredRun::project)
  std::int64_t created_ms = 0;
  // The run; null while it is dormant (accepted, nothing placed yet: it is
  // domain::start of its trigger values again).
  std::unique_ptr<domain::Run> run;
  domain::Outputs trigger_values; // while dormant
  // The write that creates it, until collected.
  std::unique_ptr<RunWrite> creation;
  // What the journal must write.
  bool queued_dirty = false; // in m_dirty
  std::vector<domain::StepKey> dirty_steps;
  std::vector<domain::StepKey> removed_steps;
  std::uint64_t last_change = 0; // journal number of its newest change
  std::uint64_t generation = 1;  // for watchers
  // The state metrics and events were last told of (observe()).
  domain::RunState reported = domain::RunState::pending;
  // Placed or running executions, to cancel them.
  std::vector<std::pair<domain::StepKey, std::shared_ptr<RunningExecution>>>
    running;
};

// What the inputs of `active` are bound with.
inline const domain::BindingContext&
binding_of(const RunEngine::ActiveRun& active)
{
  return active.binding ? *active.binding : active.definition->binding;
}

// The binding of a run of `definition` that read `variables` (null for
// none).
inline std::shared_ptr<const domain::BindingContext>
binding_with(const RunDefinition& definition, domain::Values variables)
{
  if (variables.empty()) {
    return nullptr;
  }
  auto binding = std::make_shared<domain::BindingContext>(definition.binding);
  binding->variables = std::move(variables);
  return binding;
}

// What the journal writes for `active`, its dirty marks cleared.
inline RunWrite
write_of(RunEngine::ActiveRun& active)
{
  RunWrite write;
  if (active.creation) {
    write = std::move(*active.creation);
    active.creation.reset();
    if (active.run) {
      // Changed before its creation was written: write it whole as it is.
      write.header = header_of(*active.run);
      write.steps.clear();
      for (const auto& [key, step] : active.run->steps) {
        write.steps.emplace_back(key, step);
      }
    }
    active.dirty_steps.clear();
    active.removed_steps.clear();
    return write;
  }
  if (!active.run) {
    return write; // dormant and written: nothing to say (never happens)
  }
  const auto& run = *active.run;
  write.header = header_of(run);
  auto& dirty = active.dirty_steps;
  std::sort(dirty.begin(), dirty.end());
  dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
  for (const auto& key : dirty) {
    if (const auto* step = run.find(key)) {
      write.steps.emplace_back(key, *step);
    }
  }
  for (const auto& key : active.removed_steps) {
    if (run.find(key) == nullptr) {
      write.removed.push_back(key);
    }
  }
  dirty.clear();
  active.removed_steps.clear();
  return write;
}

} // namespace ryax::app
