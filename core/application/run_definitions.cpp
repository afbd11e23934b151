#include "core/application/run_definitions.hpp"

#include "core/application/runtime_spec.hpp"
#include "core/application/workflow_secrets.hpp"
#include "core/domain/identity.hpp"
#include "core/domain/suggest.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace ryax::app {

RunDefinition::~RunDefinition()
{
  if (!held.empty()) {
    m_files.release(held);
  }
}

RunDefinitions::RunDefinitions(WorkflowStore& workflows,
                               WorkflowFormat& format,
                               ActionCatalogue& catalogue,
                               RunFileStore& files,
                               RunStaging& staging,
                               SecretBox& secrets,
                               std::string arch)
  : m_workflows(workflows)
  , m_format(format)
  , m_catalogue(catalogue)
  , m_files(files)
  , m_staging(staging)
  , m_secrets(secrets)
  , m_arch(std::move(arch))
{
}

void
RunDefinitions::clear()
{
  std::lock_guard lock(m_mutex);
  m_deployed.clear();
  m_of_runs.clear();
  m_compiled.clear();
}

Result<std::shared_ptr<const domain::CompiledWorkflow>>
RunDefinitions::compiled(const std::string& project,
                         const std::string& workflow_id,
                         int version)
{
  const auto key = fmt::format("{}/{}:{}", project, workflow_id, version);
  const auto generation = m_workflows.generation();
  {
    std::lock_guard lock(m_mutex);
    // A removed workflow pushed again reuses its version numbers.
    if (generation != m_compiled_generation) {
      m_compiled.clear();
      m_of_runs.clear();
      m_compiled_generation = generation;
    }
    if (auto it = m_compiled.find(key); it != m_compiled.end()) {
      return it->second;
    }
  }
  RYAX_TRY_ASSIGN(const auto stored,
                  m_workflows.find(project, workflow_id, version));
  if (!stored) {
    return fail(ErrorCode::not_found,
                fmt::format("version {} of workflow \"{}\" is gone",
                            version,
                            workflow_id));
  }
  auto parsed = m_format.parse(stored->yaml, workflow_id);
  if (!parsed.ok()) {
    return fail(ErrorCode::internal,
                fmt::format("version {} of workflow \"{}\" no longer parses",
                            version,
                            workflow_id));
  }
  if (auto opened = open_static_passwords(*parsed.workflow, m_secrets);
      !opened) {
    return fail(opened.error().code,
                fmt::format("version {} of workflow \"{}\": {}", version,
                            workflow_id, opened.error().message));
  }
  // A user source declares the trigger's outputs in its metadata: the
  // values of its runs are checked against them.
  if (auto& trigger = parsed.workflow->trigger;
      !domain::builtin_trigger(trigger.from) && trigger.outputs.empty()) {
    RYAX_TRY_ASSIGN(const auto source,
                    trigger.version.empty()
                      ? m_catalogue.latest(project, trigger.from)
                      : m_catalogue.find(project, trigger.from, trigger.version));
    if (source && !source->metadata.dynamic_outputs) {
      trigger.outputs = source->metadata.outputs;
    }
  }
  RYAX_TRY_ASSIGN(auto compiled,
                  domain::CompiledWorkflow::compile(std::move(*parsed.workflow)));
  std::lock_guard lock(m_mutex);
  if (generation == m_compiled_generation) {
    m_compiled[key] = compiled;
  }
  return compiled;
}

Result<std::map<std::string, std::string>>
RunDefinitions::resolve_actions(const std::string& project,
                                const domain::WorkflowDefinition& workflow)
{
  std::map<std::string, std::string> actions;
  for (const auto& action : workflow.actions) {
    std::optional<domain::ActionVersion> found;
    if (!action.version.empty()) {
      RYAX_TRY_ASSIGN(found,
                      m_catalogue.find(project, action.from, action.version));
    } else {
      RYAX_TRY_ASSIGN(found, m_catalogue.latest(project, action.from));
      if (found && found->build_state != domain::BuildState::built) {
        ActionFilter every;
        every.project = project;
        every.all_versions = true;
        RYAX_TRY_ASSIGN(const auto versions, m_catalogue.list(every));
        for (const auto& candidate : versions) { // newest first
          if (candidate.id() == action.from
              && candidate.build_state == domain::BuildState::built) {
            found = candidate;
            break;
          }
        }
      }
    }
    if (!found || found->build_state != domain::BuildState::built) {
      return fail(ErrorCode::failed_precondition,
                  fmt::format("step \"{}\": action \"{}\"{} is not built: run "
                              "\"ryax action build {}\"",
                              action.id,
                              action.from,
                              action.version.empty() ? "" : ":" + action.version,
                              action.from));
    }
    actions[action.id] = found->id() + ":" + found->version();
  }
  return actions;
}

Result<std::shared_ptr<const RunDefinition>>
RunDefinitions::deployed(const std::string& project,
                         const std::string& workflow_id)
{
  const auto workflows_generation = m_workflows.generation();
  const auto catalogue_generation = m_catalogue.generation();
  const auto key = project + "/" + workflow_id;
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_deployed.find(key);
        it != m_deployed.end()
        && it->second.workflows_generation == workflows_generation
        && it->second.catalogue_generation == catalogue_generation) {
      return it->second.definition;
    }
  }
  RYAX_TRY_ASSIGN(const auto deployment,
                  m_workflows.deployment(project, workflow_id));
  if (!deployment) {
    RYAX_TRY_ASSIGN(const auto all, m_workflows.list(project));
    std::vector<std::string_view> ids;
    for (const auto& workflow : all) {
      ids.push_back(workflow.id);
    }
    return fail(ErrorCode::not_found,
                fmt::format("workflow \"{}\" not found{}",
                            workflow_id, domain::in_project(project))
                  + domain::did_you_mean(workflow_id, ids));
  }
  if (deployment->state != DeploymentState::deployed) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("workflow \"{}\" is not deployed ({}): run \"ryax "
                            "workflow deploy {}\" first",
                            workflow_id,
                            to_string(deployment->state),
                            workflow_id));
  }
  RYAX_TRY_ASSIGN(const auto workflow,
                  compiled(project, workflow_id, deployment->deployed_version));
  RYAX_TRY_ASSIGN(const auto actions,
                  resolve_actions(project, workflow->definition()));
  RYAX_TRY_ASSIGN(auto definition,
                  build(project, workflow_id, deployment->deployed_version,
                        actions));
  std::lock_guard lock(m_mutex);
  m_deployed[key] =
    Deployed{ workflows_generation, catalogue_generation, definition };
  return definition;
}

Result<std::shared_ptr<const RunDefinition>>
RunDefinitions::of_run(const std::string& project,
                       const std::string& workflow_id,
                       int version,
                       const std::map<std::string, std::string>& actions)
{
  auto key = fmt::format("{}/{}:{}", project, workflow_id, version);
  for (const auto& [step, action] : actions) {
    key += fmt::format("|{}={}", step, action);
  }
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_of_runs.find(key); it != m_of_runs.end()) {
      if (auto definition = it->second.lock()) {
        return definition;
      }
    }
  }
  RYAX_TRY_ASSIGN(auto definition,
                  build(project, workflow_id, version, actions));
  std::lock_guard lock(m_mutex);
  m_of_runs[key] = definition;
  return definition;
}

namespace {

// The inputs of `definition`'s steps that read project variables.
void
collect_variable_uses(RunDefinition& definition)
{
  const auto& workflow = *definition.workflow;
  for (const auto& action : workflow.definition().actions) {
    const auto& plan = definition.plans[*workflow.index(action.id)];
    for (const auto& [input, binding] : action.inputs_values) {
      if (const auto* ref = std::get_if<domain::VariableReference>(&binding)) {
        const domain::IoSpec* spec = nullptr;
        if (plan.spec) {
          for (const auto& declared : plan.spec->action.metadata.inputs) {
            if (declared.name == input) {
              spec = &declared;
            }
          }
        }
        definition.variables.push_back({ ref->name, action.id, input, spec });
      } else if (const auto* text =
                   std::get_if<domain::Interpolation>(&binding)) {
        for (const auto& part : text->parts) {
          if (const auto* in = std::get_if<domain::VariableReference>(&part)) {
            definition.variables.push_back(
              { in->name, action.id, input, nullptr });
          }
        }
      }
    }
  }
}

} // namespace

Result<std::shared_ptr<const RunDefinition>>
RunDefinitions::build(const std::string& project,
                      const std::string& workflow_id,
                      int version,
                      const std::map<std::string, std::string>& actions)
{
  auto definition = std::make_shared<RunDefinition>(m_files);
  definition->workflow_id = workflow_id;
  definition->project = project;
  definition->version = version;
  definition->actions = actions;
  RYAX_TRY_ASSIGN(definition->workflow,
                  compiled(project, workflow_id, version));
  const auto& workflow = *definition->workflow;
  const auto& steps = workflow.definition().actions;

  // Static files ("@path") become run files, once per definition.
  RYAX_TRY_ASSIGN(const auto stored,
                  m_workflows.find(project, workflow_id, version));
  for (const auto& action : steps) {
    for (const auto& [input, binding] : action.inputs_values) {
      const auto* file = std::get_if<domain::StaticFile>(&binding);
      if (file == nullptr || !stored
          || definition->binding.static_files.contains(file->path)) {
        continue;
      }
      RYAX_TRY_ASSIGN(auto ref, m_staging.put_static(stored->files, file->path));
      definition->held.push_back(ref.key);
      definition->binding.static_files.emplace(file->path, std::move(ref));
    }
  }

  definition->plans.resize(workflow.size());
  for (const auto& action : steps) {
    auto& plan = definition->plans[*workflow.index(action.id)];
    const auto it = actions.find(action.id);
    const auto name = it == actions.end() ? action.from : it->second;
    const auto ref = it == actions.end()
                       ? Result<domain::ActionRef>(fail(ErrorCode::not_found, ""))
                       : domain::parse_action_ref(it->second);
    std::optional<domain::ActionVersion> found;
    if (ref) {
      RYAX_TRY_ASSIGN(found, m_catalogue.find(project, ref->id, ref->version));
    }
    if (!found || found->build_state != domain::BuildState::built) {
      plan.unavailable = fmt::format(
        "action \"{}\" is no longer built: run \"ryax action build {}\"",
        name,
        name);
      plan.scheduling.refusal = plan.unavailable;
      continue;
    }
    plan.spec = runtime_spec(workflow_id, action, std::move(*found));
    plan.scheduling.request = domain::resource_request(
      plan.spec->action.metadata.resources, action.resources, m_arch);
    // Its candidates depend on the sites when it is dispatched.
    plan.scheduling.constraints = action.constraints;
    plan.scheduling.objectives = action.objectives;
  }
  collect_variable_uses(*definition);
  return std::shared_ptr<const RunDefinition>(std::move(definition));
}

} // namespace ryax::app
