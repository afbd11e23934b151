#include "daemon/slurm/slurm_sites.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

namespace fs = std::filesystem;

namespace ryax::daemon {

namespace {

// One sinfo line "PARTITION|AVAIL|NODES|STATE|CPUS".
void
add_partition(v1::Site& site, std::string_view line)
{
  std::vector<std::string_view> fields;
  while (true) {
    const auto bar = line.find('|');
    fields.push_back(line.substr(0, bar));
    if (bar == std::string_view::npos) {
      break;
    }
    line.remove_prefix(bar + 1);
  }
  if (fields.size() != 5) {
    return;
  }
  auto* partition = site.add_slurm_partitions();
  partition->set_name(std::string(fields[0]));
  partition->set_avail(std::string(fields[1]));
  int nodes = 0;
  std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), nodes);
  partition->set_nodes(nodes);
  partition->set_state(std::string(fields[3]));
  partition->set_cpus(std::string(fields[4]));
}

} // namespace

SlurmSites::SlurmSites(const std::vector<infra::config::SlurmSiteConfig>& sites,
                       app::BundleStore& bundles,
                       const std::string& data_dir)
{
  for (const auto& config : sites) {
    auto site = std::make_unique<Site>();
    site->config = config;
    const auto state_dir = data_dir + "/slurm/" + config.site.name;
    std::error_code ec;
    fs::create_directories(fs::path(config.known_hosts_file).parent_path(), ec);
    infra::ssh::SshTarget target;
    target.host = config.host;
    target.port = config.port;
    target.user = config.user;
    target.private_key_file = config.private_key_file;
    target.config_file = config.config_file;
    target.known_hosts_file = config.known_hosts_file;
    site->shell = std::make_unique<infra::ssh::OpenSshShell>(target);
    infra::slurm::SlurmPoolSettings settings;
    settings.site = config.site.name;
    settings.cache_dir = config.cache_dir;
    settings.state_dir = state_dir;
    settings.intervals.files = std::chrono::milliseconds(config.poll_interval_ms);
    settings.intervals.squeue =
      std::chrono::milliseconds(config.squeue_interval_ms);
    settings.keep_failed_seconds = config.keep_failed_seconds;
    site->pool = std::make_unique<infra::slurm::SlurmPool>(*site->shell, bundles,
                                                           settings);
    m_sites.push_back(std::move(site));
  }
}

SlurmSites::~SlurmSites()
{
  stop();
}

void
SlurmSites::start(agent::AgentHub& hub, app::RunService& runs)
{
  for (auto& site : m_sites) {
    hub.host(site->config.site.name, *site->pool);
    runs.upsert_site(site->config.site);
    // Unhealthy until the first check reached it.
    runs.set_site_healthy(site->config.site.name, false);
  }
  if (m_sites.empty()) {
    return;
  }
  m_checker = std::thread([this, &runs] {
    do {
      for (auto& site : m_sites) {
        if (m_stopping.requested()) {
          return;
        }
        check(*site, runs);
        if (site->healthy.value_or(false)) {
          site->pool->reap_idle(); // at most every 10 min
        }
      }
    } while (!m_stopping.wait_for(std::chrono::seconds(30)));
  });
}

void
SlurmSites::check(Site& site, app::RunService& runs)
{
  const auto& name = site.config.site.name;
  const auto checked = site.pool->check();
  const bool healthy = checked.has_value();
  if (site.healthy != healthy) {
    if (healthy) {
      app::log::info("site {}: Slurm cluster {}@{}:{} reached", name,
                     site.config.user, site.config.host, site.config.port);
    } else {
      app::log::warn("site {}: Slurm cluster unreachable: {}", name,
                     checked.error().message);
    }
  }
  site.healthy = healthy;
  runs.set_site_healthy(name, healthy);
}

void
SlurmSites::stop()
{
  m_stopping.request();
  if (m_checker.joinable()) {
    m_checker.join();
  }
  for (auto& site : m_sites) {
    site->pool->shutdown();
  }
}

void
SlurmSites::describe(v1::Site& out, bool with_sinfo)
{
  for (auto& site : m_sites) {
    if (site->config.site.name != out.name()) {
      continue;
    }
    out.set_server(fmt::format("{}@{}:{}", site->config.user,
                               site->config.host, site->config.port));
    if (!with_sinfo) {
      return;
    }
    const auto lines = site->pool->sinfo();
    if (!lines) {
      out.set_slurm_error(lines.error().message);
      return;
    }
    std::string_view rest = *lines;
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      add_partition(out, rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view{}
                                           : rest.substr(end + 1);
    }
    return;
  }
}

} // namespace ryax::daemon
