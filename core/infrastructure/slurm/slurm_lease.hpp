#pragma once

#include "core/application/ports/runtime_pool.hpp"
#include "core/infrastructure/slurm/slurm_pool.hpp"

#include <mutex>
#include <string>
#include <vector>

namespace ryax::infra::slurm {

// One execution as one Slurm job (slurm_lease.cpp: staging and submission;
// slurm_collect.cpp: the end of the job and its outputs).
class SlurmLease final : public app::RuntimeLease
{
public:
  SlurmLease(SlurmPool& pool, app::RuntimeSpec spec);

  Result<domain::StepOutcome> execute(const std::string& execution_id,
                                      const domain::Values& inputs,
                                      const app::LogCallback& on_log) override;
  Result<std::optional<app::ExecutionError>> run_source(
    const std::string& execution_id,
    const domain::Values& inputs,
    const app::CreatedRunCallback& on_run,
    const app::LogCallback& on_log) override;
  Result<void> cancel(const std::string& execution_id) override;
  std::string outputs_dir(const std::string& execution_id) override;
  void discard() override {}
  bool site_lost() const override { return m_lost; }
  // "Slurm job 42 PENDING (Resources)", as squeue said last.
  std::string status() const override;

private:
  // Stage the execution's directory locally and submit it; the recorded
  // submission.
  Result<SlurmPool::Submitted> submit(const std::string& execution_id,
                                      const domain::Values& inputs);
  // sbatch again in `dir` (NODE_FAIL); the new job id.
  Result<std::string> resubmit(const std::string& dir);
  // The job ended: its outcome from result.json and out/, or the failure.
  Result<domain::StepOutcome> collect(const std::string& execution_id,
                                      const SlurmPool::Submitted& job,
                                      const JobEnd& end);

  SlurmPool& m_pool;
  app::RuntimeSpec m_spec;
  std::vector<std::string> m_secrets; // masked in the job's log
  bool m_lost = false;
  mutable std::mutex m_status_mutex;
  std::string m_status;
};

} // namespace ryax::infra::slurm
