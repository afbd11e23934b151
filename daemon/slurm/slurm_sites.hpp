#pragma once

#include "core/application/ports/build_store.hpp"
#include "core/application/run_service.hpp"
#include "core/infrastructure/config/slurm_site_config.hpp"
#include "core/infrastructure/slurm/slurm_pool.hpp"
#include "core/infrastructure/ssh/openssh_shell.hpp"
#include "daemon/agent/agent_hub.hpp"
#include "daemon/shutdown_signal.hpp"

#include "ryax/v1/site.pb.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ryax::daemon {

// The Slurm sites of ryaxd.yaml `sites`, hosted by this daemon: one SSH
// connection and one SlurmPool each, registered with the hub (their
// runtimes) and the runner (their partitions). A site is unhealthy (gets no
// new placements) while its cluster cannot be reached; a thread checks it
// at start and every 30 s (and removes failed executions' directories
// older than keep_failed).
class SlurmSites
{
public:
  SlurmSites(const std::vector<infra::config::SlurmSiteConfig>& sites,
             app::BundleStore& bundles,
             const std::string& data_dir);
  ~SlurmSites();

  // Host every site on `hub` and tell `runs` about it; start checking.
  void start(agent::AgentHub& hub, app::RunService& runs);
  // Stop checking and following jobs (before the runner stops).
  void stop();

  // Fill the Slurm fields of `site` when it is one of these: the server,
  // and with `with_sinfo` the partitions as sinfo shows them.
  void describe(v1::Site& site, bool with_sinfo);

private:
  struct Site
  {
    infra::config::SlurmSiteConfig config;
    std::unique_ptr<infra::ssh::OpenSshShell> shell;
    std::unique_ptr<infra::slurm::SlurmPool> pool;
    std::optional<bool> healthy; // unset until the first check
  };
  void check(Site& site, app::RunService& runs);

  std::vector<std::unique_ptr<Site>> m_sites;
  ShutdownSignal m_stopping;
  std::thread m_checker;
};

} // namespace ryax::daemon
