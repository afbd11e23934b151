#pragma once

#include "core/application/ports/run_staging.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/site_runtimes.hpp"
#include "core/application/run_engine.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ryax::app {

// How one execution went.
struct StepExecution
{
  domain::StepOutcome outcome;
  std::int64_t log_lines = 0; // lines of output stored
  // Run file keys of its outputs, held until the result is durable.
  std::vector<std::string> held;
  // The site or the runtime running it was lost (RuntimeLease::site_lost,
  // a ryax-wrapper that died): `outcome` is no result but says why, the
  // step runs again (RunEngine::interrupted).
  bool interrupted = false;
};

// Runs one placed step execution, without any lock of the runner: local
// copies of its file inputs, a runtime leased from the pool of the job's
// site (a runtime that fails to start is replaced once; one that dies
// makes the execution interrupted), the
// user's code, its log lines stored as they come, and its file outputs
// moved into the run file store. Thread-safe: every worker shares one.
class StepExecutor
{
public:
  StepExecutor(SiteRuntimes& sites, RunStaging& staging, RunLogStore& logs);

  // Execute `job`. Failures of the user's code, of the runtime and of the
  // files are the outcome's StepError; a site that is gone is
  // "site_gone"; a site or runtime lost during the execution makes it
  // interrupted.
  StepExecution execute(const StepJob& job);

private:
  domain::StepOutcome run(const StepJob& job,
                          const RuntimeSpec& spec,
                          StepExecution& execution);

  SiteRuntimes& m_sites;
  RunStaging& m_staging;
  RunLogStore& m_logs;
};

} // namespace ryax::app
