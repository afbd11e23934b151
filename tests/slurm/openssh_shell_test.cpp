// OpenSshShell against the real sshd of tests/slurm/cluster.sh: the
// RemoteShell contract (shared with LocalShell), then what only the real
// adapter does: host key pinning, refused keys, unreachable hosts, one
// master connection for every command.

#include "core/infrastructure/process/subprocess.hpp"
#include "core/infrastructure/ssh/openssh_shell.hpp"
#include "tests/slurm/slurm_site.hpp"
#include "tests/support/process.hpp"
#include "tests/support/remote_shell_contract.hpp"
#include "tests/support/temp_dir.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <thread>

using namespace std::chrono_literals;
using ryax::ErrorCode;
using ryax::infra::ssh::OpenSshShell;
using ryax::infra::ssh::scan_host_key;
using ryax::infra::ssh::SshTarget;
using ryax::test::read_file;
using ryax::test::SlurmSite;
using ryax::test::TempDir;
using ryax::test::write_file;

namespace {

struct OpenSshFixture
{
  SlurmSite site = SlurmSite::from_environment();
  TempDir tmp;
  OpenSshShell ssh{ site.target(tmp.path().string()) };
  ryax::app::RemoteShell&
  shell()
  {
    return ssh;
  }
};

// "HOST:PORT" of the test sshd.
std::string
where(const SlurmSite& site)
{
  return site.host + ":" + std::to_string(site.port);
}

// How many logins sshd accepted so far.
int
accepted_logins(const SlurmSite& site)
{
  std::ifstream log(site.sshd_log);
  int count = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("Accepted publickey for " + site.user) != std::string::npos) {
      ++count;
    }
  }
  return count;
}

// A fresh ed25519 key pair at `path` (and path.pub).
void
make_key(const std::string& path)
{
  ryax::infra::process::ProcessSpec spec;
  spec.argv = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path };
  const auto code = ryax::infra::process::run_process(spec, {});
  REQUIRE(code);
  REQUIRE(*code == 0);
}

ryax::Error
failure(const ryax::Result<ryax::app::ShellResult>& result)
{
  REQUIRE_MESSAGE(!result, "the command ran: exit " << result->exit_code);
  return result.error();
}

} // namespace

TEST_SUITE_BEGIN("contract::RemoteShell");

RYAX_REMOTE_SHELL_CONTRACT(OpenSshFixture);

TEST_SUITE_END();

TEST_SUITE_BEGIN("infra::ssh::OpenSshShell");

TEST_CASE("an unknown host key is refused with the command that pins it")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  auto target = site.target(tmp.path().string());
  target.known_hosts_file = tmp / "known_hosts";
  write_file(target.known_hosts_file, "");
  OpenSshShell shell(target);
  const auto error = failure(shell.run("true", {}, 30s));
  CHECK(error.code == ErrorCode::unavailable);
  CHECK(error.message ==
        "host key of " + where(site) + " is not in " + target.known_hosts_file +
          ": add it (ssh-keyscan -p " + std::to_string(site.port) + " " +
          site.host + " >> " + target.known_hosts_file +
          ") after checking its fingerprint");

  // First-use pinning as the header documents it: scan, check, append.
  const auto scanned = scan_host_key(site.host, site.port);
  REQUIRE_MESSAGE(scanned, (scanned ? "" : scanned.error().message));
  CHECK(scanned->find("[" + site.host + "]:" + std::to_string(site.port) +
                      " ssh-ed25519 ") != std::string::npos);
  write_file(target.known_hosts_file, *scanned);
  const auto pinned = shell.run("echo in", {}, 30s);
  REQUIRE_MESSAGE(pinned, (pinned ? "" : pinned.error().message));
  CHECK(pinned->out == "in\n");
}

TEST_CASE("a changed host key is refused")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  make_key(tmp / "other");
  const auto other = read_file(tmp / "other.pub");
  auto target = site.target(tmp.path().string());
  target.known_hosts_file = tmp / "known_hosts";
  write_file(target.known_hosts_file,
             "[" + site.host + "]:" + std::to_string(site.port) + " " +
               other.substr(0, other.rfind(' ')) + "\n");
  OpenSshShell shell(target);
  const auto error = failure(shell.run("true", {}, 30s));
  CHECK(error.code == ErrorCode::unavailable);
  CHECK(error.message.starts_with("host key of " + where(site) +
                                  " changed: it no longer matches " +
                                  target.known_hosts_file));
}

TEST_CASE(
  "a key the server does not accept is refused, naming key and user only")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  make_key(tmp / "stranger");
  auto target = site.target(tmp.path().string());
  target.private_key_file = tmp / "stranger";
  OpenSshShell shell(target);
  const auto error = failure(shell.run("true", {}, 30s));
  CHECK(error.code == ErrorCode::unavailable);
  CHECK(error.message == where(site) + " refused the key " +
                           target.private_key_file + " for user " + site.user +
                           " (publickey)");
  CHECK(error.message.find('\n') == std::string::npos);
}

TEST_CASE(
  "a private key that is missing or readable by others fails before connecting")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  auto target = site.target(tmp.path().string());
  target.private_key_file = tmp / "absent";
  const auto missing = failure(OpenSshShell(target).run("true", {}, 30s));
  CHECK(missing.code == ErrorCode::failed_precondition);
  CHECK(missing.message == "private key " + target.private_key_file +
                             ": No such file or directory");

  target.private_key_file = tmp / "open";
  write_file(target.private_key_file, read_file(site.key));
  ::chmod(target.private_key_file.c_str(), 0644);
  const auto open = failure(OpenSshShell(target).run("true", {}, 30s));
  CHECK(open.code == ErrorCode::failed_precondition);
  CHECK(open.message == "private key " + target.private_key_file +
                          " is readable by others (mode 0644): chmod 600 " +
                          target.private_key_file);
  CHECK(open.message.find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE(
  "a port nobody listens on and a name that does not resolve are unavailable")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  auto target = site.target(tmp.path().string());
  target.port = std::stoi(ryax::test::free_tcp_port());
  const auto refused = failure(OpenSshShell(target).run("true", {}, 30s));
  CHECK(refused.code == ErrorCode::unavailable);
  CHECK(refused.message == "cannot connect to " + site.host + ":" +
                             std::to_string(target.port) +
                             ": connection refused");

  target = site.target(tmp.path().string());
  target.host = "no-such-host.invalid";
  const auto unresolved = failure(OpenSshShell(target).run("true", {}, 30s));
  CHECK(unresolved.code == ErrorCode::unavailable);
  CHECK(unresolved.message == "cannot resolve no-such-host.invalid");
}

TEST_CASE("a host that accepts the connection but never answers times out")
{
  // A listening socket nobody accepts from: the kernel completes the TCP
  // handshake, and ssh waits for a banner that never comes.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  REQUIRE(::getsockname(
            listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);

  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  auto target = site.target(tmp.path().string());
  target.port = ntohs(address.sin_port);
  OpenSshShell shell(target);
  const auto start = std::chrono::steady_clock::now();
  const auto error = failure(shell.run("true", {}, 2s));
  CHECK(std::chrono::steady_clock::now() - start < 8s);
  CHECK(error.code == ErrorCode::deadline_exceeded);
  CHECK(error.message == "logging in to " + site.user + "@" + site.host + ":" +
                           std::to_string(target.port) +
                           " took longer than the command's timeout");
  ::close(listener);
}

TEST_CASE("twenty commands share one login, and close() ends it")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  OpenSshShell shell(site.target(tmp.path().string()));
  CHECK_FALSE(shell.connected());
  const auto before = accepted_logins(site);
  for (int i = 0; i < 20; ++i) {
    const auto result = shell.run("echo " + std::to_string(i), {}, 30s);
    REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
    CHECK(result->out == std::to_string(i) + "\n");
  }
  CHECK(shell.connected());
  CHECK(std::filesystem::exists(shell.control_path()));
  CHECK(ryax::test::eventually(
    [&] { return accepted_logins(site) == before + 1; }, 5s));

  shell.close();
  CHECK_FALSE(shell.connected());
  CHECK(ryax::test::eventually(
    [&] { return !std::filesystem::exists(shell.control_path()); }, 5s));
  // The next command logs in again.
  CHECK(shell.run("true", {}, 30s).has_value());
  CHECK(ryax::test::eventually(
    [&] { return accepted_logins(site) == before + 2; }, 5s));
}

TEST_CASE("after the master persisted out, the next command logs in again")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  auto target = site.target(tmp.path().string());
  target.control_persist_seconds = 3; // short, but no race with a login
  OpenSshShell shell(target);
  const auto before = accepted_logins(site);
  REQUIRE(shell.run("true", {}, 30s).has_value());
  CHECK(ryax::test::eventually(
    [&] { return !std::filesystem::exists(shell.control_path()); }, 10s));
  const auto again = shell.run("echo again", {}, 30s);
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
  CHECK(again->out == "again\n");
  CHECK(again->err.empty());
  ryax::test::eventually([&] { return accepted_logins(site) >= before + 2; },
                         5s);
  CHECK(accepted_logins(site) == before + 2);
}

TEST_CASE("commands started together share the one login")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  OpenSshShell shell(site.target(tmp.path().string()));
  const auto before = accepted_logins(site);
  std::vector<std::string> outs(16);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < outs.size(); ++i) {
    threads.emplace_back([&, i] {
      const auto result =
        shell.run("sleep 0.3; echo " + std::to_string(i), {}, 60s);
      outs[i] = result ? result->out : "error: " + result.error().message;
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (std::size_t i = 0; i < outs.size(); ++i) {
    CHECK(outs[i] == std::to_string(i) + "\n");
  }
  CHECK(ryax::test::eventually(
    [&] { return accepted_logins(site) == before + 1; }, 5s));
}

TEST_CASE("a remote command exiting 255 is a result, not a connection error")
{
  OpenSshFixture f;
  const auto result = f.ssh.run("echo 'it failed' >&2; exit 255", {}, 30s);
  REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
  CHECK(result->exit_code == 255);
  CHECK(result->err == "it failed\n");
}

TEST_CASE("the remote side is the user's login: SLURM_CONF set, home as cwd")
{
  OpenSshFixture f;
  const auto result = f.ssh.run("echo \"$SLURM_CONF\"; pwd; id -un", {}, 30s);
  REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
  CHECK(result->out == f.site.dir + "/slurm.conf\n/home/" + f.site.user + "\n" +
                         f.site.user + "\n");
}

TEST_CASE(
  "an ssh config file is honoured, and an error in it is invalid_argument")
{
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  auto target = site.target(tmp.path().string());
  target.host = "slurm-login";
  target.config_file = tmp / "ssh_config";
  write_file(target.config_file,
             "Host slurm-login\n  HostName " + site.host + "\n");
  const auto aliased = OpenSshShell(target).run("echo via alias", {}, 30s);
  REQUIRE_MESSAGE(aliased, (aliased ? "" : aliased.error().message));
  CHECK(aliased->out == "via alias\n");

  write_file(target.config_file, "Host slurm-login\n  NoSuchOption yes\n");
  const auto bad = failure(OpenSshShell(target).run("true", {}, 30s));
  CHECK(bad.code == ErrorCode::invalid_argument);
  CHECK(bad.message == "ssh config " + target.config_file +
                         ": line 2: Bad configuration option: nosuchoption");
}

TEST_CASE("a ProxyJump host of the config file is gone through")
{
  // The test sshd is its own jump host: two logins for one shell.
  const auto site = SlurmSite::from_environment();
  TempDir tmp;
  auto target = site.target(tmp.path().string());
  target.host = "slurm-login";
  target.config_file = tmp / "ssh_config";
  write_file(target.config_file,
             "Host jump\n  HostName " + site.host + "\n  Port " +
               std::to_string(site.port) + "\n  User " + site.user +
               "\n  IdentityFile " + site.key +
               "\n  IdentitiesOnly yes\n  UserKnownHostsFile " +
               site.known_hosts + "\n  BatchMode yes\n" +
               "Host slurm-login\n  HostName " + site.host +
               "\n  ProxyJump jump\n");
  const auto before = accepted_logins(site);
  OpenSshShell shell(target);
  for (int i = 0; i < 3; ++i) {
    const auto result = shell.run("echo via jump", {}, 30s);
    REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
    CHECK(result->out == "via jump\n");
  }
  ryax::test::eventually([&] { return accepted_logins(site) >= before + 2; },
                         5s);
  CHECK(accepted_logins(site) == before + 2);
}

TEST_CASE("a control directory too long for a socket path is refused")
{
  const auto site = SlurmSite::from_environment();
  const auto error =
    failure(OpenSshShell(site.target("/tmp/" + std::string(80, 'd')))
              .run("true", {}, 30s));
  CHECK(error.code == ErrorCode::invalid_argument);
  CHECK(error.message.find("is too long") != std::string::npos);
}

TEST_SUITE_END();
