#include "core/domain/run_branches.hpp"

#include <charconv>

namespace ryax::domain {

std::string_view
take_component(std::string_view& branch)
{
  const auto dot = branch.find('.');
  const auto part = branch.substr(0, dot);
  branch.remove_prefix(dot == std::string_view::npos ? branch.size()
                                                     : dot + 1);
  return part;
}

std::optional<UpstreamExecution>
upstream_execution(const Run& run,
                   const CompiledWorkflow& workflow,
                   CompiledWorkflow::Index upstream,
                   const StepKey& key,
                   const StepRun& execution)
{
  UpstreamExecution found;
  found.key.step = workflow.id(upstream);
  std::string_view rest = key.branch;
  for (std::size_t k = 0; !rest.empty(); ++k) {
    const auto component = take_component(rest);
    if (k >= execution.origins.size()) {
      return std::nullopt;
    }
    const auto origin = workflow.index(execution.origins[k]);
    if (!origin) {
      return std::nullopt;
    }
    if (*origin == upstream) {
      std::size_t element = 0;
      const auto [end, error] = std::from_chars(
        component.data(), component.data() + component.size(), element);
      if (error != std::errc() || end != component.data() + component.size()) {
        return std::nullopt;
      }
      found.element = element;
    } else if (workflow.is_ancestor(*origin, upstream)) {
      if (!found.key.branch.empty()) {
        found.key.branch += '.';
      }
      found.key.branch.append(component);
    }
  }
  found.execution = run.find(found.key);
  if (found.execution == nullptr) {
    return std::nullopt;
  }
  return found;
}

bool
is_ready(const Run& run,
         const CompiledWorkflow& workflow,
         const StepKey& key,
         const StepRun& execution)
{
  const auto index = workflow.index(key.step);
  if (!index) {
    return false;
  }
  for (const auto up : workflow.upstream(*index)) {
    const auto seen = upstream_execution(run, workflow, up, key, execution);
    if (!seen || seen->execution->state != StepState::done
        || seen->execution->fan_out != seen->element.has_value()) {
      return false;
    }
  }
  return true;
}

} // namespace ryax::domain
