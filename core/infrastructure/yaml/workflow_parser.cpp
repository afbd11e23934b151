#include "core/infrastructure/yaml/workflow_parser.hpp"

#include "core/domain/workflow_graph.hpp"
#include "core/infrastructure/yaml/workflow_parser_impl.hpp"

#include <algorithm>
#include <map>

namespace ryax::infra::yaml {

namespace detail {

namespace {

constexpr std::string_view k_top_keys[] = { "apiVersion", "kind", "spec" };
constexpr std::string_view k_spec_keys[] = {
  "id",      "human_name", "description",        "trigger",
  "actions", "results",    "max_concurrent_runs"
};
constexpr std::string_view k_spec_required[] = { "id", "trigger" };
constexpr std::string_view k_result_keys[] = { "key", "value" };

} // namespace

const Entry*
find_entry(const std::map<std::string, Entry>& fields, std::string_view key)
{
  const auto it = fields.find(std::string(key));
  return it == fields.end() ? nullptr : &it->second;
}

WorkflowParser::WorkflowParser(const std::string& display_path,
                               std::size_t max_steps)
  : m_out(display_path)
  , m_max_steps(max_steps)
{
  m_workflow.source.file = display_path;
}

void
WorkflowParser::record(const std::string& path, const YAML::Mark& mark)
{
  if (mark.line >= 0) {
    m_workflow.source.positions.insert_or_assign(
      path, domain::SourcePosition{ mark.line + 1, mark.column + 1 });
  }
}

std::map<std::string, Entry>
WorkflowParser::entries(const YAML::Node& map,
                        const std::string& path,
                        std::span<const std::string_view> known,
                        const DiagnosticCollector::SpecialKey& special)
{
  auto fields = m_out.entries(map, path, known, special);
  const std::string prefix = path.empty() ? "" : path + ".";
  for (const auto& [name, entry] : fields) {
    // A nested block starts on the next line: point at its key instead.
    const bool nested = entry.value.IsMap() || entry.value.IsSequence();
    record(prefix + name, nested ? entry.key.Mark() : where(entry));
  }
  return fields;
}

void
WorkflowParser::require(const std::map<std::string, Entry>& fields,
                        const YAML::Node& node,
                        const std::string& path,
                        std::span<const std::string_view> keys)
{
  for (const auto key : keys) {
    if (!find_entry(fields, key)) {
      m_out.report(node.Mark(),
                   (path.empty() ? "" : path + ".") + std::string(key),
                   "missing required key " + quote(key));
    }
  }
}

domain::ParsedWorkflow
WorkflowParser::run(std::string_view text)
{
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    parse_top(root);
  } catch (const YAML::Exception& e) {
    // Syntax errors, and anything else yaml-cpp throws, with its position.
    m_out.report(e.mark,
                 "",
                 "invalid YAML: " +
                   (e.msg.empty() ? std::string(e.what()) : e.msg));
    m_have_spec = false;
  }
  domain::ParsedWorkflow result;
  auto diagnostics = m_out.take_sorted();
  if (m_have_spec) {
    check_step_ids();
    auto graph = domain::check_workflow_graph(m_workflow);
    diagnostics.insert(diagnostics.end(), graph.begin(), graph.end());
    const auto ids = m_out.take_sorted();
    diagnostics.insert(diagnostics.end(), ids.begin(), ids.end());
  }
  std::stable_sort(
    diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
  if (m_have_spec) {
    result.workflow = std::move(m_workflow);
  }
  result.diagnostics = std::move(diagnostics);
  return result;
}

void
WorkflowParser::parse_top(const YAML::Node& root)
{
  const YAML::Mark start{};
  if (!root.IsDefined() || root.IsNull()) {
    m_out.report(
      start, "", "the file is empty: expected apiVersion, kind and spec");
    return;
  }
  if (!root.IsMap()) {
    m_out.report(root.Mark(),
                 "",
                 "expected a mapping with apiVersion, kind and spec, got " +
                   describe(root));
    return;
  }
  const auto top = entries(root, "", k_top_keys);
  if (const auto* entry = find_entry(top, "apiVersion"); !entry) {
    m_out.report(start,
                 "apiVersion",
                 "missing required key \"apiVersion\" (expected " +
                   quote(domain::k_workflow_api_version) + ")");
  } else if (const auto version = m_out.read_string(*entry, "apiVersion");
             version && *version != domain::k_workflow_api_version) {
    m_out.report(where(*entry),
                 "apiVersion",
                 "unsupported apiVersion " + quote(*version) + ": expected " +
                   quote(domain::k_workflow_api_version));
  }
  if (const auto* entry = find_entry(top, "kind"); !entry) {
    m_out.report(
      start, "kind", "missing required key \"kind\" (expected \"Workflow\")");
  } else if (const auto kind = m_out.read_string(*entry, "kind");
             kind && *kind != domain::k_workflow_kind) {
    m_out.report(where(*entry),
                 "kind",
                 "unsupported kind " + quote(*kind) +
                   ": expected \"Workflow\" (actions are described by "
                   "ryax_metadata.yaml files)");
  }
  if (const auto* entry = find_entry(top, "spec"); !entry) {
    m_out.report(start, "spec", "missing required key \"spec\"");
  } else if (!entry->value.IsMap()) {
    m_out.report(where(*entry),
                 "spec",
                 "expected a mapping, got " + describe(entry->value));
  } else {
    m_have_spec = true;
    parse_spec(*entry);
  }
}

void
WorkflowParser::parse_spec(const Entry& spec_entry)
{
  const auto spec = entries(
    spec_entry.value,
    "spec",
    k_spec_keys,
    [](const std::string& name) -> std::optional<std::string> {
      if (name == "triggers") {
        return "a workflow has exactly one trigger: write \"trigger:\" with "
               "one mapping";
      }
      return std::nullopt;
    });
  require(spec, spec_entry.key, "spec", k_spec_required);
  if (const auto* entry = find_entry(spec, "id")) {
    if (auto id = m_out.read_string(*entry, "spec.id")) {
      if (!domain::is_valid_step_id(*id)) {
        m_out.report(where(*entry),
                     "spec.id",
                     "invalid workflow id " + quote(*id) +
                       ": expected 1 to 64 letters, digits, \"_\" or \"-\", "
                       "starting with a letter or \"_\"");
      }
      m_workflow.id = std::move(*id);
    }
  }
  using TextKind = DiagnosticCollector::TextKind;
  if (const auto* entry = find_entry(spec, "human_name")) {
    m_workflow.human_name =
      m_out.read_text(*entry, "spec.human_name", TextKind::name).value_or("");
  }
  if (const auto* entry = find_entry(spec, "description")) {
    m_workflow.description =
      m_out.read_text(*entry, "spec.description", TextKind::free_text)
        .value_or("");
  }
  if (const auto* entry = find_entry(spec, "trigger")) {
    if (entry->value.IsSequence()) {
      m_out.report(entry->key.Mark(),
                   "spec.trigger",
                   "a workflow has exactly one trigger: expected a mapping, "
                   "got a list");
    } else if (auto trigger = parse_step(entry->value, "spec.trigger", true)) {
      m_workflow.trigger = std::move(*trigger);
    }
  }
  if (const auto* entry = find_entry(spec, "actions")) {
    if (entry->value.IsSequence() && entry->value.size() >= m_max_steps) {
      m_out.report(entry->key.Mark(),
                   "spec.actions",
                   "too many steps: " + std::to_string(entry->value.size()) +
                     " actions and the trigger, more than the limit of " +
                     std::to_string(m_max_steps) +
                     " (max_workflow_steps of ryaxd.yaml)");
      m_have_spec = false;
    } else if (entry->value.IsSequence()) {
      for (std::size_t i = 0; i < entry->value.size(); ++i) {
        const auto path = "spec.actions[" + std::to_string(i) + "]";
        const YAML::Node node = entry->value[i];
        record(path, node.Mark());
        if (auto step = parse_step(node, path, false)) {
          m_workflow.actions.push_back(std::move(*step));
        } else {
          // Keep the indexes of later actions equal to their file position.
          m_workflow.actions.emplace_back();
        }
      }
    } else if (!entry->value.IsNull()) {
      m_out.report(where(*entry),
                   "spec.actions",
                   "expected a list of actions, got " + describe(entry->value));
    }
  }
  if (const auto* entry = find_entry(spec, "results")) {
    parse_results(*entry);
  }
  if (const auto* entry = find_entry(spec, "max_concurrent_runs")) {
    const auto value = resolve_scalar(entry->value);
    const auto* integer = value ? std::get_if<std::int64_t>(&*value) : nullptr;
    if (!integer || *integer < 1 || *integer > domain::k_max_concurrent_runs) {
      m_out.report(where(*entry),
                   "spec.max_concurrent_runs",
                   "expected an integer from 1 to " +
                     std::to_string(domain::k_max_concurrent_runs) +
                     ", got " + describe(entry->value));
    } else {
      m_workflow.max_concurrent_runs = static_cast<int>(*integer);
    }
  }
}

void
WorkflowParser::parse_results(const Entry& entry)
{
  if (entry.value.IsNull()) {
    return;
  }
  if (!entry.value.IsSequence()) {
    m_out.report(where(entry),
                 "spec.results",
                 "expected a list of {key, value}, got " +
                   describe(entry.value));
    return;
  }
  std::map<std::string, int> lines_by_key;
  for (std::size_t i = 0; i < entry.value.size(); ++i) {
    const YAML::Node node = entry.value[i];
    const auto path = "spec.results[" + std::to_string(i) + "]";
    record(path, node.Mark());
    if (!node.IsMap()) {
      m_out.report(node.Mark(),
                   path,
                   "expected a mapping with key and value, got " +
                     describe(node));
      continue;
    }
    const auto fields = entries(node, path, k_result_keys);
    require(fields, node, path, k_result_keys);
    domain::WorkflowResult result;
    if (const auto* key_entry = find_entry(fields, "key")) {
      if (auto key = m_out.read_string(*key_entry, path + ".key")) {
        if (!domain::is_valid_io_name(*key)) {
          m_out.report(where(*key_entry),
                       path + ".key",
                       "invalid result key " + quote(*key) +
                         ": expected 1 to 64 letters, digits or \"_\", not "
                         "starting with a digit");
        }
        const int line = where(*key_entry).line + 1;
        if (const auto [it, added] = lines_by_key.emplace(*key, line); !added) {
          m_out.report(where(*key_entry),
                       path + ".key",
                       "duplicate result key " + quote(*key) +
                         " (first at line " + std::to_string(it->second) + ")");
        }
        result.key = std::move(*key);
      }
    }
    const auto* value_entry = find_entry(fields, "value");
    if (!value_entry) {
      continue;
    }
    const auto text = value_entry->value.IsScalar()
                        ? std::optional(value_entry->value.Scalar())
                        : std::nullopt;
    const auto binding = text ? domain::parse_binding_text(*text)
                              : Result<domain::Binding>(domain::Scalar(""));
    const auto* ref =
      binding ? std::get_if<domain::OutputReference>(&*binding) : nullptr;
    if (!binding) {
      m_out.report(
        where(*value_entry), path + ".value", binding.error().message);
    } else if (!ref) {
      m_out.report(
        where(*value_entry),
        path + ".value",
        "a result is one step output: expected \"{{ step.output }}\", "
        "got " +
          describe(value_entry->value));
    } else {
      result.value = *ref;
      m_workflow.results.push_back(std::move(result));
    }
  }
}

void
WorkflowParser::check_step_ids()
{
  std::map<std::string, int> lines_by_id;
  const auto check = [&](const domain::WorkflowStep& step,
                         const std::string& path) {
    if (step.id.empty()) {
      return; // missing or unreadable: reported already
    }
    const auto field = path + ".id";
    const auto position = m_workflow.source.at(field);
    YAML::Mark mark;
    mark.line = position.line - 1;
    mark.column = position.column - 1;
    if (!domain::is_valid_step_id(step.id)) {
      m_out.report(mark,
                   field,
                   "invalid step id " + quote(step.id) +
                     ": expected 1 to 64 letters, digits, \"_\" or \"-\", "
                     "starting with a letter or \"_\"");
    } else if (domain::is_reserved_step_id(step.id)) {
      m_out.report(mark,
                   field,
                   "step id " + quote(step.id) +
                     " is reserved (references use \"vars\", \"run\", "
                     "\"workflow\" and \"secrets\" for other values)");
    }
    if (const auto [it, added] = lines_by_id.emplace(step.id, position.line);
        !added) {
      m_out.report(mark,
                   field,
                   "duplicate step id " + quote(step.id) + " (first at line " +
                     std::to_string(it->second) + ")");
    }
  };
  check(m_workflow.trigger, "spec.trigger");
  for (std::size_t i = 0; i < m_workflow.actions.size(); ++i) {
    check(m_workflow.actions[i], "spec.actions[" + std::to_string(i) + "]");
  }
}

} // namespace detail

ParsedWorkflow
parse_workflow(std::string_view text,
               const std::string& display_path,
               const YamlLimits& limits)
{
  if (auto problem = check_yaml_limits(text, limits)) {
    DiagnosticCollector out(display_path);
    out.report(problem->mark, "", std::move(problem->message));
    ParsedWorkflow refused;
    refused.diagnostics = out.take_sorted();
    return refused;
  }
  return detail::WorkflowParser(display_path, limits.max_workflow_steps)
    .run(text);
}

} // namespace ryax::infra::yaml
