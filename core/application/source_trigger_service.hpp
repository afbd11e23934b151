#pragma once

#include "core/application/ports/action_catalogue.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/secret_box.hpp"
#include "core/application/ports/variable_store.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/application/run_service.hpp"
#include "core/application/trigger_logs.hpp"
#include "core/application/workflow_service.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ryax::app {

// The adapters SourceTriggerService works through.
struct SourceTriggerPorts
{
  WorkflowStore& workflows;
  WorkflowFormat& format;
  ActionCatalogue& catalogue;
  RuntimePool& runtimes;
  SecretBox& secrets;     // opens the trigger's sealed static values
  VariableStore& variables;
  Clock& clock;
};

// Runs the user-written source of every deployed workflow whose trigger is
// a `kind: Source` action: one thread per source, holding a runtime of the
// pool for as long as the source's `run` runs. Each create_run starts a run
// (RunService::start_run, by_trigger) with the run's data as the trigger's
// outputs, and is answered once the run is stored (create_run returns its
// id) or refused (create_run raises the reason). create_run_error starts
// no run: it is written in the trigger log and counted.
//
// Lifecycle: deploy starts the source, undeploy cancels it (runs it started
// go on), start() takes back every deployed source after a daemon restart.
// A source whose `run` raises, whose runtime crashes or cannot start, or
// whose inputs are wrong puts the workflow's trigger in error (its
// TriggerState and a deployment error, as `workflow show` and `workflow
// errors` show) and is not restarted, not even by a daemon restart, until
// the workflow is deployed again. A source whose `run` returns has ended:
// it runs again at the next deploy only. Its output and the service's
// lines about it go to the workflow's trigger log (TriggerLogs).
class SourceTriggerService final : public DeploymentListener
{
public:
  SourceTriggerService(SourceTriggerPorts ports,
                       RunService& runs,
                       TriggerLogs& logs);
  ~SourceTriggerService() override;
  SourceTriggerService(const SourceTriggerService&) = delete;
  SourceTriggerService& operator=(const SourceTriggerService&) = delete;

  // Start the source of every deployed workflow of every project that has
  // one, unless its trigger is in error or its `run` returned. internal
  // when the deployed workflows cannot be read.
  Result<void> start();

  // Cancel every source and wait for their threads. Idempotent.
  void stop();

  // DeploymentListener: a deployed user source starts now (replacing the
  // one of a previous deploy); an undeployed one is cancelled.
  void deployed(const WorkflowDeployment& deployment) override;
  void undeployed(const std::string& project, const std::string& id) override;

  // The sources whose thread runs now.
  std::size_t running();

  // create_run_error calls counted since the daemon started, all workflows.
  std::int64_t failed_runs() const { return m_failed_runs.load(); }

private:
  using Key = std::pair<std::string, std::string>; // project, workflow id

  struct Source
  {
    Key key;
    int version = 0;
    std::string execution_id;
    std::atomic<bool> stopping{ false };
    std::atomic<bool> ended{ false };
    std::mutex lease_mutex; // guards lease
    RuntimeLease* lease = nullptr;
    std::thread thread;
  };

  // Start the source of `deployment` when its trigger is a user source.
  void launch(const WorkflowDeployment& deployment, bool restart);
  // The thread of `source`: run it until it ends. Never throws.
  void run(const std::shared_ptr<Source>& source,
           domain::WorkflowDefinition workflow,
           TriggerState state);
  // Run the source through `lease`; the reason it stopped in error, or ""
  // when it was cancelled or returned (`returned` set).
  std::string run_through(Source& source,
                          RuntimeLease& lease,
                          const domain::Values& inputs,
                          int max_concurrent_runs,
                          bool& returned);
  // Answer one create_run or create_run_error.
  SourceAck on_run(Source& source, const CreatedRun& run, int max_concurrent_runs);
  // Stop the source of `key`, if any, writing `why` in its trigger log.
  void retire(const Key& key, const std::string& why);
  // Tell `source` to stop and cancel what it runs (bounded wait).
  void cancel(Source& source);
  // Join the threads of stopped sources that ended (or all of them).
  void reap(bool all);
  void fail_trigger(const Source& source, TriggerState state, const std::string& reason);
  void save(const Key& key, const TriggerState& state);
  void note(const Key& key, const std::string& text);

  SourceTriggerPorts m_ports;
  RunService& m_runs;
  TriggerLogs& m_logs;
  std::mutex m_mutex;
  std::map<Key, std::shared_ptr<Source>> m_sources;
  std::vector<std::shared_ptr<Source>> m_retired; // cancelled, to join
  std::uint64_t m_generation = 0;
  bool m_stopping = false;
  std::atomic<std::int64_t> m_failed_runs{ 0 };
};

} // namespace ryax::app
