#pragma once

#include "core/domain/compiled_workflow.hpp"
#include "core/domain/scheduling.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ryax::app {

// Where the executions of one step may run, computed once per workflow
// version: what one execution asks for, and the pools that can take it,
// best first; or why none can.
struct SchedulingPlan
{
  domain::ResourceRequest request;
  std::vector<domain::Candidate> candidates; // best first
  std::string refusal; // why no pool can ever run it ("" when some can)
};

// One step execution waiting for a pool.
struct QueuedStep
{
  std::uint64_t run = 0; // the caller's handle of the run
  domain::CompiledWorkflow::Index step = 0;
  std::string branch;
  const SchedulingPlan* plan = nullptr; // outlives the entry
};

// One node pool as `site show` sees it.
struct PoolView
{
  domain::NodePool pool;
  domain::PoolUsage usage;
  int queued = 0; // waiting executions whose best pool it is
};

// The scheduler queue and the use of each pool of a site. Pure: no threads,
// no I/O, no clock; the caller serialises calls.
//
// Order: higher priority first, then executions of runs already started,
// then arrival. dispatch() walks the queue in that order and places each
// execution on its best candidate pool that has room now; the first one
// that fits nowhere reserves every pool it could use, so that nothing
// behind it takes them (a big step is never starved by small ones).
class Scheduler
{
public:
  explicit Scheduler(domain::Site site);

  // The site it places on.
  const domain::Site& site() const { return m_site; }

  // Queue `step` of a run of `priority`, `run_started` or not.
  void enqueue(QueuedStep step, int priority, bool run_started);

  // A decision of dispatch(): `candidate` is where it was placed (its
  // resources are now in use), or nullptr when its plan has a refusal.
  struct Decision
  {
    QueuedStep step;
    const domain::Candidate* candidate = nullptr;
  };

  // Take from the queue, in order, every execution that is placed now or
  // can never be placed; entries for which `wanted` is false (cancelled,
  // gone) are dropped on the way.
  std::vector<Decision> dispatch(
    const std::function<bool(const QueuedStep&)>& wanted);

  // Give back the resources of an execution placed on `pool`.
  void release(const std::string& pool, const domain::ResourceRequest& request);

  // Every pool with its use and the executions queued for it (by their best
  // candidate), counting only entries for which `wanted` is true.
  std::vector<PoolView> pools(
    const std::function<bool(const QueuedStep&)>& wanted) const;

  // The number of queued entries (dropped ones included until a dispatch
  // walks over them).
  std::size_t size() const { return m_queue.size(); }

private:
  domain::Site m_site;
  std::map<domain::QueueRank, QueuedStep> m_queue;
  std::uint64_t m_sequence = 0;
  std::map<std::string, domain::PoolUsage, std::less<>> m_usage;
};

} // namespace ryax::app
