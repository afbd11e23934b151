#pragma once

#include "core/domain/error.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ryax::wrapper {

// How to start a language runtime.
struct RuntimeCommand
{
  std::vector<std::string> argv; // argv[0] is the interpreter's path
  std::vector<std::string> env;  // the whole environment, "NAME=value"
  std::string cwd;               // working directory of the process
  // cgroup.procs files to join before exec (the limits' groups).
  std::vector<std::string> cgroup_procs_files;
  std::int64_t address_space_limit = 0; // RLIMIT_AS in bytes; 0 = none
  int control_fd_number = 3; // where the runtime finds the control socket
  // argv[0] runs the runtime as its child and exits with 128 + N when
  // signal N killed it (bubblewrap): wait() reports it as that signal.
  bool exit_code_holds_signal = false;
};

// How a runtime ended.
struct ExitStatus
{
  int exit_code = -1; // when it exited, else -1
  int signal = 0;     // the signal that killed it, else 0
};

// "exited with status 3" or "was killed by signal 9 (SIGKILL)".
std::string describe(const ExitStatus& status);

// A running language runtime: a child process in its own process group with
// a control socket and its stdout and stderr on pipes. The parent ends are
// non-blocking (reads) and close-on-exec. Killed and reaped on destruction.
class RuntimeProcess
{
public:
  // Fork and exec `command`. internal when a pipe or fork fails, or when
  // the interpreter cannot be executed (the message says why).
  static Result<std::unique_ptr<RuntimeProcess>> start(
    const RuntimeCommand& command);

  RuntimeProcess(const RuntimeProcess&) = delete;
  RuntimeProcess& operator=(const RuntimeProcess&) = delete;
  ~RuntimeProcess();

  // The process id.
  pid_t pid() const { return m_pid; }

  // The parent's end of the control socket, and the read ends of the pipes.
  int control_fd() const { return m_control; }
  int stdout_fd() const { return m_stdout; }
  int stderr_fd() const { return m_stderr; }

  // Write `bytes` fully to the control socket. unavailable when the runtime
  // is gone.
  Result<void> send(const std::string& bytes);

  // SIGKILL the process group now (idempotent).
  void kill();

  // Wait up to `timeout` for the exit and reap it; nullopt when still
  // running. Cached once known.
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);

private:
  RuntimeProcess() = default;

  pid_t m_pid = -1;
  int m_control = -1;
  int m_stdout = -1;
  int m_stderr = -1;
  std::optional<ExitStatus> m_status;
  bool m_exit_code_holds_signal = false;
};

} // namespace ryax::wrapper
