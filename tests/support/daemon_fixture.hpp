#pragma once

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ryax::test {

// Path of the real `ryax` and `ryaxd` binaries of this build.
std::string ryax_binary();
std::string ryaxd_binary();

// A real ryaxd on a fresh temp data dir and socket, in the foreground as a
// child of the test (with the test RPCs on), and a way to run the real `ryax`
// binary against it. Stopped with SIGTERM on destruction.
class DaemonFixture
{
public:
  // Start the daemon now unless `start_now` is false.
  explicit DaemonFixture(bool start_now = true,
                         std::vector<std::string> extra_args = {});
  ~DaemonFixture();

  // Start ryaxd with `extra_args`, and env() changed by `extra_env`, and
  // wait until it answers.
  void start(std::vector<std::string> extra_args = {},
             const EnvOverrides& extra_env = {});

  // SIGTERM, and the daemon's exit code.
  int stop();

  // Does a daemon accept connections on socket()?
  bool answering() const;

  const TempDir& dir() const { return m_dir; }
  std::string home() const { return m_dir / "home"; }
  std::string socket() const { return m_dir / "ryaxd.sock"; }
  std::string log_path() const { return m_dir / "ryaxd.log"; }
  std::string log() const { return read_file(log_path()); }

  // The environment the daemon and every `ryax` run here get: RYAX_HOME and
  // RYAX_SOCKET of this fixture, RYAX_NO_AUTOSTART=1, and no inherited
  // XDG_RUNTIME_DIR, RYAX_OUTPUT, RYAX_ENCRYPTION_KEY or NO_COLOR.
  EnvOverrides env() const;

  // Run `ryax args...` with env() changed by `extra_env`.
  ProcessResult ryax(const std::vector<std::string>& args,
                     const std::string& input = {},
                     const EnvOverrides& extra_env = {}) const;

  // Run `ryaxd args...` in the foreground to completion (for start errors).
  ProcessResult ryaxd(const std::vector<std::string>& args,
                      const EnvOverrides& extra_env = {}) const;

  BackgroundProcess* process() { return m_process.get(); }

private:
  TempDir m_dir;
  std::unique_ptr<BackgroundProcess> m_process;
};

// Does a process accept connections on the UNIX socket at `path`?
bool socket_answers(const std::string& path);

} // namespace ryax::test
