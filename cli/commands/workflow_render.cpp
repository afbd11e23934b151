#include "cli/commands/workflow_render.hpp"

#include "cli/commands/common.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <sstream>
#include <vector>

namespace ryax::cli {

namespace {

std::vector<std::string>
lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// One line of an edit script: ' ' kept, '-' removed, '+' added.
struct Edit
{
  char op;
  std::size_t before; // index in `before` (for ' ' and '-')
  std::size_t after;  // index in `after` (for ' ' and '+')
};

// The edit script of a longest common subsequence (workflow files are
// small: quadratic is fine).
std::vector<Edit>
edit_script(const std::vector<std::string>& a,
            const std::vector<std::string>& b)
{
  const auto n = a.size();
  const auto m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1
                               : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<Edit> edits;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      edits.push_back({ ' ', i++, j++ });
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      edits.push_back({ '+', i, j++ });
    } else {
      edits.push_back({ '-', i++, j });
    }
  }
  return edits;
}

std::string
range(std::size_t start, std::size_t count)
{
  // Unified diff: an empty range names the line before it.
  return count == 1
           ? std::to_string(start + 1)
           : fmt::format("{},{}", count == 0 ? start : start + 1, count);
}

std::string
quoted(const std::string& text)
{
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

using output::array_field;
using output::text_field;

} // namespace

std::string
state_text(const v1::WorkflowStatus& s)
{
  if (s.state() == "deployed") {
    return fmt::format("deployed (version {})", s.deployed_version());
  }
  return s.state() == "error" ? "error: " + s.reason() : s.state();
}

void
print_workflow(std::ostream& out,
               const v1::Workflow& w,
               const nlohmann::json& d)
{
  const auto name = text_field(d, "human_name");
  std::vector<std::pair<std::string, std::string>> fields{
    { "id", text_field(d, "id", "-") },
    { "name", name.empty() ? "-" : name },
    { "version",
      fmt::format("{} (latest {})", w.version(), w.status().latest_version()) },
    { "pushed", format_time(w.created_at()) },
    { "state", state_text(w.status()) }
  };
  const auto endpoint = text_field(d, "http_endpoint");
  if (!endpoint.empty()) {
    fields.emplace_back("endpoint", endpoint);
  }
  const auto error = text_field(d, "trigger_error");
  if (d.value("timer_trigger", false) || d.value("source_trigger", false) ||
      !error.empty()) {
    fields.emplace_back("trigger", error.empty() ? "ok" : "stopped: " + error);
  }
  if (d.value("timer_trigger", false)) {
    fields.emplace_back(
      "skipped ticks",
      std::to_string(d.value("skipped_ticks", std::int64_t{ 0 })));
  }
  output::print_fields(out, fields);
  output::Table steps{ { "  STEP", "ROLE", "ACTION" }, {} };
  for (const auto& step : array_field(d, "steps")) {
    const auto resolved = text_field(step, "resolved_version");
    auto action = text_field(step, "action", "?") + ":" +
                  (resolved.empty() ? "?" : resolved);
    if (resolved.empty()) {
      action += " (not in the catalogue)";
    } else if (text_field(step, "version").empty() &&
               text_field(step, "role") == "action") {
      action += " (latest built)";
    }
    steps.rows.push_back({ "  " + text_field(step, "id", "?"),
                           text_field(step, "role", "-"),
                           action });
  }
  out << "\nsteps:\n";
  output::print_table(out, steps, false);
  // What `ryax run ID --input NAME=VALUE` takes: the trigger's outputs.
  for (const auto& step : array_field(d, "steps")) {
    if (text_field(step, "role") != "trigger"
        || array_field(step, "outputs").empty()) {
      continue;
    }
    output::Table inputs{ { "  INPUT", "TYPE", "REQUIRED", "HELP" }, {} };
    for (const auto& o : array_field(step, "outputs")) {
      inputs.rows.push_back({ "  " + text_field(o, "name", "?"),
                              text_field(o, "type", "?"),
                              o.value("optional", false) ? "no" : "yes",
                              text_field(o, "help", "-") });
    }
    out << "\ninputs (of trigger " << text_field(step, "id", "?") << "):\n";
    output::print_table(out, inputs, false);
  }
  out << "\nedges:\n";
  for (const auto& edge : array_field(d, "edges")) {
    out << fmt::format("  {} -> {}{}\n",
                       text_field(edge, "from", "?"),
                       text_field(edge, "to", "?"),
                       text_field(edge, "kind") == "order" ? " (order)" : "");
  }
  out << "\nbindings:\n";
  const auto& bindings = array_field(d, "bindings");
  if (bindings.empty()) {
    out << "  (none)\n";
  }
  for (const auto& b : bindings) {
    out << fmt::format("  {}.{} = {} ({})\n",
                       text_field(b, "step", "?"),
                       text_field(b, "input", "?"),
                       output::json_text(output::field(b, "value")),
                       text_field(b, "kind", "-"));
  }
  out << "\nresults:\n";
  const auto& results = array_field(d, "results");
  if (results.empty()) {
    out << "  (none)\n";
  }
  for (const auto& r : results) {
    out << fmt::format("  {} = {}\n",
                       text_field(r, "key", "?"),
                       output::json_text(output::field(r, "value")));
  }
  for (const auto& f : array_field(d, "files")) {
    const auto size = output::integer_field(f, "size");
    out << fmt::format("file: {} ({} bytes)\n",
                       text_field(f, "path", "?"),
                       size ? std::to_string(*size) : "?");
  }
}

std::string
unified_diff(const std::string& before,
             const std::string& after,
             const std::string& before_name,
             const std::string& after_name,
             int context)
{
  const auto a = lines_of(before);
  const auto b = lines_of(after);
  const auto edits = edit_script(a, b);
  const auto ctx = static_cast<std::size_t>(context);
  std::string out;
  std::size_t k = 0;
  while (k < edits.size()) {
    // The next change, and the hunk around it up to a gap of 2*ctx kept lines.
    while (k < edits.size() && edits[k].op == ' ') {
      ++k;
    }
    if (k == edits.size()) {
      break;
    }
    const std::size_t start = k >= ctx ? k - ctx : 0;
    std::size_t end = k;
    std::size_t kept = 0;
    for (std::size_t e = k; e < edits.size(); ++e) {
      if (edits[e].op == ' ') {
        if (++kept > 2 * ctx) {
          break;
        }
      } else {
        kept = 0;
        end = e;
      }
    }
    const std::size_t stop = std::min(edits.size(), end + 1 + ctx);
    std::size_t a_count = 0;
    std::size_t b_count = 0;
    std::string body;
    for (std::size_t e = start; e < stop; ++e) {
      const auto& edit = edits[e];
      if (edit.op != '+') {
        ++a_count;
      }
      if (edit.op != '-') {
        ++b_count;
      }
      body += edit.op;
      body += edit.op == '+' ? b[edit.after] : a[edit.before];
      body += '\n';
    }
    if (out.empty()) {
      out = fmt::format("--- {}\n+++ {}\n", before_name, after_name);
    }
    out += fmt::format("@@ -{} +{} @@\n",
                       range(edits[start].before, a_count),
                       range(edits[start].after, b_count));
    out += body;
    k = stop;
  }
  return out;
}

std::string
workflow_dot(const nlohmann::json& document)
{
  std::string out =
    fmt::format("digraph {} {{\n  rankdir=LR;\n  node [shape=box];\n",
                quoted(text_field(document, "id")));
  for (const auto& step : array_field(document, "steps")) {
    const auto id = text_field(step, "id", "?");
    // Two lines: the DOT escape "\n" joins the quoted parts.
    auto label = quoted(id);
    label.pop_back();
    label += "\\n" + quoted(text_field(step, "action", "?")).substr(1);
    out += fmt::format("  {} [label={}{}];\n",
                       quoted(id),
                       label,
                       text_field(step, "role") == "trigger" ? ", shape=ellipse"
                                                             : "");
  }
  for (const auto& edge : array_field(document, "edges")) {
    out +=
      fmt::format("  {} -> {}{};\n",
                  quoted(text_field(edge, "from", "?")),
                  quoted(text_field(edge, "to", "?")),
                  text_field(edge, "kind") == "order" ? " [style=dashed]" : "");
  }
  return out + "}\n";
}

std::string
workflow_mermaid(const nlohmann::json& document)
{
  std::string out = "flowchart LR\n";
  for (const auto& step : array_field(document, "steps")) {
    const auto id = text_field(step, "id", "?");
    const auto label = id + " (" + text_field(step, "action", "?") + ")";
    out += text_field(step, "role") == "trigger"
             ? fmt::format("  {}([\"{}\"])\n", id, label)
             : fmt::format("  {}[\"{}\"]\n", id, label);
  }
  for (const auto& edge : array_field(document, "edges")) {
    out += fmt::format("  {} {} {}\n",
                       text_field(edge, "from", "?"),
                       text_field(edge, "kind") == "order" ? "-.->" : "-->",
                       text_field(edge, "to", "?"));
  }
  return out;
}

} // namespace ryax::cli
