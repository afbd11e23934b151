#include "core/application/scheduler.hpp"

#include <algorithm>
#include <atomic>
#include <set>

namespace ryax::app {

namespace {

// Fleet generations, shared by every scheduler (see m_generation).
std::atomic<std::uint64_t> g_generations{ 0 };

} // namespace

Scheduler::Scheduler(domain::Site local)
{
  m_sites.push_back(std::move(local));
  m_healthy.push_back(true);
  changed();
}

void
Scheduler::changed()
{
  m_generation = ++g_generations;
}

void
Scheduler::upsert_site(domain::Site site)
{
  const auto it = std::find_if(m_sites.begin(), m_sites.end(), [&](const auto& s) {
    return s.name == site.name;
  });
  if (it == m_sites.end()) {
    m_sites.push_back(std::move(site));
    m_healthy.push_back(true);
  } else {
    *it = std::move(site);
  }
  changed();
}

bool
Scheduler::set_site_healthy(std::string_view name, bool healthy)
{
  for (std::size_t i = 0; i < m_sites.size(); ++i) {
    if (m_sites[i].name == name) {
      m_healthy[i] = healthy;
      return true;
    }
  }
  return false;
}

bool
Scheduler::remove_site(std::string_view name)
{
  for (std::size_t i = 1; i < m_sites.size(); ++i) {
    if (m_sites[i].name == name) {
      m_sites.erase(m_sites.begin() + static_cast<std::ptrdiff_t>(i));
      m_healthy.erase(m_healthy.begin() + static_cast<std::ptrdiff_t>(i));
      changed();
      return true;
    }
  }
  return false;
}

bool
Scheduler::healthy(std::string_view site) const
{
  for (std::size_t i = 0; i < m_sites.size(); ++i) {
    if (m_sites[i].name == site) {
      return m_healthy[i];
    }
  }
  return false;
}

const SchedulingPlan::Placement&
Scheduler::placement(const SchedulingPlan& plan) const
{
  auto& cached = plan.placement;
  if (cached.generation != m_generation) {
    cached.generation = m_generation;
    auto found = domain::candidates(
      m_sites, plan.request, plan.constraints, plan.objectives);
    if (found) {
      cached.candidates = std::move(*found);
      cached.refusal.clear();
    } else {
      cached.candidates.clear();
      cached.refusal = std::move(found.error().message);
    }
  }
  return cached;
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
  std::size_t open_pools = 0; // the pools of healthy sites
  for (std::size_t i = 0; i < m_sites.size(); ++i) {
    open_pools += m_healthy[i] ? m_sites[i].pools.size() : 0;
  }
  std::vector<Decision> decisions;
  std::set<const domain::NodePool*> reserved; // only pools of healthy sites
  // Once every open pool is reserved nothing behind can be placed; with
  // none open, refusals still come out.
  for (auto it = m_queue.begin();
       it != m_queue.end()
       && (open_pools == 0 || reserved.size() < open_pools);) {
    const auto& step = it->second;
    if (!wanted(step)) {
      it = m_queue.erase(it);
      continue;
    }
    const auto& plan = *step.plan;
    const auto& placed = placement(plan);
    if (!plan.refusal.empty() || placed.candidates.empty()) {
      auto refusal = plan.refusal.empty() ? placed.refusal : plan.refusal;
      decisions.push_back(
        Decision{ std::move(it->second), {}, std::move(refusal) });
      it = m_queue.erase(it);
      continue;
    }
    const domain::Candidate* chosen = nullptr;
    for (const auto& candidate : placed.candidates) {
      if (healthy(candidate.site) && !reserved.contains(candidate.pool)
          && domain::fits_now(*candidate.pool,
                              m_usage[{ candidate.site, candidate.pool->name }],
                              plan.request)) {
        chosen = &candidate;
        break;
      }
    }
    if (chosen == nullptr) {
      for (const auto& candidate : placed.candidates) {
        if (healthy(candidate.site)) {
          reserved.insert(candidate.pool);
        }
      }
      ++it;
      continue;
    }
    m_usage[{ chosen->site, chosen->pool->name }].add(plan.request);
    decisions.push_back(Decision{ std::move(it->second), *chosen, {} });
    it = m_queue.erase(it);
  }
  return decisions;
}

void
Scheduler::release(const std::string& site,
                   const std::string& pool,
                   const domain::ResourceRequest& request)
{
  if (auto it = m_usage.find({ site, pool }); it != m_usage.end()) {
    it->second.remove(request);
  }
}

std::vector<SiteView>
Scheduler::views(const std::function<bool(const QueuedStep&)>& wanted) const
{
  std::vector<SiteView> views;
  for (std::size_t i = 0; i < m_sites.size(); ++i) {
    SiteView view;
    view.site = m_sites[i];
    view.healthy = m_healthy[i];
    for (const auto& pool : m_sites[i].pools) {
      PoolView pool_view;
      pool_view.pool = pool;
      if (auto it = m_usage.find({ m_sites[i].name, pool.name });
          it != m_usage.end()) {
        pool_view.usage = it->second;
      }
      view.pools.push_back(std::move(pool_view));
    }
    views.push_back(std::move(view));
  }
  for (const auto& [rank, step] : m_queue) {
    if (!wanted(step) || !step.plan->refusal.empty()) {
      continue;
    }
    const auto& candidates = placement(*step.plan).candidates;
    if (candidates.empty()) {
      continue;
    }
    const auto best = std::find_if(
      candidates.begin(), candidates.end(), [&](const auto& candidate) {
        return healthy(candidate.site);
      });
    const auto& chosen = best == candidates.end() ? candidates.front() : *best;
    for (auto& view : views) {
      if (view.site.name != chosen.site) {
        continue;
      }
      for (auto& pool : view.pools) {
        if (pool.pool.name == chosen.pool->name) {
          ++pool.queued;
          ++view.queued;
        }
      }
    }
  }
  return views;
}

} // namespace ryax::app
