#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/run_definitions.hpp"
#include "core/application/run_engine.hpp"
#include "core/application/run_journal.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ryax::app {

// A run as shown: password values replaced by "********".
struct RunView
{
  StoredRun stored;
  std::vector<domain::RunResult> results;
  // The trigger's step id, and the action step ids in workflow order
  // (empty when the workflow version is gone).
  std::string trigger_step;
  std::vector<std::string> step_order;
  // Bumped at every change of a going run; the largest value once it is
  // over.
  std::uint64_t generation = 0;
  // What the runtimes say of running executions (a Slurm job's state).
  std::map<domain::StepKey, std::string> statuses;
};

// Whether the run of `view` has step `step`: ok, or not_found naming the
// near miss or its steps.
Result<void> has_step(const RunView& view, const std::string& step);

// Reads runs for people and watchers: a going run from memory (once what
// is shown of it is durable), a finished one from storage. Never takes the
// runner's lock while reading storage or the catalogue.
class RunQueries
{
public:
  RunQueries(RunEngine& engine,
             RunJournal& journal,
             RunDefinitions& definitions,
             RunStore& runs,
             RunLogStore& logs,
             RunFileStore& files,
             ActionCatalogue& catalogue);

  // The run `id`. not_found; unavailable when its state cannot be written.
  Result<RunView> get(const std::string& id);

  // The run once its generation differs from `seen` (or it is final), or
  // at `deadline` (then as it is). not_found.
  Result<RunView> wait_change(const std::string& id,
                              std::uint64_t seen,
                              std::chrono::steady_clock::time_point deadline);

  // The run once it is final, or at `deadline` (then as it is). not_found.
  Result<RunView> wait_final(const std::string& id,
                             std::chrono::steady_clock::time_point deadline);

  // Runs, newest first.
  Result<std::vector<RunSummary>> list(const RunFilter& filter);

  // The log of run `id` from `offset` (see RunLogStore::read).
  Result<std::pair<std::vector<RunLogRecord>, std::uint64_t>> read_log(
    const std::string& id,
    std::uint64_t offset);

  // The stored object of `key` when run `id` uses it (trigger values,
  // inputs, outputs): its path, and the FileRef. not_found otherwise.
  Result<std::pair<std::string, domain::FileRef>> file_of(
    const std::string& id,
    const std::string& key);

  // The view of `stored` of `definition` (null: read the metadata of its
  // actions from the catalogue) of `workflow` (null when gone).
  RunView view_of(StoredRun stored,
                  const domain::CompiledWorkflow* workflow,
                  const RunDefinition* definition,
                  std::uint64_t generation);

private:
  RunEngine& m_engine;
  RunJournal& m_journal;
  RunDefinitions& m_definitions;
  RunStore& m_runs;
  RunLogStore& m_logs;
  RunFileStore& m_files;
  ActionCatalogue& m_catalogue;
};

} // namespace ryax::app
