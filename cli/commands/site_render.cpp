#include "cli/commands/site_render.hpp"
#include "cli/output/time_format.hpp"

#include "cli/commands/common.hpp"
#include "cli/commands/run_render.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ryax::cli {

namespace {

using nlohmann::json;

// What the pools of a site have and use, summed.
struct SiteTotals
{
  double cpu = 0;
  double cpu_in_use = 0;
  std::int64_t memory_bytes = 0;
  std::int64_t memory_in_use_bytes = 0;
  std::int64_t gpu = 0;
  std::int64_t gpu_in_use = 0;
  std::int64_t executions = 0;
};

SiteTotals
totals(const v1::Site& site)
{
  SiteTotals t;
  for (const auto& pool : site.pools()) {
    t.cpu += pool.cpu();
    t.cpu_in_use += pool.cpu_in_use();
    t.memory_bytes += pool.memory_bytes();
    t.memory_in_use_bytes += pool.memory_in_use_bytes();
    t.gpu += pool.gpu();
    t.gpu_in_use += pool.gpu_in_use();
    t.executions += pool.executions();
  }
  return t;
}

// "healthy", or "unhealthy" while it gets no new placements.
std::string
health_text(const v1::Site& site)
{
  return site.healthy() ? "healthy" : "unhealthy";
}

std::string
used_of(const std::string& used, const std::string& total)
{
  return used + "/" + total;
}

std::string
cpu_usage(double used, double total)
{
  return used_of(format_cpu(used), format_cpu(total));
}

std::string
memory_usage(std::int64_t used, std::int64_t total)
{
  return used_of(format_memory(used), format_memory(total));
}

std::string
gpu_usage(std::int64_t used, std::int64_t total)
{
  return used_of(std::to_string(used), std::to_string(total));
}

// A limit in whole seconds, "-" for none (0).
std::string
limit_text(std::int64_t seconds)
{
  return seconds <= 0 ? "-" : format_duration_ms(seconds * 1000);
}

std::string
gpu_filter_text(const v1::NodePool& pool)
{
  if (pool.gpu() == 0) {
    return "-";
  }
  return pool.filter_no_gpu_action() ? "yes" : "no";
}

} // namespace

json
node_pool_json(const v1::NodePool& pool)
{
  return { { "name", pool.name() },
           { "cpu", pool.cpu() },
           { "memory_bytes", pool.memory_bytes() },
           { "gpu", pool.gpu() },
           { "time_seconds", pool.time_seconds() },
           { "arch", pool.arch() },
           { "cost_score", pool.cost_score() },
           { "energy_score", pool.energy_score() },
           { "performance_score", pool.performance_score() },
           { "filter_no_gpu_action", pool.filter_no_gpu_action() },
           { "cpu_in_use", pool.cpu_in_use() },
           { "memory_in_use_bytes", pool.memory_in_use_bytes() },
           { "gpu_in_use", pool.gpu_in_use() },
           { "executions", pool.executions() },
           { "queued", pool.queued() } };
}

json
site_json(const v1::Site& site)
{
  auto pools = json::array();
  for (const auto& pool : site.pools()) {
    pools.push_back(node_pool_json(pool));
  }
  json doc{ { "name", site.name() },
            { "kind", site.kind() },
            { "healthy", site.healthy() },
            { "pools", std::move(pools) },
            { "queued", site.queued() } };
  if (site.kind() == "worker") {
    doc["connected"] = site.connected();
    doc["last_seen_ms"] = site.last_seen_unix_ms();
    doc["last_seen_at"] = output::rfc3339_ms(site.last_seen_unix_ms());
    doc["address"] = site.address();
  }
  if (site.kind() == "SLURM_SSH") {
    doc["server"] = site.server();
    auto partitions = json::array();
    for (const auto& p : site.slurm_partitions()) {
      partitions.push_back({ { "name", p.name() },
                             { "avail", p.avail() },
                             { "nodes", p.nodes() },
                             { "state", p.state() },
                             { "cpus", p.cpus() } });
    }
    doc["sinfo"] = std::move(partitions);
    if (!site.slurm_error().empty()) {
      doc["sinfo_error"] = site.slurm_error();
    }
  }
  return doc;
}

json
replica_json(const v1::Replica& replica)
{
  return { { "id", replica.id() },
           { "busy", replica.busy() },
           { "executions", replica.executions() },
           { "idle_ms", replica.idle_ms() },
           { "pid", replica.pid() } };
}

json
deployment_json(const v1::Deployment& deployment)
{
  auto replicas = json::array();
  for (const auto& replica : deployment.replica_list()) {
    replicas.push_back(replica_json(replica));
  }
  return { { "id", deployment.id() },
           { "workflow_id", deployment.workflow_id() },
           { "action_id", deployment.action_id() },
           { "steps", std::vector<std::string>(deployment.steps().begin(),
                                               deployment.steps().end()) },
           { "action", deployment.action() },
           { "state", deployment.state() },
           { "replicas", deployment.replicas() },
           { "max_replicas", deployment.max_replicas() },
           { "executions", deployment.executions() },
           { "idle_ms", deployment.idle_ms() },
           { "idle_timeout_seconds", deployment.idle_timeout_seconds() },
           { "replica_list", std::move(replicas) } };
}

std::string
format_memory(std::int64_t bytes)
{
  static constexpr char k_units[] = { 'K', 'M', 'G', 'T' };
  constexpr int k_last = 3;
  if (bytes < 0) {
    return "-";
  }
  if (bytes < 1024) {
    return std::to_string(bytes);
  }
  auto value = static_cast<double>(bytes);
  int unit = -1;
  while (unit < k_last && value >= 1024) {
    value /= 1024;
    ++unit;
  }
  auto tenths = std::llround(value * 10);
  // 1023.96K rounds to 1024.0K: say 1M.
  if (tenths >= 10240 && unit < k_last) {
    tenths = 10;
    ++unit;
  }
  if (tenths % 10 == 0) {
    return fmt::format("{}{}", tenths / 10, k_units[unit]);
  }
  return fmt::format("{}.{}{}", tenths / 10, tenths % 10, k_units[unit]);
}

std::string
format_cpu(double cores)
{
  // Rounded so that sums of fractions (0.1 + 0.2) print as typed.
  return fmt::format("{:g}", std::round(cores * 100) / 100);
}

output::Table
sites_table(const v1::ListSitesReply& reply)
{
  output::Table table{
    { "SITE", "KIND", "HEALTH", "POOLS", "CPU", "MEMORY", "QUEUED" }, {}
  };
  for (const auto& site : reply.sites()) {
    const auto t = totals(site);
    table.rows.push_back({ site.name(),
                           site.kind(),
                           health_text(site),
                           std::to_string(site.pools_size()),
                           cpu_usage(t.cpu_in_use, t.cpu),
                           memory_usage(t.memory_in_use_bytes, t.memory_bytes),
                           std::to_string(site.queued()) });
  }
  return table;
}

std::vector<std::pair<std::string, std::string>>
site_fields(const v1::Site& site)
{
  const auto t = totals(site);
  std::vector<std::pair<std::string, std::string>> fields{
    { "site", site.name() },
    { "kind", site.kind() },
    { "health", health_text(site) },
    { "pools", std::to_string(site.pools_size()) },
    { "cpu", cpu_usage(t.cpu_in_use, t.cpu) },
    { "memory", memory_usage(t.memory_in_use_bytes, t.memory_bytes) },
    { "gpu", gpu_usage(t.gpu_in_use, t.gpu) },
    { "running", std::to_string(t.executions) },
    { "queued", std::to_string(site.queued()) }
  };
  if (site.kind() == "worker") {
    fields.emplace_back("link", site.connected() ? "connected" : "down");
    fields.emplace_back("last seen",
                        site.last_seen_unix_ms() == 0
                          ? std::string("never")
                          : format_time(site.last_seen_unix_ms() / 1000));
    fields.emplace_back("address", site.address());
  }
  if (site.kind() == "SLURM_SSH") {
    fields.emplace_back("server", site.server());
    if (!site.slurm_error().empty()) {
      fields.emplace_back("sinfo", site.slurm_error());
    }
  }
  return fields;
}

output::Table
pools_table(const v1::Site& site, const std::string& indent)
{
  output::Table table{ { indent + "POOL",
                         "CPU",
                         "MEMORY",
                         "GPU",
                         "TIME",
                         "ARCH",
                         "SCORES",
                         "RUNNING",
                         "QUEUED",
                         "GPU FILTER" },
                       {} };
  for (const auto& pool : site.pools()) {
    table.rows.push_back(
      { indent + pool.name(),
        cpu_usage(pool.cpu_in_use(), pool.cpu()),
        memory_usage(pool.memory_in_use_bytes(), pool.memory_bytes()),
        gpu_usage(pool.gpu_in_use(), pool.gpu()),
        limit_text(pool.time_seconds()),
        pool.arch(),
        fmt::format("{}/{}/{}",
                    pool.cost_score(),
                    pool.energy_score(),
                    pool.performance_score()),
        std::to_string(pool.executions()),
        std::to_string(pool.queued()),
        gpu_filter_text(pool) });
  }
  return table;
}

output::Table
slurm_partitions_table(const v1::Site& site, const std::string& indent)
{
  output::Table table{
    { indent + "PARTITION", "AVAIL", "NODES", "STATE", "CPUS (A/I/O/T)" }, {}
  };
  for (const auto& p : site.slurm_partitions()) {
    table.rows.push_back({ indent + p.name(), p.avail(),
                           std::to_string(p.nodes()), p.state(), p.cpus() });
  }
  return table;
}

std::string
idle_text(std::int64_t idle_ms)
{
  return idle_ms <= 0 ? "-" : format_duration_ms(idle_ms);
}

output::Table
deployments_table(const v1::ListDeploymentsReply& reply)
{
  output::Table table{ { "DEPLOYMENT",
                         "ACTION",
                         "REPLICAS",
                         "STATE",
                         "EXECUTIONS",
                         "IDLE",
                         "IDLE TIMEOUT" },
                       {} };
  for (const auto& d : reply.deployments()) {
    table.rows.push_back({ d.id(),
                           d.action(),
                           fmt::format("{}/{}", d.replicas(), d.max_replicas()),
                           d.state(),
                           std::to_string(d.executions()),
                           d.state() == "busy" ? "-" : idle_text(d.idle_ms()),
                           limit_text(d.idle_timeout_seconds()) });
  }
  return table;
}

std::vector<std::pair<std::string, std::string>>
deployment_fields(const v1::Deployment& d)
{
  return { { "deployment", d.id() },
           { "workflow", d.workflow_id() },
           { "steps", fmt::format("{}", fmt::join(d.steps(), ", ")) },
           { "action", d.action() },
           { "state", d.state() },
           { "replicas",
             fmt::format("{} live (max {})", d.replicas(), d.max_replicas()) },
           { "executions", std::to_string(d.executions()) },
           { "idle", d.state() == "busy" ? "-" : idle_text(d.idle_ms()) },
           { "idle timeout", limit_text(d.idle_timeout_seconds()) } };
}

output::Table
replicas_table(const v1::Deployment& deployment, const std::string& indent)
{
  output::Table table{ { indent + "ID", "PID", "BUSY", "EXECUTIONS", "IDLE" },
                       {} };
  for (const auto& r : deployment.replica_list()) {
    table.rows.push_back({ indent + r.id(),
                           r.pid() == 0 ? "-" : std::to_string(r.pid()),
                           r.busy() ? "yes" : "no",
                           std::to_string(r.executions()),
                           r.busy() ? "-" : idle_text(r.idle_ms()) });
  }
  return table;
}

Result<void>
check_deployment_id(const std::string& id)
{
  const auto slash = id.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == id.size()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("deployment \"{}\": expected WORKFLOW/ACTION "
                            "(see ryax deployments list)",
                            id));
  }
  return {};
}

} // namespace ryax::cli
