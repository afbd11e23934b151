#pragma once

#include "core/domain/error.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::process {

// How the lines of a child's stderr reach the line callback.
enum class StderrMode
{
  merged, // one pipe for both streams: lines keep their relative order
  tagged, // separate pipes; stderr lines are prefixed with k_stderr_tag
};

// The prefix of stderr lines in StderrMode::tagged.
inline constexpr std::string_view k_stderr_tag = "stderr: ";

// What to run.
struct ProcessSpec
{
  // Program and arguments. A program without '/' is looked up in the PATH
  // of the child's environment (env["PATH"] when set, else ours).
  std::vector<std::string> argv;
  // Working directory of the child; "" for ours.
  std::string cwd;
  // Variables set (or overridden) in the child; the rest is inherited
  // unless inherit_environment is false.
  std::map<std::string, std::string> env;
  // false: the child's environment is `env` alone (see child_environment.hpp).
  bool inherit_environment = true;
  // Kill the child's process group after this long; nullopt for no limit.
  std::optional<std::chrono::milliseconds> timeout;
  StderrMode stderr_mode = StderrMode::merged;
  // The child's stdin: this local file when not "" (internal when it cannot
  // be opened), else /dev/null (run_captured may give bytes instead).
  std::string stdin_file;
  // When not "", the child's stdout is written to this local file (created
  // with mode 0600, or truncated) instead of reaching the caller; stderr
  // still does (tagged or not, per stderr_mode). internal when it cannot be
  // opened.
  std::string stdout_file;
  // When not "", the child's stderr is written to this local file (created
  // with mode 0600, or truncated) instead of reaching the caller.
  std::string stderr_file;
  // false: processes the child leaves in its process group when it exits
  // (the helpers of a daemon it started) are left running; on timeout or
  // cancellation the whole group is still killed.
  bool kill_leftovers = true;
};

// What run_captured kept of a finished child.
struct CapturedOutput
{
  int exit_code = -1; // as run_process returns it
  std::string out;    // stdout, byte for byte ("" with stdout_file)
  std::string err;    // the first max_err bytes of stderr
};

// Run `spec` to completion in a process group of its own, stdin on
// /dev/null (or spec.stdin_file), passing each output line (without its
// newline) to `on_line` from the calling thread. `cancelled` (may be empty) is
// polled about every 100 ms. Returns the exit code, 128 + the signal number
// when the child was killed by a signal. internal when the program cannot be
// started (the message names it); failed_precondition "cancelled" when
// `cancelled` returned true; deadline_exceeded on timeout. In the last two
// cases the whole process group is killed (SIGTERM, then SIGKILL after a
// second) and reaped before returning. Children left behind by a child that
// exited are killed too, unless spec.kill_leftovers is false.
Result<int> run_process(
  const ProcessSpec& spec,
  const std::function<void(std::string_view line)>& on_line,
  const std::function<bool()>& cancelled = {});

// Run `spec` like run_process, with stdout and stderr kept apart, byte for
// byte (stderr_mode is ignored). `input` is written to the child's stdin
// unless spec.stdin_file is set (a child that exits or closes stdin before
// reading it all is not an error). More than `max_out` bytes of stdout kill
// the child and fail with internal "output of PROGRAM exceeds N bytes";
// stderr past `max_err` bytes is dropped. Errors otherwise as run_process.
Result<CapturedOutput> run_captured(
  const ProcessSpec& spec,
  std::string_view input,
  std::size_t max_out,
  std::size_t max_err,
  const std::function<bool()>& cancelled = {});

// The first executable file called `name` in the ':'-separated `path_list`
// (the PATH variable when nullopt), as an absolute path (not resolved
// through symlinks). not_found naming it and the list when there is none.
Result<std::string> find_on_path(
  const std::string& name,
  const std::optional<std::string>& path_list = std::nullopt);

// Every executable file in `path_list` (PATH when nullopt) whose name
// satisfies `accept`, in PATH order, duplicates included (two files with
// the same name in two directories are both returned).
std::vector<std::string> scan_path(
  const std::function<bool(std::string_view name)>& accept,
  const std::optional<std::string>& path_list = std::nullopt);

// A null-terminated array of pointers into `strings`, for exec and
// posix_spawn; valid while `strings` is unchanged.
std::vector<char*> c_string_array(std::vector<std::string>& strings);

// The exit code a wait status stands for: the code, 128 + the signal of a
// killed process, or -1.
int exit_code_of(int status);

} // namespace ryax::infra::process
