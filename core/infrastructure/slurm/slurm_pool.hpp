#pragma once

#include "core/application/ports/build_store.hpp"
#include "core/application/ports/remote_shell.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/infrastructure/slurm/slurm_jobs.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

// The runtimes of a Slurm site reached over SSH: every execution is one
// batch job. The action's bundle goes once to
// <cache_dir>/bundles/<bundle key>/, each execution's request, script and
// input files to <cache_dir>/executions/<execution id>/, then sbatch; the
// job runs the action once (ryax_wrapper.oneshot with the bundle's
// interpreter) and leaves result.json and out/ there, which come back over
// the same connection.
//
// A daemon that stops while a job runs finds it again: before submitting,
// the execution is recorded under <state_dir>/jobs/<run.step.branch>.json
// (the job id once sbatch answered); the next attempt of the same step
// follows the recorded job rather than submitting another.
namespace ryax::infra::slurm {

struct SlurmPoolSettings
{
  std::string site;      // the site's name, for messages
  std::string cache_dir; // on the cluster; "~/" is the remote home
  std::string state_dir; // local: records, staging, collected outputs
  // The local ryax_wrapper python package dir (its parent goes on the
  // job's PYTHONPATH once uploaded); "" to look beside the daemon binary.
  std::string python_runtime_dir;
  PollIntervals intervals;
  std::int64_t keep_failed_seconds = 86400;
  // A job whose site stays unreachable this long is given up (lost).
  std::chrono::seconds give_up{ 300 };
};

class SlurmPool final : public app::RuntimePool
{
public:
  SlurmPool(app::RemoteShell& shell,
            app::BundleStore& bundles,
            SlurmPoolSettings settings);
  ~SlurmPool() override;

  // RuntimePool.
  Result<std::unique_ptr<app::RuntimeLease>> acquire(
    const app::RuntimeSpec& spec) override;
  // Upload the bundle ahead of the first execution.
  Result<void> warm(const app::RuntimeSpec& spec) override;
  // Remove failed executions' directories older than keep_failed.
  void reap_idle() override;
  std::vector<app::ReplicaView> replicas() override { return {}; }
  void drain(const std::string&, const std::string&) override {}
  void shutdown() override;

  // Reach the cluster and make the cache dirs (start, `site show`).
  Result<void> check();

  // The partitions as sinfo shows them: one "PARTITION|AVAIL|NODES|STATE|
  // CPUS(A/I/O/T)" line each.
  Result<std::string> sinfo();

  // squeue calls so far (benchmarks).
  std::int64_t squeue_calls() const { return m_jobs.squeue_calls(); }

  // --- used by the lease (slurm_execution.cpp) ---
  struct Submitted
  {
    std::string execution_id; // the one that submitted it
    std::string job_id;       // "" when sbatch may not have answered
    std::string dir;          // on the cluster
  };
  Result<std::string> remote_root();
  Result<std::string> ensure_runtime();
  Result<std::string> ensure_bundle(const domain::ActionVersion& action);
  app::RemoteShell& shell() { return m_shell; }
  SlurmJobs& jobs() { return m_jobs; }
  app::BundleStore& bundles() { return m_bundles; }
  const SlurmPoolSettings& settings() const { return m_settings; }
  std::string outputs_dir(const std::string& execution_id) const;
  std::optional<Submitted> recorded(const std::string& slot);
  Result<void> record(const std::string& slot, const Submitted& submitted);
  void forget(const std::string& slot);
  // Which job runs `execution_id` now (for cancel).
  void running(const std::string& execution_id, const std::string& job_id);
  std::optional<std::string> job_of(const std::string& execution_id);
  void ended(const std::string& execution_id);

private:
  app::RemoteShell& m_shell;
  app::BundleStore& m_bundles;
  SlurmPoolSettings m_settings;
  SlurmJobs m_jobs;
  std::mutex m_mutex;
  std::optional<std::string> m_root;
  std::optional<std::string> m_runtime;
  std::set<std::string> m_bundles_present;
  std::map<std::string, std::shared_ptr<std::mutex>> m_bundle_locks;
  std::map<std::string, std::string> m_running; // execution id -> job id
  std::chrono::steady_clock::time_point m_last_reap{};
};

} // namespace ryax::infra::slurm
