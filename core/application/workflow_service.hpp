#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/secret_box.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/domain/scheduling.hpp"
#include "core/domain/workflow.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace ryax::app {

// A workflow file as the client read it.
struct WorkflowSource
{
  std::string text;         // the file's content
  std::string display_path; // the file as named in diagnostics
  // Files next to the workflow file that it names ("@path"), relative to
  // its directory: the regular files with their content (those under a
  // named directory included) and the directories. A path in neither does
  // not exist.
  std::map<std::string, std::string> files;
  std::set<std::string> directories;
};

// What validation found.
struct WorkflowValidation
{
  std::optional<domain::WorkflowDefinition> workflow; // when the file parsed
  std::vector<domain::Diagnostic> diagnostics;        // every problem, by line
  std::string normalised; // write_workflow of the file when its syntax is valid

  bool
  ok() const
  {
    return workflow.has_value() && diagnostics.empty();
  }
};

// `ryax workflow push`.
struct PushWorkflow
{
  std::string project; // the project the workflow belongs to
  WorkflowSource source;
  bool deploy = false; // deploy the pushed version
};

// What a push did.
struct PushOutcome
{
  std::vector<domain::Diagnostic> diagnostics; // not empty: nothing pushed
  std::string id;
  int version = 0;      // the version now latest (new or identical)
  bool created = false; // false: identical to the latest version
  WorkflowDeployment deployment;
  std::string note; // a warning for people ("version 1 stays deployed...")
};

// One version of a workflow with what `show` needs.
struct WorkflowView
{
  StoredWorkflow stored;
  domain::WorkflowDefinition definition;
  WorkflowDeployment deployment;
  // Step id -> the action version it uses now (its pinned version, else the
  // latest built one); "" when it is not in the catalogue.
  std::map<std::string, std::string> resolved_versions;
};

// Told of deployments as they change (TriggerService). Called with the
// WorkflowService's lock held: it must not call back into it.
class DeploymentListener
{
public:
  virtual ~DeploymentListener() = default;

  // `deployment` (state deployed) was just recorded.
  virtual void deployed(const WorkflowDeployment& deployment) = 0;

  // Workflow `id` of `project` was just undeployed.
  virtual void undeployed(const std::string& project, const std::string& id) = 0;
};

// Validates, versions, deploys and undeploys workflows.
class WorkflowService
{
public:
  // Deployments are checked against `site` (every step must fit one of its
  // pools, for bundles built for `arch`); undeploying drains the replicas
  // of `runtimes`.
  WorkflowService(WorkflowStore& store,
                  WorkflowFileStore& files,
                  ActionCatalogue& catalogue,
                  WorkflowFormat& format,
                  Clock& clock,
                  RuntimePool& runtimes,
                  SecretBox& secrets,
                  domain::Site site,
                  std::string arch);

  // Check deployments against the sites `fleet` returns from now on (the
  // runner's, which change as workers join and leave) rather than `site`
  // alone. Call before serving calls.
  void set_fleet(std::function<std::vector<domain::Site>()> fleet)
  {
    m_fleet = std::move(fleet);
  }

  // Tell `listener` too of every deploy and undeploy from now on, after
  // the listeners added before it. Add them before serving calls.
  void add_listener(DeploymentListener& listener)
  {
    m_listeners.push_back(&listener);
  }

  // Every call below acts in `project`: its actions are the only ones a
  // workflow sees, and another project's workflow is not_found, as an
  // unknown one. Workflow ids are unique across the daemon.

  // Parse `source` and check it against the catalogue and its files. Never
  // fails for a bad file: problems are diagnostics. internal when the
  // catalogue cannot be read.
  Result<WorkflowValidation> validate(const std::string& project,
                                      const WorkflowSource& source);

  // Validate, then record version 1, or version N+1 when the normalised
  // definition or a static file differs from the latest version. Leaves a
  // deployed version deployed unless `deploy`. The diagnostics of a bad
  // file are in the outcome; the errors of deploy() when `deploy`.
  // already_exists when another project holds the id.
  Result<PushOutcome> push(const PushWorkflow& request);

  // Every workflow of `project`.
  Result<std::vector<WorkflowDeployment>> list(const std::string& project);

  // Version `version` (0: the latest) of `id`. not_found naming it, with
  // the near miss or the versions there are.
  Result<WorkflowView> get(const std::string& project,
                           const std::string& id,
                           int version);

  // Check every action of version `version` (0: the latest) is built and
  // fits a node pool of a site, and deploy it. failed_precondition naming
  // each unbuilt action and how to build it, and each step that no pool can
  // run and why (the workflow is then in error, see errors()); not_found.
  Result<WorkflowDeployment> deploy(const std::string& project,
                                    const std::string& id,
                                    int version);

  // Undeploy `id` (nothing to do when it is not deployed): its replicas are
  // drained (idle ones stop now, busy ones when their execution ends).
  // not_found.
  Result<WorkflowDeployment> undeploy(const std::string& project,
                                      const std::string& id);

  // Forget `id` and its versions. failed_precondition while it is deployed
  // unless `force` (which undeploys it first); not_found.
  Result<void> remove(const std::string& project,
                      const std::string& id,
                      bool force);

  // The deployment errors of `id`, oldest first. not_found.
  Result<std::vector<DeploymentError>> errors(const std::string& project,
                                              const std::string& id);

private:
  Result<WorkflowDeployment> deployment_of(const std::string& project,
                                           const std::string& id);
  Result<StoredWorkflow> version_of(const WorkflowDeployment& deployment,
                                    int version);
  Result<domain::WorkflowDefinition> definition_of(
    const StoredWorkflow& stored);
  Result<std::vector<StoredWorkflowFile>> store_files(
    const domain::WorkflowDefinition& workflow,
    const WorkflowSource& source);
  Result<WorkflowDeployment> deploy_locked(const std::string& project,
                                           const std::string& id,
                                           int version);
  Result<WorkflowDeployment> undeploy_locked(WorkflowDeployment deployment);
  // The file to store for `workflow`: its static passwords sealed, those
  // of `latest` kept when unchanged (workflow_secrets.hpp).
  Result<std::string> sealed_file(const std::string& project,
                                  domain::WorkflowDefinition workflow,
                                  const std::optional<StoredWorkflow>& latest);

  WorkflowStore& m_store;
  WorkflowFileStore& m_files;
  ActionCatalogue& m_catalogue;
  WorkflowFormat& m_format;
  Clock& m_clock;
  RuntimePool& m_runtimes;
  SecretBox& m_secrets;
  domain::Site m_site;
  std::function<std::vector<domain::Site>()> m_fleet; // unset: m_site alone
  std::string m_arch;
  std::mutex m_mutex; // one push or state change at a time
  std::vector<DeploymentListener*> m_listeners;
};

} // namespace ryax::app
