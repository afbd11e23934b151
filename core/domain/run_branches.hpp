#pragma once

#include "core/domain/compiled_workflow.hpp"
#include "core/domain/run.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// How an execution sees the executions of the steps above it across fan-out
// branches (see run_progress.hpp): the shared lookups of the run rules and
// of input binding.
namespace ryax::domain {

// The execution of an upstream step as one execution sees it.
struct UpstreamExecution
{
  StepKey key;
  const StepRun* execution = nullptr;
  // The element of its output sets this execution gets: set when it
  // fanned out and the branch has a component from it.
  std::optional<std::size_t> element;
};

// The execution of step `upstream` seen by execution `key` (whose record is
// `execution`): the one in the projection of `key.branch` on the fan-outs
// above `upstream`, or nullopt when there is none (or when the branch does
// not match its origins).
std::optional<UpstreamExecution> upstream_execution(
  const Run& run,
  const CompiledWorkflow& workflow,
  CompiledWorkflow::Index upstream,
  const StepKey& key,
  const StepRun& execution);

// Whether execution `key` (waiting) may be scheduled: every upstream step
// has a done execution it sees, and one that fanned out gives it an element.
bool is_ready(const Run& run,
              const CompiledWorkflow& workflow,
              const StepKey& key,
              const StepRun& execution);

// The first component of `branch` ("2" of "2.0"), removed from it with its
// dot.
std::string_view take_component(std::string_view& branch);

} // namespace ryax::domain
