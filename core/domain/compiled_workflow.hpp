#pragma once

#include "core/domain/error.hpp"
#include "core/domain/workflow.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::domain {

// A workflow version with its DAG computed once: what the run rules
// (run_progress.hpp, run_values.hpp) need on every transition, so that a
// transition costs what it touches and not the size of the workflow.
// Immutable once built; share it between the runs of a version.
class CompiledWorkflow
{
public:
  // Steps are numbered in file order: 0 is the trigger, 1..N the actions.
  using Index = std::size_t;

  // Compile `workflow`. failed_precondition naming the cycle when its steps
  // form one.
  static Result<std::shared_ptr<const CompiledWorkflow>> compile(
    WorkflowDefinition workflow);

  // The definition it was compiled from.
  const WorkflowDefinition& definition() const { return m_workflow; }

  // The number of steps, the trigger included.
  std::size_t size() const { return m_steps.size(); }

  // The index of step `id`, or nullopt.
  std::optional<Index> index(std::string_view id) const;

  // The step at `index` (< size()).
  const WorkflowStep& step(Index index) const { return *m_steps[index]; }

  // The id of the step at `index`.
  const std::string& id(Index index) const { return m_steps[index]->id; }

  // The steps `index` runs directly after, in step order.
  std::span<const Index> upstream(Index index) const
  {
    return m_upstream[index];
  }

  // The steps that run directly after `index`, in step order.
  std::span<const Index> downstream(Index index) const
  {
    return m_downstream[index];
  }

  // Whether `ancestor` runs before `step`, transitively (never itself).
  bool is_ancestor(Index ancestor, Index step) const;

  // Every step below `index`, transitively, in step order.
  std::vector<Index> descendants(Index index) const;

  // The actions that may start as soon as a run starts (every step they
  // run after is the trigger), in step order.
  std::span<const Index> roots() const { return m_roots; }

private:
  explicit CompiledWorkflow(WorkflowDefinition workflow);

  WorkflowDefinition m_workflow;
  std::vector<const WorkflowStep*> m_steps; // into m_workflow
  std::map<std::string, Index, std::less<>> m_index;
  std::vector<std::vector<Index>> m_upstream;
  std::vector<std::vector<Index>> m_downstream;
  std::vector<Index> m_roots;
  // Row i: bit j is set when step j is below step i (transitively).
  std::vector<std::uint64_t> m_below;
  std::size_t m_words = 0; // 64-bit words per row
};

} // namespace ryax::domain
