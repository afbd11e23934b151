#include "core/domain/workflow_graph.hpp"

#include "core/domain/suggest.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace ryax::domain {

namespace {

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

// An edge with where it was declared, to report cycles at their cause.
struct DeclaredEdge
{
  std::size_t from = 0;
  std::size_t to = 0;
  WorkflowEdge::Kind kind = WorkflowEdge::Kind::data;
  std::string path;    // key path of the first binding or `after` entry
  std::string culprit; // "{{ a.b }}" or the `after` id
};

// The steps (trigger first, then actions) and their edges between known
// steps. Adjacency follows step order, which makes every walk deterministic.
class Graph
{
public:
  explicit Graph(const WorkflowDefinition& workflow)
  {
    m_steps.push_back(&workflow.trigger);
    for (const auto& action : workflow.actions) {
      m_steps.push_back(&action);
    }
    for (std::size_t i = 0; i < m_steps.size(); ++i) {
      m_index.emplace(m_steps[i]->id, i); // duplicates: the first wins
    }
    // The trigger reads nothing: its references are reported, not followed.
    for (std::size_t to = 1; to < m_steps.size(); ++to) {
      add_edges_of("spec.actions[" + std::to_string(to - 1) + "]", to);
    }
    std::sort(m_edges.begin(), m_edges.end(), [](const auto& a, const auto& b) {
      return std::pair(a.to, a.from) < std::pair(b.to, b.from);
    });
    // Adjacency, in edge order (by `to`, then `from`): walks cost O(V + E).
    m_upstream.resize(m_steps.size());
    m_downstream.resize(m_steps.size());
    for (const auto& edge : m_edges) {
      m_upstream[edge.to].push_back(edge.from);
      m_downstream[edge.from].push_back(&edge);
    }
  }

  // m_downstream points into m_edges.
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  std::size_t
  size() const
  {
    return m_steps.size();
  }
  const std::string&
  id(std::size_t i) const
  {
    return m_steps[i]->id;
  }
  const std::vector<DeclaredEdge>&
  edges() const
  {
    return m_edges;
  }

  std::optional<std::size_t>
  index(std::string_view id) const
  {
    const auto it = m_index.find(std::string(id));
    return it == m_index.end() ? std::nullopt : std::optional(it->second);
  }

  const std::vector<std::size_t>&
  upstream(std::size_t to) const
  {
    return m_upstream[to];
  }

  const std::vector<const DeclaredEdge*>&
  downstream(std::size_t from) const
  {
    return m_downstream[from];
  }

  // Every back edge of a depth-first walk, with the cycle it closes.
  std::vector<std::pair<const DeclaredEdge*, std::vector<std::string>>>
  cycles() const
  {
    std::vector<std::pair<const DeclaredEdge*, std::vector<std::string>>> found;
    std::vector<int> state(size(), 0); // 0 new, 1 on the stack, 2 done
    std::vector<std::size_t> stack;
    const auto visit = [&](auto&& self, std::size_t node) -> void {
      state[node] = 1;
      stack.push_back(node);
      for (const auto* edge : downstream(node)) {
        if (state[edge->to] == 1) {
          const auto start =
            std::find(stack.begin(), stack.end(), edge->to) - stack.begin();
          std::vector<std::string> cycle;
          for (auto i = static_cast<std::size_t>(start); i < stack.size();
               ++i) {
            cycle.push_back(id(stack[i]));
          }
          cycle.push_back(id(edge->to));
          found.emplace_back(edge, std::move(cycle));
        } else if (state[edge->to] == 0) {
          self(self, edge->to);
        }
      }
      stack.pop_back();
      state[node] = 2;
    };
    for (std::size_t i = 0; i < size(); ++i) {
      if (state[i] == 0) {
        visit(visit, i);
      }
    }
    return found;
  }

private:
  void
  add_edge(std::size_t from,
           std::size_t to,
           WorkflowEdge::Kind kind,
           std::string path,
           std::string culprit)
  {
    // Edges into `to` are added together, from m_first_edge_of_to on.
    for (auto i = m_first_edge_of_to; i < m_edges.size(); ++i) {
      auto& edge = m_edges[i];
      if (edge.from == from && edge.to == to) {
        if (kind == WorkflowEdge::Kind::data &&
            edge.kind == WorkflowEdge::Kind::order) {
          edge = DeclaredEdge{ from, to, kind, path, culprit };
        }
        return;
      }
    }
    m_edges.push_back(
      DeclaredEdge{ from, to, kind, std::move(path), std::move(culprit) });
  }

  void
  add_edges_of(const std::string& step_path, std::size_t to)
  {
    m_first_edge_of_to = m_edges.size();
    const auto& step = *m_steps[to];
    bool has_upstream = false;
    for (const auto& [input, binding] : step.inputs_values) {
      for (const auto& ref : output_references(binding)) {
        if (const auto from = index(ref.step)) {
          add_edge(*from,
                   to,
                   WorkflowEdge::Kind::data,
                   step_path + ".inputs_values." + input,
                   reference_text(ref));
          has_upstream = true;
        }
      }
    }
    for (std::size_t i = 0; i < step.after.size(); ++i) {
      if (const auto from = index(step.after[i])) {
        add_edge(*from,
                 to,
                 WorkflowEdge::Kind::order,
                 step_path + ".after[" + std::to_string(i) + "]",
                 step.after[i]);
        has_upstream = true;
      }
    }
    if (!has_upstream) {
      add_edge(0, to, WorkflowEdge::Kind::order, step_path, "");
    }
  }

  std::vector<const WorkflowStep*> m_steps;
  std::map<std::string, std::size_t> m_index;
  std::vector<DeclaredEdge> m_edges;
  std::size_t m_first_edge_of_to = 0;
  std::vector<std::vector<std::size_t>> m_upstream;
  std::vector<std::vector<const DeclaredEdge*>> m_downstream;
};

Diagnostic
diagnostic_at(const WorkflowDefinition& workflow,
              const std::string& path,
              std::string message)
{
  const auto position = workflow.source.at(path);
  return Diagnostic{ workflow.source.file,
                     position.line,
                     position.column,
                     path,
                     std::move(message) };
}

std::string
unknown_step_message(const WorkflowDefinition& workflow,
                     std::string_view step,
                     const std::string& what)
{
  std::vector<std::string_view> ids{ workflow.trigger.id };
  for (const auto& action : workflow.actions) {
    ids.push_back(action.id);
  }
  return "unknown step " + quote(step) + what + did_you_mean(step, ids);
}

} // namespace

std::string_view
to_string(WorkflowEdge::Kind kind)
{
  return kind == WorkflowEdge::Kind::data ? "data" : "order";
}

std::vector<WorkflowEdge>
workflow_edges(const WorkflowDefinition& workflow)
{
  const Graph graph(workflow);
  std::vector<WorkflowEdge> edges;
  for (const auto& edge : graph.edges()) {
    edges.push_back(
      WorkflowEdge{ graph.id(edge.from), graph.id(edge.to), edge.kind });
  }
  return edges;
}

std::vector<std::string>
upstream_steps(const WorkflowDefinition& workflow, std::string_view step_id)
{
  const Graph graph(workflow);
  std::vector<std::string> result;
  if (const auto to = graph.index(step_id)) {
    for (const auto from : graph.upstream(*to)) {
      result.push_back(graph.id(from));
    }
  }
  return result;
}

std::vector<std::string>
ancestors(const WorkflowDefinition& workflow, std::string_view step_id)
{
  const Graph graph(workflow);
  const auto start = graph.index(step_id);
  if (!start) {
    return {};
  }
  std::vector<bool> seen(graph.size(), false);
  std::vector<std::size_t> pending{ *start };
  while (!pending.empty()) {
    const auto node = pending.back();
    pending.pop_back();
    for (const auto from : graph.upstream(node)) {
      if (!seen[from]) {
        seen[from] = true;
        pending.push_back(from);
      }
    }
  }
  std::vector<std::string> result;
  for (std::size_t i = 0; i < graph.size(); ++i) {
    if (seen[i] && i != *start) {
      result.push_back(graph.id(i));
    }
  }
  return result;
}

std::optional<std::vector<std::string>>
find_cycle(const WorkflowDefinition& workflow)
{
  auto cycles = Graph(workflow).cycles();
  if (cycles.empty()) {
    return std::nullopt;
  }
  return std::move(cycles.front().second);
}

std::string
format_cycle(const std::vector<std::string>& cycle)
{
  std::string text;
  for (const auto& id : cycle) {
    text += (text.empty() ? "" : " -> ") + id;
  }
  return text;
}

Result<std::vector<std::string>>
topological_order(const WorkflowDefinition& workflow)
{
  const Graph graph(workflow);
  if (const auto cycles = graph.cycles(); !cycles.empty()) {
    return fail(ErrorCode::failed_precondition,
                "workflow " + quote(workflow.id) +
                  " has a cycle: " + format_cycle(cycles.front().second));
  }
  std::vector<bool> done(graph.size(), false);
  std::vector<std::string> order;
  while (order.size() < graph.size()) {
    for (std::size_t i = 0; i < graph.size(); ++i) {
      const auto upstream = graph.upstream(i);
      if (!done[i] &&
          std::all_of(upstream.begin(), upstream.end(), [&](std::size_t from) {
            return done[from];
          })) {
        done[i] = true;
        order.push_back(graph.id(i));
        break;
      }
    }
  }
  return order;
}

std::vector<Diagnostic>
check_workflow_graph(const WorkflowDefinition& workflow)
{
  std::vector<Diagnostic> diagnostics;
  const auto check_step = [&](const WorkflowStep& step, bool is_trigger) {
    const auto path = workflow.step_path(step.id);
    for (const auto& [input, binding] : step.inputs_values) {
      const auto field = path + ".inputs_values." + input;
      for (const auto& ref : output_references(binding)) {
        if (is_trigger) {
          diagnostics.push_back(
            diagnostic_at(workflow,
                          field,
                          "the trigger runs first: it cannot read " +
                            quote(reference_text(ref)) +
                            " (static values and project "
                            "variables only)"));
        } else if (!workflow.find_step(ref.step)) {
          diagnostics.push_back(diagnostic_at(
            workflow,
            field,
            unknown_step_message(
              workflow, ref.step, " in " + quote(reference_text(ref)))));
        }
      }
    }
    for (std::size_t i = 0; i < step.after.size(); ++i) {
      if (!workflow.find_step(step.after[i])) {
        diagnostics.push_back(
          diagnostic_at(workflow,
                        path + ".after[" + std::to_string(i) + "]",
                        unknown_step_message(workflow, step.after[i], "")));
      }
    }
  };
  check_step(workflow.trigger, true);
  for (const auto& action : workflow.actions) {
    check_step(action, false);
  }
  for (std::size_t i = 0; i < workflow.results.size(); ++i) {
    const auto& ref = workflow.results[i].value;
    if (!workflow.find_step(ref.step)) {
      diagnostics.push_back(diagnostic_at(
        workflow,
        "spec.results[" + std::to_string(i) + "].value",
        unknown_step_message(
          workflow, ref.step, " in " + quote(reference_text(ref)))));
    }
  }

  const Graph graph(workflow);
  for (const auto& [edge, cycle] : graph.cycles()) {
    const auto& to = graph.id(edge->to);
    const auto& from = graph.id(edge->from);
    std::string why = edge->kind == WorkflowEdge::Kind::data
                        ? "step " + quote(to) + " reads " + quote(edge->culprit)
                        : "step " + quote(to) + " runs after " + quote(from);
    if (edge->from != edge->to) {
      why += " but " + quote(from) + " runs after " + quote(to);
    }
    diagnostics.push_back(diagnostic_at(workflow,
                                        edge->path,
                                        "the steps form a cycle " +
                                          format_cycle(cycle) + ": " + why));
  }
  std::stable_sort(
    diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
  return diagnostics;
}

} // namespace ryax::domain
