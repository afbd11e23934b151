#include "core/application/source_plan.hpp"

#include "core/application/runtime_spec.hpp"
#include "core/domain/run.hpp"

#include <fmt/format.h>

namespace ryax::app {

namespace {

// The action version the trigger runs: pinned, else the newest built.
Result<domain::ActionVersion>
source_action(const std::string& project,
              const domain::WorkflowStep& trigger,
              ActionCatalogue& catalogue)
{
  std::optional<domain::ActionVersion> found;
  if (!trigger.version.empty()) {
    RYAX_TRY_ASSIGN(found, catalogue.find(project, trigger.from, trigger.version));
  } else {
    ActionFilter every;
    every.project = project;
    every.all_versions = true;
    RYAX_TRY_ASSIGN(const auto versions, catalogue.list(every));
    for (const auto& candidate : versions) { // newest first
      if (candidate.id() == trigger.from
          && candidate.build_state == domain::BuildState::built) {
        found = candidate;
        break;
      }
    }
    if (!found) {
      RYAX_TRY_ASSIGN(found, catalogue.latest(project, trigger.from));
    }
  }
  if (!found) {
    return fail(ErrorCode::not_found,
                fmt::format("trigger \"{}\": action \"{}\" is not in the catalogue",
                            trigger.id, trigger.from));
  }
  if (found->build_state != domain::BuildState::built) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("trigger \"{}\": action \"{}:{}\" is not built: run "
                            "\"ryax action build {}:{}\"",
                            trigger.id, found->id(), found->version(),
                            found->id(), found->version()));
  }
  if (found->metadata.kind != domain::ActionKind::source) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("trigger \"{}\": action \"{}\" is not a source",
                            trigger.id, trigger.from));
  }
  return *found;
}

// A static value of the workflow file as a value of `spec`.
Result<domain::Value>
typed_scalar(const domain::IoSpec& spec, const domain::Scalar& scalar)
{
  domain::Value value = std::visit([](const auto& v) -> domain::Value { return v; }, scalar);
  if (const auto* whole = std::get_if<std::int64_t>(&value);
      whole && spec.type == domain::IoType::float_) {
    value = static_cast<double>(*whole);
  }
  if (spec.type == domain::IoType::password) {
    if (const auto* text = std::get_if<std::string>(&value)) {
      value = domain::Secret{ *text };
    }
  }
  return value;
}

} // namespace

Result<SourcePlan>
plan_source(const std::string& project,
            const std::string& workflow_id,
            const domain::WorkflowDefinition& workflow,
            ActionCatalogue& catalogue,
            VariableStore& variables)
{
  const auto& trigger = workflow.trigger;
  RYAX_TRY_ASSIGN(auto action, source_action(project, trigger, catalogue));
  SourcePlan plan;
  for (const auto& [input, binding] : trigger.inputs_values) {
    const domain::IoSpec* spec = nullptr;
    for (const auto& declared : action.metadata.inputs) {
      if (declared.name == input) {
        spec = &declared;
      }
    }
    const auto where = fmt::format("trigger \"{}\" input \"{}\"", trigger.id, input);
    if (spec == nullptr) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: action \"{}\" has no such input", where, action.id()));
    }
    domain::Value value;
    if (const auto* scalar = std::get_if<domain::Scalar>(&binding)) {
      RYAX_TRY_ASSIGN(value, typed_scalar(*spec, *scalar));
    } else if (const auto* ref = std::get_if<domain::VariableReference>(&binding)) {
      RYAX_TRY_ASSIGN(auto variable, variables.get(project, ref->name));
      if (!variable) {
        return fail(ErrorCode::not_found,
                    fmt::format("{}: project variable \"{}\" is not defined in "
                                "project \"{}\"",
                                where, ref->name, project));
      }
      value = std::move(variable->value);
    } else {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: a source trigger takes static values and "
                              "project variables only",
                              where));
    }
    if (!domain::value_fits(*spec, value)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: a {} does not fit a {} input", where,
                              domain::value_type_name(value),
                              domain::to_string(spec->type)));
    }
    plan.inputs[input] = std::move(value);
  }
  plan.spec = runtime_spec(workflow_id, trigger, std::move(action));
  plan.spec.time_limit_seconds = 0; // a source runs until it returns
  plan.spec.max_replicas = 1;
  return plan;
}

} // namespace ryax::app
