#include "core/application/runtime_spec.hpp"

namespace ryax::app {

RuntimeSpec
runtime_spec(const std::string& workflow_id,
             const domain::WorkflowStep& step,
             domain::ActionVersion action)
{
  RuntimeSpec spec;
  spec.workflow_id = workflow_id;
  spec.step_id = step.id;
  spec.action = std::move(action);
  const auto& limits = spec.action.metadata.resources;
  spec.time_limit_seconds =
    step.resources.time_seconds.value_or(limits.time_seconds.value_or(0));
  spec.memory_limit_bytes =
    step.resources.memory_bytes.value_or(limits.memory_bytes.value_or(0));
  spec.cpu = step.resources.cpu.value_or(limits.cpu.value_or(0));
  spec.gpu = step.resources.gpu.value_or(limits.gpu.value_or(0));
  spec.hpc = step.hpc;
  spec.max_replicas = static_cast<int>(step.deployment.max_replicas.value_or(1));
  spec.idle_timeout =
    std::chrono::seconds(step.deployment.idle_timeout_seconds.value_or(300));
  return spec;
}

} // namespace ryax::app
