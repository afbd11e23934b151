#include "core/application/scheduler.hpp"

#include <set>

namespace ryax::app {

Scheduler::Scheduler(domain::Site site)
  : m_site(std::move(site))
{
  for (const auto& pool : m_site.pools) {
    m_usage[pool.name];
  }
}

void
Scheduler::enqueue(QueuedStep step, int priority, bool run_started)
{
  m_queue.emplace(domain::QueueRank{ priority, run_started, ++m_sequence },
                  std::move(step));
}

std::vector<Scheduler::Decision>
Scheduler::dispatch(const std::function<bool(const QueuedStep&)>& wanted)
{
  std::vector<Decision> decisions;
  std::set<const domain::NodePool*> reserved;
  for (auto it = m_queue.begin();
       it != m_queue.end() && reserved.size() < m_site.pools.size();) {
    const auto& step = it->second;
    if (!wanted(step)) {
      it = m_queue.erase(it);
      continue;
    }
    const auto& plan = *step.plan;
    if (!plan.refusal.empty() || plan.candidates.empty()) {
      decisions.push_back(Decision{ std::move(it->second), nullptr });
      it = m_queue.erase(it);
      continue;
    }
    const domain::Candidate* chosen = nullptr;
    for (const auto& candidate : plan.candidates) {
      if (!reserved.contains(candidate.pool)
          && domain::fits_now(
            *candidate.pool, m_usage[candidate.pool->name], plan.request)) {
        chosen = &candidate;
        break;
      }
    }
    if (chosen == nullptr) {
      for (const auto& candidate : plan.candidates) {
        reserved.insert(candidate.pool);
      }
      ++it;
      continue;
    }
    m_usage[chosen->pool->name].add(plan.request);
    decisions.push_back(Decision{ std::move(it->second), chosen });
    it = m_queue.erase(it);
  }
  return decisions;
}

void
Scheduler::release(const std::string& pool,
                   const domain::ResourceRequest& request)
{
  if (auto it = m_usage.find(pool); it != m_usage.end()) {
    it->second.remove(request);
  }
}

std::vector<PoolView>
Scheduler::pools(const std::function<bool(const QueuedStep&)>& wanted) const
{
  std::vector<PoolView> views;
  for (const auto& pool : m_site.pools) {
    PoolView view;
    view.pool = pool;
    if (auto it = m_usage.find(pool.name); it != m_usage.end()) {
      view.usage = it->second;
    }
    views.push_back(std::move(view));
  }
  for (const auto& [rank, step] : m_queue) {
    if (!wanted(step) || step.plan->candidates.empty()) {
      continue;
    }
    const auto* best = step.plan->candidates.front().pool;
    for (auto& view : views) {
      if (view.pool.name == best->name) {
        ++view.queued;
      }
    }
  }
  return views;
}

} // namespace ryax::app
