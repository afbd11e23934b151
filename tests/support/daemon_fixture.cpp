#include "tests/support/daemon_fixture.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>

namespace ryax::test {

std::string
ryax_binary()
{
  return RYAX_BIN;
}

std::string
ryaxd_binary()
{
  return RYAXD_BIN;
}

bool
socket_answers(const std::string& path)
{
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof(address.sun_path)) {
    if (fd >= 0) {
      ::close(fd);
    }
    return false;
  }
  std::copy(path.begin(), path.end(), address.sun_path);
  const bool live =
    ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return live;
}

DaemonFixture::DaemonFixture(bool start_now, std::vector<std::string> extra_args)
{
  if (start_now) {
    start(std::move(extra_args));
  }
}

DaemonFixture::~DaemonFixture()
{
  if (m_process) {
    stop();
  }
}

EnvOverrides
DaemonFixture::env() const
{
  return {
    {"RYAX_HOME", home()},
    {"RYAX_SOCKET", socket()},
    {"RYAX_NO_AUTOSTART", "1"},
    {"XDG_RUNTIME_DIR", std::nullopt},
    {"XDG_DATA_HOME", std::nullopt},
    {"RYAX_OUTPUT", std::nullopt},
    {"RYAX_CONFIG", std::nullopt},
    {"RYAX_LISTEN", std::nullopt},
    // Many daemons run at once: each takes a free port.
    {"RYAX_HTTP_LISTEN", "127.0.0.1:0"},
    {"RYAX_ENCRYPTION_KEY", std::nullopt},
    {"NO_COLOR", std::nullopt},
    // Never the contexts, token or project of whoever runs the tests.
    {"XDG_CONFIG_HOME", m_dir / "config"},
    {"RYAX_TOKEN", std::nullopt},
    {"RYAX_PROJECT", std::nullopt},
    // Builds never reach a package index from tests: there is no network.
    {"PIP_NO_INDEX", "1"},
    {"PIP_DISABLE_PIP_VERSION_CHECK", "1"},
    {"npm_config_offline", "true"},
    {"npm_config_audit", "false"},
    {"npm_config_fund", "false"},
    {"npm_config_update_notifier", "false"},
  };
}

void
DaemonFixture::start(std::vector<std::string> extra_args,
                     const EnvOverrides& extra_env)
{
  std::vector<std::string> argv = {ryaxd_binary(), "--foreground",
                                   "--enable-test-rpcs", "--log-level", "debug"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto environment = env();
  for (const auto& [name, value] : extra_env) {
    environment[name] = value;
  }
  m_process = std::make_unique<BackgroundProcess>(argv, environment, log_path());
  const bool up = eventually([&] {
    return socket_answers(socket()) || m_process->wait(std::chrono::milliseconds(0));
  });
  if (!up || !socket_answers(socket())) {
    throw std::runtime_error("ryaxd did not start; log:\n" + log());
  }
}

int
DaemonFixture::stop()
{
  if (!m_process) {
    return -1;
  }
  m_process->signal(SIGTERM);
  const auto code = m_process->wait(std::chrono::seconds(30));
  m_process.reset();
  return code.value_or(-1);
}

bool
DaemonFixture::answering() const
{
  return socket_answers(socket());
}

ProcessResult
DaemonFixture::ryax(const std::vector<std::string>& args,
                   const std::string& input, const EnvOverrides& extra_env) const
{
  auto environment = env();
  for (const auto& [name, value] : extra_env) {
    environment[name] = value;
  }
  std::vector<std::string> argv = {ryax_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, environment, input);
}

ProcessResult
DaemonFixture::ryaxd(const std::vector<std::string>& args,
                     const EnvOverrides& extra_env) const
{
  auto environment = env();
  for (const auto& [name, value] : extra_env) {
    environment[name] = value;
  }
  std::vector<std::string> argv = {ryaxd_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, environment);
}

} // namespace ryax::test
