#pragma once

#include "core/application/ports/agent_store.hpp"
#include "core/application/ports/build_store.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/identity_crypto.hpp"
#include "core/application/site_registry.hpp"
#include "daemon/agent/agent_hub.hpp"
#include "daemon/agent/agent_service_impl.hpp"
#include "daemon/shutdown_signal.hpp"

#include "ryax/v1/site.pb.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ryax::daemon::agent {

// The main daemon's side of worker agents, wired once: the registry of
// sites and join tokens, the hub of live links, the AgentService they
// call, and the thread that notices silent workers.
class Fleet
{
public:
  struct Ports
  {
    app::AgentStore& store;
    app::IdentityCrypto& crypto;
    app::Clock& clock;
    app::BundleStore& bundles;
    AgentHub& hub;
    Gate& gate;
  };

  // `address` is the daemon's TLS address ("" for none) and `fingerprint`
  // the SHA-256 of its CA; `data_dir` holds the bundle archives.
  Fleet(Ports ports,
        const std::string& local_site,
        std::string address,
        const std::string& fingerprint,
        const std::string& data_dir);
  ~Fleet();

  AgentServiceImpl& service() { return m_service; }

  // Tell the runner about every site that joined before (not connected
  // yet: unhealthy until its worker links), and start watching links.
  Result<void> start();
  void stop();

  // `ryax site token create`: the token and the address to join.
  Result<app::CreatedJoinToken> create_token(std::int64_t ttl_seconds);
  const std::string& address() const { return m_address; }

  // `ryax site rm`: forget the site, revoke its credential, close its link.
  Result<void> remove(const std::string& name);

  // Fill the worker fields (last seen, address, connected) of those of
  // `sites` that are workers', reading the registry once.
  void describe(const std::vector<v1::Site*>& sites);

private:
  AgentHub& m_hub;
  app::SiteRegistry m_registry;
  AgentServiceImpl m_service;
  std::string m_address;
  ShutdownSignal m_stopping;
  std::thread m_watcher;
};

} // namespace ryax::daemon::agent
