#pragma once

#include "core/application/ports/bundle_source.hpp"
#include "core/application/ports/run_staging.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/runtime_pool.hpp"

#include <map>
#include <mutex>
#include <string>

namespace ryax::app {

// Runs the executions a worker agent is sent: the bundle fetched when
// missing, local copies of the file inputs (from the worker's run file
// store, which reads the global store on a miss), a warm runtime leased
// from the worker's pool, and the file outputs stored in the run file
// store, named by their keys in the outcome. Thread-safe.
class AgentExecutor
{
public:
  // `global_files`: the run file store shares files with the main daemon
  // (a global store); without one, steps with file inputs or outputs fail
  // saying so.
  AgentExecutor(RuntimePool& runtimes,
                RunStaging& staging,
                RunFileStore& files,
                BundleSource& bundles,
                bool global_files);

  // Execute `execution_id` of `spec` with `inputs` (file values name run
  // file keys). Every failure is the outcome's StepError.
  domain::StepOutcome execute(const std::string& execution_id,
                              const RuntimeSpec& spec,
                              const domain::Values& inputs,
                              const LogCallback& on_log);

  // Tell execution `execution_id` to stop. not_found when none runs.
  Result<void> cancel(const std::string& execution_id);

  // The executions running now.
  std::vector<std::string> running();

private:
  domain::StepOutcome run(const std::string& execution_id,
                          const RuntimeSpec& spec,
                          const domain::Values& inputs,
                          const LogCallback& on_log);

  RuntimePool& m_runtimes;
  RunStaging& m_staging;
  RunFileStore& m_files;
  BundleSource& m_bundles;
  bool m_global_files;
  std::mutex m_mutex;
  // Running executions; null while the runtime is being acquired.
  std::map<std::string, RuntimeLease*> m_running;
  std::map<std::string, bool> m_cancelled;
};

} // namespace ryax::app
