#pragma once

#include "core/application/ports/clock.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/run_engine.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace ryax::app {

// Removes finished runs (by request and by the retention policy) and stops
// idle replicas, on a thread of its own. An exception in one round is
// logged and the next round comes as usual.
class RunHousekeeper
{
public:
  RunHousekeeper(RunEngine& engine,
                 RunStore& runs,
                 RunLogStore& logs,
                 RunFileStore& files,
                 RuntimePool& runtimes,
                 Clock& clock,
                 RetentionPolicy retention,
                 std::chrono::milliseconds interval);
  ~RunHousekeeper();
  RunHousekeeper(const RunHousekeeper&) = delete;
  RunHousekeeper& operator=(const RunHousekeeper&) = delete;

  // Start and stop the rounds.
  void start();
  void stop();

  // Forget the finished run `id`, its log and the files only it used; the
  // number of files removed. failed_precondition while it is going;
  // not_found.
  Result<int> remove(const std::string& id);

  // Apply the retention policy now; the number of runs removed.
  Result<int> apply_retention();

  // One round: retention, then idle replicas.
  void round();

private:
  void loop();

  RunEngine& m_engine;
  RunStore& m_runs;
  RunLogStore& m_logs;
  RunFileStore& m_files;
  RuntimePool& m_runtimes;
  Clock& m_clock;
  RetentionPolicy m_retention;
  std::chrono::milliseconds m_interval;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = true;
  std::thread m_thread;
};

} // namespace ryax::app
