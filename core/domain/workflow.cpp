#include "core/domain/workflow.hpp"

#include "core/domain/path.hpp"

#include <algorithm>

namespace ryax::domain {

namespace {

// IoSpec and Resources belong to action.hpp and have no ==; compare them
// here rather than add operators to types this file does not own.
bool
same_resources(const Resources& a, const Resources& b)
{
  return a.cpu == b.cpu && a.memory_bytes == b.memory_bytes &&
         a.time_seconds == b.time_seconds && a.gpu == b.gpu;
}

bool
same_io(const IoSpec& a, const IoSpec& b)
{
  return a.name == b.name && a.human_name == b.human_name && a.help == b.help &&
         a.type == b.type && a.optional == b.optional &&
         a.enum_values == b.enum_values && a.default_value == b.default_value &&
         a.origin == b.origin;
}

bool
is_identifier_start(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool
is_identifier_char(char c)
{
  return is_identifier_start(c) || (c >= '0' && c <= '9');
}

std::string_view
trim_blanks(std::string_view text)
{
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

// The reference between "{{" and "}}" (blanks around allowed).
Result<InterpolationPart>
parse_reference(std::string_view inside)
{
  const auto content = trim_blanks(inside);
  const auto invalid = [&]() {
    return fail(ErrorCode::invalid_argument,
                "invalid reference " +
                  quote("{{" + std::string(inside) + "}}") +
                  ": expected \"{{ step.output }}\" or \"{{ vars.NAME }}\"");
  };
  const auto dot = content.find('.');
  if (dot == std::string_view::npos) {
    return invalid();
  }
  const auto step = content.substr(0, dot);
  const auto name = content.substr(dot + 1);
  if (step == k_variables_namespace) {
    if (!is_valid_io_name(name)) {
      return invalid();
    }
    return VariableReference{ std::string(name) };
  }
  if (!is_valid_step_id(step) || !is_valid_io_name(name)) {
    return invalid();
  }
  return OutputReference{ std::string(step), std::string(name) };
}

Result<StaticFile>
parse_static_file(std::string_view path)
{
  if (path.empty()) {
    return fail(ErrorCode::invalid_argument,
                "static file \"@\" names no file: expected \"@path\"");
  }
  if (!is_safe_relative_path(path)) {
    return fail(ErrorCode::invalid_argument,
                "static file " + quote("@" + std::string(path)) +
                  " must be a relative path below the workflow file's "
                  "directory (no leading \"/\", no \"..\")");
  }
  return StaticFile{ std::string(path) };
}

} // namespace

bool
WorkflowStep::operator==(const WorkflowStep& other) const
{
  return id == other.id && from == other.from && version == other.version &&
         inputs_values == other.inputs_values && after == other.after &&
         same_resources(resources, other.resources) &&
         constraints == other.constraints && objectives == other.objectives &&
         deployment == other.deployment && hpc == other.hpc &&
         std::equal(outputs.begin(),
                    outputs.end(),
                    other.outputs.begin(),
                    other.outputs.end(),
                    same_io);
}

SourcePosition
SourceMap::at(const std::string& path) const
{
  std::string key = path;
  while (!key.empty()) {
    if (const auto it = positions.find(key); it != positions.end()) {
      return it->second;
    }
    const auto cut = key.find_last_of(".[");
    key = cut == std::string::npos ? std::string() : key.substr(0, cut);
  }
  return {};
}

bool
WorkflowDefinition::operator==(const WorkflowDefinition& other) const
{
  // Every field but `source`.
  return id == other.id && human_name == other.human_name &&
         description == other.description && trigger == other.trigger &&
         actions == other.actions && results == other.results &&
         max_concurrent_runs == other.max_concurrent_runs;
}

const WorkflowStep*
WorkflowDefinition::find_step(std::string_view step_id) const
{
  if (trigger.id == step_id) {
    return &trigger;
  }
  for (const auto& action : actions) {
    if (action.id == step_id) {
      return &action;
    }
  }
  return nullptr;
}

std::string
WorkflowDefinition::step_path(std::string_view step_id) const
{
  if (trigger.id == step_id) {
    return "spec.trigger";
  }
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].id == step_id) {
      return "spec.actions[" + std::to_string(i) + "]";
    }
  }
  return "spec";
}

bool
is_valid_step_id(std::string_view id)
{
  return !id.empty() && id.size() <= 64 && is_identifier_start(id.front()) &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return is_identifier_char(c) || c == '-';
         });
}

bool
is_reserved_step_id(std::string_view id)
{
  return std::find(std::begin(k_reserved_step_ids),
                   std::end(k_reserved_step_ids),
                   id) != std::end(k_reserved_step_ids);
}

Result<Binding>
parse_binding_text(std::string_view text)
{
  if (text.find("{{") == std::string_view::npos) {
    if (text.starts_with('@')) {
      RYAX_TRY_ASSIGN(auto file, parse_static_file(text.substr(1)));
      return file;
    }
    return Scalar(std::string(text));
  }
  Interpolation interpolation;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      interpolation.parts.emplace_back(std::string(text.substr(pos)));
      break;
    }
    if (open > pos) {
      interpolation.parts.emplace_back(
        std::string(text.substr(pos, open - pos)));
    }
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return fail(ErrorCode::invalid_argument,
                  "unclosed \"{{\" in " + quote(text) +
                    ": write references as \"{{ step.output }}\", or use "
                    "{literal: ...} for a string holding \"{{\"");
    }
    RYAX_TRY_ASSIGN(auto part,
                    parse_reference(text.substr(open + 2, close - open - 2)));
    interpolation.parts.push_back(std::move(part));
    pos = close + 2;
  }
  if (interpolation.parts.size() == 1) {
    if (const auto* ref =
          std::get_if<OutputReference>(&interpolation.parts[0])) {
      return *ref;
    }
    if (const auto* var =
          std::get_if<VariableReference>(&interpolation.parts[0])) {
      return *var;
    }
  }
  return interpolation;
}

std::string
reference_text(const OutputReference& reference)
{
  return "{{ " + reference.step + "." + reference.output + " }}";
}

std::string
reference_text(const VariableReference& reference)
{
  return "{{ " + std::string(k_variables_namespace) + "." + reference.name +
         " }}";
}

std::string
binding_text(const Binding& binding)
{
  struct Visitor
  {
    std::string
    operator()(const Scalar& value) const
    {
      const auto* text = std::get_if<std::string>(&value);
      return text ? *text : std::string();
    }
    std::string
    operator()(const OutputReference& ref) const
    {
      return reference_text(ref);
    }
    std::string
    operator()(const VariableReference& ref) const
    {
      return reference_text(ref);
    }
    std::string
    operator()(const StaticFile& file) const
    {
      return "@" + file.path;
    }
    std::string
    operator()(const std::string& text) const
    {
      return text;
    }
    std::string
    operator()(const Interpolation& interpolation) const
    {
      std::string text;
      for (const auto& part : interpolation.parts) {
        text += std::visit([this](const auto& p) { return (*this)(p); }, part);
      }
      return text;
    }
  };
  return std::visit(Visitor{}, binding);
}

bool
needs_literal(std::string_view text)
{
  return text.starts_with('@') || text.find("{{") != std::string_view::npos;
}

std::vector<OutputReference>
output_references(const Binding& binding)
{
  std::vector<OutputReference> references;
  if (const auto* ref = std::get_if<OutputReference>(&binding)) {
    references.push_back(*ref);
  } else if (const auto* interpolation = std::get_if<Interpolation>(&binding)) {
    for (const auto& part : interpolation->parts) {
      if (const auto* part_ref = std::get_if<OutputReference>(&part)) {
        references.push_back(*part_ref);
      }
    }
  }
  return references;
}

namespace {

IoSpec
io(std::string name,
   std::string human_name,
   std::string help,
   IoType type,
   bool optional)
{
  IoSpec spec;
  spec.name = std::move(name);
  spec.human_name = std::move(human_name);
  spec.help = std::move(help);
  spec.type = type;
  spec.optional = optional;
  return spec;
}

ActionMetadata
internal_source(std::string id, std::string human_name, std::string description)
{
  ActionMetadata metadata;
  metadata.id = std::move(id);
  metadata.human_name = std::move(human_name);
  metadata.version = "1.0";
  metadata.description = std::move(description);
  metadata.type = ActionType::internal;
  metadata.kind = ActionKind::source;
  return metadata;
}

IoSpec
time_output()
{
  return io("time",
            "Time",
            "When the trigger fired, ISO 8601 UTC (2026-01-31T12:00:00.000Z)",
            IoType::string,
            false);
}

ActionMetadata
http_api_trigger()
{
  auto api = internal_source(
    "httpapijson",
    "HTTP API JSON",
    "Makes the workflow an endpoint of its project's HTTP API "
    "(/user-api/PROJECT/PATH): request fields from the path, query, headers, "
    "cookies or JSON body (each output's origin), the results in the reply");
  api.dynamic_outputs = true;
  api.inputs.push_back(io("path",
                          "Path",
                          "The templated path under /user-api/PROJECT "
                          "(\"/users/{id}\")",
                          IoType::string,
                          false));
  api.inputs.push_back(io("method",
                          "Method",
                          "GET, POST (the default), PUT, PATCH, DELETE or "
                          "HEAD",
                          IoType::string,
                          true));
  api.inputs.push_back(io("success_code",
                          "Success code",
                          "200 (the default) or 201",
                          IoType::integer,
                          true));
  api.inputs.push_back(io("timeout",
                          "Reply timeout",
                          "Seconds to wait for the results before replying "
                          "202 with a result link (default 20; 0: always "
                          "202; negative: wait for the run)",
                          IoType::float_,
                          true));
  api.inputs.push_back(io(
    "summary", "Summary", "OpenAPI summary", IoType::string, true));
  api.inputs.push_back(io(
    "tags", "Tags", "OpenAPI tags, comma-separated", IoType::string, true));
  api.inputs.push_back(io("description",
                          "Description",
                          "OpenAPI description",
                          IoType::longstring,
                          true));
  return api;
}

} // namespace

std::optional<ActionMetadata>
builtin_trigger(std::string_view name)
{
  if (name == "manual") {
    auto manual = internal_source(
      "manual",
      "Manual trigger",
      "Starts a run on request (ryax run), with values for the outputs the "
      "workflow declares");
    manual.dynamic_outputs = true;
    return manual;
  }
  if (name == "emitevery") {
    auto every = internal_source(
      "emitevery",
      "Emit every",
      "Starts a run at deploy, then once per period (the sum of seconds, "
      "minutes, hours and days; 5 s when all are 0), at a steady rate");
    for (const auto* unit : { "seconds", "minutes", "hours", "days" }) {
      every.inputs.push_back(io(unit,
                                std::string(1, static_cast<char>(unit[0] - 32)) +
                                  (unit + 1),
                                std::string("Part of the period, in ") + unit,
                                IoType::float_,
                                true));
    }
    every.outputs.push_back(time_output());
    return every;
  }
  if (name == "one-run") {
    auto once = internal_source(
      "one-run", "One run", "Starts one run when the workflow is deployed");
    once.outputs.push_back(time_output());
    return once;
  }
  if (name == "crongw") {
    auto cron = internal_source(
      "crongw",
      "Cron",
      "Starts a run at each minute a cron expression matches");
    cron.inputs.push_back(io("foreach",
                             "Cron expression",
                             "5 fields (minute hour day-of-month month "
                             "day-of-week) or @hourly, @daily, @weekly, "
                             "@monthly, @yearly",
                             IoType::string,
                             false));
    cron.inputs.push_back(io("timezone",
                             "Time zone",
                             "A time zone name such as Europe/Paris (with "
                             "its DST changes), UTC or a fixed offset such "
                             "as +02:00; the daemon's zone by default",
                             IoType::string,
                             true));
    cron.outputs.push_back(time_output());
    return cron;
  }
  if (name == "postgw") {
    auto portal = internal_source(
      "postgw",
      "HTTP POST portal",
      "Starts a run for each multipart POST to its portal (one part per "
      "output declared by the workflow, files as file parts); GET shows the "
      "fields");
    portal.dynamic_outputs = true;
    return portal;
  }
  if (name == "httpapijson") {
    return http_api_trigger();
  }
  return std::nullopt;
}

std::vector<std::string_view>
builtin_trigger_names()
{
  return { "crongw",  "emitevery", "httpapijson",
           "manual",  "one-run",   "postgw" };
}

} // namespace ryax::domain
