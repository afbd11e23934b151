#pragma once

#include "core/application/ports/action_runtime.hpp"
#include "core/application/ports/remote_shell.hpp"
#include "core/domain/slurm.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

// The jobs of one Slurm site, followed by one polling thread: every
// poll_interval, one remote command looks at every followed job's
// execution directory (its end marker and the new bytes of its log), and
// every squeue_interval it also asks squeue (the only call that reaches
// slurmctld) once for all the user's jobs, whatever their number.
namespace ryax::infra::slurm {

struct PollIntervals
{
  std::chrono::milliseconds files{ 500 };
  std::chrono::milliseconds squeue{ 5000 };
};

// How a followed job ended.
struct JobEnd
{
  // The batch script ran to its end and wrote its exit status (its result
  // document, if any, is in the execution directory).
  bool script_ended = false;
  int exit_code = 0;
  // Otherwise: Slurm ended it (or forgot it) first; its last state.
  domain::SlurmJobState state = domain::SlurmJobState::unknown;
  std::string state_text;
  std::string reason;
  bool cancelled = false; // cancel() was called
};

// What a follower hears while its job lives.
struct JobEvents
{
  app::LogCallback on_log;
  // The job's squeue state changed ("PENDING", "Resources").
  std::function<void(const domain::SlurmJobLine&)> on_state;
};

class SlurmJobs
{
public:
  SlurmJobs(app::RemoteShell& shell, PollIntervals intervals);
  ~SlurmJobs();

  SlurmJobs(const SlurmJobs&) = delete;
  SlurmJobs& operator=(const SlurmJobs&) = delete;

  // Follow job `job_id` running in the remote directory `dir` (its log is
  // dir/job.log, its end marker dir/exit_code) until it ends; blocks.
  // unavailable when the site cannot be reached for `give_up` in a row.
  Result<JobEnd> follow(const std::string& job_id,
                        const std::string& dir,
                        const JobEvents& events,
                        std::chrono::seconds give_up);

  // scancel the job and end its follow() as cancelled.
  Result<void> cancel(const std::string& job_id);

  // Stop polling: every follow() returns unavailable.
  void stop();

  // Whether stop() was called.
  bool stopping() const;

  // Remote commands that asked squeue so far (for tests and benchmarks).
  std::int64_t squeue_calls() const;

private:
  struct Job;

  void loop();
  void poll_once(bool with_squeue);
  // Apply the output of one poll (lock held).
  void apply(std::string_view out, bool with_squeue);

  app::RemoteShell& m_shell;
  PollIntervals m_intervals;
  mutable std::mutex m_mutex;
  std::condition_variable m_changed; // a job's entry changed
  std::condition_variable m_wake;    // stop
  std::map<std::string, std::shared_ptr<Job>> m_jobs; // by job id
  bool m_stopping = false;
  bool m_force_squeue = false; // confirm an end seen in squeue
  std::optional<std::chrono::steady_clock::time_point> m_failing_since;
  std::string m_last_error;
  std::int64_t m_squeue_calls = 0;
  std::chrono::steady_clock::time_point m_last_squeue{};
  std::thread m_thread;
};

} // namespace ryax::infra::slurm
