#pragma once

#include "core/domain/error.hpp"
#include "core/domain/scheduling.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace YAML {
class Node;
} // namespace YAML

// The `sites` key of ryaxd.yaml: further sites hosted by this daemon (the
// `site` key stays the local one). Today one type: SLURM_SSH.
namespace ryax::infra::config {

// A Slurm cluster reached over SSH.
struct SlurmSiteConfig
{
  // name, type "SLURM_SSH", and the partitions as node pools.
  domain::Site site;
  // credentials.server ("host" or "host:port").
  std::string host;
  int port = 22;
  std::string user;             // credentials.username
  std::string private_key_file; // credentials.privateKeyFile (absolute)
  std::string config_file;      // credentials.configFile; "" for none
  // credentials.knownHostsFile; "" for <data dir>/ssh/known_hosts.
  std::string known_hosts_file;
  // Where bundles and executions go on the cluster ("~/" is the remote
  // user's home).
  std::string cache_dir = "~/.ryax_cache";
  // How often running jobs' files are looked at, and how often squeue is
  // asked (the only call that reaches slurmctld).
  std::int64_t poll_interval_ms = 500;
  std::int64_t squeue_interval_ms = 5000;
  // A failed execution's directory stays this long on the cluster.
  std::int64_t keep_failed_seconds = 86400;

  bool operator==(const SlurmSiteConfig&) const = default;
};

// Read the value of the `sites` key found at `at` ("file:line:column"): a
// list of mappings with name, type, credentials, partitions and optionally
// cache_dir, poll_interval, squeue_interval and keep_failed (man/ryaxd.8).
// invalid_argument naming the file, line, column and key path
// ("sites[0].credentials.server") for an unknown or duplicate key, a
// missing one, a bad value, a site name given twice, or a private key file
// that is missing or readable by others.
Result<std::vector<SlurmSiteConfig>> read_sites(const YAML::Node& node,
                                                const std::string& at);

// One site for --print-config: "NAME: SLURM_SSH USER@HOST:PORT (key FILE,
// cache DIR, partitions P1, P2)"; never a key's content.
std::string describe_site(const SlurmSiteConfig& site);

} // namespace ryax::infra::config
