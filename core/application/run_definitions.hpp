#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/run_staging.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/secret_box.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/application/scheduler.hpp"
#include "core/domain/compiled_workflow.hpp"
#include "core/domain/run_values.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// How the executions of one action step run.
struct StepPlan
{
  // What it runs on; unset when its action version is gone or not built.
  std::optional<RuntimeSpec> spec;
  std::string unavailable; // why `spec` is unset
  SchedulingPlan scheduling; // its candidates are the scheduler's
};

// One step input that reads a project variable ("{{ vars.NAME }}", alone
// or inside an interpolation).
struct VariableUse
{
  std::string name;  // the variable
  std::string step;  // the step's id
  std::string input; // the input's name
  // The input's declaration when the variable feeds it alone and the
  // action version is known (the value is checked against it), else null.
  const domain::IoSpec* spec = nullptr;
};

// Everything the runs of one workflow version with one set of action
// versions share, computed once: the compiled workflow, the action version
// of every step, how each step runs, and the static files. Immutable.
struct RunDefinition
{
  RunDefinition(RunFileStore& files) : m_files(files) {}
  // Releases the static files it holds.
  ~RunDefinition();
  RunDefinition(const RunDefinition&) = delete;
  RunDefinition& operator=(const RunDefinition&) = delete;

  std::string workflow_id;
  std::string project; // the workflow's
  int version = 0;
  std::shared_ptr<const domain::CompiledWorkflow> workflow;
  // Step id -> the action version it runs, "id:version".
  std::map<std::string, std::string> actions;
  // By step index (index 0, the trigger, has an empty plan).
  std::vector<StepPlan> plans;
  // The static files of the version, as run files.
  domain::BindingContext binding;
  // The inputs reading project variables, in step order: each run reads
  // these variables when it starts.
  std::vector<VariableUse> variables;
  // The run file keys held for `binding`.
  std::vector<std::string> held;

private:
  RunFileStore& m_files;
};

// Builds and keeps the RunDefinitions of deployed workflows. Thread-safe;
// the reads it makes (workflow store, catalogue, static files) happen
// outside any lock of the runner, and again only when the stores were
// written since (their generation changed).
class RunDefinitions
{
public:
  RunDefinitions(WorkflowStore& workflows,
                 WorkflowFormat& format,
                 ActionCatalogue& catalogue,
                 RunFileStore& files,
                 RunStaging& staging,
                 SecretBox& secrets,
                 std::string arch);

  // The definition new runs of `workflow_id` get: its deployed version,
  // each step on its pinned action version or the newest built one.
  // not_found (with the near miss); failed_precondition when it is not
  // deployed or an action is not built.
  Result<std::shared_ptr<const RunDefinition>> deployed(
    const std::string& project,
    const std::string& workflow_id);

  // The definition of a run already started: version `version` with the
  // action versions of `actions` (a step whose version is gone or not
  // built gets no spec, and its executions fail). not_found when the
  // workflow version is gone.
  Result<std::shared_ptr<const RunDefinition>> of_run(
    const std::string& project,
    const std::string& workflow_id,
    int version,
    const std::map<std::string, std::string>& actions);

  // Version `version` of `workflow_id` of `project`, compiled. not_found
  // when gone.
  Result<std::shared_ptr<const domain::CompiledWorkflow>> compiled(
    const std::string& project,
    const std::string& workflow_id,
    int version);

  // Forget every cached definition (they live on in the runs using them).
  void clear();

private:
  Result<std::shared_ptr<const RunDefinition>> build(
    const std::string& project,
    const std::string& workflow_id,
    int version,
    const std::map<std::string, std::string>& actions);
  Result<std::map<std::string, std::string>> resolve_actions(
    const std::string& project,
    const domain::WorkflowDefinition& workflow);

  WorkflowStore& m_workflows;
  WorkflowFormat& m_format;
  ActionCatalogue& m_catalogue;
  RunFileStore& m_files;
  RunStaging& m_staging;
  SecretBox& m_secrets;
  std::string m_arch;

  std::mutex m_mutex; // the maps below
  struct Deployed
  {
    std::uint64_t workflows_generation = 0;
    std::uint64_t catalogue_generation = 0;
    std::shared_ptr<const RunDefinition> definition;
  };
  std::map<std::string, Deployed, std::less<>> m_deployed; // by workflow id
  // "workflow:version|step=action|..." -> definition of started runs.
  std::map<std::string, std::weak_ptr<const RunDefinition>> m_of_runs;
  std::map<std::string, std::shared_ptr<const domain::CompiledWorkflow>>
    m_compiled; // "workflow:version"
  std::uint64_t m_compiled_generation = 0; // of the workflow store
};

} // namespace ryax::app
