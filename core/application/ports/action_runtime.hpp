#pragma once

#include "core/domain/error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace ryax::app {

// Which output stream of the user's code a log line comes from.
enum class LogStream
{
  out, // stdout
  err, // stderr
};

// One line written by the user's code during an execution.
struct LogLine
{
  LogStream stream = LogStream::out;
  std::string line;                  // without its newline; secrets masked
  std::int64_t timestamp_unix_ns = 0; // when the runtime's line was read
};

// Why an execution failed.
enum class ExecutionErrorKind
{
  user_exception,        // the handler raised; traceback set
  ryax_exception,        // the handler raised RyaxException; code set
  timeout,               // the time limit ended it
  memory_limit_exceeded, // killed (or MemoryError) at the memory limit
  runtime_crashed,       // the interpreter died (os._exit, segfault)
  invalid_output,        // an output is missing or of the wrong type
  invalid_input,         // an input value does not match its type
  cancelled,             // cancel() or the caller went away
  storage_error,         // the data dir could not hold it (a full disk)
};

// The snake_case spelling ("memory_limit_exceeded"), as on the wire.
std::string_view to_string(ExecutionErrorKind kind);

// The kind spelled `text`, or nullopt.
std::optional<ExecutionErrorKind> parse_execution_error_kind(
  std::string_view text);

// A failed execution: what went wrong, as reported by the runtime.
struct ExecutionError
{
  ExecutionErrorKind kind = ExecutionErrorKind::user_exception;
  std::string message;   // names the input or output when relevant
  std::int64_t code = 0; // RyaxException's code; 0 otherwise
  std::string traceback; // the Python traceback, or empty
};

// The outcome of one execution of a processor or publisher.
struct ExecutionResult
{
  // A JSON array of output objects (one per fan-out element); file and
  // directory outputs are absolute paths owned by the caller. "[]" on error.
  std::string outputs_json = "[]";
  // The handler returned a list (a fan-out) rather than one set of outputs.
  bool fan_out = false;
  // Set when the execution failed.
  std::optional<ExecutionError> error;
  // Time spent in the user's handler, measured inside the runtime (ns).
  std::int64_t handler_duration_ns = 0;

  // Whether the handler succeeded.
  bool ok() const { return !error.has_value(); }
};

// One event of a running source.
struct SourceRun
{
  bool failed = false;      // create_run_error() rather than create_run()
  std::string data_json;    // the JSON object given to create_run
  double running_time = 0;  // seconds, as given to create_run
  int status = 1;           // RyaxRunStatus: 1 DONE, 2 ERROR
};

// What the caller made of one SourceRun, sent back to the source once the
// callback returned: its create_run returns `run_id`, or raises `error`.
struct SourceAck
{
  std::string run_id; // the run created (stored by then); "" for none
  std::string error;  // why no run was created; "" when fine
};

// Receives log lines while an execution runs (on the calling thread).
using LogCallback = std::function<void(const LogLine&)>;

// Receives each run created by a source (on the calling thread); the
// source waits for its answer.
using SourceRunCallback = std::function<SourceAck(const SourceRun&)>;

// A warm runtime of one action version: the code is loaded once, then
// executed many times. Failures of the user's code are results, not
// Errors; an Error means the runtime could not be reached (unavailable) or
// was misused (failed_precondition, invalid_argument).
class ActionRuntime
{
public:
  virtual ~ActionRuntime() = default;

  // Run a processor or publisher once with `inputs_json` (a JSON object:
  // name -> value). Blocks until the end; `on_log` gets each line.
  virtual Result<ExecutionResult> execute(const std::string& execution_id,
                                          const std::string& inputs_json,
                                          const LogCallback& on_log) = 0;

  // End the execution (or source) running as `execution_id`; it then
  // returns an error of kind cancelled. not_found when none runs.
  virtual Result<void> cancel(const std::string& execution_id) = 0;

  // Run a source until its `run` returns (nullopt) or fails (the error).
  // Blocks; `on_run` gets each created run (its answer goes back to the
  // source, whose create_run waits for it), `on_log` each line.
  virtual Result<std::optional<ExecutionError>> run_source(
    const std::string& execution_id, const std::string& inputs_json,
    const SourceRunCallback& on_run, const LogCallback& on_log) = 0;
};

// --- Inline implementations ---

inline constexpr std::string_view k_execution_error_kind_names[] = {
  "user_exception", "ryax_exception",  "timeout",       "memory_limit_exceeded",
  "runtime_crashed", "invalid_output", "invalid_input", "cancelled",
  "storage_error",
};

inline std::string_view
to_string(ExecutionErrorKind kind)
{
  return k_execution_error_kind_names[static_cast<std::size_t>(kind)];
}

inline std::optional<ExecutionErrorKind>
parse_execution_error_kind(std::string_view text)
{
  for (std::size_t i = 0; i < std::size(k_execution_error_kind_names); ++i) {
    if (k_execution_error_kind_names[i] == text) {
      return static_cast<ExecutionErrorKind>(i);
    }
  }
  return std::nullopt;
}

} // namespace ryax::app
