#pragma once

#include "core/application/ports/remote_shell.hpp"
#include "core/infrastructure/process/subprocess.hpp"

#include <string>

namespace ryax::test {

// A RemoteShell that runs each command on this machine with /bin/sh -c, in
// the working directory `cwd` ("" for ours), for unit tests of code that
// drives a remote shell (the Slurm runtime). Passes the RemoteShell
// contract test of OpenSshShell (tests/support/remote_shell_contract.hpp).
class LocalShell final : public app::RemoteShell
{
public:
  explicit LocalShell(std::string cwd = {})
    : m_cwd(std::move(cwd))
  {
  }

  // Every command run so far, in order (for tests to assert on).
  const std::vector<std::string>&
  commands() const
  {
    return m_commands;
  }

  Result<app::ShellResult>
  run(const std::string& command,
      std::string_view input,
      std::chrono::seconds timeout) override
  {
    return execute(command, input, {}, {}, timeout);
  }

  Result<app::ShellResult>
  run_with_input_file(const std::string& command,
                      const std::string& local_file,
                      std::chrono::seconds timeout) override
  {
    return execute(command, {}, local_file, {}, timeout);
  }

  Result<app::ShellResult>
  run_to_file(const std::string& command,
              const std::string& local_file,
              std::chrono::seconds timeout) override
  {
    return execute(command, {}, {}, local_file, timeout);
  }

  void
  close() override
  {
  }

private:
  Result<app::ShellResult>
  execute(const std::string& command,
          std::string_view input,
          const std::string& stdin_file,
          const std::string& stdout_file,
          std::chrono::seconds timeout)
  {
    m_commands.push_back(command);
    infra::process::ProcessSpec spec;
    spec.argv = { "/bin/sh", "-c", command };
    spec.cwd = m_cwd;
    spec.stdin_file = stdin_file;
    spec.stdout_file = stdout_file;
    spec.timeout = timeout;
    auto captured =
      infra::process::run_captured(spec, input, 64 << 20, 64 << 10);
    if (!captured) {
      if (captured.error().code == ErrorCode::deadline_exceeded) {
        return fail(ErrorCode::deadline_exceeded,
                    "a local command ran longer than " +
                      std::to_string(timeout.count()) + " s and was killed");
      }
      return std::unexpected(captured.error());
    }
    return app::ShellResult{ captured->exit_code,
                             std::move(captured->out),
                             std::move(captured->err) };
  }

  std::string m_cwd;
  std::vector<std::string> m_commands;
};

} // namespace ryax::test
