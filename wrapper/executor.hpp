#pragma once

#include "core/domain/action.hpp"
#include "core/domain/error.hpp"
#include "wrapper/sandbox.hpp"
#include "core/infrastructure/wrapper/line_assembler.hpp"
#include "core/infrastructure/wrapper/resource_limits.hpp"
#include "wrapper/runtime_process.hpp"
#include "wrapper/work_dirs.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::wrapper {

// The static settings of one wrapper (InitializeRequest).
struct Settings
{
  std::string action_dir;  // absolute path of the action's files
  std::string interpreter; // absolute path of python3 (or node)
  std::string action_json; // the action document
  std::string work_root;   // where per-execution directories go
  std::int64_t time_limit_seconds = 0; // 0 = none
  std::int64_t memory_limit_bytes = 0; // 0 = none
  double cpu_quota = 0;                // cores; 0 = none
  SandboxSettings sandbox;             // no bwrap: not sandboxed
};

// What Initialize started.
struct InitInfo
{
  std::int64_t runtime_pid = 0;
  std::string limit_mechanism; // "cgroup v2", "cgroup v1", "rlimit", "none"
  std::string runtime_version;
};

// Why an execution failed (the ExecutionError message of the proto).
struct ErrorInfo
{
  std::string kind; // "user_exception", "timeout", ... (see wrapper.proto)
  std::string message;
  std::int64_t code = 0;
  std::string traceback;
};

// The end of one execution: outputs_json or error.
struct Outcome
{
  std::optional<std::string> outputs_json; // a JSON array of output objects
  bool fan_out = false; // the handler returned a list of output sets
  std::optional<ErrorInfo> error;
  std::int64_t handler_duration_ns = 0; // measured inside the runtime
};

// Where an execution's events go while it runs (on the calling thread).
struct Sink
{
  // A line of user output: stream is "stdout" or "stderr"; the timestamp is
  // in ns since the UNIX epoch; secrets are already masked.
  std::function<void(std::string_view stream, const std::string& line,
                     std::int64_t timestamp_unix_ns)>
    on_log;
  // A `run` or `run_error` frame of a source (fields as in runtime.py).
  std::function<void(const nlohmann::json& frame)> on_source_event;
  // The caller's connection, watched too while the execution runs; -1 for
  // none.
  int caller_fd = -1;
  // Called as the execution starts and after every wait of the pump, with
  // `readable` true when caller_fd is readable or hung up: handles what the
  // caller sent. Returns false when the caller went away, broke the protocol
  // or cannot be written to: the execution is then cancelled.
  std::function<bool(bool readable)> on_caller;
  // Called before the pump waits: what on_log queued must leave now.
  std::function<void()> before_wait;
};

// The engine of ryax-wrapper: owns the warm language runtime and serves
// executions one at a time, on the calling thread: one poll() loop waits
// for the runtime's frames, its stdout and stderr, a cancel() and the
// caller's connection (Sink). Thread-safe; cancel() may be called from any
// thread while an execution runs.
class Executor
{
public:
  // `runtime_dir` holds python/ryax_wrapper/ and node/runtime.js.
  explicit Executor(std::string runtime_dir);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Validate `settings`, set up the limits and start the runtime (which
  // imports the user's module). failed_precondition when already
  // initialised or when the module does not import (message with the
  // traceback); invalid_argument for a bad document or path; internal when
  // the interpreter cannot start.
  Result<InitInfo> initialize(const Settings& settings);

  // Run the handler once. Failures of the user's code are an Outcome with
  // an error; failed_precondition before initialize() or for a source;
  // invalid_argument for a bad execution id; unavailable after stop().
  Result<Outcome> execute(const std::string& execution_id,
                          const std::string& inputs_json, const Sink& sink);

  // Run a source's `run` until it returns; source runs go to
  // sink.on_source_event. The returned error is set when `run` raised or
  // the runtime failed. failed_precondition before initialize() or for a
  // processor; invalid_argument for a bad execution id; unavailable after
  // stop().
  Result<std::optional<ErrorInfo>> run_source(const std::string& execution_id,
                                              const std::string& inputs_json,
                                              const Sink& sink);

  // End the execution running under `execution_id`. not_found otherwise.
  Result<void> cancel(const std::string& execution_id);

  // Hand the client's answer to event `sequence` of the running source to
  // its runtime (create_run returns `run_id`, or raises `error` when not
  // empty). Only from the thread running run_source (a Sink callback).
  // failed_precondition when no source runs; unavailable when the runtime
  // cannot be written to.
  Result<void> source_ack(std::uint64_t sequence, const std::string& run_id,
                          const std::string& error);

  // The wrapper is stopping: later executions fail with unavailable, and
  // the runtime is not restarted after the running one ends. Thread-safe.
  void stop() { m_stopping = true; }

  // Whether initialize() succeeded, the runtime pid (0 when none) and the
  // number of executions served.
  bool initialized() const { return m_initialized; }
  std::int64_t runtime_pid() const { return m_runtime_pid; }
  std::int64_t executions() const { return m_executions; }

private:
  enum class PumpEnd
  {
    final_frame,
    timeout,
    cancelled,
    crashed,
    too_large // the runtime sent a frame over k_max_frame_bytes
  };
  struct PumpResult
  {
    PumpEnd end = PumpEnd::crashed;
    nlohmann::json frame;
  };

  // (Re)start the runtime and wait until it imported the user's module; its
  // version line. internal or failed_precondition as for initialize().
  Result<std::string> start_runtime();
  // Wait for the runtime's final frame (until `deadline`), sending logs and
  // source events to `sink` meanwhile; or for a cancel, the caller's end,
  // a crash.
  PumpResult pump(std::optional<std::chrono::steady_clock::time_point> deadline,
                  const Sink& sink, const std::vector<std::string>& secrets);
  // Read the pipes until they are empty (unless `read` is false) and send
  // their complete lines to the sink; with `flush`, the unterminated rest
  // too.
  void drain_pipes(const Sink& sink, const std::vector<std::string>& secrets,
                   bool flush, bool read = true);
  // The error of an execution that did not end with a frame: kill and reap
  // the runtime, tell a timeout, cancel, OOM kill or crash apart, and start
  // a new runtime (unless stopping).
  ErrorInfo end_abnormally(PumpEnd end, std::int64_t oom_before);
  // failed_precondition before initialize(); invalid_argument for a bad
  // execution id; unavailable after stop().
  Result<void> check_request(const std::string& execution_id) const;
  // The text of `inputs_json` to send to the runtime ("{}" when empty), or
  // nullopt when it is not a JSON object. Adds the values of password
  // inputs to `secrets`.
  std::optional<std::string_view> checked_inputs(
    const std::string& inputs_json, std::vector<std::string>& secrets) const;
  // The JSON text of an "execute" or "source" frame for the runtime.
  std::string runtime_request(std::string_view op, std::string_view inputs,
                              const std::string& workdir,
                              const std::string& outdir) const;
  // Mark `execution_id` as running (cancel() finds it), then no longer.
  void begin(const std::string& execution_id);
  void finish();

  std::string m_runtime_dir;
  Settings m_settings;
  domain::ActionMetadata m_metadata;
  std::vector<std::string> m_password_inputs; // names of the password inputs
  nlohmann::json m_action_doc;
  std::unique_ptr<infra::wrapper::ResourceLimits> m_limits;
  std::unique_ptr<RuntimeProcess> m_process;
  infra::wrapper::LineAssembler m_stdout_lines;
  infra::wrapper::LineAssembler m_stderr_lines;
  bool m_stdout_open = true;
  bool m_stderr_open = true;

  std::mutex m_execution_mutex; // one execution at a time
  std::mutex m_state_mutex;     // guards m_running_id and m_cancel
  std::string m_running_id;
  bool m_cancel = false;
  int m_wake_fd = -1; // eventfd: cancel() wakes the pump

  WorkDirs m_dirs; // used under m_execution_mutex

  std::atomic<bool> m_initialized{false};
  std::atomic<bool> m_stopping{false};
  std::atomic<std::int64_t> m_runtime_pid{0};
  std::atomic<std::int64_t> m_executions{0};
};

} // namespace ryax::wrapper
