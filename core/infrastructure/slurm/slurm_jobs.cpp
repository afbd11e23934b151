#include "core/infrastructure/slurm/slurm_jobs.hpp"

#include "core/application/log.hpp"
#include "core/infrastructure/crypto/base64.hpp"

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace ryax::infra::slurm {

namespace {

// New log bytes read per job and poll, at most.
constexpr std::size_t k_log_chunk_bytes = 1 << 20;
// A log line longer than this is cut.
constexpr std::size_t k_max_line_bytes = 64 * 1024;

std::int64_t
now_ns()
{
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

struct SlurmJobs::Job
{
  std::string id;
  std::string dir;
  std::int64_t offset = 0;       // log bytes read
  std::string partial;           // the log's last, unfinished line
  std::vector<app::LogLine> lines; // read, not yet given to the follower
  std::optional<domain::SlurmJobLine> queue; // the last squeue line
  bool state_changed = false;
  bool seen_in_squeue = false;
  int final_without_marker = 0; // squeue said ended, no exit_code yet
  int missing = 0;              // squeue no longer lists it
  std::chrono::steady_clock::time_point added;
  std::optional<JobEnd> end;
};

SlurmJobs::SlurmJobs(app::RemoteShell& shell, PollIntervals intervals)
  : m_shell(shell), m_intervals(intervals)
{
  m_thread = std::thread([this] { loop(); });
}

SlurmJobs::~SlurmJobs()
{
  stop();
}

void
SlurmJobs::stop()
{
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_changed.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

bool
SlurmJobs::stopping() const
{
  std::lock_guard lock(m_mutex);
  return m_stopping;
}

std::int64_t
SlurmJobs::squeue_calls() const
{
  std::lock_guard lock(m_mutex);
  return m_squeue_calls;
}

Result<JobEnd>
SlurmJobs::follow(const std::string& job_id,
                  const std::string& dir,
                  const JobEvents& events,
                  std::chrono::seconds give_up)
{
  std::shared_ptr<Job> job;
  {
    std::lock_guard lock(m_mutex);
    auto& slot = m_jobs[job_id];
    if (!slot) {
      slot = std::make_shared<Job>();
      slot->id = job_id;
      slot->dir = dir;
      slot->added = std::chrono::steady_clock::now();
    }
    job = slot;
  }
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_changed.wait(lock, [&] {
      return m_stopping || !job->lines.empty() || job->state_changed
             || job->end.has_value() || m_failing_since.has_value();
    });
    auto lines = std::move(job->lines);
    job->lines.clear();
    std::optional<domain::SlurmJobLine> state;
    if (job->state_changed && job->queue) {
      state = job->queue;
    }
    job->state_changed = false;
    const auto end = job->end;
    const bool stopping = m_stopping;
    const auto failing = m_failing_since;
    const auto error = m_last_error;
    lock.unlock();
    for (const auto& line : lines) {
      if (events.on_log) {
        events.on_log(line);
      }
    }
    if (state && events.on_state) {
      events.on_state(*state);
    }
    lock.lock();
    if (end) {
      m_jobs.erase(job_id);
      return *end;
    }
    if (stopping) {
      m_jobs.erase(job_id);
      return fail(ErrorCode::unavailable, "the daemon is stopping");
    }
    if (failing && std::chrono::steady_clock::now() - *failing > give_up) {
      m_jobs.erase(job_id);
      return fail(ErrorCode::unavailable,
                  fmt::format("Slurm job {}: the site cannot be reached: {}",
                              job_id, error));
    }
    if (failing) {
      // Wait for the next poll rather than spin while the site is down.
      m_changed.wait_for(lock, m_intervals.files);
    }
  }
}

Result<void>
SlurmJobs::cancel(const std::string& job_id)
{
  RYAX_TRY_ASSIGN(const auto done,
                  m_shell.run("scancel " + domain::shell_quote(job_id), {},
                              std::chrono::seconds(30)));
  if (done.exit_code != 0) {
    return fail(ErrorCode::internal,
                fmt::format("scancel {} failed: {}", job_id, done.err));
  }
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_jobs.find(job_id);
    if (found != m_jobs.end() && !found->second->end) {
      JobEnd end;
      end.cancelled = true;
      end.state = domain::SlurmJobState::cancelled;
      end.state_text = "CANCELLED";
      found->second->end = end;
    }
  }
  m_changed.notify_all();
  return {};
}

void
SlurmJobs::loop()
{
  std::unique_lock lock(m_mutex);
  while (!m_stopping) {
    m_wake.wait_for(lock, m_intervals.files, [&] { return m_stopping; });
    if (m_stopping) {
      break;
    }
    if (m_jobs.empty()) {
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    bool squeue = m_force_squeue || now - m_last_squeue >= m_intervals.squeue;
    for (const auto& [id, job] : m_jobs) {
      // A new job's state (pending and why) shows within a second.
      if (!job->seen_in_squeue && now - job->added >= std::chrono::seconds(1)
          && now - m_last_squeue >= std::chrono::seconds(1)) {
        squeue = true;
      }
    }
    lock.unlock();
    poll_once(squeue);
    lock.lock();
  }
}

void
SlurmJobs::poll_once(bool with_squeue)
{
  std::vector<std::pair<std::string, std::string>> targets; // id, dir
  std::vector<std::int64_t> offsets;
  {
    std::lock_guard lock(m_mutex);
    for (const auto& [id, job] : m_jobs) {
      if (!job->end) {
        targets.emplace_back(id, job->dir);
        offsets.push_back(job->offset);
      }
    }
  }
  if (targets.empty()) {
    return;
  }
  // The end marker is looked at before the log: once it is there, the log
  // read after it is complete.
  std::string command;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto dir = domain::shell_quote(targets[i].second);
    command += fmt::format(
      "printf '@@ %s ' {0}; if [ -f {1}/exit_code ]; then printf 'E%s\\n' "
      "\"$(cat {1}/exit_code)\"; else printf 'L\\n'; fi; tail -c +{2} "
      "{1}/job.log 2>/dev/null | head -c {3} | base64 | tr -d '\\n'; echo; ",
      domain::shell_quote(targets[i].first), dir, offsets[i] + 1,
      k_log_chunk_bytes);
  }
  if (with_squeue) {
    command += "echo @@squeue; squeue -h -t all -u \"$(id -un)\" -o '%i|%T|%r'";
  }
  auto done = m_shell.run(command, {}, std::chrono::seconds(60));
  std::lock_guard lock(m_mutex);
  if (!done) {
    if (!m_failing_since) {
      m_failing_since = std::chrono::steady_clock::now();
      app::log::warn("Slurm site: cannot poll jobs: {}", done.error().message);
    }
    m_last_error = done.error().message;
    m_changed.notify_all();
    return;
  }
  m_failing_since.reset();
  if (with_squeue) {
    ++m_squeue_calls;
    m_last_squeue = std::chrono::steady_clock::now();
    m_force_squeue = false;
  }
  apply(done->out, with_squeue);
  m_changed.notify_all();
}

void
SlurmJobs::apply(std::string_view out, bool with_squeue)
{
  // lock held
  std::string_view rest = out;
  const auto next_line = [&]() -> std::optional<std::string_view> {
    if (rest.empty()) {
      return std::nullopt;
    }
    const auto end = rest.find('\n');
    const auto line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{}
                                         : rest.substr(end + 1);
    return line;
  };
  std::string_view squeue_text;
  while (auto line = next_line()) {
    if (*line == "@@squeue") {
      squeue_text = rest;
      break;
    }
    if (!line->starts_with("@@ ")) {
      continue;
    }
    const auto fields = line->substr(3);
    const auto space = fields.rfind(' ');
    const auto log = next_line().value_or("");
    if (space == std::string_view::npos) {
      continue;
    }
    const auto found = m_jobs.find(std::string(fields.substr(0, space)));
    if (found == m_jobs.end() || found->second->end) {
      continue;
    }
    auto& job = *found->second;
    const auto marker = fields.substr(space + 1);
    if (const auto bytes = crypto::base64_decode(log)) {
      job.offset += static_cast<std::int64_t>(bytes->size());
      job.partial += *bytes;
      std::size_t start = 0;
      for (auto nl = job.partial.find('\n'); nl != std::string::npos;
           nl = job.partial.find('\n', start)) {
        job.lines.push_back({ app::LogStream::out,
                              job.partial.substr(start, std::min(nl - start, k_max_line_bytes)),
                              now_ns() });
        start = nl + 1;
      }
      job.partial.erase(0, start);
      if (job.partial.size() > k_max_line_bytes) {
        job.lines.push_back({ app::LogStream::out,
                              job.partial.substr(0, k_max_line_bytes), now_ns() });
        job.partial.clear();
      }
    }
    if (marker.starts_with('E')) {
      if (!job.partial.empty()) {
        job.lines.push_back({ app::LogStream::out, job.partial, now_ns() });
        job.partial.clear();
      }
      JobEnd end;
      end.script_ended = true;
      const auto code = marker.substr(1);
      std::from_chars(code.data(), code.data() + code.size(), end.exit_code);
      job.end = end;
    }
  }
  if (!with_squeue) {
    return;
  }
  std::map<std::string, domain::SlurmJobLine, std::less<>> listed;
  for (auto& line : domain::parse_squeue(squeue_text)) {
    listed.emplace(line.job_id, std::move(line));
  }
  for (auto& [id, job] : m_jobs) {
    if (job->end) {
      continue;
    }
    const auto found = listed.find(id);
    if (found == listed.end()) {
      // Not listed: forgotten by Slurm (MinJobAge) or never there. Once
      // more to be sure the end marker was not just late.
      if (++job->missing >= 2) {
        JobEnd end;
        end.state_text = "UNKNOWN";
        end.reason = "Slurm no longer knows the job";
        job->end = end;
      } else {
        m_force_squeue = true;
      }
      continue;
    }
    job->missing = 0;
    job->seen_in_squeue = true;
    const auto& line = found->second;
    if (!job->queue || job->queue->state_text != line.state_text
        || job->queue->reason != line.reason) {
      job->queue = line;
      job->state_changed = true;
    }
    if (domain::is_final(line.state)) {
      if (++job->final_without_marker >= 2) {
        JobEnd end;
        end.state = line.state;
        end.state_text = line.state_text;
        end.reason = line.reason;
        job->end = end;
      } else {
        m_force_squeue = true;
      }
    }
  }
}

} // namespace ryax::infra::slurm
