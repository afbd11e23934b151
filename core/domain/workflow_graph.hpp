#pragma once

#include "core/domain/workflow.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::domain {

// One edge of a workflow's DAG: `to` runs after `from`.
struct WorkflowEdge
{
  enum class Kind
  {
    data, // `to` reads at least one output of `from`
    order // `to` lists `from` in `after`, or is an action with no other
          // upstream step, which the trigger precedes implicitly
  };

  std::string from;
  std::string to;
  Kind kind = Kind::data;

  bool operator==(const WorkflowEdge&) const = default;
};

// "data" or "order".
std::string_view to_string(WorkflowEdge::Kind kind);

// Every edge between known steps, one per (from, to) pair, sorted by `to`
// then `from` in step order (trigger first, then actions in file order).
// References and `after` entries naming unknown steps are left out
// (check_workflow_graph reports them).
std::vector<WorkflowEdge> workflow_edges(const WorkflowDefinition& workflow);

// The ids of the steps `step_id` directly runs after, in step order.
std::vector<std::string> upstream_steps(const WorkflowDefinition& workflow,
                                        std::string_view step_id);

// Every step `step_id` transitively runs after (through references, `after`
// and the implicit trigger edges), in step order; empty for the trigger or
// an unknown id.
std::vector<std::string> ancestors(const WorkflowDefinition& workflow,
                                   std::string_view step_id);

// A cycle of the graph as step ids in running order, its first id repeated
// at the end (["a", "b", "a"]), or nullopt when the graph is a DAG.
std::optional<std::vector<std::string>> find_cycle(
  const WorkflowDefinition& workflow);

// "a -> b -> a".
std::string format_cycle(const std::vector<std::string>& cycle);

// The step ids in an order where each step follows every step it runs
// after; among ready steps, file order (so the trigger comes first).
// failed_precondition naming the cycle when there is one.
Result<std::vector<std::string>> topological_order(
  const WorkflowDefinition& workflow);

// The problems of the graph that need no catalogue, each with the key path
// and position of the culprit from `workflow.source`: references and
// `after` entries naming unknown steps (with a near miss), references read
// by the trigger (it runs first), results naming unknown steps, and every
// cycle, named.
std::vector<Diagnostic> check_workflow_graph(
  const WorkflowDefinition& workflow);

} // namespace ryax::domain
