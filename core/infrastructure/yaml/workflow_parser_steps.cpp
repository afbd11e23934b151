// The steps of a workflow file: ids, actions, bindings, outputs, scheduling.

#include "core/infrastructure/yaml/workflow_parser_impl.hpp"

#include "core/domain/http_trigger.hpp"
#include "core/domain/suggest.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace ryax::infra::yaml::detail {

namespace {

constexpr std::string_view k_trigger_keys[] = { "id",          "from",
                                                "version",     "inputs_values",
                                                "outputs",     "resources",
                                                "constraints", "objectives" };
constexpr std::string_view k_action_keys[] = {
  "id",        "from",        "version",    "inputs_values", "after",
  "resources", "constraints", "objectives", "deployment", "addons"
};
constexpr std::string_view k_step_required[] = { "id", "from" };
constexpr std::string_view k_output_keys[] = {
  "name", "type", "human_name", "help", "optional", "enum_values", "origin"
};
constexpr std::string_view k_output_required[] = { "name", "type" };
constexpr std::string_view k_constraint_keys[] = { "site",
                                                   "node_pool",
                                                   "site_type",
                                                   "arch" };
constexpr std::string_view k_objective_keys[] = { "cost",
                                                  "energy",
                                                  "performance" };
constexpr std::string_view k_deployment_keys[] = { "idle_timeout",
                                                   "max_replicas",
                                                   "warm" };
constexpr std::string_view k_literal_key = "literal";

const std::string k_binding_forms =
  "expected a static value, a reference \"{{ step.output }}\", a project "
  "variable \"{{ vars.NAME }}\", a static file \"@path\" or {literal: \"...\"}";

std::optional<std::string>
special_step_key(const std::string& name, bool is_trigger)
{
  if (is_trigger && name == "after") {
    return "the trigger runs first: it has no \"after\"";
  }
  if (is_trigger && name == "deployment") {
    return "\"deployment\" applies to actions only";
  }
  if (is_trigger && name == "addons") {
    return "\"addons\" applies to actions only (a trigger never runs on "
           "an HPC site)";
  }
  if (!is_trigger && name == "outputs") {
    return "only the trigger declares outputs (an action's outputs come from "
           "its ryax_metadata.yaml)";
  }
  return std::nullopt;
}

} // namespace

std::optional<domain::WorkflowStep>
WorkflowParser::parse_step(const YAML::Node& node,
                           const std::string& path,
                           bool is_trigger)
{
  if (!node.IsMap()) {
    m_out.report(node.Mark(),
                 path,
                 "expected a mapping with id and from, got " + describe(node));
    return std::nullopt;
  }
  const auto known = is_trigger
                       ? std::span<const std::string_view>(k_trigger_keys)
                       : std::span<const std::string_view>(k_action_keys);
  const auto fields =
    entries(node, path, known, [is_trigger](const std::string& name) {
      return special_step_key(name, is_trigger);
    });
  require(fields, node, path, k_step_required);
  domain::WorkflowStep step;
  if (const auto* entry = find_entry(fields, "id")) {
    step.id = m_out.read_string(*entry, path + ".id").value_or("");
  }
  if (const auto* entry = find_entry(fields, "from")) {
    step.from = m_out.read_string(*entry, path + ".from").value_or("");
  }
  if (const auto* entry = find_entry(fields, "version")) {
    step.version =
      m_out.read_string(*entry, path + ".version", true).value_or("");
  }
  if (const auto* entry = find_entry(fields, "inputs_values")) {
    parse_inputs_values(*entry, path + ".inputs_values", step);
  }
  if (const auto* entry = find_entry(fields, "outputs")) {
    step.outputs = parse_outputs(*entry, path + ".outputs");
  }
  if (const auto* entry = find_entry(fields, "after")) {
    step.after = parse_after(*entry, path + ".after");
  }
  if (const auto* entry = find_entry(fields, "resources")) {
    step.resources = m_out.read_resources(*entry, path + ".resources");
  }
  if (const auto* entry = find_entry(fields, "constraints")) {
    parse_constraints(*entry, path + ".constraints", step.constraints);
  }
  if (const auto* entry = find_entry(fields, "objectives")) {
    parse_objectives(*entry, path + ".objectives", step.objectives);
  }
  if (const auto* entry = find_entry(fields, "deployment")) {
    parse_deployment(*entry, path + ".deployment", step.deployment);
  }
  if (const auto* entry = find_entry(fields, "addons")) {
    parse_addons(*entry, path + ".addons", step.hpc);
  }
  return step;
}

void
WorkflowParser::parse_inputs_values(const Entry& entry,
                                    const std::string& field,
                                    domain::WorkflowStep& step)
{
  if (entry.value.IsNull()) {
    return;
  }
  if (!entry.value.IsMap()) {
    m_out.report(where(entry),
                 field,
                 "expected a mapping of input name to value, got " +
                   describe(entry.value));
    return;
  }
  std::map<std::string, int> lines_by_name;
  for (const auto& pair : entry.value) {
    const Entry input{ pair.first, pair.second };
    if (!input.key.IsScalar()) {
      m_out.report(input.key.Mark(),
                   field,
                   "input names must be strings, got " + describe(input.key));
      continue;
    }
    const auto name = input.key.Scalar();
    const auto input_field = field + "." + name;
    const int line = input.key.Mark().line + 1;
    if (const auto [it, added] = lines_by_name.emplace(name, line); !added) {
      m_out.report(input.key.Mark(),
                   input_field,
                   "duplicate input " + quote(name) + " (first at line " +
                     std::to_string(it->second) + ")");
      continue;
    }
    record(input_field, where(input));
    step.inputs_values.emplace(name, parse_binding(input, input_field));
  }
}

domain::Binding
WorkflowParser::parse_binding(const Entry& entry, const std::string& field)
{
  const auto& value = entry.value;
  if (value.IsNull()) {
    m_out.report(where(entry),
                 field,
                 "no value: " + k_binding_forms +
                   " (remove the key to leave the input unbound)");
    return domain::Scalar(std::string());
  }
  if (value.IsMap()) {
    if (value.size() == 1 && value.begin()->first.IsScalar() &&
        value.begin()->first.Scalar() == k_literal_key) {
      const YAML::Node text = value.begin()->second;
      if (text.IsScalar()) {
        return domain::Scalar(text.Scalar());
      }
      m_out.report(value.Mark(),
                   field + ".literal",
                   "expected the literal text, got " + describe(text));
      return domain::Scalar(std::string());
    }
    const bool unquoted_reference =
      value.size() == 1 && value.begin()->first.IsMap();
    m_out.report(value.Mark(),
                 field,
                 unquoted_reference
                   ? "a reference must be quoted: write \"{{ step.output }}\""
                   : k_binding_forms + ", got a mapping");
    return domain::Scalar(std::string());
  }
  const auto scalar = resolve_scalar(value);
  if (!scalar) {
    m_out.report(
      where(entry), field, k_binding_forms + ", got " + describe(value));
    return domain::Scalar(std::string());
  }
  const auto* text = std::get_if<std::string>(&*scalar);
  if (!text) {
    return *scalar;
  }
  auto binding = domain::parse_binding_text(*text);
  if (!binding) {
    m_out.report(where(entry), field, binding.error().message);
    return *scalar; // keep the raw text, so the input still counts as bound
  }
  return std::move(*binding);
}

std::vector<domain::IoSpec>
WorkflowParser::parse_outputs(const Entry& entry, const std::string& field)
{
  std::vector<domain::IoSpec> outputs;
  if (entry.value.IsNull()) {
    return outputs;
  }
  if (!entry.value.IsSequence()) {
    m_out.report(where(entry),
                 field,
                 "expected a list of outputs, got " + describe(entry.value));
    return outputs;
  }
  std::map<std::string, int> lines_by_name;
  for (std::size_t i = 0; i < entry.value.size(); ++i) {
    const YAML::Node node = entry.value[i];
    const auto path = field + "[" + std::to_string(i) + "]";
    record(path, node.Mark());
    if (!node.IsMap()) {
      m_out.report(node.Mark(),
                   path,
                   "expected a mapping with name and type, got " +
                     describe(node));
      continue;
    }
    const auto fields = entries(node, path, k_output_keys);
    require(fields, node, path, k_output_required);
    domain::IoSpec output;
    if (const auto* name = find_entry(fields, "name")) {
      output.name = m_out.read_string(*name, path + ".name").value_or("");
      if (!output.name.empty() && !domain::is_valid_io_name(output.name)) {
        m_out.report(where(*name),
                     path + ".name",
                     "invalid output name " + quote(output.name) +
                       ": expected 1 to 64 letters, digits or \"_\", not "
                       "starting with a digit");
      }
      const int line = where(*name).line + 1;
      if (const auto [it, added] = lines_by_name.emplace(output.name, line);
          !added && !output.name.empty()) {
        m_out.report(where(*name),
                     path + ".name",
                     "duplicate output name " + quote(output.name) +
                       " (first at line " + std::to_string(it->second) + ")");
      }
    }
    std::optional<domain::IoType> type;
    if (const auto* type_entry = find_entry(fields, "type")) {
      if (const auto text = m_out.read_string(*type_entry, path + ".type")) {
        type = domain::parse_io_type(*text);
        if (!type) {
          std::vector<std::string_view> names;
          for (const auto t : domain::k_all_io_types) {
            names.push_back(domain::to_string(t));
          }
          const auto hint = domain::did_you_mean(*text, names);
          m_out.report(where(*type_entry),
                       path + ".type",
                       "unknown type " + quote(*text) +
                         (hint.empty()
                            ? ": see the IO types of ryax_metadata.yaml"
                            : hint));
        }
      }
    }
    output.type = type.value_or(domain::IoType::string);
    if (const auto* e = find_entry(fields, "human_name")) {
      output.human_name =
        m_out.read_text(*e, path + ".human_name", DiagnosticCollector::TextKind::name)
          .value_or("");
    }
    if (const auto* e = find_entry(fields, "help")) {
      output.help =
        m_out.read_text(*e, path + ".help", DiagnosticCollector::TextKind::free_text)
          .value_or("");
    }
    if (const auto* e = find_entry(fields, "optional")) {
      output.optional = m_out.read_bool(*e, path + ".optional").value_or(false);
    }
    if (const auto* e = find_entry(fields, "origin")) {
      record(path + ".origin", e->value.Mark());
      output.origin = m_out.read_string(*e, path + ".origin").value_or("");
      if (!output.origin.empty() && !domain::is_http_origin(output.origin)) {
        m_out.report(where(*e),
                     path + ".origin",
                     "unknown origin " + quote(output.origin) +
                       ": expected path, query, header, cookie or body");
      }
    }
    const auto* enum_entry = find_entry(fields, "enum_values");
    if (enum_entry && enum_entry->value.IsSequence()) {
      for (std::size_t j = 0; j < enum_entry->value.size(); ++j) {
        const Entry item{ enum_entry->value[j], enum_entry->value[j] };
        const auto item_field =
          path + ".enum_values[" + std::to_string(j) + "]";
        if (auto text = m_out.read_string(item, item_field);
            text && !text->empty()) {
          output.enum_values.push_back(std::move(*text));
        } else if (text) {
          m_out.report(where(item), item_field, "enum values cannot be empty");
        }
      }
    } else if (enum_entry && !enum_entry->value.IsNull()) {
      m_out.report(where(*enum_entry),
                   path + ".enum_values",
                   "expected a list of strings, got " +
                     describe(enum_entry->value));
    }
    if (enum_entry && type && *type != domain::IoType::enum_) {
      m_out.report(enum_entry->key.Mark(),
                   path + ".enum_values",
                   "enum_values is only allowed with type \"enum\", not " +
                     quote(domain::to_string(*type)));
    } else if (type == domain::IoType::enum_ && output.enum_values.empty()) {
      m_out.report(node.Mark(),
                   path + ".enum_values",
                   "type \"enum\" needs a non-empty enum_values list");
    }
    outputs.push_back(std::move(output));
  }
  return outputs;
}

std::vector<std::string>
WorkflowParser::parse_after(const Entry& entry, const std::string& field)
{
  std::vector<std::string> after;
  if (entry.value.IsNull()) {
    return after;
  }
  if (!entry.value.IsSequence()) {
    m_out.report(where(entry),
                 field,
                 "expected a list of step ids, got " + describe(entry.value));
    return after;
  }
  for (std::size_t i = 0; i < entry.value.size(); ++i) {
    const Entry item{ entry.value[i], entry.value[i] };
    const auto item_field = field + "[" + std::to_string(i) + "]";
    record(item_field, item.value.Mark());
    auto id = m_out.read_string(item, item_field);
    if (!id) {
      continue;
    }
    if (std::find(after.begin(), after.end(), *id) != after.end()) {
      m_out.report(item.value.Mark(),
                   item_field,
                   "duplicate step " + quote(*id) + " in after");
      continue;
    }
    after.push_back(std::move(*id));
  }
  return after;
}

void
WorkflowParser::parse_constraints(const Entry& entry,
                                  const std::string& field,
                                  domain::Constraints& constraints)
{
  if (!m_out.expect_mapping(entry, field)) {
    return;
  }
  for (const auto& [name, item] :
       entries(entry.value, field, k_constraint_keys)) {
    auto text = m_out.read_string(item, field + "." + name);
    if (text && text->empty()) {
      m_out.report(where(item),
                   field + "." + name,
                   "expected a name, got an empty string");
    } else if (text) {
      auto& value = name == "site"        ? constraints.site
                    : name == "node_pool" ? constraints.node_pool
                    : name == "site_type" ? constraints.site_type
                                          : constraints.arch;
      value = std::move(*text);
    }
  }
}

void
WorkflowParser::parse_objectives(const Entry& entry,
                                 const std::string& field,
                                 domain::Objectives& objectives)
{
  if (!m_out.expect_mapping(entry, field)) {
    return;
  }
  for (const auto& [name, item] :
       entries(entry.value, field, k_objective_keys)) {
    const auto value = resolve_scalar(item.value);
    const auto* number = value ? std::get_if<std::int64_t>(&*value) : nullptr;
    if (!number || *number < 0 || *number > 100) {
      m_out.report(
        where(item),
        field + "." + name,
        "expected an integer from 0 to 100 (a weight in percent), got " +
          describe(item.value));
      continue;
    }
    auto& slot = name == "cost"     ? objectives.cost
                 : name == "energy" ? objectives.energy
                                    : objectives.performance;
    slot = static_cast<int>(*number);
  }
}

void
WorkflowParser::parse_deployment(const Entry& entry,
                                 const std::string& field,
                                 domain::Deployment& deployment)
{
  if (!m_out.expect_mapping(entry, field)) {
    return;
  }
  for (const auto& [name, item] :
       entries(entry.value, field, k_deployment_keys)) {
    const auto item_field = field + "." + name;
    if (name == "warm") {
      if (const auto warm = m_out.read_bool(item, item_field)) {
        deployment.warm = *warm;
      }
      continue;
    }
    const auto value = resolve_scalar(item.value);
    const auto* integer = value ? std::get_if<std::int64_t>(&*value) : nullptr;
    const auto* text = value ? std::get_if<std::string>(&*value) : nullptr;
    if (name == "max_replicas") {
      if (!integer || *integer < 1) {
        m_out.report(where(item),
                     item_field,
                     "expected an integer >= 1, got " + describe(item.value));
      } else {
        deployment.max_replicas = *integer;
      }
      continue;
    }
    std::optional<std::int64_t> seconds;
    if (integer) {
      seconds = *integer;
    } else if (text) {
      if (const auto parsed = domain::parse_duration_seconds(*text)) {
        seconds = *parsed;
      } else {
        m_out.report(where(item), item_field, parsed.error().message);
        continue;
      }
    }
    if (!seconds || *seconds < 1) {
      m_out.report(where(item),
                   item_field,
                   "expected a duration of at least 1 second (seconds, or a "
                   "string with unit s, m, h or d, e.g. \"300s\"), got " +
                     describe(item.value));
    } else {
      deployment.idle_timeout_seconds = *seconds;
    }
  }
}

} // namespace ryax::infra::yaml::detail
