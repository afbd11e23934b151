#include "daemon/agent/agent_convert.hpp"

namespace ryax::daemon::agent {

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

} // namespace ryax::daemon::agent
