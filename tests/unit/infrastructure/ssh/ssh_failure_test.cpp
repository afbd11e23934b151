// What ssh (OpenSSH 9.2) writes on stderr when it fails, and the one line
// OpenSshShell makes of it. The texts are copied from real runs.

#include "core/infrastructure/ssh/ssh_failure.hpp"

#include <doctest/doctest.h>

using ryax::ErrorCode;
using ryax::infra::ssh::classify_ssh_failure;
using ryax::infra::ssh::SshFailureContext;

namespace {

const SshFailureContext k_site{
  "login.example.org",     2222, "alice", "/keys/id_ed25519",
  "/etc/ryax/known_hosts", ""
};

ryax::Error
classified(const std::string& stderr_text)
{
  const auto error = classify_ssh_failure(stderr_text, k_site);
  REQUIRE_MESSAGE(error, "not recognised: " << stderr_text);
  return *error;
}

} // namespace

TEST_SUITE_BEGIN("infra::ssh::classify_ssh_failure");

TEST_CASE("an unknown host key says how to pin it")
{
  const auto error = classified(
    "No ED25519 host key is known for [login.example.org]:2222 and you have "
    "requested strict checking.\nHost key verification failed.\n");
  CHECK(error.code == ErrorCode::unavailable);
  CHECK(
    error.message ==
    "host key of login.example.org:2222 is not in /etc/ryax/known_hosts: add "
    "it "
    "(ssh-keyscan -p 2222 login.example.org >> /etc/ryax/known_hosts) after "
    "checking its fingerprint");
}

TEST_CASE("a changed host key is told apart from an unknown one")
{
  const auto error = classified(
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
    "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
    "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
    "Host key for [login.example.org]:2222 has changed and you have requested "
    "strict checking.\nHost key verification failed.\n");
  CHECK(error.code == ErrorCode::unavailable);
  CHECK(error.message.starts_with(
    "host key of login.example.org:2222 changed: it no longer matches "
    "/etc/ryax/known_hosts"));
}

TEST_CASE("a refused key names the key file and the user")
{
  const auto error = classified(
    "alice@login.example.org: Permission denied (publickey,password).\n");
  CHECK(error.code == ErrorCode::unavailable);
  CHECK(error.message ==
        "login.example.org:2222 refused the key /keys/id_ed25519 "
        "for user alice (publickey,password)");
}

TEST_CASE("a key that cannot be loaded is a local problem")
{
  const auto error =
    classified("Load key \"/keys/id_ed25519\": error in libcrypto\n"
               "alice@login.example.org: Permission denied (publickey).\n");
  CHECK(error.code == ErrorCode::failed_precondition);
  CHECK(error.message ==
        "cannot load the private key /keys/id_ed25519: error in libcrypto");
}

TEST_CASE("names that do not resolve and hosts that cannot be reached")
{
  CHECK(classified("ssh: Could not resolve hostname login.example.org: Name or "
                   "service not known\n")
          .message == "cannot resolve login.example.org");
  CHECK(
    classified("ssh: connect to host login.example.org port 2222: Connection "
               "refused\n")
      .message ==
    "cannot connect to login.example.org:2222: connection refused");
  CHECK(
    classified("ssh: connect to host login.example.org port 2222: No route to "
               "host\n")
      .message == "cannot connect to login.example.org:2222: no route to host");
  CHECK(
    classified("ssh: connect to host login.example.org port 2222: Connection "
               "timed out\n")
      .message ==
    "cannot connect to login.example.org:2222: connection timed out");
  CHECK(classified("client_loop: send disconnect: Broken pipe\n").message ==
        "connection to login.example.org:2222 lost while the command ran");
  CHECK(classified("Connection to login.example.org closed by remote host.\n")
          .message ==
        "connection to login.example.org:2222 lost while the command ran");
}

TEST_CASE("an error in the config file names its line")
{
  const auto error =
    classified("cfg: line 1: Bad configuration option: bogus\n"
               "cfg: terminating, 1 bad configuration options\n");
  CHECK(error.code == ErrorCode::invalid_argument);
  CHECK(error.message ==
        "ssh config cfg: line 1: Bad configuration option: bogus");
}

TEST_CASE("stderr of a remote command that exited 255 is no ssh failure")
{
  CHECK_FALSE(classify_ssh_failure("", k_site));
  CHECK_FALSE(classify_ssh_failure("it failed\n", k_site));
  CHECK_FALSE(
    classify_ssh_failure("Traceback (most recent call last):\n", k_site));
  CHECK_FALSE(classify_ssh_failure(
    "curl: (7) Failed to connect to db port 5432: Connection refused\n",
    k_site));
  CHECK_FALSE(classify_ssh_failure("write error: Broken pipe\n", k_site));
}

TEST_SUITE_END();
