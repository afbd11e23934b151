#include "cli/commands/run_watch.hpp"

#include "cli/commands/run_render.hpp"

#include "ryax/v1/run.grpc.pb.h"
#include <fmt/format.h>

#include <grpcpp/client_context.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include <unistd.h>

namespace ryax::cli {

namespace {

// A spinner whose label follows the run: redrawn on stderr every 100ms
// and erased at the end. output::Spinner has a fixed label, hence this.
class ProgressLine
{
public:
  explicit ProgressLine(bool enabled)
  {
    if (enabled) {
      m_thread = std::thread([this] { draw(); });
    }
  }

  ~ProgressLine()
  {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }

  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void
  set(std::string label)
  {
    std::lock_guard lock(m_mutex);
    m_label = std::move(label);
  }

private:
  void
  draw()
  {
    static constexpr const char* k_frames[] = { "|", "/", "-", "\\" };
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(m_mutex);
    // Show nothing for runs that end at once.
    m_wake.wait_for(
      lock, std::chrono::milliseconds(300), [this] { return m_stop; });
    unsigned frame = 0;
    for (; !m_stop; ++frame) {
      const std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
      std::fprintf(stderr,
                   "\r\033[K%s %s (%.1fs)",
                   k_frames[frame % 4],
                   m_label.c_str(),
                   elapsed.count());
      std::fflush(stderr);
      m_wake.wait_for(
        lock, std::chrono::milliseconds(100), [this] { return m_stop; });
    }
    if (frame > 0) {
      std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  std::string m_label;
  std::thread m_thread;
};

std::string
progress_label(const v1::Run& run)
{
  const auto steps = count_steps(run);
  return fmt::format("run {} {}: {}/{} steps done",
                     run.id(),
                     run.state().empty() ? "pending" : run.state(),
                     steps.done,
                     steps.total);
}

Error
timeout_error(const v1::Run& run, const std::string& timeout_text)
{
  return Error{ ErrorCode::deadline_exceeded,
                fmt::format(
                  "run {} did not finish within {}: it keeps running "
                  "(follow it with \"ryax runs show {}\", stop it with "
                  "\"ryax runs cancel {}\")",
                  run.id(),
                  timeout_text.find_first_not_of("0123456789.") ==
                      std::string::npos
                    ? timeout_text + "s"
                    : timeout_text,
                  run.id(),
                  run.id()) };
}

// The run being waited for, for the signal handler (which may only write).
char g_interrupted_line[512];
std::size_t g_interrupted_size = 0;

extern "C" void
on_interrupt(int)
{
  // Async-signal-safe: write(2) and _exit(2) only.
  const auto ignored = ::write(STDERR_FILENO, g_interrupted_line, g_interrupted_size);
  (void)ignored;
  ::_exit(130);
}

// While alive, Ctrl-C and SIGTERM end ryax with a clean line about `run`
// instead of a half-drawn progress line.
class InterruptNote
{
public:
  InterruptNote(const std::string& run, bool progress)
  {
    const auto line = fmt::format(
      "{}ryax: interrupted: run {} goes on (follow it with \"ryax runs show "
      "{} --watch\", stop it with \"ryax runs cancel {}\")\n",
      progress ? "\r\033[K" : "", run, run, run);
    g_interrupted_size = std::min(line.size(), sizeof g_interrupted_line);
    std::memcpy(g_interrupted_line, line.data(), g_interrupted_size);
    struct sigaction action{};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &m_int);
    sigaction(SIGTERM, &action, &m_term);
  }

  ~InterruptNote()
  {
    sigaction(SIGINT, &m_int, nullptr);
    sigaction(SIGTERM, &m_term, nullptr);
  }

  InterruptNote(const InterruptNote&) = delete;
  InterruptNote& operator=(const InterruptNote&) = delete;

private:
  struct sigaction m_int{};
  struct sigaction m_term{};
};

// The run's log lines on stderr as they come, until the run ends (the
// stream ends then) or stop().
class LogFollower
{
public:
  LogFollower(const Client& client, const std::string& run, bool enabled)
  {
    if (!enabled) {
      return;
    }
    m_stub = v1::RunService::NewStub(client.channel());
    m_thread = std::thread([this, run] {
      v1::StreamRunLogsRequest request;
      request.set_run_id(run);
      request.set_follow(true);
      auto reader = m_stub->StreamRunLogs(&m_context, request);
      v1::RunLogChunk chunk;
      while (reader->Read(&chunk)) {
        for (const auto& line : chunk.lines()) {
          std::fprintf(stderr, "%s\n", log_line_text(line).c_str());
        }
        std::fflush(stderr);
      }
      (void)reader->Finish();
    });
  }

  // Wait for the lines of a final run (at most a few seconds), or give up.
  void
  finish(bool final)
  {
    if (!m_thread.joinable()) {
      return;
    }
    if (!final) {
      m_context.TryCancel();
    }
    m_thread.join();
  }

  ~LogFollower()
  {
    if (m_thread.joinable()) {
      m_context.TryCancel();
      m_thread.join();
    }
  }

  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

private:
  std::unique_ptr<v1::RunService::Stub> m_stub;
  grpc::ClientContext m_context;
  std::thread m_thread;
};

} // namespace

Result<v1::Run>
wait_for_run(const Client& client,
             const v1::Run& run,
             const WaitOptions& options)
{
  auto stub = v1::RunService::NewStub(client.channel());
  const InterruptNote note(run.id(), options.progress && !options.logs);
  LogFollower logs(client, run.id(), options.logs);
  ProgressLine progress(options.progress && !options.logs);
  v1::Run last = run;
  progress.set(progress_label(last));
  v1::GetRunRequest request;
  request.set_run_id(run.id());
  // WatchRun ends once the run is final; a stream that ends sooner (ryaxd
  // restarting its watchers) is opened again.
  while (!is_final_state(last.state())) {
    grpc::ClientContext context;
    if (options.deadline) {
      context.set_deadline(*options.deadline);
    }
    auto reader = stub->WatchRun(&context, request);
    v1::Run update;
    while (reader->Read(&update)) {
      last = update;
      progress.set(progress_label(last));
      if (is_final_state(last.state())) {
        context.TryCancel();
        break;
      }
    }
    const auto status = reader->Finish();
    if (is_final_state(last.state())) {
      break;
    }
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
        (options.deadline &&
         std::chrono::system_clock::now() >= *options.deadline)) {
      return std::unexpected(timeout_error(last, options.timeout_text));
    }
    RYAX_TRY(client.check(status));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  logs.finish(true);
  return last;
}

} // namespace ryax::cli
