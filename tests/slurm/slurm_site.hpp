#pragma once

// The cluster tests/slurm/cluster.sh started, as run.sh exports it.

#include "core/infrastructure/ssh/openssh_shell.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

namespace ryax::test {

// The RYAX_SLURM_* variables of DIR/env.
struct SlurmSite
{
  std::string host;        // RYAX_SLURM_SSH_HOST
  int port = 0;            // RYAX_SLURM_SSH_PORT
  std::string user;        // RYAX_SLURM_SSH_USER
  std::string key;         // RYAX_SLURM_SSH_KEY
  std::string known_hosts; // RYAX_SLURM_KNOWN_HOSTS
  std::string partition;   // RYAX_SLURM_PARTITION
  std::string dir;         // RYAX_SLURM_DIR
  std::string sshd_log;    // RYAX_SLURM_SSHD_LOG

  // The site of this process's environment; fails the test case when a
  // variable is missing (run the tests through tests/slurm/run.sh).
  static SlurmSite from_environment();

  // A target logging in as `user` with `key`, its control socket in
  // `control_dir`.
  infra::ssh::SshTarget target(const std::string& control_dir) const;
};

// --- Inline implementations ---

namespace detail {
inline std::string
required_env(const char* name)
{
  const char* value = std::getenv(name);
  REQUIRE_MESSAGE(
    value != nullptr,
    name << " is not set: run these tests with tests/slurm/run.sh");
  return value;
}
} // namespace detail

inline SlurmSite
SlurmSite::from_environment()
{
  SlurmSite site;
  site.host = detail::required_env("RYAX_SLURM_SSH_HOST");
  site.port = std::stoi(detail::required_env("RYAX_SLURM_SSH_PORT"));
  site.user = detail::required_env("RYAX_SLURM_SSH_USER");
  site.key = detail::required_env("RYAX_SLURM_SSH_KEY");
  site.known_hosts = detail::required_env("RYAX_SLURM_KNOWN_HOSTS");
  site.partition = detail::required_env("RYAX_SLURM_PARTITION");
  site.dir = detail::required_env("RYAX_SLURM_DIR");
  site.sshd_log = detail::required_env("RYAX_SLURM_SSHD_LOG");
  return site;
}

inline infra::ssh::SshTarget
SlurmSite::target(const std::string& control_dir) const
{
  infra::ssh::SshTarget target;
  target.host = host;
  target.port = port;
  target.user = user;
  target.private_key_file = key;
  target.known_hosts_file = known_hosts;
  target.control_dir = control_dir;
  return target;
}

} // namespace ryax::test
