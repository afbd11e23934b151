#include "wrapper/runtime_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace ryax::wrapper {

namespace {

void
close_fd(int& fd)
{
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// Place `fd` at `target` in the child, clearing close-on-exec.
// Async-signal-safe.
void
place_fd(int fd, int target)
{
  if (fd == target) {
    ::fcntl(fd, F_SETFD, 0);
  } else {
    ::dup2(fd, target);
  }
}

// Report errno of a failed step to the parent and exit. Async-signal-safe.
[[noreturn]] void
child_fail(int report_fd, int step)
{
  const int data[2] = {step, errno};
  [[maybe_unused]] auto n = ::write(report_fd, data, sizeof(data));
  ::_exit(127);
}

// Forks on one thread that lives as long as the wrapper. A runtime asks the
// kernel to SIGKILL it when its parent dies (PR_SET_PDEATHSIG), and that
// fires when the *thread* that forked it ends: the connection threads that
// start runtimes come and go, this one does not.
class Spawner
{
public:
  static Spawner& instance()
  {
    // Never destroyed: the thread waits on it until the process exits.
    static auto* spawner = new Spawner();
    return *spawner;
  }

  // fork() on the spawner's thread; the child runs `child` (which must not
  // return, and may only make async-signal-safe calls). The pid, or -1
  // with errno set.
  pid_t fork_with(const std::function<void()>& child)
  {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return m_request == nullptr; });
    Request request{&child};
    m_request = &request;
    m_changed.notify_all();
    m_changed.wait(lock, [&] { return request.done; });
    errno = request.error;
    return request.pid;
  }

private:
  struct Request
  {
    const std::function<void()>* child;
    pid_t pid = -1;
    int error = 0;
    bool done = false;
  };

  Spawner() { std::thread([this] { loop(); }).detach(); }

  [[noreturn]] void loop()
  {
    std::unique_lock lock(m_mutex);
    while (true) {
      m_changed.wait(lock, [&] { return m_request != nullptr; });
      auto* request = m_request;
      request->pid = ::fork();
      if (request->pid == 0) {
        (*request->child)();
        ::_exit(127);
      }
      request->error = errno;
      request->done = true;
      m_request = nullptr;
      m_changed.notify_all();
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_changed;
  Request* m_request = nullptr;
};

const char*
signal_name(int signal)
{
  switch (signal) {
    case SIGKILL:
      return "SIGKILL";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGTERM:
      return "SIGTERM";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    default:
      return "signal";
  }
}

} // namespace

std::string
describe(const ExitStatus& status)
{
  if (status.signal != 0) {
    return "was killed by signal " + std::to_string(status.signal) + " ("
           + signal_name(status.signal) + ")";
  }
  return "exited with status " + std::to_string(status.exit_code);
}

Result<std::unique_ptr<RuntimeProcess>>
RuntimeProcess::start(const RuntimeCommand& command)
{
  int control[2];
  int out[2];
  int err[2];
  int report[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) != 0) {
    return fail(ErrorCode::internal, std::string("socketpair: ") + std::strerror(errno));
  }
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0
      || ::pipe2(report, O_CLOEXEC) != 0) {
    return fail(ErrorCode::internal, std::string("pipe: ") + std::strerror(errno));
  }
  const int dev_null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls (the wrapper is multi-threaded).
  std::vector<std::string> argv_strings = command.argv;
  std::vector<char*> argv;
  for (auto& a : argv_strings) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = command.env;
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  std::vector<int> procs_fds;
  for (const auto& file : command.cgroup_procs_files) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      return fail(ErrorCode::internal, "cannot open " + file + ": " + std::strerror(errno));
    }
    procs_fds.push_back(fd);
  }

  // The runtime dies with the wrapper, even a wrapper killed with -9 (the
  // daemon then kills what is left of the process group).
  const pid_t wrapper = ::getpid();
  const pid_t pid = Spawner::instance().fork_with([&] {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::setpgid(0, 0);
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != wrapper) {
      ::_exit(127);
    }
    for (const int fd : procs_fds) {
      if (::write(fd, "0", 1) != 1) {
        child_fail(report[1], 1);
      }
    }
    if (command.address_space_limit > 0) {
      const rlimit limit{static_cast<rlim_t>(command.address_space_limit),
                         static_cast<rlim_t>(command.address_space_limit)};
      if (::setrlimit(RLIMIT_AS, &limit) != 0) {
        child_fail(report[1], 2);
      }
    }
    place_fd(control[1], command.control_fd_number);
    place_fd(dev_null, 0);
    place_fd(out[1], 1);
    place_fd(err[1], 2);
    if (!command.cwd.empty() && ::chdir(command.cwd.c_str()) != 0) {
      child_fail(report[1], 3);
    }
    ::execve(argv[0], argv.data(), envp.data());
    child_fail(report[1], 4);
  });
  if (pid < 0) {
    return fail(ErrorCode::internal, std::string("fork: ") + std::strerror(errno));
  }

  for (const int fd : procs_fds) {
    ::close(fd);
  }
  ::close(dev_null);
  ::close(control[1]);
  ::close(out[1]);
  ::close(err[1]);
  ::close(report[1]);

  std::unique_ptr<RuntimeProcess> process(new RuntimeProcess());
  process->m_pid = pid;
  process->m_exit_code_holds_signal = command.exit_code_holds_signal;
  process->m_control = control[0];
  process->m_stdout = out[0];
  process->m_stderr = err[0];
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);

  // The report pipe closes on a successful exec; otherwise it says why.
  int data[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(report[0], data, sizeof(data));
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof(data))) {
    static constexpr const char* k_steps[] = {"", "joining the cgroup", "setting RLIMIT_AS",
                                              "entering the action directory", "executing"};
    const auto step = data[0] >= 1 && data[0] <= 4 ? k_steps[data[0]] : "starting";
    process->wait(std::chrono::seconds(5));
    return fail(ErrorCode::internal, std::string("cannot start the runtime \"") + command.argv[0]
                                       + "\": " + step + ": " + std::strerror(data[1]));
  }
  return process;
}

RuntimeProcess::~RuntimeProcess()
{
  kill();
  wait(std::chrono::seconds(10));
  close_fd(m_control);
  close_fd(m_stdout);
  close_fd(m_stderr);
}

Result<void>
RuntimeProcess::send(const std::string& bytes)
{
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::send(m_control, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorCode::unavailable, std::string("the runtime is gone: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

void
RuntimeProcess::kill()
{
  if (m_pid > 0 && !m_status) {
    ::kill(-m_pid, SIGKILL);
    ::kill(m_pid, SIGKILL);
  }
}

std::optional<ExitStatus>
RuntimeProcess::wait(std::chrono::milliseconds timeout)
{
  if (m_status || m_pid <= 0) {
    return m_status;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds(100);
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
      ExitStatus exit;
      if (WIFEXITED(status)) {
        exit.exit_code = WEXITSTATUS(status);
        if (m_exit_code_holds_signal && exit.exit_code > 128 && exit.exit_code <= 128 + 64) {
          exit.signal = exit.exit_code - 128;
          exit.exit_code = -1;
        }
      } else if (WIFSIGNALED(status)) {
        exit.signal = WTERMSIG(status);
      }
      m_status = exit;
      // Children the user's code left behind in the group go too.
      ::kill(-m_pid, SIGKILL);
      return m_status;
    }
    if (r < 0 && errno != EINTR) {
      m_status = ExitStatus{};
      return m_status;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
}

} // namespace ryax::wrapper
