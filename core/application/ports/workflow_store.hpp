#pragma once

#include "core/domain/error.hpp"
#include "core/domain/workflow.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// Where a workflow stands: undeployed -> deploying -> deployed ->
// undeploying -> undeployed, or error with a reason.
enum class DeploymentState
{
  undeployed,
  deploying,
  deployed,
  undeploying,
  error
};

// "undeployed", "deploying", "deployed", "undeploying", "error".
std::string_view to_string(DeploymentState state);

// Parse the spelling of to_string.
std::optional<DeploymentState> parse_deployment_state(std::string_view text);

// A static file of a workflow version, uploaded at push.
struct StoredWorkflowFile
{
  std::string path;      // relative to the workflow file's directory
  std::string key;       // content key in the WorkflowFileStore
  std::int64_t size = 0; // bytes

  bool operator==(const StoredWorkflowFile&) const = default;
};

// One immutable version of a workflow.
struct StoredWorkflow
{
  std::string id;
  std::string project = "default"; // set by the first version; kept after
  int version = 0;                       // 1, 2, ... per id
  std::string yaml;                      // the normalised file (write_workflow)
  std::int64_t created_at = 0;           // Unix seconds
  std::vector<StoredWorkflowFile> files; // sorted by path
};

// What the timer trigger of a deployed workflow has done (TriggerService),
// kept across daemon restarts.
struct TriggerState
{
  // Unix milliseconds of the deployment the trigger runs for (its ticks
  // are counted from it); 0 before the trigger started.
  std::int64_t started_ms = 0;
  bool once_done = false;        // "one-run" created its run
  std::int64_t skipped_ticks = 0; // ticks skipped at max_concurrent_runs
  std::string error;             // why the trigger stopped; "" when fine

  bool operator==(const TriggerState&) const = default;
};

// The deployment of a workflow id (one per id, whatever its versions).
struct WorkflowDeployment
{
  std::string id;
  std::string project = "default"; // the project the workflow belongs to
  int latest_version = 0;
  int deployed_version = 0; // 0 when none
  DeploymentState state = DeploymentState::undeployed;
  std::string reason;          // why it is in error; "" otherwise
  std::int64_t updated_at = 0; // Unix seconds of the last state change
  TriggerState trigger;        // written by set_trigger_state only
};

// A failed deployment, kept for `ryax workflow errors`.
struct DeploymentError
{
  std::int64_t at = 0; // Unix seconds
  int version = 0;
  std::string message;
};

// Workflow versions and deployments, by project: each project has its own
// workflow ids.
class WorkflowStore
{
public:
  virtual ~WorkflowStore() = default;

  // Version `version` of workflow `id` of `project`, or its latest when
  // `version` is 0; nullopt when there is none.
  virtual Result<std::optional<StoredWorkflow>> find(const std::string& project,
                                                     const std::string& id,
                                                     int version) = 0;

  // Record a new version, and the workflow (undeployed) when it is the
  // first; its latest_version becomes `workflow.version`. already_exists
  // when that version is taken.
  virtual Result<void> add_version(const StoredWorkflow& workflow) = 0;

  // The deployment of `id` of `project`, or nullopt for an unknown
  // workflow.
  virtual Result<std::optional<WorkflowDeployment>> deployment(
    const std::string& project,
    const std::string& id) = 0;

  // Every workflow's deployment in `project`, by id.
  virtual Result<std::vector<WorkflowDeployment>> list(
    const std::string& project) = 0;

  // Record state, deployed_version, reason and updated_at of
  // `deployment.id` of `deployment.project`. not_found when the workflow is
  // gone.
  virtual Result<void> set_deployment(const WorkflowDeployment& deployment) = 0;

  // Every deployed workflow of every project.
  virtual Result<std::vector<WorkflowDeployment>> deployed() = 0;

  // Record the trigger state of `id` of `project`. not_found when the
  // workflow is gone. Unlike the other writes, it leaves generation() as
  // it is: no version or deployment state changes.
  virtual Result<void> set_trigger_state(const std::string& project,
                                         const std::string& id,
                                         const TriggerState& state) = 0;

  // Append a deployment error of `id` of `project`.
  virtual Result<void> add_error(const std::string& project,
                                 const std::string& id,
                                 const DeploymentError& error) = 0;

  // The deployment errors of `id` of `project`, oldest first.
  virtual Result<std::vector<DeploymentError>> errors(
    const std::string& project,
    const std::string& id) = 0;

  // Forget `id` of `project`: its versions, deployment and errors.
  // not_found naming it.
  virtual Result<void> remove(const std::string& project,
                              const std::string& id) = 0;

  // A number that changes after every write through this object, for
  // callers that keep what they read (compare it to decide to read again).
  virtual std::uint64_t generation() const = 0;
};

// Static files of workflows, content-addressed.
class WorkflowFileStore
{
public:
  virtual ~WorkflowFileStore() = default;

  // Store `content` (once per content) and return its key.
  // internal when it cannot be written.
  virtual Result<std::string> put(std::string_view content) = 0;

  // Where the file of `key` is on disk.
  virtual std::string path(const std::string& key) = 0;
};

// The workflow file format (man ryax-workflow(5)).
class WorkflowFormat
{
public:
  virtual ~WorkflowFormat() = default;

  // Parse `text`, shown as `display_path` in diagnostics. Never fails:
  // problems are diagnostics of the result.
  virtual domain::ParsedWorkflow parse(std::string_view text,
                                       const std::string& display_path) = 0;

  // The normalised file of `workflow`: parse() of it gives `workflow` back.
  virtual std::string write(const domain::WorkflowDefinition& workflow) = 0;
};

// --- Inline implementations ---

inline std::string_view
to_string(DeploymentState state)
{
  switch (state) {
    case DeploymentState::undeployed:
      return "undeployed";
    case DeploymentState::deploying:
      return "deploying";
    case DeploymentState::deployed:
      return "deployed";
    case DeploymentState::undeploying:
      return "undeploying";
    case DeploymentState::error:
      return "error";
  }
  return "error";
}

inline std::optional<DeploymentState>
parse_deployment_state(std::string_view text)
{
  for (const auto state : { DeploymentState::undeployed,
                            DeploymentState::deploying,
                            DeploymentState::deployed,
                            DeploymentState::undeploying,
                            DeploymentState::error }) {
    if (to_string(state) == text) {
      return state;
    }
  }
  return std::nullopt;
}

} // namespace ryax::app
