// The effective configuration as `ryaxd --print-config` shows it, and the
// names of where each setting came from.

#include "core/infrastructure/config/daemon_config.hpp"

#include "core/infrastructure/config/filestore_config.hpp"
#include "core/infrastructure/config/site_config.hpp"
#include "core/infrastructure/config/slurm_site_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ryax::infra::config {

std::string_view
to_string(Origin origin)
{
  switch (origin) {
  case Origin::default_value:
    return "default";
  case Origin::file:
    return "file";
  case Origin::environment:
    return "environment";
  case Origin::flag:
    return "flag";
  }
  return "default";
}

std::string
describe(const DaemonConfig& config)
{
  std::string out;
  const auto line = [&](std::string_view key, const auto& setting) {
    out += fmt::format("{}: {}  # {}\n", key, setting.value,
                       to_string(setting.origin));
  };
  line("data_dir", config.data_dir);
  line("config_file", config.config_file);
  line("socket", config.socket);
  line("listen", config.listen);
  line("http_listen", config.http_listen);
  line("http_max_body", config.http_max_body_bytes);
  out += fmt::format("metrics: {}  # {}\n", config.metrics.value,
                     to_string(config.metrics.origin));
  out += fmt::format("metrics_token: {}  # {}\n",
                     config.metrics_token.value.empty() ? "" : "(set)",
                     to_string(config.metrics_token.origin));
  line("tls_cert", config.tls_cert);
  line("tls_key", config.tls_key);
  line("log_level", config.log_level);
  line("log_file", config.log_file);
  line("log_format", config.log_format);
  line("log_max_size", config.log_max_size);
  line("log_keep", config.log_keep);
  line("shutdown_grace_seconds", config.shutdown_grace_seconds);
  line("build_concurrency", config.build_concurrency);
  line("run_concurrency", config.run_concurrency);
  line("run_retention.days", config.retention_days);
  line("run_retention.runs_per_workflow", config.retention_runs_per_workflow);
  line("housekeeping_interval_seconds", config.housekeeping_interval_seconds);
  const auto& site = config.site;
  out += fmt::format("site: {}  # {}\n", site.value.name,
                     to_string(site.origin));
  std::vector<std::string> pools;
  for (const auto& pool : site.value.pools) {
    pools.push_back(describe_pool(pool));
  }
  out += fmt::format("site.node_pools: {}  # {}\n", fmt::join(pools, ", "),
                     to_string(site.origin));
  out += fmt::format("site.sandbox: {}  # {}\n", site.value.sandbox,
                     to_string(site.origin));
  out += fmt::format("site.network: {}  # {}\n", site.value.network,
                     to_string(site.origin));
  out += fmt::format("site.sandbox_writable: [{}]  # {}\n",
                     fmt::join(site.value.sandbox_writable, ", "),
                     to_string(site.origin));
  for (const auto& site : config.sites.value) {
    out += fmt::format("sites: {}  # {}\n", describe_site(site),
                       to_string(config.sites.origin));
  }
  line("max_live_deployments", config.max_live_deployments);
  line("max_unfinished_runs", config.max_unfinished_runs);
  line("max_yaml_bytes", config.max_yaml_bytes);
  line("max_yaml_nodes", config.max_yaml_nodes);
  line("max_workflow_steps", config.max_workflow_steps);
  line("max_run_executions", config.max_run_executions);
  line("join", config.join);
  out += fmt::format("join_token: {}  # {}\n",
                     config.join_token.value.empty() ? "" : "(set)",
                     to_string(config.join_token.origin));
  line("worker_timeout_seconds", config.worker_timeout_seconds);
  const auto& key = config.encryption_key;
  out += fmt::format("encryption_key: {}  # {}\n",
                     key.value.text ? "RYAX_ENCRYPTION_KEY" : key.value.file,
                     to_string(key.origin));
  out += fmt::format("filestore: {}  # {}\n",
                     describe_filestore(config.filestore.value),
                     to_string(config.filestore.origin));
  return out;
}

} // namespace ryax::infra::config
