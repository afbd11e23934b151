#pragma once

#include "core/domain/error.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace ryax::app {

// What one remote command did.
struct ShellResult
{
  int exit_code = 0; // the command's exit status (128 + N for signal N)
  std::string out;   // its stdout ("" when written to a file)
  std::string err;   // its stderr, at most 64 KiB kept
};

// A shell on a remote host (a Slurm login node) reached over one reused
// connection. Commands are POSIX sh command lines run by the login shell of
// the remote user; the caller quotes what it puts in them.
//
// Connection failures are Errors, never ShellResults: unavailable with one
// clear line saying why (the host key is unknown or changed, the key was
// refused, the host cannot be resolved or reached); deadline_exceeded when a
// command ran longer than its timeout (it is killed). A command that ran and
// failed is a ShellResult with its exit code.
class RemoteShell
{
public:
  virtual ~RemoteShell() = default;

  // Run `command` with `input` on its stdin; its stdout is kept in `out`
  // (at most 64 MiB, then internal).
  virtual Result<ShellResult> run(const std::string& command,
                                  std::string_view input,
                                  std::chrono::seconds timeout) = 0;

  // Run `command` with the local file `local_file` on its stdin (uploads).
  virtual Result<ShellResult> run_with_input_file(
    const std::string& command,
    const std::string& local_file,
    std::chrono::seconds timeout) = 0;

  // Run `command` with its stdout written to the local file `local_file`
  // (downloads; the file is replaced).
  virtual Result<ShellResult> run_to_file(const std::string& command,
                                          const std::string& local_file,
                                          std::chrono::seconds timeout) = 0;

  // Close the shared connection (the next command opens it again).
  virtual void close() = 0;
};

} // namespace ryax::app
