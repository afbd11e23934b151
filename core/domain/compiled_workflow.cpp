#include "core/domain/compiled_workflow.hpp"

#include "core/domain/workflow_graph.hpp"

#include <algorithm>

namespace ryax::domain {

CompiledWorkflow::CompiledWorkflow(WorkflowDefinition workflow)
  : m_workflow(std::move(workflow))
{
}

Result<std::shared_ptr<const CompiledWorkflow>>
CompiledWorkflow::compile(WorkflowDefinition workflow)
{
  RYAX_TRY_ASSIGN(const auto order, topological_order(workflow));
  std::shared_ptr<CompiledWorkflow> compiled(
    new CompiledWorkflow(std::move(workflow)));
  auto& c = *compiled;
  // A built-in trigger with fixed outputs ("time") has them in its
  // metadata, not in the file: runs type its values by them.
  auto& trigger = c.m_workflow.trigger;
  if (const auto builtin = builtin_trigger(trigger.from);
      builtin && !builtin->dynamic_outputs && trigger.outputs.empty()) {
    trigger.outputs = builtin->outputs;
  }
  c.m_steps.push_back(&c.m_workflow.trigger);
  for (const auto& action : c.m_workflow.actions) {
    c.m_steps.push_back(&action);
  }
  for (Index i = 0; i < c.m_steps.size(); ++i) {
    c.m_index.emplace(c.m_steps[i]->id, i);
  }
  const auto n = c.m_steps.size();
  c.m_upstream.resize(n);
  c.m_downstream.resize(n);
  for (const auto& edge : workflow_edges(c.m_workflow)) {
    const auto from = c.index(edge.from);
    const auto to = c.index(edge.to);
    if (from && to) {
      c.m_upstream[*to].push_back(*from);
      c.m_downstream[*from].push_back(*to);
    }
  }
  for (auto& list : c.m_upstream) {
    std::ranges::sort(list);
  }
  for (auto& list : c.m_downstream) {
    std::ranges::sort(list);
  }
  for (Index i = 1; i < n; ++i) {
    if (std::ranges::all_of(c.m_upstream[i],
                            [](Index up) { return up == 0; })) {
      c.m_roots.push_back(i);
    }
  }
  // Reachability, from the sinks up: a row is its children's rows and bits.
  c.m_words = (n + 63) / 64;
  c.m_below.assign(n * c.m_words, 0);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const auto i = *c.index(*it);
    auto* row = &c.m_below[i * c.m_words];
    for (const auto child : c.m_downstream[i]) {
      row[child / 64] |= std::uint64_t{ 1 } << (child % 64);
      const auto* below = &c.m_below[child * c.m_words];
      for (std::size_t w = 0; w < c.m_words; ++w) {
        row[w] |= below[w];
      }
    }
  }
  return std::shared_ptr<const CompiledWorkflow>(std::move(compiled));
}

std::optional<CompiledWorkflow::Index>
CompiledWorkflow::index(std::string_view id) const
{
  const auto it = m_index.find(id);
  if (it == m_index.end()) {
    return std::nullopt;
  }
  return it->second;
}

bool
CompiledWorkflow::is_ancestor(Index ancestor, Index step) const
{
  return (m_below[ancestor * m_words + step / 64] >> (step % 64)) & 1U;
}

std::vector<CompiledWorkflow::Index>
CompiledWorkflow::descendants(Index index) const
{
  std::vector<Index> found;
  for (Index j = 0; j < m_steps.size(); ++j) {
    if (is_ancestor(index, j)) {
      found.push_back(j);
    }
  }
  return found;
}

} // namespace ryax::domain
