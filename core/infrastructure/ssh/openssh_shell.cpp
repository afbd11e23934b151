#include "core/infrastructure/ssh/openssh_shell.hpp"

#include "core/infrastructure/process/subprocess.hpp"
#include "core/infrastructure/ssh/ssh_failure.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace ryax::infra::ssh {

namespace {

constexpr std::size_t k_max_out = 64 * 1024 * 1024;
constexpr std::size_t k_max_err = 64 * 1024;
// sun_path is 104 bytes on the BSDs (108 on Linux); ssh binds
// PATH.<16 random characters> first, then renames it to PATH.
constexpr std::size_t k_max_socket_path = 104 - 1 - 17;
constexpr std::size_t k_hash_name_length = 16 + 5; // hex digits + ".sock"
constexpr auto k_control_timeout = std::chrono::seconds(10);

// FNV-1a: a short, stable name for the control socket, not a secret.
std::string
short_hash(const std::vector<std::string>& parts)
{
  std::uint64_t hash = 14695981039346656037ULL;
  for (const auto& part : parts) {
    for (const char c : part + '\0') {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  }
  char text[17];
  std::snprintf(
    text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

std::string
default_control_dir()
{
  return "/tmp/ryax-ssh-" + std::to_string(::getuid());
}

// Create `dir` (mode 0700) unless it exists; it must be ours and private.
Result<void>
ensure_private_dir(const std::string& dir)
{
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::failed_precondition,
                "cannot create the ssh control directory " + dir + ": " +
                  ec.message());
  }
  struct stat st
  {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::failed_precondition,
                "ssh control directory " + dir + " is not a directory");
  }
  if (st.st_uid != ::getuid()) {
    return fail(ErrorCode::failed_precondition,
                "ssh control directory " + dir + " belongs to another user");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) {
    return fail(ErrorCode::failed_precondition,
                "ssh control directory " + dir +
                  " is not private (chmod 700 it)");
  }
  return {};
}

app::ShellResult
to_shell_result(process::CapturedOutput&& captured)
{
  return app::ShellResult{ captured.exit_code,
                           std::move(captured.out),
                           std::move(captured.err) };
}

} // namespace

struct OpenSshShell::Streams
{
  std::string_view input;  // stdin, unless stdin_file
  std::string stdin_file;  // "" for `input`
  std::string stdout_file; // "" to capture stdout
};

OpenSshShell::OpenSshShell(SshTarget target)
  : m_target(std::move(target))
{
  if (m_target.control_dir.empty()) {
    m_target.control_dir = default_control_dir();
  }
  m_control_path = m_target.control_dir + "/" +
                   short_hash({ m_target.user,
                                m_target.host,
                                std::to_string(m_target.port),
                                m_target.private_key_file,
                                m_target.config_file,
                                m_target.known_hosts_file }) +
                   ".sock";
}

OpenSshShell::~OpenSshShell()
{
  close();
}

Result<app::ShellResult>
OpenSshShell::run(const std::string& command,
                  std::string_view input,
                  std::chrono::seconds timeout)
{
  return execute(command, Streams{ input, "", "" }, timeout);
}

Result<app::ShellResult>
OpenSshShell::run_with_input_file(const std::string& command,
                                  const std::string& local_file,
                                  std::chrono::seconds timeout)
{
  return execute(command, Streams{ {}, local_file, "" }, timeout);
}

Result<app::ShellResult>
OpenSshShell::run_to_file(const std::string& command,
                          const std::string& local_file,
                          std::chrono::seconds timeout)
{
  const auto part = local_file + ".part";
  auto result = execute(command, Streams{ {}, "", part }, timeout);
  std::error_code ec;
  if (!result) {
    std::filesystem::remove(part, ec);
    return result;
  }
  std::filesystem::rename(part, local_file, ec);
  if (ec) {
    std::filesystem::remove(part, ec);
    return fail(ErrorCode::internal,
                "cannot replace " + local_file + ": " + ec.message());
  }
  return result;
}

void
OpenSshShell::close()
{
  std::lock_guard lock(m_connect_mutex);
  m_connected = false;
  std::error_code ec;
  if (!std::filesystem::exists(m_control_path, ec)) {
    return; // no master: nothing to end
  }
  process::ProcessSpec spec;
  spec.argv = ssh_argv({ "-O", "exit" });
  spec.timeout = k_control_timeout;
  // The master may be gone already (never started, persisted out): nothing
  // to do then, and nothing a caller could do about a failure.
  (void)process::run_captured(spec, {}, k_max_err, k_max_err);
}

bool
OpenSshShell::connected()
{
  process::ProcessSpec spec;
  spec.argv = ssh_argv({ "-O", "check" });
  spec.timeout = k_control_timeout;
  const auto checked = process::run_captured(spec, {}, k_max_err, k_max_err);
  return checked && checked->exit_code == 0;
}

Result<app::ShellResult>
OpenSshShell::execute(const std::string& command,
                      const Streams& streams,
                      std::chrono::seconds timeout)
{
  RYAX_TRY(check_local_files());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!m_sessions.try_acquire_until(deadline)) {
    return fail(ErrorCode::deadline_exceeded,
                "no free session to " + where() + " within " +
                  std::to_string(timeout.count()) + " s");
  }
  struct Release
  {
    std::counting_semaphore<>& sessions;
    ~Release() { sessions.release(); }
  } release{ m_sessions };

  // One login for every command: the first command (or the first after
  // the master persisted out or the link dropped) starts the master while
  // the others wait for it.
  std::error_code exists_error;
  if (!m_connected || !std::filesystem::exists(m_control_path, exists_error)) {
    std::unique_lock first(m_connect_mutex, std::defer_lock);
    if (!first.try_lock_until(deadline)) {
      return fail(ErrorCode::deadline_exceeded,
                  "connecting to " + where() + " took longer than " +
                    std::to_string(timeout.count()) + " s");
    }
    if (!m_connected ||
        !std::filesystem::exists(m_control_path, exists_error)) {
      m_connected = false;
      RYAX_TRY(start_master(deadline));
      m_connected = true;
    }
  }

  process::ProcessSpec spec;
  spec.argv = ssh_argv({ "--", m_target.host, command });
  spec.stdin_file = streams.stdin_file;
  spec.stdout_file = streams.stdout_file;
  spec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  auto captured =
    process::run_captured(spec, streams.input, k_max_out, k_max_err);
  if (!captured) {
    const auto& error = captured.error();
    if (error.code == ErrorCode::deadline_exceeded) {
      return fail(ErrorCode::deadline_exceeded,
                  "a command on " + m_target.user + "@" + where() +
                    " ran longer than " + std::to_string(timeout.count()) +
                    " s and was killed");
    }
    if (error.code == ErrorCode::internal &&
        error.message.starts_with("output of")) {
      return fail(
        ErrorCode::internal,
        "a command on " + where() +
          " wrote more than 64 MiB to stdout (download it to a file)");
    }
    return std::unexpected(error);
  }
  if (captured->exit_code == 255) {
    if (auto failure = classify_ssh_failure(captured->err, failure_context())) {
      m_connected = false;
      return std::unexpected(std::move(*failure));
    }
  }
  return to_shell_result(std::move(*captured));
}

Result<void>
OpenSshShell::start_master(std::chrono::steady_clock::time_point deadline)
{
  // `ssh -N -f` returns once logged in, leaving the master in a session of
  // its own. A ProxyJump helper it started stays in our process group: it
  // must outlive this call (kill_leftovers), and writes to a file rather
  // than to a pipe that closes with the call.
  const auto log = m_control_path.substr(0, m_control_path.size() - 5) + ".log";
  process::ProcessSpec spec;
  spec.argv = ssh_argv({ "-N", "-f" }, "yes");
  spec.stdout_file = "/dev/null";
  spec.stderr_file = log;
  spec.kill_leftovers = false;
  spec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  const auto code = process::run_process(spec, {});
  if (!code) {
    if (code.error().code == ErrorCode::deadline_exceeded) {
      return fail(ErrorCode::deadline_exceeded,
                  "logging in to " + m_target.user + "@" + where() +
                    " took longer than the command's timeout");
    }
    return std::unexpected(code.error());
  }
  if (*code == 0) {
    return {};
  }
  std::ifstream file(log);
  const std::string text((std::istreambuf_iterator<char>(file)),
                         std::istreambuf_iterator<char>());
  if (auto failure = classify_ssh_failure(text, failure_context())) {
    return std::unexpected(std::move(*failure));
  }
  const auto first_line = text.substr(0, text.find('\n'));
  return fail(ErrorCode::unavailable,
              "cannot log in to " + m_target.user + "@" + where() +
                " (ssh exit " + std::to_string(*code) + ")" +
                (first_line.empty() ? "" : ": " + first_line));
}

SshFailureContext
OpenSshShell::failure_context() const
{
  return SshFailureContext{ m_target.host,
                            m_target.port,
                            m_target.user,
                            m_target.private_key_file,
                            m_target.known_hosts_file,
                            m_target.config_file };
}

Result<void>
OpenSshShell::check_local_files() const
{
  if (m_target.host.empty() || m_target.host.starts_with('-')) {
    return fail(ErrorCode::invalid_argument,
                "ssh host \"" + m_target.host + "\" is not a host name");
  }
  if (m_target.user.empty()) {
    return fail(ErrorCode::invalid_argument, "no ssh user for " + where());
  }
  if (m_target.known_hosts_file.empty()) {
    return fail(ErrorCode::invalid_argument,
                "no known_hosts file for " + where() +
                  " (host keys must be pinned)");
  }
  if (m_control_path.size() > k_max_socket_path) {
    return fail(
      ErrorCode::invalid_argument,
      "ssh control directory " + m_target.control_dir + " is too long (" +
        std::to_string(m_target.control_dir.size()) + " characters, at most " +
        std::to_string(k_max_socket_path - 1 - k_hash_name_length) +
        " for a UNIX socket path)");
  }
  const auto& key = m_target.private_key_file;
  struct stat st
  {};
  if (key.empty()) {
    return fail(ErrorCode::failed_precondition,
                "no private key file for " + where());
  }
  if (::stat(key.c_str(), &st) != 0) {
    return fail(ErrorCode::failed_precondition,
                "private key " + key + ": " + std::strerror(errno));
  }
  if (::access(key.c_str(), R_OK) != 0) {
    return fail(ErrorCode::failed_precondition,
                "cannot read the private key " + key + ": " +
                  std::strerror(errno));
  }
  // ssh refuses a key of its user that others can read (and says so only
  // at LogLevel INFO); say it before trying.
  if (st.st_uid == ::getuid() && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(
      mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 0777));
    return fail(ErrorCode::failed_precondition,
                "private key " + key + " is readable by others (mode " + mode +
                  "): chmod 600 " + key);
  }
  return ensure_private_dir(m_target.control_dir);
}

std::vector<std::string>
OpenSshShell::ssh_argv(const std::vector<std::string>& extra,
                       const std::string& control_master) const
{
  std::vector<std::string> argv = {
    "ssh",
    "-F",
    m_target.config_file.empty() ? "/dev/null" : m_target.config_file,
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "UserKnownHostsFile=" + m_target.known_hosts_file,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "UpdateHostKeys=no",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "IdentityAgent=none",
    "-i",
    m_target.private_key_file,
    "-p",
    std::to_string(m_target.port),
    "-l",
    m_target.user,
    "-o",
    "ConnectTimeout=10",
    "-o",
    "ServerAliveInterval=10",
    "-o",
    "ServerAliveCountMax=3",
    "-o",
    "ControlMaster=" + control_master,
    "-o",
    "ControlPath=" + m_control_path,
    "-o",
    "ControlPersist=" + std::to_string(m_target.control_persist_seconds) + "s",
    "-o",
    "ClearAllForwardings=yes",
    "-o",
    "ForwardAgent=no",
    "-o",
    "LogLevel=ERROR",
    "-T",
  };
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (extra.empty() || extra.front() != "--") {
    argv.push_back(m_target.host); // the control commands (-O) need it too
  }
  return argv;
}

std::string
OpenSshShell::where() const
{
  return m_target.host + ":" + std::to_string(m_target.port);
}

Result<std::string>
scan_host_key(const std::string& host, int port, std::chrono::seconds timeout)
{
  process::ProcessSpec spec;
  spec.argv = { "ssh-keyscan",
                "-p",
                std::to_string(port),
                "-T",
                std::to_string(timeout.count()),
                "--",
                host };
  spec.timeout = timeout + std::chrono::seconds(5);
  RYAX_TRY_ASSIGN(auto scanned,
                  process::run_captured(spec, {}, k_max_err, k_max_err));
  if (scanned.out.empty()) {
    return fail(ErrorCode::unavailable,
                "no host key from " + host + ":" + std::to_string(port) +
                  (scanned.err.empty()
                     ? ""
                     : ": " + scanned.err.substr(0, scanned.err.find('\n'))));
  }
  return scanned.out;
}

} // namespace ryax::infra::ssh
