#include "core/application/agent_executor.hpp"

#include "core/application/log.hpp"
#include "core/application/step_outcomes.hpp"

namespace ryax::app {

AgentExecutor::AgentExecutor(RuntimePool& runtimes,
                             RunStaging& staging,
                             RunFileStore& files,
                             BundleSource& bundles,
                             bool global_files)
  : m_runtimes(runtimes)
  , m_staging(staging)
  , m_files(files)
  , m_bundles(bundles)
  , m_global_files(global_files)
{
}

domain::StepOutcome
AgentExecutor::execute(const std::string& execution_id,
                       const RuntimeSpec& spec,
                       const domain::Values& inputs,
                       const LogCallback& on_log)
{
  {
    std::lock_guard lock(m_mutex);
    m_running.emplace(execution_id, nullptr);
  }
  auto outcome = run(execution_id, spec, inputs, on_log);
  std::lock_guard lock(m_mutex);
  m_running.erase(execution_id);
  m_cancelled.erase(execution_id);
  return outcome;
}

domain::StepOutcome
AgentExecutor::run(const std::string& execution_id,
                   const RuntimeSpec& spec,
                   const domain::Values& inputs,
                   const LogCallback& on_log)
{
  if (auto present = m_bundles.ensure(spec.action.bundle_key); !present) {
    return step_error("runtime_unavailable",
                      "the action bundle cannot be fetched: "
                        + present.error().message);
  }
  constexpr const char* k_no_global_store =
    "this worker has no global file store (ryaxd.yaml filestore type s3, "
    "the main daemon's bucket): files cannot cross sites";
  if (has_files(inputs) && !m_global_files) {
    return step_error("invalid_input", k_no_global_store);
  }
  auto lease = m_runtimes.acquire(spec);
  if (!lease) {
    return step_error("runtime_unavailable", lease.error().message);
  }
  // File inputs are copied where the runtime reads them.
  const auto staging_dir = (*lease)->inputs_dir(execution_id);
  domain::Values local = inputs;
  if (has_files(inputs)) {
    auto staged = m_staging.stage_inputs(execution_id, inputs, staging_dir);
    if (!staged) {
      m_staging.discard(execution_id, staging_dir);
      return file_error(staged.error(), "invalid_input");
    }
    local = std::move(*staged);
  }
  {
    std::lock_guard lock(m_mutex);
    if (m_cancelled.contains(execution_id)) {
      m_staging.discard(execution_id, staging_dir);
      return step_error("cancelled", "the run was cancelled");
    }
    m_running[execution_id] = lease->get();
  }
  auto result = (*lease)->execute(execution_id, local, on_log);
  {
    std::lock_guard lock(m_mutex);
    m_running[execution_id] = nullptr;
  }
  m_staging.discard(execution_id, staging_dir);
  if (!result) {
    (*lease)->discard();
    return step_error("runtime_crashed", result.error().message);
  }
  auto ended = std::move(*result);
  if (!has_file_outputs(ended)) {
    return ended;
  }
  if (!m_global_files) {
    m_staging.remove_outputs((*lease)->outputs_dir(execution_id));
    return step_error("invalid_output", k_no_global_store);
  }
  // File and directory outputs go to the run file store (and from there to
  // the global store): the outcome names them by key.
  std::vector<std::string> held;
  auto ingested = ingest_file_outputs(
    m_staging, (*lease)->outputs_dir(execution_id), ended, held);
  m_files.release(held);
  if (!ingested) {
    return file_error(ingested.error(), "invalid_output");
  }
  return ended;
}

Result<void>
AgentExecutor::cancel(const std::string& execution_id)
{
  std::lock_guard lock(m_mutex);
  const auto found = m_running.find(execution_id);
  if (found == m_running.end()) {
    return fail(ErrorCode::not_found,
                "no execution " + execution_id + " runs here");
  }
  m_cancelled[execution_id] = true;
  if (found->second != nullptr) {
    return found->second->cancel(execution_id);
  }
  return {};
}

std::vector<std::string>
AgentExecutor::running()
{
  std::lock_guard lock(m_mutex);
  std::vector<std::string> ids;
  for (const auto& [id, lease] : m_running) {
    ids.push_back(id);
  }
  return ids;
}

} // namespace ryax::app
