#include "core/infrastructure/process/subprocess.hpp"

#include "core/infrastructure/process/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace ryax::infra::process {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto k_poll_interval = std::chrono::milliseconds(100);
constexpr auto k_term_grace = std::chrono::seconds(1);
// After the child exits, how long its leftovers may keep the pipes open.
constexpr auto k_drain_grace = std::chrono::milliseconds(500);
// A line longer than this is passed on in pieces.
constexpr std::size_t k_max_line = 64 * 1024;

std::vector<std::string>
make_environment(const std::map<std::string, std::string>& overrides, bool inherit)
{
  std::vector<std::string> result;
  for (char** entry = environ; inherit && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto eq = text.find('=');
    const auto name = std::string(text.substr(0, eq));
    if (eq == std::string_view::npos || !overrides.contains(name)) {
      result.emplace_back(text);
    }
  }
  for (const auto& [name, value] : overrides) {
    result.push_back(name + "=" + value);
  }
  return result;
}

bool
is_executable_file(const std::string& path)
{
  struct stat st
  {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

std::vector<std::string>
split_path(const std::optional<std::string>& path_list)
{
  std::string text;
  if (path_list) {
    text = *path_list;
  } else if (const char* env = std::getenv("PATH")) {
    text = env;
  }
  std::vector<std::string> dirs;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(':', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    // An empty entry means the current directory, as for execvp.
    dirs.push_back(end == start ? "." : text.substr(start, end - start));
    start = end + 1;
  }
  return dirs;
}

// Splits a byte stream into lines for one stream.
class LineSplitter
{
public:
  LineSplitter(std::string_view prefix,
               const std::function<void(std::string_view)>& on_line)
    : m_prefix(prefix)
    , m_on_line(on_line)
  {
  }

  void
  feed(std::string_view data)
  {
    for (const char c : data) {
      if (c == '\n') {
        emit();
      } else {
        m_line.push_back(c);
        if (m_line.size() >= k_max_line) {
          emit();
        }
      }
    }
  }

  void
  finish()
  {
    if (!m_line.empty()) {
      emit();
    }
  }

private:
  void
  emit()
  {
    if (!m_line.empty() && m_line.back() == '\r') {
      m_line.pop_back();
    }
    if (m_on_line) {
      if (m_prefix.empty()) {
        m_on_line(m_line);
      } else {
        m_on_line(std::string(m_prefix) + m_line);
      }
    }
    m_line.clear();
  }

  std::string_view m_prefix;
  const std::function<void(std::string_view)>& m_on_line;
  std::string m_line;
};

// Kill the group led by `pid` (SIGTERM, SIGKILL after a grace period) and
// reap the leader unless already reaped.
void
kill_group(pid_t pid, bool leader_reaped)
{
  ::kill(-pid, SIGTERM);
  if (leader_reaped) {
    ::kill(-pid, SIGKILL);
    return;
  }
  const auto deadline = Clock::now() + k_term_grace;
  int status = 0;
  while (Clock::now() < deadline) {
    const auto done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) {
      ::kill(-pid, SIGKILL); // the leader's children may ignore SIGTERM
      return;
    }
    ::poll(nullptr, 0, 10);
  }
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Where a child's streams go: raw chunks of stdout (of both streams when
// `separate_stderr` is false) and of stderr. A sink returning false stops the
// run: the child is killed and the run fails with k_output_limit.
struct Streams
{
  bool separate_stderr = false;
  std::optional<std::string_view> input; // written to stdin when set
  std::function<bool(std::string_view)> out;
  std::function<bool(std::string_view)> err;
};

constexpr std::string_view k_output_limit = "output limit exceeded";

Result<UniqueFd>
open_file(const std::string& path, int flags, std::string_view what)
{
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    return fail(ErrorCode::internal,
                "cannot open " + std::string(what) + " \"" + path +
                  "\": " + std::strerror(errno));
  }
  return fd;
}

// Write what is left of `input` to the non-blocking `fd`; close it (EOF for
// the child) once everything is written or the child stopped reading.
void
feed_input(UniqueFd& fd, std::string_view& input)
{
  while (!input.empty()) {
    // send(), not write(): MSG_NOSIGNAL spares us SIGPIPE when the child
    // closed its stdin.
    const auto n = ::send(fd.get(), input.data(), input.size(), MSG_NOSIGNAL);
    if (n > 0) {
      input.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      break;
    }
  }
  fd.reset();
}

Result<int>
spawn_and_pump(const ProcessSpec& spec,
               Streams streams,
               const std::function<bool()>& cancelled)
{
  if (spec.argv.empty()) {
    return fail(ErrorCode::internal, "run_process: empty argv");
  }
  std::string program = spec.argv.front();
  if (program.find('/') == std::string::npos) {
    const auto path_it = spec.env.find("PATH");
    auto found =
      find_on_path(program,
                   path_it == spec.env.end() ? std::nullopt
                                             : std::optional(path_it->second));
    if (!found) {
      return fail(ErrorCode::internal,
                  "cannot start \"" + program + "\": not found on PATH");
    }
    program = *found;
  }

  // Files are opened here, not by the spawn, so that a missing one is
  // reported as such rather than as a failure to start the program.
  UniqueFd stdin_fd;
  UniqueFd input_write;
  std::string_view input_left;
  if (!spec.stdin_file.empty()) {
    RYAX_TRY_ASSIGN(stdin_fd,
                    open_file(spec.stdin_file, O_RDONLY, "input file"));
  } else if (streams.input) {
    std::array<int, 2> pair{ -1, -1 };
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair.data()) !=
        0) {
      return fail(ErrorCode::internal,
                  std::string("socketpair: ") + std::strerror(errno));
    }
    stdin_fd.reset(pair[0]);
    input_write.reset(pair[1]);
    ::shutdown(stdin_fd.get(), SHUT_WR);
    ::fcntl(input_write.get(), F_SETFL, O_NONBLOCK);
    input_left = *streams.input;
  }
  UniqueFd stdout_fd;
  if (!spec.stdout_file.empty()) {
    RYAX_TRY_ASSIGN(
      stdout_fd,
      open_file(spec.stdout_file, O_WRONLY | O_CREAT | O_TRUNC, "output file"));
  }

  UniqueFd stderr_fd;
  if (!spec.stderr_file.empty()) {
    RYAX_TRY_ASSIGN(
      stderr_fd,
      open_file(spec.stderr_file, O_WRONLY | O_CREAT | O_TRUNC, "error file"));
  }

  const bool separate = streams.separate_stderr || stdout_fd.valid();
  std::array<int, 2> out_pipe{ -1, -1 };
  std::array<int, 2> err_pipe{ -1, -1 };
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0) {
    return fail(ErrorCode::internal,
                std::string("pipe: ") + std::strerror(errno));
  }
  UniqueFd out_read(out_pipe[0]);
  UniqueFd out_write(out_pipe[1]);
  UniqueFd err_read;
  UniqueFd err_write;
  if (separate && !stderr_fd.valid()) {
    if (::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
      return fail(ErrorCode::internal,
                  std::string("pipe: ") + std::strerror(errno));
    }
    err_read.reset(err_pipe[0]);
    err_write.reset(err_pipe[1]);
  }
  if (stdout_fd.valid()) {
    out_read.reset(); // nothing to read: stdout is the file
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_fd.valid()) {
    posix_spawn_file_actions_adddup2(&actions, stdin_fd.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(
    &actions, stdout_fd.valid() ? stdout_fd.get() : out_write.get(), 1);
  posix_spawn_file_actions_adddup2(
    &actions,
    stderr_fd.valid() ? stderr_fd.get()
                      : (separate ? err_write.get() : out_write.get()),
    2);
  if (!spec.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGPIPE);
  sigaddset(&default_signals, SIGTERM);
  sigaddset(&default_signals, SIGINT);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                             POSIX_SPAWN_SETSIGMASK);

  auto args = spec.argv;
  auto env = make_environment(spec.env, spec.inherit_environment);
  auto argv_ptrs = c_string_array(args);
  auto env_ptrs = c_string_array(env);
  pid_t pid = -1;
  const int spawn_error = ::posix_spawn(
    &pid, program.c_str(), &actions, &attr, argv_ptrs.data(), env_ptrs.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out_write.reset();
  err_write.reset();
  stdin_fd.reset();
  stdout_fd.reset();
  stderr_fd.reset();
  if (spawn_error != 0) {
    std::string where = spec.cwd.empty() ? "" : " in \"" + spec.cwd + "\"";
    return fail(ErrorCode::internal,
                "cannot start \"" + program + "\"" + where + ": " +
                  std::strerror(spawn_error));
  }
  if (input_write.valid()) {
    feed_input(input_write, input_left);
  }

  const auto start = Clock::now();
  std::optional<Clock::time_point> exited_at;
  int exit_code = -1;
  std::array<char, 64 * 1024> buffer{};

  while (true) {
    std::array<pollfd, 3> fds{};
    std::size_t count = 0;
    if (out_read.get() >= 0) {
      fds[count++] = pollfd{ out_read.get(), POLLIN, 0 };
    }
    if (err_read.get() >= 0) {
      fds[count++] = pollfd{ err_read.get(), POLLIN, 0 };
    }
    if (input_write.get() >= 0 && !exited_at) {
      fds[count++] = pollfd{ input_write.get(), POLLOUT, 0 };
    }
    if (count == 0 && exited_at) {
      break;
    }
    const int wait_ms =
      count == 0 ? 10 : static_cast<int>(k_poll_interval.count());
    const int ready = ::poll(fds.data(), count, wait_ms);
    if (ready < 0 && errno != EINTR) {
      kill_group(pid, exited_at.has_value());
      return fail(ErrorCode::internal,
                  std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; ready > 0 && i < count; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      if (fds[i].fd == input_write.get()) {
        feed_input(input_write, input_left);
        continue;
      }
      const bool is_out = fds[i].fd == out_read.get();
      const auto n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        const std::string_view chunk(buffer.data(),
                                     static_cast<std::size_t>(n));
        if (!(is_out ? streams.out : streams.err)(chunk)) {
          kill_group(pid, exited_at.has_value());
          return fail(ErrorCode::internal, std::string(k_output_limit));
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        (is_out ? out_read : err_read).reset();
      }
    }

    if (!exited_at) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exit_code = exit_code_of(status);
        exited_at = Clock::now();
        input_write.reset();
      }
    }
    if (exited_at && Clock::now() - *exited_at > k_drain_grace) {
      break; // a leftover child holds the pipe: it is killed below
    }
    if (!exited_at && cancelled && cancelled()) {
      kill_group(pid, false);
      return fail(ErrorCode::failed_precondition, "cancelled");
    }
    if (!exited_at && spec.timeout && Clock::now() - start > *spec.timeout) {
      kill_group(pid, false);
      return fail(ErrorCode::deadline_exceeded,
                  "\"" + spec.argv.front() + "\" timed out after " +
                    std::to_string(spec.timeout->count()) + " ms");
    }
  }
  if (spec.kill_leftovers) {
    ::kill(-pid, SIGKILL); // nothing of the group may outlive the call
  }
  return exit_code;
}

} // namespace

Result<int>
run_process(const ProcessSpec& spec,
            const std::function<void(std::string_view line)>& on_line,
            const std::function<bool()>& cancelled)
{
  const bool tagged = spec.stderr_mode == StderrMode::tagged;
  LineSplitter out_lines("", on_line);
  LineSplitter err_lines(tagged ? k_stderr_tag : "", on_line);
  Streams streams;
  streams.separate_stderr = tagged;
  streams.out = [&](std::string_view chunk) {
    out_lines.feed(chunk);
    return true;
  };
  streams.err = [&](std::string_view chunk) {
    err_lines.feed(chunk);
    return true;
  };
  auto code = spawn_and_pump(spec, std::move(streams), cancelled);
  if (code) {
    out_lines.finish();
    err_lines.finish();
  }
  return code;
}

Result<CapturedOutput>
run_captured(const ProcessSpec& spec,
             std::string_view input,
             std::size_t max_out,
             std::size_t max_err,
             const std::function<bool()>& cancelled)
{
  CapturedOutput captured;
  Streams streams;
  streams.separate_stderr = true;
  streams.input = input;
  streams.out = [&](std::string_view chunk) {
    if (captured.out.size() + chunk.size() > max_out) {
      return false;
    }
    captured.out.append(chunk);
    return true;
  };
  streams.err = [&](std::string_view chunk) {
    const auto room = max_err - std::min(max_err, captured.err.size());
    captured.err.append(chunk.substr(0, std::min(room, chunk.size())));
    return true;
  };
  auto code = spawn_and_pump(spec, std::move(streams), cancelled);
  if (!code) {
    if (code.error().code == ErrorCode::internal &&
        code.error().message == k_output_limit) {
      return fail(ErrorCode::internal,
                  "output of \"" + spec.argv.front() + "\" exceeds " +
                    std::to_string(max_out) + " bytes");
    }
    return std::unexpected(code.error());
  }
  captured.exit_code = *code;
  return captured;
}

Result<std::string>
find_on_path(const std::string& name,
             const std::optional<std::string>& path_list)
{
  for (const auto& dir : split_path(path_list)) {
    auto candidate =
      std::filesystem::absolute(dir + "/" + name).lexically_normal().string();
    if (is_executable_file(candidate)) {
      return candidate;
    }
  }
  std::string shown = path_list ? *path_list : "";
  if (!path_list) {
    const char* env = std::getenv("PATH");
    shown = env ? env : "";
  }
  return fail(ErrorCode::not_found,
              "no \"" + name + "\" on PATH (" + shown + ")");
}

std::vector<std::string>
scan_path(const std::function<bool(std::string_view name)>& accept,
          const std::optional<std::string>& path_list)
{
  std::vector<std::string> result;
  for (const auto& dir : split_path(path_list)) {
    std::error_code ec;
    std::vector<std::string> names;
    std::filesystem::directory_iterator it(dir, ec);
    for (; !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
      auto name = it->path().filename().string();
      if (accept(name)) {
        names.push_back(std::move(name));
      }
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      auto full =
        std::filesystem::absolute(dir + "/" + name).lexically_normal().string();
      if (is_executable_file(full)) {
        result.push_back(std::move(full));
      }
    }
  }
  return result;
}

std::vector<char*>
c_string_array(std::vector<std::string>& strings)
{
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (auto& s : strings) {
    result.push_back(s.data());
  }
  result.push_back(nullptr);
  return result;
}

int
exit_code_of(int status)
{
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

} // namespace ryax::infra::process
