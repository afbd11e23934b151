#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/domain/run_progress.hpp"
#include "core/domain/run_values.hpp"
#include "core/domain/scheduling.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ryax::app {

// The adapters the runner works through.
struct RunPorts
{
  RunStore& runs;
  RunLogStore& logs;
  RunFileStore& files;
  RuntimePool& runtimes;
  WorkflowStore& workflows;
  WorkflowFileStore& workflow_files;
  WorkflowFormat& format;
  ActionCatalogue& catalogue;
  Clock& clock;
};

// How the runner behaves (ryaxd.yaml).
struct RunSettings
{
  // Per-execution input directories go here (wiped at start).
  std::string work_dir;
  // Step executions running at once, all runs together.
  int concurrency = 8;
  // Runs accepted and not finished, at most (each holds memory until it
  // ends): start_run refuses more. 0 for no limit.
  int max_unfinished_runs = 0;
  // Finished runs removed in the background.
  RetentionPolicy retention;
  // How often retention and idle replica reaping run.
  std::chrono::milliseconds housekeeping_interval{ std::chrono::seconds(60) };
  // The site steps are placed on, and the architecture bundles are built
  // for here (a step asks for it).
  domain::Site site;
  std::string arch;
};

// A value uploaded for a trigger output (`ryax run --file NAME=PATH`),
// already written to a local path by the caller.
struct UploadedValue
{
  std::string name;      // the trigger output
  std::string path;      // a local file or directory (the caller removes it)
  std::string file_name; // the name users see
  bool directory = false;
};

// `ryax run`.
struct StartRunRequest
{
  std::string workflow_id;
  // (output name, text as typed), in the order given.
  std::vector<std::pair<std::string, std::string>> values;
  std::vector<UploadedValue> files;
  // Its steps go before those of runs of lower priority.
  int priority = 0;
};

// One node pool as `site show` sees it.
struct PoolView
{
  domain::NodePool pool;
  domain::PoolUsage usage;
  int queued = 0; // waiting executions whose best pool it is
};

// A run as shown: password values replaced by "********".
struct RunView
{
  StoredRun stored;
  std::vector<domain::RunResult> results;
  // The trigger's step id, and the action step ids in workflow order
  // (empty when the workflow version is gone).
  std::string trigger_step;
  std::vector<std::string> step_order;
  // Bumped at every change of the run, for watchers.
  std::uint64_t generation = 0;
};

// Executes workflow runs: each run's DAG goes forward step by step in warm
// runtimes, every transition persisted (see core/domain/run_progress.hpp for
// the rules). After a crash, start() picks unfinished runs up again.
class RunService
{
public:
  RunService(RunPorts ports, RunSettings settings);
  ~RunService();
  RunService(const RunService&) = delete;
  RunService& operator=(const RunService&) = delete;

  // Recover the runs left unfinished by a previous daemon, then start the
  // workers and the housekeeping thread.
  Result<void> start();

  // Stop the workers: running executions are cancelled and stay recorded
  // as running, to run again at the next start (at-least-once).
  void stop();

  // Start a run of the deployed version of a workflow through its manual
  // trigger. not_found (with the near miss); failed_precondition when it is
  // not deployed, its trigger is not manual, or an action is not built;
  // invalid_argument for a value that does not fit the trigger's outputs;
  // unavailable when max_unfinished_runs runs are going.
  Result<RunView> start_run(const StartRunRequest& request);

  // The run `id`. not_found.
  Result<RunView> get(const std::string& id);

  // The run once its generation differs from `seen`, or at `deadline`
  // (then as it is). not_found.
  Result<RunView> wait_change(const std::string& id,
                              std::uint64_t seen,
                              std::chrono::steady_clock::time_point deadline);

  // The run once it is final, or at `deadline` (then as it is). not_found.
  Result<RunView> wait_final(const std::string& id,
                             std::chrono::steady_clock::time_point deadline);

  // Runs, newest first.
  Result<std::vector<RunSummary>> list(const RunFilter& filter);

  // Cancel run `id`: it is cancelled at once; its running steps are told
  // to stop. failed_precondition when already final; not_found.
  Result<RunView> cancel(const std::string& id);

  // Forget the finished run `id`, its log and the files only it used; the
  // number of files removed. failed_precondition while it is not final.
  Result<int> remove(const std::string& id);

  // The log of run `id` from `offset` (see RunLogStore::read). not_found.
  Result<std::pair<std::vector<RunLogRecord>, std::uint64_t>> read_log(
    const std::string& id,
    std::uint64_t offset);

  // The stored object of `key` when run `id` uses it (trigger values,
  // inputs, outputs): its path, and the FileRef. not_found otherwise.
  Result<std::pair<std::string, domain::FileRef>> file_of(
    const std::string& id,
    const std::string& key);

  // Apply the retention policy now; the number of runs removed.
  Result<int> apply_retention();

  // The site steps are placed on.
  const domain::Site& site() const { return m_settings.site; }

  // Each pool of the site with what runs on it and what waits for it.
  std::vector<PoolView> pools();

  // Every live action replica (the deployments).
  std::vector<ReplicaView> replicas() { return m_ports.runtimes.replicas(); }

private:
  struct Active;
  // A placed execution, for a worker.
  struct Job
  {
    std::string run_id;
    domain::StepKey key;
    std::string pool;
    domain::ResourceRequest request;
  };
  // A waiting execution in the scheduler queue.
  struct Pending
  {
    std::string run_id;
    domain::StepKey key;
  };

  Result<std::shared_ptr<const domain::WorkflowDefinition>> definition(
    const std::string& workflow_id,
    int version);
  Result<void> activate(StoredRun stored, bool recovered);
  void advance(Active& active);
  void dispatch();
  void persist(Active& active,
               const std::vector<domain::StepKey>& changed,
               const std::vector<domain::StepKey>& removed);
  void apply(Active& active,
             const domain::StepKey& key,
             domain::StepOutcome outcome);
  void settle(const std::string& run_id);
  void worker_loop();
  void housekeeping_loop();
  void execute(const Job& job);
  // `active`: the run's in-memory state when it is going, else nullptr.
  RunView view_of(const StoredRun& stored,
                  const domain::WorkflowDefinition* workflow,
                  std::uint64_t generation,
                  const Active* active);
  std::int64_t now_ms() { return m_ports.clock.now_unix_ms(); }

  RunPorts m_ports;
  RunSettings m_settings;
  std::mutex m_mutex; // everything below up to m_stopping
  std::condition_variable m_work;    // a job was queued, or stopping
  std::condition_variable m_changed; // a run changed
  std::map<std::string, std::unique_ptr<Active>> m_active;
  std::map<domain::QueueRank, Pending> m_pending; // the scheduler queue
  std::uint64_t m_sequence = 0;
  std::map<std::string, domain::PoolUsage> m_usage; // by pool name
  std::deque<Job> m_ready;                           // placed, for workers
  std::map<std::string, std::shared_ptr<const domain::WorkflowDefinition>>
    m_definitions; // "id:version"
  bool m_stopping = false;
  std::vector<std::thread> m_workers;
  std::thread m_housekeeper;
  std::mutex m_housekeeping_mutex;
  std::condition_variable m_housekeeping_wake;
  bool m_housekeeping_stop = false;
};

} // namespace ryax::app
