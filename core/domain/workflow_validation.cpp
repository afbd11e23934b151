#include "core/domain/workflow_validation.hpp"

#include "core/domain/http_trigger.hpp"
#include "core/domain/suggest.hpp"
#include "core/domain/timer_trigger.hpp"
#include "core/domain/workflow_graph.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace ryax::domain {

namespace {

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

std::string
join_quoted(const std::vector<std::string>& values)
{
  std::string text;
  for (const auto& value : values) {
    text += (text.empty() ? "" : ", ") + quote(value);
  }
  return text;
}

std::string
type_name(IoType type)
{
  return quote(to_string(type));
}

// A static value as the user wrote it: strings quoted, numbers bare.
std::string
show(const Scalar& value)
{
  if (const auto* text = std::get_if<std::string>(&value)) {
    return quote(*text);
  }
  if (const auto* flag = std::get_if<bool>(&value)) {
    return *flag ? "true" : "false";
  }
  if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    return std::to_string(*integer);
  }
  char buffer[64];
  const auto end =
    std::to_chars(buffer, buffer + sizeof buffer, std::get<double>(value)).ptr;
  return std::string(buffer, end);
}

// "(did you mean "x"?)" or ": <fallback>".
std::string
suggestion(std::string_view word,
           const std::vector<std::string>& candidates,
           const std::string& fallback)
{
  if (auto hint = did_you_mean(word, candidates); !hint.empty()) {
    return hint;
  }
  return fallback.empty() ? "" : ": " + fallback;
}

std::vector<std::string>
names_of(const std::vector<IoSpec>& ios)
{
  std::vector<std::string> names;
  for (const auto& io : ios) {
    names.push_back(io.name);
  }
  return names;
}

class Validator
{
public:
  Validator(const WorkflowDefinition& workflow,
            const ActionLookup& lookup,
            const FileProbe& files)
    : m_workflow(workflow)
    , m_lookup(lookup)
    , m_files(files)
  {
  }

  std::vector<Diagnostic> run();

private:
  void report(const std::string& path, std::string message);
  std::optional<ActionMetadata> resolve(const WorkflowStep& step,
                                        bool is_trigger);
  std::optional<ActionMetadata> lookup_catalogue(const WorkflowStep& step,
                                                 bool is_trigger);
  void check_inputs(const WorkflowStep& step, const ActionMetadata& action);
  void check_binding(const std::string& field,
                     const IoSpec& input,
                     const Binding& binding);
  void check_static(const std::string& field,
                    const IoSpec& input,
                    const Scalar& value);
  void check_file(const std::string& field,
                  const IoSpec& input,
                  const StaticFile& file);
  const IoSpec* find_output(const OutputReference& ref,
                            const std::string& field);

  const WorkflowDefinition& m_workflow;
  const ActionLookup& m_lookup;
  const FileProbe& m_files;
  std::vector<Diagnostic> m_diagnostics;
  // The outputs of every step whose action was found.
  std::map<std::string, std::vector<IoSpec>> m_outputs;
};

void
Validator::report(const std::string& path, std::string message)
{
  const auto position = m_workflow.source.at(path);
  m_diagnostics.push_back(Diagnostic{ m_workflow.source.file,
                                      position.line,
                                      position.column,
                                      path,
                                      std::move(message) });
}

std::vector<Diagnostic>
Validator::run()
{
  m_diagnostics = check_workflow_graph(m_workflow);
  std::vector<std::pair<const WorkflowStep*, ActionMetadata>> resolved;
  if (auto trigger = resolve(m_workflow.trigger, true)) {
    auto outputs = trigger->outputs;
    const auto& declared = m_workflow.trigger.outputs;
    if (trigger->dynamic_outputs) {
      outputs = declared;
    } else if (!declared.empty()) {
      report("spec.trigger.outputs",
             "trigger " + quote(m_workflow.trigger.from) +
               " has no dynamic outputs: its outputs come from its metadata "
               "(" +
               (outputs.empty() ? std::string("none")
                                : join_quoted(names_of(outputs))) +
               "); remove \"outputs\"");
    }
    m_outputs.emplace(m_workflow.trigger.id, std::move(outputs));
    resolved.emplace_back(&m_workflow.trigger, std::move(*trigger));
    for (auto& problem : timer_problems(m_workflow.trigger)) {
      report("spec.trigger.inputs_values." + problem.input,
             std::move(problem.message));
    }
    for (auto& problem : http_problems(m_workflow.trigger)) {
      report("spec.trigger." + problem.field, std::move(problem.message));
    }
  }
  for (const auto& action : m_workflow.actions) {
    if (auto metadata = resolve(action, false)) {
      m_outputs.emplace(action.id, metadata->outputs);
      resolved.emplace_back(&action, std::move(*metadata));
    }
  }
  for (const auto& [step, metadata] : resolved) {
    check_inputs(*step, metadata);
  }
  for (std::size_t i = 0; i < m_workflow.results.size(); ++i) {
    find_output(m_workflow.results[i].value,
                "spec.results[" + std::to_string(i) + "].value");
  }
  std::stable_sort(m_diagnostics.begin(),
                   m_diagnostics.end(),
                   [](const auto& a, const auto& b) {
                     return std::pair(a.line, a.column) <
                            std::pair(b.line, b.column);
                   });
  return std::move(m_diagnostics);
}

std::optional<ActionMetadata>
Validator::resolve(const WorkflowStep& step, bool is_trigger)
{
  const auto path = m_workflow.step_path(step.id);
  if (is_trigger) {
    if (auto builtin = builtin_trigger(step.from)) {
      if (!step.version.empty() && step.version != builtin->version) {
        report(path + ".version",
               "built-in trigger " + quote(step.from) + " has only version " +
                 quote(builtin->version));
      }
      return builtin;
    }
  } else if (builtin_trigger(step.from)) {
    report(path + ".from",
           quote(step.from) +
             " is a built-in trigger: use it in spec.trigger, not as an "
             "action");
    return std::nullopt;
  }
  auto metadata = lookup_catalogue(step, is_trigger);
  if (!metadata) {
    return std::nullopt;
  }
  const auto kind = quote(to_string(metadata->kind));
  if (is_trigger && metadata->kind != ActionKind::source) {
    report(path + ".from",
           "action " + quote(step.from) + " is a " + kind +
             ": the trigger must be a Source (a catalogued Source or a "
             "built-in trigger such as \"manual\")");
  } else if (!is_trigger && metadata->kind == ActionKind::source) {
    report(path + ".from",
           "action " + quote(step.from) +
             " is a \"Source\": only the trigger may be a Source (a workflow "
             "has exactly one trigger); actions are Processors or "
             "Publishers");
  }
  return metadata;
}

std::optional<ActionMetadata>
Validator::lookup_catalogue(const WorkflowStep& step, bool is_trigger)
{
  const auto path = m_workflow.step_path(step.id);
  const auto found = m_lookup.find(step.from, step.version);
  if (!found) {
    const auto versions = m_lookup.versions(step.from);
    if (!step.version.empty() && !versions.empty()) {
      report(path + ".version",
             "action " + quote(step.from) + " has no version " +
               quote(step.version) + " (versions: " + join_quoted(versions) +
               ")");
      return std::nullopt;
    }
    auto candidates = m_lookup.ids();
    if (is_trigger) {
      for (const auto name : builtin_trigger_names()) {
        candidates.emplace_back(name);
      }
    }
    report(path + ".from",
           "unknown action " + quote(step.from) +
             suggestion(step.from, candidates, "it is not in the catalogue"));
    return std::nullopt;
  }
  if (found->build_state != BuildState::built) {
    const auto id_version = found->id() + ":" + found->version();
    report(path + (step.version.empty() ? ".from" : ".version"),
           "action " + quote(found->id()) + " version " +
             quote(found->version()) + " is not built (" +
             std::string(to_string(found->build_state)) + "): run \"ryax " +
             "action build " + id_version + "\"");
  }
  return found->metadata;
}

void
Validator::check_inputs(const WorkflowStep& step, const ActionMetadata& action)
{
  const auto path = m_workflow.step_path(step.id);
  const auto input_names = names_of(action.inputs);
  for (const auto& [name, binding] : step.inputs_values) {
    const auto field = path + ".inputs_values." + name;
    const auto it =
      std::find_if(action.inputs.begin(),
                   action.inputs.end(),
                   [&](const IoSpec& io) { return io.name == name; });
    if (it == action.inputs.end()) {
      report(field,
             "unknown input " + quote(name) + " of action " + quote(action.id) +
               suggestion(name,
                          input_names,
                          input_names.empty()
                            ? "it takes no inputs"
                            : "its inputs are " + join_quoted(input_names)));
      continue;
    }
    check_binding(field, *it, binding);
  }
  for (const auto& input : action.inputs) {
    if (!input.optional && !input.default_value &&
        !step.inputs_values.contains(input.name)) {
      report(path + ".inputs_values",
             "missing input " + quote(input.name) + " of action " +
               quote(action.id) + " (type " + type_name(input.type) +
               ", no default, not optional): bind it in inputs_values");
    }
  }
}

void
Validator::check_binding(const std::string& field,
                         const IoSpec& input,
                         const Binding& binding)
{
  const auto input_text =
    "input " + quote(input.name) + " of type " + type_name(input.type);
  if (const auto* value = std::get_if<Scalar>(&binding)) {
    check_static(field, input, *value);
  } else if (const auto* ref = std::get_if<OutputReference>(&binding)) {
    const auto* output = find_output(*ref, field);
    if (output && !can_feed(output->type, input.type)) {
      report(field,
             "type mismatch: " + quote(reference_text(*ref)) + " is of type " +
               type_name(output->type) + ", it cannot feed " + input_text);
    }
  } else if (const auto* file = std::get_if<StaticFile>(&binding)) {
    check_file(field, input, *file);
  } else if (const auto* interpolation = std::get_if<Interpolation>(&binding)) {
    if (!accepts_interpolation(input.type)) {
      report(field,
             "an interpolated string cannot feed " + input_text +
               ": only string, longstring and password inputs accept text "
               "around references");
    }
    for (const auto& part : interpolation->parts) {
      const auto* part_ref = std::get_if<OutputReference>(&part);
      const auto* output = part_ref ? find_output(*part_ref, field) : nullptr;
      if (output && !can_interpolate(output->type)) {
        report(field,
               quote(reference_text(*part_ref)) + " is of type " +
                 type_name(output->type) +
                 ": it cannot be interpolated into a string (only string, "
                 "longstring, enum, integer, float and boolean outputs can)");
      }
    }
  }
  // A project variable fits any input until variables have types.
}

void
Validator::check_static(const std::string& field,
                        const IoSpec& input,
                        const Scalar& value)
{
  const auto mismatch = [&](const std::string& expected) {
    report(field,
           "static value " + show(value) + " does not fit input " +
             quote(input.name) + " of type " + type_name(input.type) +
             ": expected " + expected);
  };
  const bool is_text = std::holds_alternative<std::string>(value);
  switch (input.type) {
    case IoType::string:
    case IoType::longstring:
    case IoType::password:
    case IoType::bytes:
    case IoType::table:
      if (!is_text) {
        mismatch("a string (quote it: \"" + show(value) + "\")");
      }
      return;
    case IoType::integer:
      if (!std::holds_alternative<std::int64_t>(value)) {
        mismatch("an integer");
      }
      return;
    case IoType::float_:
      if (!std::holds_alternative<std::int64_t>(value) &&
          !std::holds_alternative<double>(value)) {
        mismatch("a number");
      }
      return;
    case IoType::boolean:
      if (!std::holds_alternative<bool>(value)) {
        mismatch("true or false");
      }
      return;
    case IoType::enum_: {
      const auto& allowed = input.enum_values;
      if (!is_text) {
        mismatch("one of " + join_quoted(allowed));
      } else if (std::find(allowed.begin(),
                           allowed.end(),
                           std::get<std::string>(value)) == allowed.end()) {
        report(field,
               show(value) + " is not among the enum_values of input " +
                 quote(input.name) +
                 suggestion(std::get<std::string>(value),
                            allowed,
                            "expected one of " + join_quoted(allowed)));
      }
      return;
    }
    case IoType::file:
    case IoType::directory:
      mismatch("a static file \"@path\" or a reference to an output");
      return;
  }
}

void
Validator::check_file(const std::string& field,
                      const IoSpec& input,
                      const StaticFile& file)
{
  const auto text = quote("@" + file.path);
  if (input.type != IoType::file && input.type != IoType::directory) {
    report(field,
           text + " is a static file but input " + quote(input.name) +
             " is of type " + type_name(input.type) +
             " (for a string starting with \"@\" write {literal: " + text +
             "})");
    return;
  }
  const auto kind = m_files ? m_files(file.path) : FileKind::none;
  if (kind == FileKind::none) {
    report(field,
           "static file " + quote(file.path) +
             " does not exist (paths are relative to the workflow file's "
             "directory)");
  } else if (kind == FileKind::directory && input.type == IoType::file) {
    report(field,
           text + " is a directory but input " + quote(input.name) +
             " is of type \"file\"");
  } else if (kind == FileKind::file && input.type == IoType::directory) {
    report(field,
           text + " is a file but input " + quote(input.name) +
             " is of type \"directory\"");
  }
}

const IoSpec*
Validator::find_output(const OutputReference& ref, const std::string& field)
{
  const auto outputs = m_outputs.find(ref.step);
  if (outputs == m_outputs.end()) {
    return nullptr; // unknown step or unknown action: reported already
  }
  for (const auto& output : outputs->second) {
    if (output.name == ref.output) {
      return &output;
    }
  }
  const auto names = names_of(outputs->second);
  report(field,
         "step " + quote(ref.step) + " has no output " + quote(ref.output) +
           suggestion(ref.output,
                      names,
                      names.empty() ? "it has no outputs"
                                    : "its outputs are " + join_quoted(names)));
  return nullptr;
}

} // namespace

std::vector<Diagnostic>
validate_workflow(const WorkflowDefinition& workflow,
                  const ActionLookup& lookup,
                  const FileProbe& files)
{
  return Validator(workflow, lookup, files).run();
}

bool
can_feed(IoType from, IoType to)
{
  const auto is_text = [](IoType type) {
    return type == IoType::string || type == IoType::longstring;
  };
  return from == to || (from == IoType::integer && to == IoType::float_) ||
         (is_text(from) && is_text(to)) ||
         (from == IoType::enum_ && is_text(to)) ||
         (is_text(from) && to == IoType::password);
}

bool
can_interpolate(IoType type)
{
  return type == IoType::string || type == IoType::longstring ||
         type == IoType::enum_ || type == IoType::integer ||
         type == IoType::float_ || type == IoType::boolean;
}

bool
accepts_interpolation(IoType type)
{
  return type == IoType::string || type == IoType::longstring ||
         type == IoType::password;
}

} // namespace ryax::domain
