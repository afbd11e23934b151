#include "core/infrastructure/yaml/workflow_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>

namespace ryax::infra::yaml {

namespace {

using domain::Binding;
using domain::WorkflowStep;

// Plain words that some YAML reader would take for a boolean or null.
constexpr std::string_view k_ambiguous_words[] = {
  "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"
};

bool
is_ambiguous_word(std::string_view text)
{
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return std::find(std::begin(k_ambiguous_words),
                   std::end(k_ambiguous_words),
                   lower) != std::end(k_ambiguous_words);
}

// Doubles are written so that they read back as doubles ("2.0", not "2").
std::string
format_double(double value)
{
  std::array<char, 64> buffer{};
  const auto end =
    std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  std::string text(buffer.data(), end);
  if (text.find_first_of(".eEn") == std::string::npos) {
    text += ".0";
  }
  return text;
}

// The largest unit that divides `value` exactly, among `units` (descending
// factors), or the bare number.
std::string
format_with_unit(std::int64_t value,
                 std::initializer_list<std::pair<std::int64_t, char>> units,
                 bool bare_fallback)
{
  for (const auto& [factor, unit] : units) {
    if (value > 0 && value % factor == 0) {
      return std::to_string(value / factor) + unit;
    }
  }
  return bare_fallback ? std::to_string(value) : std::to_string(value) + "s";
}

std::string
format_memory(std::int64_t bytes)
{
  constexpr std::int64_t k = 1024;
  return format_with_unit(
    bytes,
    { { k * k * k * k, 'T' }, { k * k * k, 'G' }, { k * k, 'M' }, { k, 'K' } },
    true);
}

std::string
format_duration(std::int64_t seconds)
{
  return format_with_unit(
    seconds, { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } }, false);
}

std::string
format_scalar(const domain::Scalar& value)
{
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (domain::needs_literal(*text)) {
      return "{literal: " + yaml_string(*text) + "}";
    }
    return yaml_string(*text);
  }
  if (const auto* flag = std::get_if<bool>(&value)) {
    return *flag ? "true" : "false";
  }
  if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    return std::to_string(*integer);
  }
  return format_double(std::get<double>(value));
}

std::string
format_binding(const Binding& binding)
{
  if (const auto* value = std::get_if<domain::Scalar>(&binding)) {
    return format_scalar(*value);
  }
  return yaml_string(domain::binding_text(binding));
}

// Appends indented lines to one string.
class Writer
{
public:
  void
  line(int indent, std::string_view text)
  {
    m_text.append(static_cast<std::size_t>(indent), ' ');
    m_text += text;
    m_text += '\n';
  }

  void
  key(int indent, std::string_view name, std::string_view value)
  {
    line(indent, std::string(name) + ": " + std::string(value));
  }

  void step(int indent, const WorkflowStep& step, bool first_dash);
  std::string
  take()
  {
    return std::move(m_text);
  }

private:
  void outputs(int indent, const std::vector<domain::IoSpec>& outputs);
  void scheduling(int indent, const WorkflowStep& step);

  std::string m_text;
};

void
Writer::step(int indent, const WorkflowStep& step, bool first_dash)
{
  // In a list, the first key shares the line of the dash.
  line(first_dash ? indent - 2 : indent,
       std::string(first_dash ? "- " : "") + "id: " + yaml_string(step.id));
  key(indent, "from", yaml_string(step.from));
  if (!step.version.empty()) {
    key(indent, "version", yaml_string(step.version));
  }
  if (!step.inputs_values.empty()) {
    line(indent, "inputs_values:");
    for (const auto& [name, binding] : step.inputs_values) {
      key(indent + 2, yaml_string(name), format_binding(binding));
    }
  }
  outputs(indent, step.outputs);
  if (!step.after.empty()) {
    line(indent, "after:");
    for (const auto& id : step.after) {
      line(indent, "- " + yaml_string(id));
    }
  }
  scheduling(indent, step);
}

void
Writer::outputs(int indent, const std::vector<domain::IoSpec>& outputs)
{
  if (outputs.empty()) {
    return;
  }
  line(indent, "outputs:");
  for (const auto& output : outputs) {
    line(indent, "- name: " + yaml_string(output.name));
    key(indent + 2, "type", std::string(domain::to_string(output.type)));
    if (!output.human_name.empty()) {
      key(indent + 2, "human_name", yaml_string(output.human_name));
    }
    if (!output.help.empty()) {
      key(indent + 2, "help", yaml_string(output.help));
    }
    if (output.optional) {
      key(indent + 2, "optional", "true");
    }
    if (!output.origin.empty()) {
      key(indent + 2, "origin", yaml_string(output.origin));
    }
    if (!output.enum_values.empty()) {
      line(indent + 2, "enum_values:");
      for (const auto& value : output.enum_values) {
        line(indent + 2, "- " + yaml_string(value));
      }
    }
  }
}

void
Writer::scheduling(int indent, const WorkflowStep& step)
{
  const auto& r = step.resources;
  if (r.cpu || r.memory_bytes || r.time_seconds || r.gpu) {
    line(indent, "resources:");
    if (r.cpu) {
      key(indent + 2, "cpu", format_double(*r.cpu));
    }
    if (r.memory_bytes) {
      key(indent + 2, "memory", format_memory(*r.memory_bytes));
    }
    if (r.time_seconds) {
      key(indent + 2, "time", format_duration(*r.time_seconds));
    }
    if (r.gpu) {
      key(indent + 2, "gpu", std::to_string(*r.gpu));
    }
  }
  const auto& c = step.constraints;
  if (!c.empty()) {
    line(indent, "constraints:");
    if (!c.site.empty()) {
      key(indent + 2, "site", yaml_string(c.site));
    }
    if (!c.node_pool.empty()) {
      key(indent + 2, "node_pool", yaml_string(c.node_pool));
    }
    if (!c.site_type.empty()) {
      key(indent + 2, "site_type", yaml_string(c.site_type));
    }
    if (!c.arch.empty()) {
      key(indent + 2, "arch", yaml_string(c.arch));
    }
  }
  const auto& o = step.objectives;
  if (o.cost || o.energy || o.performance) {
    line(indent, "objectives:");
    if (o.cost) {
      key(indent + 2, "cost", std::to_string(*o.cost));
    }
    if (o.energy) {
      key(indent + 2, "energy", std::to_string(*o.energy));
    }
    if (o.performance) {
      key(indent + 2, "performance", std::to_string(*o.performance));
    }
  }
  const auto& d = step.deployment;
  if (d.idle_timeout_seconds || d.max_replicas || d.warm) {
    line(indent, "deployment:");
    if (d.idle_timeout_seconds) {
      key(indent + 2, "idle_timeout", format_duration(*d.idle_timeout_seconds));
    }
    if (d.max_replicas) {
      key(indent + 2, "max_replicas", std::to_string(*d.max_replicas));
    }
    if (d.warm) {
      key(indent + 2, "warm", *d.warm ? "true" : "false");
    }
  }
  if (!step.hpc.empty()) {
    line(indent, "addons:");
    line(indent + 2, "hpc:");
    if (!step.hpc.sbatch_options.empty()) {
      line(indent + 4, "sbatch_options:");
      for (const auto& option : step.hpc.sbatch_options) {
        line(indent + 6, "- " + yaml_string(option));
      }
    }
    if (!step.hpc.custom_script.empty()) {
      key(indent + 4, "custom_script", yaml_string(step.hpc.custom_script));
    }
  }
}

} // namespace

std::string
yaml_string(std::string_view text)
{
  const auto plain_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '/' ||
           c == '-' || c == ' ';
  };
  const bool plain =
    !text.empty() &&
    ((text.front() >= 'a' && text.front() <= 'z') ||
     (text.front() >= 'A' && text.front() <= 'Z') || text.front() == '_') &&
    text.back() != ' ' && std::all_of(text.begin(), text.end(), plain_char) &&
    !is_ambiguous_word(text);
  if (plain) {
    return std::string(text);
  }
  std::string quoted = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (c == '\n') {
      quoted += "\\n";
    } else if (c == '\t') {
      quoted += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02X", byte);
      quoted += escape;
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

std::string
write_workflow(const domain::WorkflowDefinition& workflow)
{
  Writer out;
  out.key(0, "apiVersion", std::string(domain::k_workflow_api_version));
  out.key(0, "kind", std::string(domain::k_workflow_kind));
  out.line(0, "spec:");
  out.key(2, "id", yaml_string(workflow.id));
  if (!workflow.human_name.empty()) {
    out.key(2, "human_name", yaml_string(workflow.human_name));
  }
  if (!workflow.description.empty()) {
    out.key(2, "description", yaml_string(workflow.description));
  }
  if (workflow.max_concurrent_runs) {
    out.key(2,
            "max_concurrent_runs",
            std::to_string(*workflow.max_concurrent_runs));
  }
  out.line(2, "trigger:");
  out.step(4, workflow.trigger, false);
  if (workflow.actions.empty()) {
    out.line(2, "actions: []");
  } else {
    out.line(2, "actions:");
    for (const auto& action : workflow.actions) {
      out.step(4, action, true);
    }
  }
  if (!workflow.results.empty()) {
    out.line(2, "results:");
    for (const auto& result : workflow.results) {
      out.line(2, "- key: " + yaml_string(result.key));
      out.key(4, "value", yaml_string(domain::reference_text(result.value)));
    }
  }
  return out.take();
}

} // namespace ryax::infra::yaml
