#include "daemon/services/site_service_impl.hpp"

#include "daemon/guarded.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace ryax::daemon {

namespace {

void
to_proto(const std::string& site,
         const std::vector<app::PoolView>& pools,
         v1::Site& out)
{
  out.set_name(site);
  out.set_kind("local");
  int queued = 0;
  for (const auto& view : pools) {
    const auto& pool = view.pool;
    auto& p = *out.add_pools();
    p.set_name(pool.name);
    p.set_cpu(pool.cpu);
    p.set_memory_bytes(pool.memory_bytes);
    p.set_gpu(pool.gpu);
    p.set_time_seconds(pool.time_seconds.value_or(0));
    p.set_arch(pool.arch);
    p.set_cost_score(pool.scores.cost);
    p.set_energy_score(pool.scores.energy);
    p.set_performance_score(pool.scores.performance);
    p.set_filter_no_gpu_action(pool.filter_no_gpu_action);
    p.set_cpu_in_use(view.usage.cpu);
    p.set_memory_in_use_bytes(view.usage.memory_bytes);
    p.set_gpu_in_use(view.usage.gpu);
    p.set_executions(view.usage.executions);
    p.set_queued(view.queued);
    queued += view.queued;
  }
  out.set_queued(queued);
}

// The deployments (one per workflow step) made of `replicas`, by id.
std::map<std::string, v1::Deployment>
deployments(const std::vector<app::ReplicaView>& replicas)
{
  std::map<std::string, v1::Deployment> result;
  for (const auto& replica : replicas) {
    auto& d = result[replica.deployment_id];
    if (d.id().empty()) {
      d.set_id(replica.deployment_id);
      const auto slash = replica.deployment_id.find('/');
      d.set_workflow_id(replica.deployment_id.substr(0, slash));
      d.set_action_id(slash == std::string::npos
                        ? ""
                        : replica.deployment_id.substr(slash + 1));
      for (const auto& step : replica.steps) {
        d.add_steps(step);
      }
      d.set_action(replica.action);
      d.set_max_replicas(replica.max_replicas);
      d.set_idle_timeout_seconds(replica.idle_timeout_seconds);
      d.set_state("idle");
      d.set_idle_ms(replica.idle_ms);
    }
    d.set_replicas(d.replicas() + 1);
    d.set_executions(d.executions() + replica.executions);
    if (replica.busy) {
      d.set_state("busy");
      d.set_idle_ms(0);
    } else if (d.state() == "idle") {
      d.set_idle_ms(std::min(d.idle_ms(), replica.idle_ms));
    }
    if (replica.draining) {
      d.set_state("draining");
    }
    auto& r = *d.add_replica_list();
    r.set_id(replica.id);
    r.set_busy(replica.busy);
    r.set_executions(replica.executions);
    r.set_idle_ms(replica.idle_ms);
    r.set_pid(replica.pid);
  }
  return result;
}

Result<void>
not_found(std::string_view what,
          const std::string& name,
          const std::vector<std::string>& known)
{
  std::vector<std::string_view> names(known.begin(), known.end());
  auto message = fmt::format("{} \"{}\" not found", what, name);
  if (auto near = domain::closest_match(name, names)) {
    message += fmt::format(" (did you mean \"{}\"?)", *near);
  } else if (!names.empty()) {
    message += fmt::format(" (known: {})", fmt::join(names, ", "));
  }
  return fail(ErrorCode::not_found, message);
}

} // namespace

SiteServiceImpl::SiteServiceImpl(app::RunService& runs) : m_runs(runs) {}

grpc::Status
SiteServiceImpl::ListSites(grpc::ServerContext* context,
                           const v1::ListSitesRequest*,
                           v1::ListSitesReply* reply)
{
  return guarded(context, "ListSites", [&]() -> Result<void> {
    to_proto(m_runs.site().name, m_runs.pools(), *reply->add_sites());
    return {};
  });
}

grpc::Status
SiteServiceImpl::GetSite(grpc::ServerContext* context,
                         const v1::GetSiteRequest* request,
                         v1::Site* reply)
{
  return guarded(context, "GetSite", [&]() -> Result<void> {
    if (request->name() != m_runs.site().name) {
      return not_found("site", request->name(), { m_runs.site().name });
    }
    to_proto(m_runs.site().name, m_runs.pools(), *reply);
    return {};
  });
}

grpc::Status
SiteServiceImpl::ListDeployments(grpc::ServerContext* context,
                                 const v1::ListDeploymentsRequest* request,
                                 v1::ListDeploymentsReply* reply)
{
  return guarded(context, "ListDeployments", [&]() -> Result<void> {
    for (auto& [id, deployment] : deployments(m_runs.replicas())) {
      if (request->workflow_id().empty()
          || deployment.workflow_id() == request->workflow_id()) {
        *reply->add_deployments() = std::move(deployment);
      }
    }
    return {};
  });
}

grpc::Status
SiteServiceImpl::GetDeployment(grpc::ServerContext* context,
                               const v1::GetDeploymentRequest* request,
                               v1::Deployment* reply)
{
  return guarded(context, "GetDeployment", [&]() -> Result<void> {
    auto all = deployments(m_runs.replicas());
    const auto it = all.find(request->id());
    if (it == all.end()) {
      std::vector<std::string> ids;
      for (const auto& [id, deployment] : all) {
        ids.push_back(id);
      }
      return not_found("deployment", request->id(), ids);
    }
    *reply = std::move(it->second);
    return {};
  });
}

} // namespace ryax::daemon
