#include "core/application/workflow_service.hpp"

#include "core/application/event_bus.hpp"
#include "core/application/log.hpp"
#include "core/domain/timer_trigger.hpp"
#include "core/domain/identity.hpp"
#include "core/application/runtime_spec.hpp"
#include "core/application/workflow_check.hpp"
#include "core/application/workflow_secrets.hpp"
#include "core/domain/path.hpp"
#include "core/domain/slurm.hpp"
#include "core/domain/suggest.hpp"
#include "core/domain/workflow_validation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace ryax::app {

namespace {

// The catalogue as validation sees it: one snapshot per request, so that a
// validation reads a consistent catalogue with one query.
Result<VersionsLookup>
load_lookup(ActionCatalogue& catalogue, const std::string& project)
{
  ActionFilter every;
  every.project = project;
  every.all_versions = true;
  RYAX_TRY_ASSIGN(auto versions, catalogue.list(every));
  return VersionsLookup(std::move(versions));
}

std::vector<const domain::WorkflowStep*>
steps_of(const domain::WorkflowDefinition& workflow)
{
  std::vector<const domain::WorkflowStep*> steps = { &workflow.trigger };
  for (const auto& action : workflow.actions) {
    steps.push_back(&action);
  }
  return steps;
}

// The action version `step` uses now, or nullopt when it is not in the
// catalogue. Built-in triggers are always built.
std::optional<domain::ActionVersion>
resolve(const domain::WorkflowStep& step,
        bool is_trigger,
        const domain::ActionLookup& lookup)
{
  if (is_trigger) {
    if (auto builtin = domain::builtin_trigger(step.from)) {
      domain::ActionVersion version;
      version.metadata = std::move(*builtin);
      version.build_state = domain::BuildState::built;
      return version;
    }
  }
  return lookup.find(step.from, step.version);
}

} // namespace

WorkflowService::WorkflowService(WorkflowStore& store,
                                 WorkflowFileStore& files,
                                 ActionCatalogue& catalogue,
                                 WorkflowFormat& format,
                                 Clock& clock,
                                 RuntimePool& runtimes,
                                 SecretBox& secrets,
                                 domain::Site site,
                                 std::string arch)
  : m_store(store)
  , m_files(files)
  , m_catalogue(catalogue)
  , m_format(format)
  , m_clock(clock)
  , m_runtimes(runtimes)
  , m_secrets(secrets)
  , m_site(std::move(site))
  , m_arch(std::move(arch))
{
}

Result<WorkflowValidation>
WorkflowService::validate(const std::string& project,
                          const WorkflowSource& source)
{
  RYAX_TRY_ASSIGN(const auto lookup, load_lookup(m_catalogue, project));
  return check_workflow_source(m_format, source, lookup);
}

Result<std::vector<StoredWorkflowFile>>
WorkflowService::store_files(const domain::WorkflowDefinition& workflow,
                             const WorkflowSource& source)
{
  std::map<std::string, const std::string*> wanted;
  for (const auto* step : steps_of(workflow)) {
    for (const auto& [input, binding] : step->inputs_values) {
      const auto* file = std::get_if<domain::StaticFile>(&binding);
      if (!file) {
        continue;
      }
      for (const auto& [path, content] : source.files) {
        if (domain::is_lexically_within(path, file->path)) {
          wanted.emplace(path, &content);
        }
      }
    }
  }
  std::vector<StoredWorkflowFile> stored;
  for (const auto& [path, content] : wanted) { // sorted by path
    RYAX_TRY_ASSIGN(auto key, m_files.put(*content));
    stored.push_back(
      { path, std::move(key), static_cast<std::int64_t>(content->size()) });
  }
  return stored;
}

Result<PushOutcome>
WorkflowService::push(const PushWorkflow& request)
{
  std::lock_guard lock(m_mutex);
  RYAX_TRY_ASSIGN(auto validation, validate(request.project, request.source));
  PushOutcome outcome;
  if (!validation.ok()) {
    outcome.diagnostics = std::move(validation.diagnostics);
    return outcome;
  }
  const auto& workflow = *validation.workflow;
  outcome.id = workflow.id;
  RYAX_TRY_ASSIGN(const auto latest,
                  m_store.find(request.project, workflow.id, 0));
  RYAX_TRY_ASSIGN(const auto normalised,
                  sealed_file(request.project, workflow, latest));
  RYAX_TRY_ASSIGN(auto files, store_files(workflow, request.source));
  if (latest && latest->yaml == normalised && latest->files == files) {
    outcome.version = latest->version;
  } else {
    StoredWorkflow stored{ workflow.id,
                           request.project,
                           latest ? latest->version + 1 : 1,
                           normalised,
                           m_clock.now_unix(),
                           std::move(files) };
    RYAX_TRY(m_store.add_version(stored));
    outcome.version = stored.version;
    outcome.created = true;
    log::info("workflow {} version {} pushed{}", workflow.id, stored.version,
              domain::in_project(request.project));
  }
  if (request.deploy) {
    RYAX_TRY_ASSIGN(outcome.deployment,
                    deploy_locked(request.project, workflow.id,
                                  outcome.version));
    return outcome;
  }
  RYAX_TRY_ASSIGN(outcome.deployment,
                  deployment_of(request.project, workflow.id));
  const auto& deployment = outcome.deployment;
  if (deployment.state == DeploymentState::deployed &&
      deployment.deployed_version != outcome.version) {
    outcome.note =
      fmt::format("version {} of workflow \"{}\" stays deployed: run \"ryax "
                  "workflow deploy "
                  "{}\" (or push with --deploy) to deploy version {}",
                  deployment.deployed_version,
                  workflow.id,
                  workflow.id,
                  outcome.version);
  }
  return outcome;
}

Result<std::string>
WorkflowService::sealed_file(const std::string& project,
                             domain::WorkflowDefinition workflow,
                             const std::optional<StoredWorkflow>& latest)
{
  std::optional<domain::WorkflowDefinition> previous;
  if (latest) {
    RYAX_TRY_ASSIGN(previous, definition_of(*latest));
  }
  RYAX_TRY_ASSIGN(const auto lookup,
                  load_lookup(m_catalogue, project));
  const auto is_password = [&](const domain::WorkflowStep& step,
                               const std::string& input) {
    const auto found = resolve(step, &step == &workflow.trigger, lookup);
    if (!found) {
      return false;
    }
    const auto& inputs = found->metadata.inputs;
    const auto spec = std::find_if(inputs.begin(), inputs.end(),
                                   [&](const auto& s) { return s.name == input; });
    return spec != inputs.end() && spec->type == domain::IoType::password;
  };
  RYAX_TRY(seal_static_passwords(
    workflow, is_password, previous ? &*previous : nullptr, m_secrets));
  return m_format.write(workflow);
}

Result<std::vector<WorkflowDeployment>>
WorkflowService::list(const std::string& project)
{
  return m_store.list(project);
}

Result<WorkflowDeployment>
WorkflowService::deployment_of(const std::string& project,
                               const std::string& id)
{
  RYAX_TRY_ASSIGN(const auto found, m_store.deployment(project, id));
  if (found) {
    return *found;
  }
  auto message =
    fmt::format("workflow \"{}\" not found{}", id,
                domain::in_project(project));
  RYAX_TRY_ASSIGN(const auto all, list(project));
  std::vector<std::string_view> ids;
  for (const auto& workflow : all) {
    ids.push_back(workflow.id);
  }
  message += domain::did_you_mean(id, ids);
  return fail(ErrorCode::not_found, message);
}

Result<StoredWorkflow>
WorkflowService::version_of(const WorkflowDeployment& deployment, int version)
{
  RYAX_TRY_ASSIGN(auto found,
                  m_store.find(deployment.project, deployment.id, version));
  if (!found) {
    return fail(
      ErrorCode::not_found,
      fmt::format("workflow \"{}\" has no version {} (versions 1 to {})",
                  deployment.id,
                  version,
                  deployment.latest_version));
  }
  return std::move(*found);
}

Result<domain::WorkflowDefinition>
WorkflowService::definition_of(const StoredWorkflow& stored)
{
  auto parsed = m_format.parse(
    stored.yaml,
    fmt::format("workflow {} version {}", stored.id, stored.version));
  if (!parsed.ok()) {
    return fail(
      ErrorCode::internal,
      fmt::format("stored workflow \"{}\" version {} does not parse: {}",
                  stored.id,
                  stored.version,
                  parsed.diagnostics.empty()
                    ? std::string("no definition")
                    : domain::format_diagnostic(parsed.diagnostics[0])));
  }
  return std::move(*parsed.workflow);
}

Result<WorkflowView>
WorkflowService::get(const std::string& project,
                     const std::string& id,
                     int version)
{
  WorkflowView view;
  RYAX_TRY_ASSIGN(view.deployment, deployment_of(project, id));
  RYAX_TRY_ASSIGN(view.stored, version_of(view.deployment, version));
  RYAX_TRY_ASSIGN(view.definition, definition_of(view.stored));
  RYAX_TRY_ASSIGN(const auto lookup,
                  load_lookup(m_catalogue, project));
  for (const auto* step : steps_of(view.definition)) {
    const auto found = resolve(*step, step == &view.definition.trigger, lookup);
    view.resolved_versions[step->id] = found ? found->version() : "";
  }
  // Sealed passwords are shown as "********" (export too: pushing that back
  // keeps them).
  view.stored.yaml = mask_sealed_text(std::move(view.stored.yaml));
  mask_static_passwords(view.definition);
  return view;
}

Result<WorkflowDeployment>
WorkflowService::deploy(const std::string& project,
                        const std::string& id,
                        int version)
{
  std::lock_guard lock(m_mutex);
  return deploy_locked(project, id, version);
}

Result<WorkflowDeployment>
WorkflowService::deploy_locked(const std::string& project,
                               const std::string& id,
                               int version)
{
  RYAX_TRY_ASSIGN(auto deployment, deployment_of(project, id));
  RYAX_TRY_ASSIGN(const auto stored, version_of(deployment, version));
  RYAX_TRY_ASSIGN(const auto workflow, definition_of(stored));
  RYAX_TRY_ASSIGN(const auto lookup,
                  load_lookup(m_catalogue, project));
  // A step no site can run now is refused, an unhealthy site's pools count.
  const auto sites =
    m_fleet ? m_fleet() : std::vector<domain::Site>{ m_site };
  std::vector<std::string> problems;
  for (const auto* step : steps_of(workflow)) {
    const auto found = resolve(*step, step == &workflow.trigger, lookup);
    if (!found) {
      problems.push_back(fmt::format(
        "step \"{}\": action \"{}\"{} is not in the catalogue",
        step->id,
        step->from,
        step->version.empty() ? "" : " version \"" + step->version + "\""));
    } else if (found->build_state != domain::BuildState::built) {
      problems.push_back(fmt::format("step \"{}\": action \"{}\" version "
                                     "\"{}\" is not built ({}): run \"ryax "
                                     "action build {}:{}\"",
                                     step->id,
                                     found->id(),
                                     found->version(),
                                     domain::to_string(found->build_state),
                                     found->id(),
                                     found->version()));
    } else if (step == &workflow.trigger) {
      if (auto pinned = domain::check_trigger_site(sites, step->constraints);
          !pinned) {
        problems.push_back(
          fmt::format("step \"{}\": {}", step->id, pinned.error().message));
      }
      // A timer that cannot fire (a file pushed before the check existed).
      if (domain::is_timer_trigger(step->from)) {
        if (auto timer = domain::timer_trigger(*step); !timer) {
          problems.push_back(fmt::format(
            "step \"{}\": {}", step->id, timer.error().message));
        }
      }
    } else {
      // A step that fits no pool would wait forever: refuse it now.
      const auto request = domain::resource_request(
        found->metadata.resources, step->resources, m_arch);
      if (auto fits = domain::candidates(
            sites, request, step->constraints, step->objectives);
          !fits) {
        problems.push_back(
          fmt::format("step \"{}\": {}", step->id, fits.error().message));
      }
    }
  }
  deployment.state = DeploymentState::deploying;
  deployment.updated_at = m_clock.now_unix();
  RYAX_TRY(m_store.set_deployment(deployment));
  if (!problems.empty()) {
    const auto reason = fmt::format("{}", fmt::join(problems, "; "));
    deployment.state = DeploymentState::error;
    deployment.deployed_version = 0;
    deployment.reason = reason;
    RYAX_TRY(m_store.set_deployment(deployment));
    RYAX_TRY(m_store.add_error(
      project, id, { deployment.updated_at, stored.version, reason }));
    log::info(
      "workflow {} version {} not deployed: {}", id, stored.version, reason);
    events::publish("workflow.deployed",
                    project,
                    id,
                    fmt::format("workflow {} version {} not deployed: {}", id,
                                stored.version, reason),
                    { { "version", std::to_string(stored.version) },
                      { "state", "error" } });
    return fail(ErrorCode::failed_precondition,
                fmt::format("workflow \"{}\" version {} cannot be deployed: {}",
                            id,
                            stored.version,
                            reason));
  }
  // Steps with deployment.warm get a replica now; the others on first use.
  for (const auto& step : workflow.actions) {
    if (!step.deployment.warm.value_or(false)) {
      continue;
    }
    const auto found = lookup.find(step.from, step.version);
    if (!found) {
      continue;
    }
    auto spec = runtime_spec(id, step, *found);
    const auto request = domain::resource_request(
      found->metadata.resources, step.resources, m_arch);
    // The replicas warmed here are the daemon's own: for a step whose
    // candidates are all on other sites there is nothing to warm.
    const auto fits = domain::candidates(
      sites, request, step.constraints, step.objectives);
    const domain::Candidate* here = nullptr;
    for (std::size_t i = 0; fits && i < fits->size() && here == nullptr; ++i) {
      if ((*fits)[i].site == sites.front().name) {
        here = &(*fits)[i];
      }
    }
    if (fits && here == nullptr) {
      continue;
    }
    if (here != nullptr && spec.time_limit_seconds == 0
        && here->pool->time_seconds) {
      spec.time_limit_seconds = *here->pool->time_seconds;
    }
    if (auto warmed = m_runtimes.warm(spec); !warmed) {
      log::warn("workflow {}: step {} could not be warmed: {}",
                id,
                step.id,
                warmed.error().message);
    }
  }
  deployment.state = DeploymentState::deployed;
  deployment.deployed_version = stored.version;
  deployment.reason.clear();
  RYAX_TRY(m_store.set_deployment(deployment));
  log::info("workflow {} version {} deployed", id, stored.version);
  events::publish("workflow.deployed",
                  deployment.project,
                  id,
                  fmt::format("workflow {} version {} deployed", id,
                              stored.version),
                  { { "version", std::to_string(stored.version) },
                    { "state", "deployed" } });
  for (auto* listener : m_listeners) {
    listener->deployed(deployment);
  }
  return deployment;
}

Result<WorkflowDeployment>
WorkflowService::undeploy(const std::string& project, const std::string& id)
{
  std::lock_guard lock(m_mutex);
  RYAX_TRY_ASSIGN(auto deployment, deployment_of(project, id));
  return undeploy_locked(std::move(deployment));
}

Result<WorkflowDeployment>
WorkflowService::undeploy_locked(WorkflowDeployment deployment)
{
  const auto id = deployment.id;
  if (deployment.state == DeploymentState::undeployed) {
    return deployment;
  }
  deployment.state = DeploymentState::undeploying;
  deployment.updated_at = m_clock.now_unix();
  RYAX_TRY(m_store.set_deployment(deployment));
  deployment.state = DeploymentState::undeployed;
  deployment.deployed_version = 0;
  deployment.reason.clear();
  RYAX_TRY(m_store.set_deployment(deployment));
  for (auto* listener : m_listeners) {
    listener->undeployed(deployment.project, id);
  }
  m_runtimes.drain(deployment.project, id);
  log::info("workflow {} undeployed", id);
  events::publish("workflow.undeployed",
                  deployment.project,
                  id,
                  fmt::format("workflow {} undeployed", id),
                  { { "state", "undeployed" } });
  return deployment;
}

Result<void>
WorkflowService::remove(const std::string& project,
                        const std::string& id,
                        bool force)
{
  std::lock_guard lock(m_mutex);
  RYAX_TRY_ASSIGN(const auto deployment, deployment_of(project, id));
  const bool deployed = deployment.state == DeploymentState::deployed ||
                        deployment.state == DeploymentState::deploying;
  if (deployed && !force) {
    return fail(
      ErrorCode::failed_precondition,
      fmt::format("workflow \"{}\" is deployed (version {}): run \"ryax "
                  "workflow undeploy {}\" first, or use --force",
                  id,
                  deployment.deployed_version,
                  id));
  }
  if (deployed) {
    RYAX_TRY(undeploy_locked(deployment));
  }
  RYAX_TRY(m_store.remove(project, id));
  log::info("workflow {} removed", id);
  return {};
}

Result<std::vector<DeploymentError>>
WorkflowService::errors(const std::string& project, const std::string& id)
{
  RYAX_TRY(deployment_of(project, id));
  return m_store.errors(project, id);
}

} // namespace ryax::app
