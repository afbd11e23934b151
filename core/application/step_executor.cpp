#include "core/application/step_executor.hpp"

#include "core/application/log.hpp"
#include "core/application/step_outcomes.hpp"

#include <fmt/format.h>

namespace ryax::app {

namespace {

// Removes the staged inputs of an execution when it ends.
class StagedInputs
{
public:
  StagedInputs(RunStaging& staging, std::string id, std::string dir)
    : m_staging(staging)
    , m_id(std::move(id))
    , m_dir(std::move(dir))
  {
  }
  ~StagedInputs() { m_staging.discard(m_id, m_dir); }
  StagedInputs(const StagedInputs&) = delete;
  StagedInputs& operator=(const StagedInputs&) = delete;

private:
  RunStaging& m_staging;
  std::string m_id;
  std::string m_dir;
};

} // namespace

StepExecutor::StepExecutor(SiteRuntimes& sites,
                           RunStaging& staging,
                           RunLogStore& logs)
  : m_sites(sites)
  , m_staging(staging)
  , m_logs(logs)
{
}

StepExecution
StepExecutor::execute(const StepJob& job)
{
  StepExecution execution;
  const auto& plan = *job.plan;
  if (!plan.spec) {
    execution.outcome = step_error("runtime_unavailable", plan.unavailable);
    return execution;
  }
  // A step without its own time limit gets its pool's; the spec names the
  // pool it was placed on (a Slurm site's partition).
  const RuntimeSpec* spec = &*plan.spec;
  std::optional<RuntimeSpec> limited;
  if ((spec->time_limit_seconds == 0 && job.node_pool.time_seconds)
      || spec->node_pool != job.pool) {
    limited = *spec;
    if (limited->time_limit_seconds == 0 && job.node_pool.time_seconds) {
      limited->time_limit_seconds = *job.node_pool.time_seconds;
    }
    limited->node_pool = job.pool;
    spec = &*limited;
  }
  execution.outcome = run(job, *spec, execution);
  return execution;
}

domain::StepOutcome
StepExecutor::run(const StepJob& job,
                  const RuntimeSpec& spec,
                  StepExecution& execution)
{
  const auto& id = job.running->execution_id();
  const auto on_log = [&](const LogLine& line) {
    ++execution.log_lines;
    const RunLogRecord record{ line.timestamp_unix_ns, job.key.step,
                               job.key.branch,         job.attempt,
                               line.stream,            line.line };
    if (auto appended = m_logs.append(job.run_id, { record }); !appended) {
      log::warn("run {}: cannot store a log line: {}",
                job.run_id,
                appended.error().message);
    }
  };
  auto* runtimes = m_sites.pool(job.site);
  if (runtimes == nullptr) {
    return step_error("site_gone",
                      fmt::format("site \"{}\" is gone", job.site));
  }
  for (int retry = 0;; ++retry) {
    auto lease = runtimes->acquire(spec);
    if (!lease) {
      if (retry == 0 && lease.error().code == ErrorCode::unavailable) {
        log::warn("run {}: {}: {}: retrying once",
                  job.run_id,
                  domain::describe(job.key),
                  lease.error().message);
        continue;
      }
      return step_error("runtime_unavailable", lease.error().message);
    }
    // File and directory inputs get local copies where the runtime reads
    // them, unless its site reads the global run file store itself (file
    // inputs as keys).
    const bool copies = has_files(job.inputs) && !runtimes->files_by_key();
    const auto staging_dir = copies ? (*lease)->inputs_dir(id) : "";
    const StagedInputs staged(m_staging, id, staging_dir);
    auto local = copies ? m_staging.stage_inputs(id, job.inputs, staging_dir)
                        : Result<domain::Values>(job.inputs);
    if (!local) {
      return file_error(local.error(), "invalid_input");
    }
    if (!job.running->attach(lease->get())) {
      return step_error("cancelled", "the run was cancelled");
    }
    auto result = (*lease)->execute(id, *local, on_log);
    if (job.running->detach() && !result) {
      return step_error("cancelled", "the run was cancelled");
    }
    if (!result && (*lease)->site_lost()) {
      // It may have run or not: it runs again where it may (at least
      // once), which is not a failure of the step.
      (*lease)->discard();
      log::warn("run {}: {}: site {} was lost: {}",
                job.run_id,
                domain::describe(job.key),
                job.site,
                result.error().message);
      execution.interrupted = true;
      return step_error("site_lost", result.error().message);
    }
    if (!result) {
      // The runtime died or cannot be reached: this attempt is lost, and
      // the engine gives the step another one (RunEngine::interrupted).
      (*lease)->discard();
      log::warn("run {}: {}: the runtime was lost: {}",
                job.run_id,
                domain::describe(job.key),
                result.error().message);
      execution.interrupted = true;
      return step_error("runtime_lost", result.error().message);
    }
    auto ended = std::move(*result);
    auto* outputs = std::get_if<domain::Outputs>(&ended);
    auto* fan_out = std::get_if<domain::FanOut>(&ended);
    // Password outputs are secrets from the start: sealed at rest.
    const auto& output_specs = spec.action.metadata.outputs;
    if (outputs != nullptr) {
      domain::mark_secrets(*outputs, output_specs);
    }
    for (std::size_t i = 0; fan_out != nullptr && i < fan_out->sets.size();
         ++i) {
      domain::mark_secrets(fan_out->sets[i], output_specs);
    }
    if (!has_file_outputs(ended) || runtimes->files_by_key()) {
      // A remote site's file outputs are keys of the global store already.
      return ended;
    }
    // File and directory outputs move into the run file store.
    auto ingested =
      ingest_file_outputs(m_staging, (*lease)->outputs_dir(id), ended, execution.held);
    if (!ingested) {
      return file_error(ingested.error(), "invalid_output");
    }
    return ended;
  }
}

} // namespace ryax::app
