#include "daemon/agent/fleet.hpp"

#include <map>

namespace ryax::daemon::agent {

Fleet::Fleet(Ports ports,
             const std::string& local_site,
             std::string address,
             const std::string& fingerprint,
             const std::string& data_dir)
  : m_hub(ports.hub)
  , m_registry(ports.store, ports.crypto, ports.clock, local_site, fingerprint)
  , m_service(ports.gate, m_registry, ports.hub, ports.bundles,
              data_dir + "/bundle-archives")
  , m_address(std::move(address))
{
}

Fleet::~Fleet()
{
  stop();
}

Result<void>
Fleet::start()
{
  RYAX_TRY_ASSIGN(const auto sites, m_registry.list());
  for (const auto& site : sites) {
    m_hub.known(site.site);
  }
  m_watcher = std::thread([this] {
    while (!m_stopping.wait_for(std::chrono::milliseconds(500))) {
      m_hub.check_health();
    }
  });
  return {};
}

void
Fleet::stop()
{
  m_stopping.request();
  if (m_watcher.joinable()) {
    m_watcher.join();
  }
  m_hub.stop();
}

Result<app::CreatedJoinToken>
Fleet::create_token(std::int64_t ttl_seconds)
{
  return m_registry.create_token(ttl_seconds);
}

Result<void>
Fleet::remove(const std::string& name)
{
  RYAX_TRY(m_registry.remove(name));
  m_hub.remove(name);
  return {};
}

void
Fleet::describe(const std::vector<v1::Site*>& sites)
{
  auto joined = m_registry.list();
  if (!joined) {
    return;
  }
  std::map<std::string, const domain::AgentSite*, std::less<>> workers;
  for (const auto& site : *joined) {
    workers.emplace(site.site.name, &site);
  }
  for (auto* site : sites) {
    const auto found = workers.find(site->name());
    if (found == workers.end()) {
      continue;
    }
    site->set_kind("worker");
    site->set_last_seen_unix_ms(found->second->last_seen_ms);
    site->set_address(found->second->address);
    site->set_connected(m_hub.view(site->name()).connected);
  }
}

} // namespace ryax::daemon::agent
