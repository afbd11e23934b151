#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ryax::test {

// What a finished command left.
struct ProcessResult
{
  int exit_code = -1; // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Environment changes for a child: a value sets, nullopt unsets.
using EnvOverrides = std::map<std::string, std::optional<std::string>>;

// Run `argv` to completion with this process's environment changed by `env`
// and `input` on its stdin; kill it after `timeout`.
ProcessResult run(const std::vector<std::string>& argv,
                  const EnvOverrides& env = {}, const std::string& input = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A loopback TCP port free now (bound and released), as a string.
std::string free_tcp_port();

// A child process running in the background, killed on destruction.
class BackgroundProcess
{
public:
  // Start `argv`; stdout and stderr go to `log_path`.
  BackgroundProcess(const std::vector<std::string>& argv,
                    const EnvOverrides& env, const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  int pid() const { return m_pid; }

  // Send `signal`.
  void signal(int signal);

  // Wait for the exit within `timeout`; the exit code (128 + signal when
  // killed), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);

private:
  int m_pid = -1;
  std::optional<int> m_exit_code;
};

// Poll `condition` every few milliseconds until it holds or `timeout` passes.
template<typename Condition>
bool
eventually(Condition condition,
           std::chrono::milliseconds timeout = std::chrono::seconds(20));

// --- Inline implementations ---

bool eventually_impl(const std::function<bool()>& condition,
                     std::chrono::milliseconds timeout);

template<typename Condition>
bool
eventually(Condition condition, std::chrono::milliseconds timeout)
{
  return eventually_impl(condition, timeout);
}

} // namespace ryax::test
