#pragma once

#include "core/application/ports/identity_store.hpp"
#include "core/application/ports/runtime_pool.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/application/run_service.hpp"
#include "core/infrastructure/metrics/prometheus_recorder.hpp"

#include <string>
#include <vector>

namespace ryax::daemon {

// What the families read at scrape time come from.
struct MetricsSources
{
  app::RunService& runs;
  app::WorkflowStore& workflows;
  app::IdentityStore& identities; // the projects
  app::RuntimePool& runtimes;     // the local site's replicas
  std::string local_site;
};

// ryaxd's metrics: installs its recorder as the process's (app::metrics)
// while it lives, and answers scrapes with what was recorded plus what is
// read now: workflow and action deployments, replicas, executions by
// state, pool queues and use, site health, the process, the build.
class DaemonMetrics
{
public:
  explicit DaemonMetrics(MetricsSources sources);
  ~DaemonMetrics();
  DaemonMetrics(const DaemonMetrics&) = delete;
  DaemonMetrics& operator=(const DaemonMetrics&) = delete;

  // The text exposition format of every family.
  std::string scrape();

private:
  std::vector<infra::metrics::SampledFamily> sampled();

  MetricsSources m_sources;
  infra::metrics::PrometheusRecorder m_recorder;
};

} // namespace ryax::daemon
