#include "daemon/metrics/daemon_metrics.hpp"

#include "core/application/deployments.hpp"
#include "core/application/log.hpp"
#include "core/infrastructure/metrics/process_stats.hpp"

#include "build_info.hpp" // RYAX_GIT_COMMIT (generated)

#include <chrono>
#include <map>

namespace ryax::daemon {

namespace {

using infra::metrics::SampledFamily;
using Labels = std::map<std::string, std::string>;

SampledFamily
family(std::string name, std::string help)
{
  SampledFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  return family;
}

} // namespace

DaemonMetrics::DaemonMetrics(MetricsSources sources)
  : m_sources(std::move(sources))
{
  app::metrics::set_recorder(&m_recorder);
}

DaemonMetrics::~DaemonMetrics()
{
  app::metrics::set_recorder(nullptr);
}

std::string
DaemonMetrics::scrape()
{
  const auto start = std::chrono::steady_clock::now();
  auto families = sampled();
  const auto read = std::chrono::steady_clock::now();
  auto text = m_recorder.expose(families);
  const auto micros = [](auto from, auto to) {
    return std::chrono::duration_cast<std::chrono::microseconds>(to - from)
      .count();
  };
  app::log::debug("metrics: read in {} us, {} bytes written in {} us",
                  micros(start, read), text.size(),
                  micros(read, std::chrono::steady_clock::now()));
  return text;
}

std::vector<SampledFamily>
DaemonMetrics::sampled()
{
  std::vector<SampledFamily> families;

  auto info = family("ryax_build_info",
                     "The ryaxd version and git commit (value 1)");
  info.samples.push_back(
    { Labels{ { "version", RYAX_VERSION }, { "commit", RYAX_GIT_COMMIT } },
      1 });
  families.push_back(std::move(info));

  // Workflows, as Ryax's dashboards count them.
  auto workflows = family("ryax_workflow_deployments",
                          "Workflows by deployment state (value 1 each)");
  if (auto projects = m_sources.identities.projects(); projects) {
    for (const auto& project : *projects) {
      auto listed = m_sources.workflows.list(project.name);
      if (!listed) {
        app::log::warn("metrics: workflows of {}: {}", project.name,
                       listed.error().message);
        continue;
      }
      for (const auto& workflow : *listed) {
        workflows.samples.push_back(
          { Labels{ { "state", std::string(to_string(workflow.state)) },
                    { "name", workflow.id },
                    { "project_id", project.name } },
            1 });
      }
    }
  } else {
    app::log::warn("metrics: projects: {}", projects.error().message);
  }
  families.push_back(std::move(workflows));

  // Action deployments (warm replicas by workflow action) on this site.
  auto actions = family("ryax_action_deployments",
                        "Action deployments with live replicas, by state "
                        "(value 1 each)");
  auto replicas = family("ryax_deployment_replicas",
                         "Replicas of each action deployment: live, and busy "
                         "executing");
  for (const auto& deployment :
       app::deployments_of(m_sources.runtimes.replicas())) {
    actions.samples.push_back(
      { Labels{ { "state", deployment.state },
                { "project_id", deployment.project },
                { "name", deployment.id },
                { "site_name", m_sources.local_site },
                { "node_pool_name", "" } },
        1 });
    int busy = 0;
    for (const auto& replica : deployment.replicas) {
      busy += replica.busy ? 1 : 0;
    }
    const auto labels = [&](const char* state) {
      return Labels{ { "project_id", deployment.project },
                     { "deployment", deployment.id },
                     { "state", state } };
    };
    replicas.samples.push_back(
      { labels("live"), static_cast<double>(deployment.replicas.size()) });
    replicas.samples.push_back({ labels("busy"), static_cast<double>(busy) });
  }
  families.push_back(std::move(actions));
  families.push_back(std::move(replicas));

  auto executions = family("ryax_execution_connections",
                           "Step executions not ended, by state and project");
  for (const auto& [key, count] : m_sources.runs.executions_by_state()) {
    executions.samples.push_back(
      { Labels{ { "project_id", key.first }, { "state", key.second } },
        static_cast<double>(count) });
  }
  families.push_back(std::move(executions));

  auto healthy = family("ryax_site_healthy",
                        "Whether a site gets new placements (1) or not (0)");
  auto queued = family("ryax_pool_queued_executions",
                       "Executions waiting whose best pool it is");
  auto running = family("ryax_pool_executions",
                        "Executions placed on the pool now");
  auto cpu = family("ryax_pool_cpu_used", "Cores reserved on the pool now");
  auto memory = family("ryax_pool_memory_used_bytes",
                       "Memory reserved on the pool now");
  for (const auto& site : m_sources.runs.sites()) {
    healthy.samples.push_back(
      { Labels{ { "site", site.site.name } }, site.healthy ? 1.0 : 0.0 });
    for (const auto& pool : site.pools) {
      const Labels labels{ { "site", site.site.name },
                           { "pool", pool.pool.name } };
      queued.samples.push_back({ labels, static_cast<double>(pool.queued) });
      running.samples.push_back(
        { labels, static_cast<double>(pool.usage.executions) });
      cpu.samples.push_back({ labels, pool.usage.cpu });
      memory.samples.push_back(
        { labels, static_cast<double>(pool.usage.memory_bytes) });
    }
  }
  for (auto* one : { &healthy, &queued, &running, &cpu, &memory }) {
    families.push_back(std::move(*one));
  }

  for (auto& process : infra::metrics::process_families()) {
    families.push_back(std::move(process));
  }
  return families;
}

} // namespace ryax::daemon
