#pragma once

#include "core/application/accounting_recorder.hpp"
#include "core/application/deployments.hpp"
#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/run_staging.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/site_runtimes.hpp"
#include "core/application/ports/variable_store.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/application/run_definitions.hpp"
#include "core/application/run_engine.hpp"
#include "core/application/run_housekeeper.hpp"
#include "core/application/run_journal.hpp"
#include "core/application/run_queries.hpp"
#include "core/application/run_starter.hpp"
#include "core/application/step_executor.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ryax::app {

// The adapters the runner works through.
struct RunPorts
{
  RunStore& runs;
  RunLogStore& logs;
  RunFileStore& files;
  RunStaging& staging;
  // The daemon's own runtimes: its deployments (listed, drained, reaped).
  RuntimePool& runtimes;
  // The runtimes of every site, the daemon's own included: where steps
  // execute.
  SiteRuntimes& sites;
  WorkflowStore& workflows;
  WorkflowFormat& format;
  ActionCatalogue& catalogue;
  IdGenerator& ids;
  Clock& clock;
  VariableStore& variables; // project variables, read when a run starts
  SecretBox& secrets;       // opens the sealed static values of workflows
};

// How the runner behaves (ryaxd.yaml).
struct RunSettings
{
  // Step executions running at once, all runs together (worker threads).
  int concurrency = 8;
  // Runs accepted and not finished, at most; 0 for no limit.
  int max_unfinished_runs = 0;
  // Step executions of one run, at most; 0 for no limit.
  std::int64_t max_run_executions = 0;
  // Finished runs removed in the background.
  RetentionPolicy retention;
  // How often retention and idle replica reaping run.
  std::chrono::milliseconds housekeeping_interval{ std::chrono::seconds(60) };
  // The daemon's own site, first of the sites steps are placed on (others
  // join with RunService::upsert_site), and the architecture bundles are
  // built for here (a step asks for it).
  domain::Site site;
  std::string arch;
  // The machine the daemon runs on (its host name): the node of the
  // accounting records of its own site; "" when unknown.
  std::string node_name;
};

// Executes workflow runs: each run's DAG goes forward step by step in warm
// runtimes, every transition persisted. The parts (ARCHITECTURE.md, Runs):
// RunDefinitions (what runs of a workflow version share), RunStarter
// (starting runs), RunEngine (runs in memory, the scheduler queue and the
// rules), RunJournal (group commit), StepExecutor (one execution, no
// lock), RunQueries (views and watchers) and RunHousekeeper (removal and
// retention). This class wires them and owns the worker threads.
class RunService
{
public:
  RunService(RunPorts ports, RunSettings settings);
  ~RunService();
  RunService(const RunService&) = delete;
  RunService& operator=(const RunService&) = delete;

  // Take back the runs left unfinished by a previous daemon, then start the
  // workers, the journal's retries and housekeeping.
  Result<void> start();

  // Stop: running executions are cancelled and stay recorded as running,
  // to run again at the next start (at-least-once); what is pending is
  // written.
  void stop();

  // Record every execution that ran (or was lost) in `recorder`, which
  // start() and stop() start and stop with the workers; call before
  // start().
  void set_accounting(AccountingRecorder& recorder) { m_accounting = &recorder; }

  // See RunStarter::start.
  Result<RunView> start_run(const StartRunRequest& request)
  {
    return m_starter.start(request);
  }

  // The runs of workflow `workflow_id` of `project` not finished.
  int unfinished_runs(const std::string& project,
                      const std::string& workflow_id)
  {
    return m_engine.unfinished_runs(project, workflow_id);
  }

  // See RunQueries.
  // The calls that name a run by id act in `project`: another project's
  // run is not_found, as an unknown one. (wait_change, wait_final and
  // read_log follow a run a get() admitted.)
  Result<RunView> get(const std::string& project, const std::string& id);
  // The id of the run `selector` names in `project` (see resolve_run).
  Result<std::string> resolve(const std::string& project,
                              const std::string& selector,
                              const std::string& workflow_id);
  // The run `id` of any project, for a caller that authorises by the run's
  // own project (the HTTP result link). not_found.
  Result<RunView> get_any(const std::string& id) { return m_queries.get(id); }
  Result<RunView> wait_change(const std::string& id,
                              std::uint64_t seen,
                              std::chrono::steady_clock::time_point deadline)
  {
    return m_queries.wait_change(id, seen, deadline);
  }
  Result<RunView> wait_final(const std::string& id,
                             std::chrono::steady_clock::time_point deadline)
  {
    return m_queries.wait_final(id, deadline);
  }
  Result<std::vector<RunSummary>> list(const RunFilter& filter)
  {
    return m_queries.list(filter);
  }
  Result<std::pair<std::vector<RunLogRecord>, std::uint64_t>> read_log(
    const std::string& id,
    std::uint64_t offset)
  {
    return m_queries.read_log(id, offset);
  }
  Result<std::pair<std::string, domain::FileRef>> file_of(
    const std::string& project,
    const std::string& id,
    const std::string& key)
  {
    RYAX_TRY(get(project, id));
    return m_queries.file_of(id, key);
  }

  // Cancel run `id`: it is cancelled at once; its running steps are told
  // to stop. failed_precondition when already final; not_found.
  Result<RunView> cancel(const std::string& project, const std::string& id);

  // See RunHousekeeper.
  Result<int> remove(const std::string& project, const std::string& id)
  {
    RYAX_TRY(get(project, id));
    return m_housekeeper.remove(id);
  }
  Result<int> apply_retention() { return m_housekeeper.apply_retention(); }

  // The sites steps are placed on: the daemon's own (RunSettings::site)
  // first, then those added by upsert_site. The worker-agent adapter calls
  // the three below as workers join, change, go silent, come back or are
  // removed.

  // Add `site` (a worker joined: healthy) or replace the site of its name
  // (its pools changed: its health stays), and place what can run now.
  void upsert_site(domain::Site site) { m_engine.upsert_site(std::move(site)); }

  // Whether site `name` gets new placements. An unhealthy site keeps what
  // runs there (its runtimes say when an execution is lost: it runs again
  // elsewhere or waits); steps only it can run wait until it is healthy
  // again. Unknown names are ignored.
  void set_site_healthy(const std::string& name, bool healthy)
  {
    m_engine.set_site_healthy(name, healthy);
  }

  // Forget site `name`: queued steps only it could run end in error, and
  // the runtimes of SiteRuntimes must no longer give its pool (a step
  // placed there fails: "site_gone"). The daemon's own site stays.
  void remove_site(const std::string& name) { m_engine.remove_site(name); }

  // Every site with its health, pools, their use and what waits for them,
  // the daemon's own first.
  std::vector<SiteView> sites() { return m_engine.sites(); }

  // See RunEngine::executions_by_state.
  std::map<std::pair<std::string, std::string>, int> executions_by_state()
  {
    return m_engine.executions_by_state();
  }

  // The sites as configured (no use), the daemon's own first.
  std::vector<domain::Site> fleet() { return m_engine.fleet(); }

  // Site `name`. not_found naming the known sites.
  Result<SiteView> site(const std::string& name);

  // The deployments (live replicas by workflow action) of `workflow_id`,
  // or of every workflow of `project` when it is "".
  std::vector<DeploymentView> deployments(const std::string& project,
                                          const std::string& workflow_id);

  // The deployment `id` ("WORKFLOW/ACTION"). not_found with the near miss.
  Result<DeploymentView> deployment(const std::string& project,
                                    const std::string& id);

private:
  void worker_loop();
  void run_job(StepJob& job);
  // Give `job`, ended in `state` at `ended_ms`, to the accounting
  // recorder (if any).
  void account(const StepJob& job, std::string state, std::int64_t ended_ms);

  RunPorts m_ports;
  RunSettings m_settings;
  RunEngine m_engine;
  RunJournal m_journal;
  RunDefinitions m_definitions;
  StepExecutor m_executor;
  RunQueries m_queries;
  RunStarter m_starter;
  RunHousekeeper m_housekeeper;
  std::vector<std::thread> m_workers;
  AccountingRecorder* m_accounting = nullptr;
};

} // namespace ryax::app
