#include "tests/support/process.hpp"

#include "core/infrastructure/process/subprocess.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ryax::test {

namespace {

std::vector<std::string>
make_environment(const EnvOverrides& overrides)
{
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto eq = text.find('=');
    if (eq != std::string::npos) {
      env[text.substr(0, eq)] = text.substr(eq + 1);
    }
  }
  for (const auto& [name, value] : overrides) {
    if (value) {
      env[name] = *value;
    } else {
      env.erase(name);
    }
  }
  std::vector<std::string> result;
  for (const auto& [name, value] : env) {
    result.push_back(name + "=" + value);
  }
  return result;
}

} // namespace

ProcessResult
run(const std::vector<std::string>& argv_in, const EnvOverrides& env_in,
    const std::string& input, std::chrono::milliseconds timeout)
{
  int in_pipe[2];
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0
      || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  auto argv_strings = argv_in;
  auto env_strings = make_environment(env_in);
  auto argv = infra::process::c_string_array(argv_strings);
  auto envp = infra::process::c_string_array(env_strings);
  pid_t pid = 0;
  const int rc =
    posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return ProcessResult{127, "", "spawn failed"};
  }
  // Feed stdin from a thread so that a large input cannot deadlock.
  std::thread feeder([fd = in_pipe[1], &input] {
    std::size_t done = 0;
    while (done < input.size()) {
      const auto n = write(fd, input.data() + done, input.size() - done);
      if (n <= 0) {
        break;
      }
      done += static_cast<std::size_t>(n);
    }
    close(fd);
  });
  ProcessResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_count = 2;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool killed = false;
  while (open_count > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    const int ready = poll(fds, 2, killed ? 1000 : static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    for (auto& fd : fds) {
      if (fd.fd < 0 || (fd.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      char buffer[65536];
      const auto n = read(fd.fd, buffer, sizeof(buffer));
      if (n <= 0) {
        close(fd.fd);
        fd.fd = -1;
        --open_count;
      } else {
        auto& target = (&fd == &fds[0]) ? result.out : result.err;
        target.append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  feeder.join();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = infra::process::exit_code_of(status);
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv_in,
                                     const EnvOverrides& env,
                                     const std::string& log_path)
{
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  auto argv_strings = argv_in;
  auto env_strings = make_environment(env);
  auto argv = infra::process::c_string_array(argv_strings);
  auto envp = infra::process::c_string_array(env_strings);
  pid_t pid = 0;
  const int rc =
    posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("cannot spawn " + argv_in.front());
  }
  m_pid = pid;
}

BackgroundProcess::~BackgroundProcess()
{
  if (!m_exit_code && m_pid > 0) {
    kill(m_pid, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void
BackgroundProcess::signal(int signal)
{
  if (!m_exit_code) {
    kill(m_pid, signal);
  }
}

std::optional<int>
BackgroundProcess::wait(std::chrono::milliseconds timeout)
{
  if (m_exit_code) {
    return m_exit_code;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(m_pid, &status, WNOHANG);
    if (done == m_pid) {
      m_exit_code = infra::process::exit_code_of(status);
      return m_exit_code;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool
eventually_impl(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout)
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string
free_tcp_port()
{
  const int probe = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(probe);
  return std::to_string(ntohs(addr.sin_port));
}

} // namespace ryax::test
