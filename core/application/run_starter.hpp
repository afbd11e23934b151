#pragma once

#include "core/application/ports/clock.hpp"
#include "core/application/ports/run_staging.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/variable_store.hpp"
#include "core/application/run_definitions.hpp"
#include "core/application/run_engine.hpp"
#include "core/application/run_journal.hpp"
#include "core/application/run_queries.hpp"

#include <string>
#include <utility>
#include <vector>

namespace ryax::app {

// `ryax run`.
struct StartRunRequest
{
  std::string workflow_id;
  // The caller's project: the workflow must belong to it, and the run
  // reads the variables of that project.
  std::string project;
  // (output name, text as typed), in the order given.
  std::vector<std::pair<std::string, std::string>> values;
  std::vector<Upload> files;
  // Its steps go before those of runs of lower priority.
  int priority = 0;
  // Typed trigger outputs (a source's create_run), beside `values`; a
  // file or directory is refused (a source's files are not collected yet).
  domain::Outputs outputs;
  // Set by the services of triggers (timers, HTTP, user sources): the
  // workflow's own trigger starts the run, whatever it is.
  bool by_trigger = false;
};

// Starts runs of deployed workflows: the trigger's values typed by its
// declared outputs, uploads stored, the action versions fixed (from the
// cached RunDefinition), and the run accepted by the engine once its
// creation is durable.
class RunStarter
{
public:
  RunStarter(RunDefinitions& definitions,
             RunEngine& engine,
             RunJournal& journal,
             RunQueries& queries,
             RunStaging& staging,
             RunFileStore& files,
             IdGenerator& ids,
             Clock& clock,
             VariableStore& variables);

  // Start a run of the deployed version of a workflow through its manual
  // trigger (or any trigger, when `by_trigger`). The run is durable when
  // this returns. not_found (with the near miss); failed_precondition when
  // it is not deployed, its trigger is not manual and not `by_trigger`
  // (ryaxd starts those runs itself), or an action is not built;
  // invalid_argument for a value that does not fit the trigger's outputs
  // (or a repeated one, or a bad upload); not_found for a project variable
  // a step reads that the run's project does not define, invalid_argument
  // for one whose type does not fit the input it feeds (both naming the
  // variable and the step input); unavailable when
  // max_unfinished_runs runs are going or the run cannot be written.
  Result<RunView> start(const StartRunRequest& request);

private:
  Result<domain::Outputs> trigger_values(const StartRunRequest& request,
                                         const RunDefinition& definition,
                                         std::vector<std::string>& held);
  Result<domain::Values> variables(const StartRunRequest& request,
                                   const RunDefinition& definition);

  RunDefinitions& m_definitions;
  RunEngine& m_engine;
  RunJournal& m_journal;
  RunQueries& m_queries;
  RunStaging& m_staging;
  RunFileStore& m_files;
  IdGenerator& m_ids;
  Clock& m_clock;
  VariableStore& m_variables;
};

// Whether `name` can name an uploaded file: one path component, not "."
// or "..", no NUL.
bool is_valid_upload_name(const std::string& name);

// Whether `path` can name an entry of an uploaded directory: relative, no
// ".." component, no NUL.
bool is_valid_upload_entry(const std::string& path);

} // namespace ryax::app
