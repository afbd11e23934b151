#pragma once

#include "core/domain/action.hpp"
#include "core/domain/error.hpp"
#include "core/domain/workflow.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

// Sites, node pools and where a step execution may run: the pure rules of
// the scheduler. The queue that applies them lives in the runner.
namespace ryax::domain {

// How well a node pool does on each objective, 0 to 100, higher is better.
struct ObjectiveScores
{
  int cost = 0;
  int energy = 0;
  int performance = 0;

  bool operator==(const ObjectiveScores&) const = default;
};

// A set of identical resources of a site (Ryax's node pool fields). On the
// local site, pools are a logical partition of the machine.
struct NodePool
{
  std::string name;
  double cpu = 0;                // cores
  std::int64_t memory_bytes = 0; //
  std::int64_t gpu = 0;          // devices
  // The longest execution it accepts; unset: no limit. Executions without
  // their own limit get this one.
  std::optional<std::int64_t> time_seconds;
  std::string arch = "x86_64";
  ObjectiveScores scores;
  // A pool with GPUs refuses executions that ask for none.
  bool filter_no_gpu_action = true;

  bool operator==(const NodePool&) const = default;
};

// A computing site: the daemon's own machine, or one reached through a
// worker agent (and later Slurm, Kubernetes).
struct Site
{
  std::string name = "local";
  // What runs its executions, as constraints name it (`site_type`):
  // "local" (warm wrappers on the machine of a ryaxd, the main daemon's or
  // a worker agent's).
  std::string type = "local";
  std::vector<NodePool> pools; // in configuration order
  // How user code is isolated on a local site: "bwrap" (bubblewrap: a user
  // and pid namespace, a read-only system, only its own directories
  // writable, the daemon's data hidden) or "none" (trusted setups).
  std::string sandbox = "bwrap";
  // Whether sandboxed user code may use the network.
  bool network = true;
  // Absolute paths of directories sandboxed user code may also write
  // (shared data, scratch space).
  std::vector<std::string> sandbox_writable;

  bool operator==(const Site&) const = default;

  // The pool named `name`, or nullptr.
  const NodePool* find(std::string_view name) const;
};

// What one execution of a step asks for.
struct ResourceRequest
{
  double cpu = 0;
  std::int64_t memory_bytes = 0;
  std::int64_t gpu = 0;
  std::optional<std::int64_t> time_seconds;
  std::string arch; // the architecture its bundle was built for

  bool operator==(const ResourceRequest&) const = default;
};

// What a step asks for when neither its action nor the workflow says.
inline constexpr double k_default_cpu = 0.5;
inline constexpr std::int64_t k_default_memory_bytes = 256LL * 1024 * 1024;

// The request of a step: each field of the workflow step's `resources`,
// else of the action's metadata, else the default (cpu 0.5, memory 256 MiB,
// no GPU, no time limit), for bundles of architecture `arch`.
ResourceRequest resource_request(const Resources& action,
                                 const Resources& step,
                                 std::string arch);

// Why `pool` can never run `request`, or "" when it can: capacity (cpu,
// memory, gpu), time limit, architecture, and GPU pools refusing requests
// without GPU when filter_no_gpu_action.
std::string why_not(const NodePool& pool, const ResourceRequest& request);

// "cpu 0.5, memory 256M" (+ ", gpu 1", ", time 1h"): for messages.
std::string describe(const ResourceRequest& request);

// One pool a step may run on, and why it is ranked there.
struct Candidate
{
  std::string site;               // the name of the pool's site
  const NodePool* pool = nullptr; // in the sites given to candidates()
  double score = 0; // the weighted objective score; 0 without objectives
};

// The pools of `sites` that can run `request` under `constraints`, best
// first: by weighted objective score (the sum of weight x score over the
// weights' sum) when `objectives` sets a weight, ties and the no-objective
// case in the order of `sites` (the daemon's own site first) and of their
// pools. Constraints are hard: a pool of another site (`site`), of a site
// of another type (`site_type`), of another name (`node_pool`) or of
// another architecture (`arch`) is never a candidate. failed_precondition
// when none is, naming the request and why each site or pool refuses it.
// The candidates point into `sites`: they are valid while it is.
Result<std::vector<Candidate>> candidates(std::span<const Site> sites,
                                          const ResourceRequest& request,
                                          const Constraints& constraints,
                                          const Objectives& objectives);

// candidates() on the one site `site`.
Result<std::vector<Candidate>> candidates(const Site& site,
                                          const ResourceRequest& request,
                                          const Constraints& constraints,
                                          const Objectives& objectives);

// What runs on a pool now.
struct PoolUsage
{
  double cpu = 0;
  std::int64_t memory_bytes = 0;
  std::int64_t gpu = 0;
  int executions = 0;

  void add(const ResourceRequest& request);
  void remove(const ResourceRequest& request);
};

// Whether `request` fits in what `pool` has left beside `usage`.
bool fits_now(const NodePool& pool,
              const PoolUsage& usage,
              const ResourceRequest& request);

// The placement note of an execution on `candidate`: "local/gpu
// (constraint: node pool gpu)", "worker-a/gpu (constraint: site
// worker-a)", "local/fast (objective score 72.5: cost 50%, performance
// 50%)" or "local/default (fits)".
std::string placement_note(const Candidate& candidate,
                           const Constraints& constraints,
                           const Objectives& objectives);

// The order of the scheduler queue: higher priority first, then steps of
// runs already started before steps of new runs, then the oldest.
struct QueueRank
{
  int priority = 0;
  bool run_started = false;
  std::uint64_t sequence = 0; // arrival order

  // Whether `a` goes before `b`.
  friend bool
  operator<(const QueueRank& a, const QueueRank& b)
  {
    if (a.priority != b.priority) {
      return a.priority > b.priority;
    }
    if (a.run_started != b.run_started) {
      return a.run_started;
    }
    return a.sequence < b.sequence;
  }
};

} // namespace ryax::domain
