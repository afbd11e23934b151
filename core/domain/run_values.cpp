#include "core/domain/run_values.hpp"

#include "core/domain/run_branches.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ryax::domain {

namespace {

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

Value
to_value(const Scalar& scalar)
{
  return std::visit([](const auto& value) { return Value(value); }, scalar);
}

// Binds the inputs of one execution; `m_where` prefixes every message.
class Binder
{
public:
  Binder(const Run& run,
         const CompiledWorkflow& workflow,
         const StepKey& key,
         const StepRun& execution,
         const BindingContext& context)
    : m_run(run)
    , m_workflow(workflow)
    , m_key(key)
    , m_execution(execution)
    , m_context(context)
    , m_step(*workflow.index(key.step))
  {
  }

  Result<Value>
  bind(const std::string& input, const Binding& binding)
  {
    m_where = describe(m_key) + ": input " + quote(input) + ": ";
    if (const auto* scalar = std::get_if<Scalar>(&binding)) {
      return to_value(*scalar);
    }
    if (const auto* reference = std::get_if<OutputReference>(&binding)) {
      return output(*reference);
    }
    if (const auto* variable = std::get_if<VariableReference>(&binding)) {
      return this->variable(*variable);
    }
    if (const auto* file = std::get_if<StaticFile>(&binding)) {
      const auto it = m_context.static_files.find(file->path);
      if (it == m_context.static_files.end()) {
        return fail(ErrorCode::not_found,
                    m_where + "static file " + quote("@" + file->path) +
                      " is not in the workflow version");
      }
      return Value(it->second);
    }
    return interpolate(std::get<Interpolation>(binding));
  }

private:
  Result<Value>
  output(const OutputReference& reference)
  {
    const auto culprit = quote(reference_text(reference));
    const auto upstream = m_workflow.index(reference.step);
    if (!upstream || !m_workflow.is_ancestor(*upstream, m_step)) {
      return fail(ErrorCode::invalid_argument,
                  m_where + culprit + ": step " + quote(reference.step) +
                    " is not upstream of " + quote(m_key.step));
    }
    const auto seen =
      upstream_execution(m_run, m_workflow, *upstream, m_key, m_execution);
    if (!seen || seen->execution->state != StepState::done) {
      return fail(ErrorCode::failed_precondition,
                  m_where + culprit + ": step " + quote(reference.step) +
                    " has not finished in this branch");
    }
    const auto* execution = seen->execution;
    std::optional<std::size_t> index = 0;
    if (execution->fan_out) {
      index = seen->element;
    }
    if (!index || *index >= execution->output_sets.size()) {
      return fail(ErrorCode::failed_precondition,
                  m_where + culprit + ": step " + quote(reference.step) +
                    " returned a list with no element for this branch");
    }
    const auto& set = execution->output_sets[*index];
    const auto it = set.find(reference.output);
    if (it == set.end()) {
      return fail(ErrorCode::not_found,
                  m_where + culprit + ": step " + quote(reference.step) +
                    " has no output " + quote(reference.output));
    }
    return it->second;
  }

  Result<Value>
  variable(const VariableReference& reference)
  {
    const auto it = m_context.variables.find(reference.name);
    if (it == m_context.variables.end()) {
      return fail(ErrorCode::not_found,
                  m_where + "project variable " + quote(reference.name) +
                    " is not defined");
    }
    return it->second;
  }

  // A string, or a Secret when a secret is part of it: a password never
  // leaves its mark by being interpolated.
  Result<Value>
  interpolate(const Interpolation& interpolation)
  {
    std::string text;
    bool secret = false;
    for (const auto& part : interpolation.parts) {
      if (const auto* verbatim = std::get_if<std::string>(&part)) {
        text += *verbatim;
        continue;
      }
      const auto* reference = std::get_if<OutputReference>(&part);
      RYAX_TRY_ASSIGN(const auto value,
                      reference ? output(*reference)
                                : variable(std::get<VariableReference>(part)));
      RYAX_TRY(append(text, value));
      secret = secret || std::holds_alternative<Secret>(value);
    }
    if (secret) {
      return Value(Secret{ std::move(text) });
    }
    return Value(std::move(text));
  }

  Result<void>
  append(std::string& text, const Value& value)
  {
    if (const auto* file = std::get_if<FileRef>(&value)) {
      return fail(ErrorCode::invalid_argument,
                  m_where + "a " +
                    std::string(file->directory ? "directory" : "file") +
                    " cannot be part of a string");
    }
    if (const auto* secret = std::get_if<Secret>(&value)) {
      text += secret->text;
    } else if (const auto* string = std::get_if<std::string>(&value)) {
      text += *string;
    } else if (const auto* boolean = std::get_if<bool>(&value)) {
      text += *boolean ? "true" : "false";
    } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
      text += std::to_string(*integer);
    } else if (const auto* number = std::get_if<double>(&value)) {
      char digits[64];
      const auto end =
        std::to_chars(digits, digits + sizeof(digits), *number).ptr;
      text.append(digits, end);
    }
    return {};
  }

  const Run& m_run;
  const CompiledWorkflow& m_workflow;
  const StepKey& m_key;
  const StepRun& m_execution;
  const BindingContext& m_context;
  CompiledWorkflow::Index m_step;
  std::string m_where;
};

Value
output_of(const Outputs& set, const std::string& output)
{
  const auto it = set.find(output);
  return it == set.end() ? Value() : it->second;
}

} // namespace

Result<Inputs>
resolve_inputs(const Run& run,
               const CompiledWorkflow& workflow,
               const StepKey& key,
               const BindingContext& context)
{
  const auto index = workflow.index(key.step);
  const auto* execution = run.find(key);
  if (!index || execution == nullptr) {
    return fail(ErrorCode::not_found,
                "run " + quote(run.id) + ": no execution of " + describe(key));
  }
  const auto* step = &workflow.step(*index);
  Binder binder(run, workflow, key, *execution, context);
  Inputs inputs;
  for (const auto& [name, binding] : step->inputs_values) {
    RYAX_TRY_ASSIGN(auto value, binder.bind(name, binding));
    inputs.emplace(name, std::move(value));
  }
  return inputs;
}

std::vector<RunResult>
results(const Run& run, const CompiledWorkflow& workflow)
{
  std::vector<RunResult> found;
  for (const auto& result : workflow.definition().results) {
    RunResult entry;
    entry.key = result.key;
    const auto& step = result.value.step;
    std::size_t executions = 0;
    for (auto it = run.steps.lower_bound(StepKey{ step, "" });
         it != run.steps.end() && it->first.step == step;
         ++it) {
      ++executions;
      const auto& execution = it->second;
      entry.list = entry.list || !it->first.branch.empty() || execution.fan_out;
      if (execution.state != StepState::done) {
        entry.values.emplace_back();
        continue;
      }
      for (const auto& set : execution.output_sets) {
        entry.values.push_back(output_of(set, result.value.output));
      }
    }
    entry.list = entry.list || executions != 1;
    found.push_back(std::move(entry));
  }
  return found;
}

Result<Value>
parse_value_text(const IoSpec& spec, std::string_view text)
{
  const auto bad = [&](std::string_view expected) {
    return fail(ErrorCode::invalid_argument,
                "\"" + spec.name + "\": \"" + std::string(text) + "\" is not "
                  + std::string(expected));
  };
  switch (spec.type) {
    case IoType::integer: {
      std::int64_t value = 0;
      const auto* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (!text.empty() && ec == std::errc::result_out_of_range && ptr == end) {
        return bad("a 64-bit integer (-9223372036854775808 to 9223372036854775807)");
      }
      if (text.empty() || ec != std::errc() || ptr != end) {
        return bad("an integer");
      }
      return Value{ value };
    }
    case IoType::float_: {
      double value = 0;
      const auto* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (!text.empty() && ptr == end
          && (ec == std::errc::result_out_of_range || !std::isfinite(value))) {
        return bad("a finite number (NaN, infinities and numbers beyond a 64-bit "
                   "float's range are refused)");
      }
      if (text.empty() || ec != std::errc() || ptr != end) {
        return bad("a number");
      }
      return Value{ value };
    }
    case IoType::boolean:
      if (text == "true" || text == "yes" || text == "1") {
        return Value{ true };
      }
      if (text == "false" || text == "no" || text == "0") {
        return Value{ false };
      }
      return bad("a boolean (true or false)");
    case IoType::enum_: {
      for (const auto& allowed : spec.enum_values) {
        if (allowed == text) {
          return Value{ std::string(text) };
        }
      }
      std::string list;
      for (const auto& allowed : spec.enum_values) {
        list += (list.empty() ? "" : ", ") + allowed;
      }
      return bad("one of " + list);
    }
    case IoType::password:
      return Value{ Secret{ std::string(text) } };
    case IoType::file:
    case IoType::directory:
      return fail(ErrorCode::invalid_argument,
                  "\"" + spec.name + "\" is a " + std::string(to_string(spec.type))
                    + ": give it as a file (--file " + spec.name + "=PATH)");
    default:
      return Value{ std::string(text) };
  }
}

} // namespace ryax::domain
