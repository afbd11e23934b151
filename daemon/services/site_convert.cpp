#include "daemon/services/site_convert.hpp"

namespace ryax::daemon {

void
pool_to_proto(const domain::NodePool& pool, v1::NodePool& p)
{
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
}

domain::NodePool
pool_from_proto(const v1::NodePool& p)
{
  domain::NodePool pool;
  pool.name = p.name();
  pool.cpu = p.cpu();
  pool.memory_bytes = p.memory_bytes();
  pool.gpu = p.gpu();
  if (p.time_seconds() > 0) {
    pool.time_seconds = p.time_seconds();
  }
  pool.arch = p.arch();
  pool.scores = domain::ObjectiveScores{ p.cost_score(), p.energy_score(),
                                         p.performance_score() };
  pool.filter_no_gpu_action = p.filter_no_gpu_action();
  return pool;
}


void
to_proto(const app::SiteView& site, v1::Site& out)
{
  out.set_name(site.site.name);
  out.set_kind(site.site.type);
  out.set_healthy(site.healthy);
  int queued = 0;
  for (const auto& view : site.pools) {
    auto& p = *out.add_pools();
    pool_to_proto(view.pool, p);
    p.set_cpu_in_use(view.usage.cpu);
    p.set_memory_in_use_bytes(view.usage.memory_bytes);
    p.set_gpu_in_use(view.usage.gpu);
    p.set_executions(view.usage.executions);
    p.set_queued(view.queued);
    queued += view.queued;
  }
  out.set_queued(queued);
}

void
to_proto(const app::DeploymentView& deployment, v1::Deployment& d)
{
  d.set_id(deployment.id);
  d.set_workflow_id(deployment.workflow_id);
  d.set_action_id(deployment.action_id);
  for (const auto& step : deployment.steps) {
    d.add_steps(step);
  }
  d.set_action(deployment.action);
  d.set_max_replicas(deployment.max_replicas);
  d.set_idle_timeout_seconds(deployment.idle_timeout_seconds);
  d.set_state(deployment.state);
  d.set_idle_ms(deployment.idle_ms);
  d.set_replicas(static_cast<int>(deployment.replicas.size()));
  d.set_executions(deployment.executions);
  for (const auto& replica : deployment.replicas) {
    auto& r = *d.add_replica_list();
    r.set_id(replica.id);
    r.set_busy(replica.busy);
    r.set_executions(replica.executions);
    r.set_idle_ms(replica.idle_ms);
    r.set_pid(replica.pid);
  }
}

} // namespace ryax::daemon
