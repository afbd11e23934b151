#pragma once

#include "core/domain/compiled_workflow.hpp"
#include "core/domain/scheduling.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ryax::app {

// Where the executions of one step may run, computed once per workflow
// version: what one execution asks for and its placement rules, or why it
// can never run. Its candidate pools depend on the sites known when it is
// dispatched: the Scheduler computes them, and again after the sites
// changed.
struct SchedulingPlan
{
  domain::ResourceRequest request;
  domain::Constraints constraints;
  domain::Objectives objectives;
  // Why it can never run, whatever the sites ("" when it may): its action
  // is not built.
  std::string refusal;

  // The candidates against the sites of one fleet generation.
  struct Placement
  {
    std::uint64_t generation = 0; // 0: never computed
    std::vector<domain::Candidate> candidates; // best first
    std::string refusal; // why none (when `candidates` is empty)
  };
  // Written by the Scheduler alone, whose caller serialises its calls
  // (the plan is otherwise immutable and shared by the runs of a version).
  mutable Placement placement;
};

// One step execution waiting for a pool.
struct QueuedStep
{
  std::uint64_t run = 0; // the caller's handle of the run
  domain::CompiledWorkflow::Index step = 0;
  std::string branch;
  const SchedulingPlan* plan = nullptr; // outlives the entry
  std::int64_t queued_ms = 0; // when it was queued (the caller's clock)
};

// One node pool as `site show` sees it.
struct PoolView
{
  domain::NodePool pool;
  domain::PoolUsage usage;
  int queued = 0; // waiting executions whose best pool it is
};

// One site as `site list|show` sees it.
struct SiteView
{
  domain::Site site;
  bool healthy = true;         // gets new placements
  std::vector<PoolView> pools; // in the site's order
  int queued = 0;              // the sum of its pools'
};

// The scheduler queue, the sites it places on (the fleet: the daemon's own
// site first, then the sites of worker agents as they join) and the use of
// each of their pools. Pure: no threads, no I/O, no clock; the caller
// serialises calls.
//
// Order: higher priority first, then executions of runs already started,
// then arrival. dispatch() walks the queue in that order and places each
// execution on its best candidate pool of a healthy site that has room
// now; the first one that fits nowhere reserves every pool it could use,
// so that nothing behind it takes them (a big step is never starved by
// small ones). An execution whose candidates are all on unhealthy sites
// waits; one that no known site can run is refused.
class Scheduler
{
public:
  // A fleet of the one site `local`, the daemon's own.
  explicit Scheduler(domain::Site local);

  // Add `site` (healthy) at the end of the fleet, or replace the site of
  // its name (its pools changed: its health and the use of pools that stay
  // are kept). Candidates are computed again at the next dispatch.
  void upsert_site(domain::Site site);

  // Whether site `name` gets new placements; false when it is not known.
  // Executions placed there stay until they end.
  bool set_site_healthy(std::string_view name, bool healthy);

  // Forget site `name`: queued executions that only it could run are
  // refused at the next dispatch. False when it is not known or is the
  // daemon's own site (which stays).
  bool remove_site(std::string_view name);

  // The sites, the daemon's own first.
  std::span<const domain::Site> sites() const { return m_sites; }

  // Queue `step` of a run of `priority`, `run_started` or not.
  void enqueue(QueuedStep step, int priority, bool run_started);

  // A decision of dispatch(): where it was placed (its resources are now
  // in use; the pool points into sites(), valid until they change), or
  // no pool and why it can never be placed.
  struct Decision
  {
    QueuedStep step;
    domain::Candidate candidate; // pool null when refused
    std::string refusal;
  };

  // Take from the queue, in order, every execution that is placed now or
  // can never be placed; entries for which `wanted` is false (cancelled,
  // gone) are dropped on the way.
  std::vector<Decision> dispatch(
    const std::function<bool(const QueuedStep&)>& wanted);

  // Give back the resources of an execution placed on `pool` of `site`
  // (unknown ones are ignored).
  void release(const std::string& site,
               const std::string& pool,
               const domain::ResourceRequest& request);

  // Every site with its health, each pool with its use and the executions
  // queued for it (by their best candidate, on a healthy site if any),
  // counting only entries for which `wanted` is true.
  std::vector<SiteView> views(
    const std::function<bool(const QueuedStep&)>& wanted) const;

  // The number of queued entries (dropped ones included until a dispatch
  // walks over them).
  std::size_t size() const { return m_queue.size(); }

private:
  // The candidates of `plan` against the sites now.
  const SchedulingPlan::Placement& placement(const SchedulingPlan& plan) const;
  bool healthy(std::string_view site) const;
  void changed();

  std::vector<domain::Site> m_sites;
  std::vector<bool> m_healthy; // by index of m_sites
  // Unique across schedulers: a plan cached by one is never taken as
  // current by another.
  std::uint64_t m_generation = 0;
  std::map<domain::QueueRank, QueuedStep> m_queue;
  std::uint64_t m_sequence = 0;
  // By (site, pool); kept when a site leaves (its executions end later).
  std::map<std::pair<std::string, std::string>, domain::PoolUsage> m_usage;
};

} // namespace ryax::app
