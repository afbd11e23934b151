#pragma once

#include "core/application/ports/clock.hpp"
#include "core/application/ports/time_zones.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/application/run_service.hpp"
#include "core/application/trigger_logs.hpp"
#include "core/application/workflow_service.hpp"
#include "core/domain/timer_trigger.hpp"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ryax::app {

// Starts the runs of deployed workflows whose trigger is a built-in timer
// ("emitevery", "one-run", "crongw"; domain/timer_trigger.hpp), on one
// thread with a queue of next fire times read from the Clock. Deploy
// starts a workflow's timer, undeploy stops it (its runs go on), start()
// takes back every deployed timer after a daemon restart. A run is started
// as `ryax run` starts one (RunService::start_run), with the tick's time
// as the trigger's output "time". An exception while firing is logged and
// stops that timer only, with the reason in its TriggerState.
class TriggerService final : public DeploymentListener
{
public:
  // Cron triggers named by a time zone read its offsets from `zones`.
  TriggerService(WorkflowStore& workflows,
                 WorkflowFormat& format,
                 RunService& runs,
                 Clock& clock,
                 TimeZones& zones);
  ~TriggerService() override;
  TriggerService(const TriggerService&) = delete;
  TriggerService& operator=(const TriggerService&) = delete;

  // Schedule the timer of every deployed workflow of every project (ticks
  // missed while the daemon was down are not made up; a "one-run" whose
  // run was created does not run again), then start the thread. internal
  // when the deployed workflows cannot be read.
  Result<void> start();

  // Stop the thread; runs started go on. Idempotent.
  void stop();

  // DeploymentListener: a deployed timer fires from now (its first tick
  // now for "emitevery" and "one-run"); an undeployed one stops, once a
  // tick being fired is done.
  void deployed(const WorkflowDeployment& deployment) override;
  void undeployed(const std::string& project, const std::string& id) override;

  // Also write the timers' start, stop, skipped ticks and errors in the
  // workflows' trigger logs (nullptr: only in the daemon's log). Set
  // before start().
  void set_log(TriggerLogs* logs) { m_logs = logs; }

  // Read the clock again now (tests move a ManualClock, then poke).
  void poke();

  // The timers scheduled now.
  std::size_t scheduled();

private:
  using Key = std::pair<std::string, std::string>; // project, workflow id

  struct Timer
  {
    domain::TimerTrigger timer;
    int max_concurrent_runs = 0; // 0: no limit
    TriggerState state;
    std::uint64_t generation = 0;
  };

  struct Due
  {
    std::int64_t at_ms = 0;
    std::uint64_t generation = 0;
    Key key;

    bool
    operator>(const Due& other) const
    {
      return at_ms > other.at_ms;
    }
  };

  // Read the deployed version of `deployment` and schedule its timer from
  // `state` (a fresh deployment or a restart); nothing for other triggers.
  void schedule(const WorkflowDeployment& deployment,
                TriggerState state,
                bool restart);
  void loop();
  // Fire `timer` of `key` for the tick at `tick_ms`; its new state. Never
  // throws.
  TriggerState fire(const Key& key, const Timer& timer, std::int64_t tick_ms);
  void save(const Key& key, const TriggerState& state);
  // A line of the trigger log of `key`, when there is one.
  void note(const Key& key, const std::string& text);

  WorkflowStore& m_workflows;
  WorkflowFormat& m_format;
  RunService& m_runs;
  Clock& m_clock;
  TimeZones& m_zones;
  TriggerLogs* m_logs = nullptr;
  std::mutex m_mutex;
  std::condition_variable m_wake;  // the queue or the clock changed
  std::condition_variable m_fired; // a tick was fired
  std::map<Key, Timer> m_timers;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> m_queue;
  std::uint64_t m_generation = 0;
  std::optional<Key> m_firing;
  bool m_poked = false;
  bool m_stopping = true;
  std::thread m_thread;
};

} // namespace ryax::app
