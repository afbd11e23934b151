#pragma once

#include "core/application/ports/action_runtime.hpp"
#include "core/domain/action.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ryax::infra::wrapper {

// How a ryax-wrapper isolates the user's code (wrapper.proto's Sandbox).
struct SandboxSettings
{
  std::string bwrap;                  // bubblewrap's path; empty: none
  bool network = true;                // the code may use the network
  std::vector<std::string> hide;      // paths hidden from the code
  std::vector<std::string> read_only; // shown read-only after hiding
  std::vector<std::string> writable;  // also writable by the code
};

// How to start and initialise one ryax-wrapper.
struct WrapperSettings
{
  // A directory for the socket ("wrapper.sock", so keep it short: UNIX
  // socket paths are limited to 107 bytes) and the log ("wrapper.log").
  std::string run_dir;
  std::string action_dir;      // the action's files
  std::string interpreter;     // python3 or node binary running user code
  domain::ActionMetadata metadata; // sent as the action document
  std::string work_root;       // per-execution dirs and collected outputs
  std::int64_t time_limit_seconds = 0; // 0 = none
  std::int64_t memory_limit_bytes = 0; // 0 = none
  double cpu_quota = 0;                // cores; 0 = none
  // The ryax-wrapper binary; empty: find_wrapper_binary().
  std::string wrapper_binary;
  // --runtime-dir of the wrapper; empty: the wrapper's default lookup.
  std::string runtime_dir;
  // The sandbox of the user's code (no bwrap: none).
  SandboxSettings sandbox;
  // How long to wait for the wrapper to serve and the code to load.
  std::chrono::milliseconds start_timeout = std::chrono::seconds(60);
};

// What the started wrapper reported.
struct WrapperInfo
{
  pid_t wrapper_pid = -1;
  std::int64_t runtime_pid = 0;
  std::string limit_mechanism; // "cgroup v2", "cgroup v1", "rlimit", "none"
  std::string runtime_version; // e.g. "3.11.7"
};

// The state a wrapper reports (health).
struct WrapperHealth
{
  bool initialized = false;      // initialize succeeded
  std::int64_t runtime_pid = 0;  // the language runtime's pid, or 0
  std::int64_t executions = 0;   // executions served since start
};

// The `ryax-wrapper` next to the running executable (/proc/self/exe's
// directory), else the first on PATH. not_found when there is none.
Result<std::string> find_wrapper_binary();

// An ActionRuntime served by a ryax-wrapper child process over one
// connection to its UNIX socket (the framed protocol of wrapper.proto). The
// process is stopped (SIGTERM, then SIGKILL) on destruction.
// Thread-safe: cancel() and health() may be called while execute() or
// run_source() runs on another thread; they share the connection (requests
// are told apart by their request id). A connection that breaks (the
// wrapper died, or sent garbage) stays broken: every call then fails with
// unavailable.
class WrapperClient final : public app::ActionRuntime
{
public:
  // Spawn the wrapper, connect to its socket as soon as it serves (until
  // settings.start_timeout), and initialize it.
  // not_found without a binary; unavailable when it does not start (the
  // message holds the end of its log); failed_precondition when the
  // action's code does not load (with the traceback); invalid_argument for
  // bad settings.
  static Result<std::unique_ptr<WrapperClient>> start(
    const WrapperSettings& settings);

  ~WrapperClient() override;
  WrapperClient(const WrapperClient&) = delete;
  WrapperClient& operator=(const WrapperClient&) = delete;

  // What Initialize reported.
  const WrapperInfo& info() const { return m_info; }

  // The wrapper's own log file (stdout and stderr of the process).
  std::string log_path() const;

  // See ActionRuntime. No deadline: the wrapper enforces the time limit.
  // unavailable when the wrapper cannot be reached or dies meanwhile;
  // failed_precondition or invalid_argument as the wrapper reports them.
  Result<app::ExecutionResult> execute(const std::string& execution_id,
                                       const std::string& inputs_json,
                                       const app::LogCallback& on_log) override;
  // See ActionRuntime. Waits up to 10 s for the answer (deadline_exceeded
  // after); not_found when nothing runs under `execution_id`.
  Result<void> cancel(const std::string& execution_id) override;
  // See ActionRuntime; failures as for execute().
  Result<std::optional<app::ExecutionError>> run_source(
    const std::string& execution_id, const std::string& inputs_json,
    const app::SourceRunCallback& on_run,
    const app::LogCallback& on_log) override;

  // The wrapper's state, answered even while an execution runs.
  // deadline_exceeded after `timeout`; unavailable when the wrapper cannot
  // be reached.
  Result<WrapperHealth> health(
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
  struct Impl;
  explicit WrapperClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> m_impl;
  WrapperInfo m_info;
};

} // namespace ryax::infra::wrapper
