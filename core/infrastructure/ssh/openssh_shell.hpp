#pragma once

#include "core/application/ports/remote_shell.hpp"
#include "core/infrastructure/ssh/ssh_failure.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <semaphore>
#include <string>
#include <vector>

namespace ryax::infra::ssh {

// Where to log in, and with what.
struct SshTarget
{
  std::string host;             // a name or address (or a Host of config_file)
  int port = 22;                // the sshd's TCP port
  std::string user;             // the remote account
  std::string private_key_file; // the client key (-i); never read by ryax
  // An ssh_config file (-F), for ProxyJump and the like; "" for none, and
  // then -F /dev/null keeps ~/.ssh/config and /etc/ssh/ssh_config out.
  std::string config_file;
  // The known_hosts file that pins the host key (StrictHostKeyChecking=yes).
  std::string known_hosts_file;
  // Where the master connection's socket lives (created mode 0700); "" for
  // /tmp/ryax-ssh-UID. At most 64 characters (UNIX socket path limit).
  std::string control_dir;
  // How long the master connection stays up with no command running.
  int control_persist_seconds = 300;
};

// The RemoteShell of a Slurm site: the `ssh` client binary with one
// OpenSSH ControlMaster connection shared by every command (ControlMaster=
// auto, ControlPersist), so that a command costs a session, not a login,
// and ssh config files with ProxyJump work as they do for people.
//
// Every call runs `ssh -F CONFIG|/dev/null -o BatchMode=yes
// -o StrictHostKeyChecking=yes -o UserKnownHostsFile=KNOWN_HOSTS
// -o IdentitiesOnly=yes -i KEY -p PORT -l USER -o ConnectTimeout=10
// -o ServerAliveInterval=10 -o ControlPath=... HOST COMMAND`, never through
// a local shell. The first command (and the first after the master went
// away: ControlPersist ran out, the link dropped, close()) logs in with
// `ssh -N -f -o ControlMaster=yes` while the others wait; commands then run
// as sessions of that master (ControlMaster=auto). At most 8 commands run
// at once (sshd's MaxSessions is 10 by default); more wait for a turn
// within their timeout.
//
// Host keys are pinned on first use by the operator, not by ryax: ryax never
// adds a key to KNOWN_HOSTS. Fetch the key once, check its fingerprint
// against the one the site's admins publish, then add it:
//   ssh-keyscan -p PORT HOST > k && ssh-keygen -lf k   # compare, then
//   cat k >> KNOWN_HOSTS
// (scan_host_key() does the first step). Until then every command fails
// with "host key of HOST:PORT is not in KNOWN_HOSTS: add it ...". With
// config_file, a ProxyJump host is checked as that file says.
//
// Errors, each one line that never shows key contents:
// - unavailable: the host key is unknown or changed, the key was refused,
//   the host cannot be resolved or reached, the connection was lost;
// - failed_precondition: the private key file is missing, unreadable or
//   readable by others; the control directory is not private;
// - invalid_argument: bad target (empty host or user, control_dir too long,
//   an error in config_file);
// - deadline_exceeded: the command ran past its timeout; the local ssh is
//   killed, the remote command may go on (kill it by other means, e.g.
//   scancel);
// - internal: ssh cannot start, stdout over 64 MiB, a local file error.
// A remote command exiting 255 cannot be told from an ssh failure by the
// exit code: it is reported as an Error only when ssh's stderr says so.
class OpenSshShell final : public app::RemoteShell
{
public:
  // A shell on `target`; connects on the first command.
  explicit OpenSshShell(SshTarget target);
  // Closes the master connection.
  ~OpenSshShell() override;
  OpenSshShell(const OpenSshShell&) = delete;
  OpenSshShell& operator=(const OpenSshShell&) = delete;

  // See app::RemoteShell.
  Result<app::ShellResult> run(const std::string& command,
                               std::string_view input,
                               std::chrono::seconds timeout) override;
  Result<app::ShellResult> run_with_input_file(
    const std::string& command,
    const std::string& local_file,
    std::chrono::seconds timeout) override;
  // The output goes to LOCAL_FILE.part first and replaces `local_file`
  // once ssh has finished; on an Error `local_file` is left untouched.
  Result<app::ShellResult> run_to_file(const std::string& command,
                                       const std::string& local_file,
                                       std::chrono::seconds timeout) override;
  // `ssh -O exit`: the master connection ends (commands still running on
  // it are cut).
  void close() override;

  // Whether the master connection is up (`ssh -O check`).
  bool connected();

  // The master's socket: CONTROL_DIR/<16 hex digits of a hash of user,
  // host, port, key, config and known_hosts>.sock.
  const std::string&
  control_path() const
  {
    return m_control_path;
  }

  // The target this shell logs in to.
  const SshTarget&
  target() const
  {
    return m_target;
  }

private:
  struct Streams; // how a command's stdin and stdout are wired

  Result<app::ShellResult> execute(const std::string& command,
                                   const Streams& streams,
                                   std::chrono::seconds timeout);
  Result<void> check_local_files() const;
  // Log in and leave the master running (ssh -N -f), by `deadline`.
  Result<void> start_master(std::chrono::steady_clock::time_point deadline);
  SshFailureContext failure_context() const;
  // ssh and its options, then `extra`, then the host unless `extra` starts
  // with "--" (then it holds the host and the command).
  std::vector<std::string> ssh_argv(
    const std::vector<std::string>& extra,
    const std::string& control_master = "auto") const;
  std::string where() const; // "HOST:PORT"

  SshTarget m_target;
  std::string m_control_path;
  std::timed_mutex m_connect_mutex; // held while the master starts
  std::atomic<bool> m_connected{ false };
  std::counting_semaphore<> m_sessions{ 8 };
};

// The host keys `host`:`port` presents (`ssh-keyscan -p PORT HOST`), as
// known_hosts lines, for an operator to check and pin. unavailable when
// the host gives none within `timeout`; internal when ssh-keyscan cannot
// start.
Result<std::string> scan_host_key(
  const std::string& host,
  int port,
  std::chrono::seconds timeout = std::chrono::seconds(10));

} // namespace ryax::infra::ssh
