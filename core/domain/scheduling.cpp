#include "core/domain/scheduling.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace ryax::domain {

namespace {

std::string
number(double value)
{
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

std::string
memory(std::int64_t bytes)
{
  constexpr std::int64_t k_mib = 1024 * 1024;
  constexpr std::int64_t k_gib = 1024 * k_mib;
  // In G when a whole number of tenths of a GiB ("4G", "1.5G"): k_gib / 10
  // is not a whole number of bytes, so test bytes x 10.
  if (bytes >= k_gib && bytes <= INT64_MAX / 10 && (bytes * 10) % k_gib == 0) {
    return number(static_cast<double>(bytes) / k_gib) + "G";
  }
  if (bytes >= k_mib) {
    return number(static_cast<double>(bytes) / k_mib) + "M";
  }
  return std::to_string(bytes);
}

std::string
duration(std::int64_t seconds)
{
  if (seconds % 3600 == 0) {
    return std::to_string(seconds / 3600) + "h";
  }
  if (seconds % 60 == 0) {
    return std::to_string(seconds / 60) + "m";
  }
  return std::to_string(seconds) + "s";
}

// The weighted score of `pool`, and whether any weight is set.
std::pair<double, bool>
score(const NodePool& pool, const Objectives& objectives)
{
  const int cost = objectives.cost.value_or(0);
  const int energy = objectives.energy.value_or(0);
  const int performance = objectives.performance.value_or(0);
  const int total = cost + energy + performance;
  if (total <= 0) {
    return { 0, false };
  }
  const double sum = static_cast<double>(cost) * pool.scores.cost
                     + static_cast<double>(energy) * pool.scores.energy
                     + static_cast<double>(performance)
                         * pool.scores.performance;
  return { sum / total, true };
}

// "site \"a\"" or "sites \"a\", \"b\"".
std::string
site_names(const std::vector<const Site*>& sites)
{
  std::string names;
  for (const auto* site : sites) {
    names += (names.empty() ? "\"" : ", \"") + site->name + "\"";
  }
  return (sites.size() == 1 ? "site " : "sites ") + names;
}

// Why the site constraints of `constraints` leave none of `sites`.
std::string
no_site(std::span<const Site> sites, const Constraints& constraints)
{
  std::string known;
  for (const auto& site : sites) {
    known += (known.empty() ? "\"" : ", \"") + site.name + "\" ("
             + site.type + ")";
    if (site.name == constraints.site) {
      return "site \"" + site.name + "\" is of type \"" + site.type
             + "\", not \"" + constraints.site_type + "\"";
    }
  }
  if (!constraints.site.empty()) {
    return "site \"" + constraints.site + "\" is not known (sites: " + known
           + ")";
  }
  return "no site is of type \"" + constraints.site_type + "\" (sites: "
         + known + ")";
}

// Slack for sums of fractional cores.
constexpr double k_epsilon = 1e-9;

} // namespace

const NodePool*
Site::find(std::string_view name) const
{
  for (const auto& pool : pools) {
    if (pool.name == name) {
      return &pool;
    }
  }
  return nullptr;
}

ResourceRequest
resource_request(const Resources& action, const Resources& step, std::string arch)
{
  ResourceRequest request;
  request.cpu = step.cpu.value_or(action.cpu.value_or(k_default_cpu));
  request.memory_bytes =
    step.memory_bytes.value_or(action.memory_bytes.value_or(k_default_memory_bytes));
  request.gpu = step.gpu.value_or(action.gpu.value_or(0));
  request.time_seconds =
    step.time_seconds ? step.time_seconds : action.time_seconds;
  request.arch = std::move(arch);
  return request;
}

std::string
why_not(const NodePool& pool, const ResourceRequest& request)
{
  if (request.cpu > pool.cpu + k_epsilon) {
    return "cpu " + number(request.cpu) + " > " + number(pool.cpu);
  }
  if (request.memory_bytes > pool.memory_bytes) {
    return "memory " + memory(request.memory_bytes) + " > "
           + memory(pool.memory_bytes);
  }
  if (request.gpu > pool.gpu) {
    return "gpu " + std::to_string(request.gpu) + " > "
           + std::to_string(pool.gpu);
  }
  if (request.gpu == 0 && pool.gpu > 0 && pool.filter_no_gpu_action) {
    return "a GPU pool refuses steps asking for no GPU "
           "(filter_no_gpu_action)";
  }
  if (request.time_seconds && pool.time_seconds
      && *request.time_seconds > *pool.time_seconds) {
    return "time " + duration(*request.time_seconds) + " > "
           + duration(*pool.time_seconds);
  }
  if (!request.arch.empty() && !pool.arch.empty()
      && request.arch != pool.arch) {
    return "arch " + request.arch + " is not " + pool.arch;
  }
  return {};
}

std::string
describe(const ResourceRequest& request)
{
  std::string text =
    "cpu " + number(request.cpu) + ", memory " + memory(request.memory_bytes);
  if (request.gpu > 0) {
    text += ", gpu " + std::to_string(request.gpu);
  }
  if (request.time_seconds) {
    text += ", time " + duration(*request.time_seconds);
  }
  return text;
}

Result<std::vector<Candidate>>
candidates(std::span<const Site> sites,
           const ResourceRequest& request,
           const Constraints& constraints,
           const Objectives& objectives)
{
  std::vector<const Site*> eligible;
  for (const auto& site : sites) {
    if ((constraints.site.empty() || site.name == constraints.site)
        && (constraints.site_type.empty()
            || site.type == constraints.site_type)) {
      eligible.push_back(&site);
    }
  }
  if (eligible.empty()) {
    return fail(ErrorCode::failed_precondition,
                no_site(sites, constraints));
  }
  // With several sites, pools are named "site/pool" in messages.
  const bool several = eligible.size() > 1;
  const auto name_of = [&](const Site& site, const NodePool& pool) {
    return several ? site.name + "/" + pool.name : pool.name;
  };
  std::vector<Candidate> result;
  std::string refusals;
  std::string pools;
  bool pool_found = constraints.node_pool.empty();
  for (const auto* site : eligible) {
    for (const auto& pool : site->pools) {
      pools += (pools.empty() ? "" : ", ") + name_of(*site, pool);
      if (!constraints.node_pool.empty()
          && pool.name != constraints.node_pool) {
        continue;
      }
      pool_found = true;
      auto why = constraints.arch.empty() || pool.arch == constraints.arch
                   ? why_not(pool, request)
                   : "arch " + pool.arch + " is not " + constraints.arch
                       + " (constraint)";
      if (!why.empty()) {
        refusals +=
          (refusals.empty() ? "" : "; ") + name_of(*site, pool) + ": " + why;
        continue;
      }
      result.push_back(
        Candidate{ site->name, &pool, score(pool, objectives).first });
    }
  }
  if (!pool_found) {
    return fail(ErrorCode::failed_precondition,
                "node pool \"" + constraints.node_pool + "\" is not in "
                  + site_names(eligible) + " (" + (several ? "" : "its ")
                  + "pools: " + pools + ")");
  }
  if (result.empty()) {
    return fail(ErrorCode::failed_precondition,
                "no node pool of " + site_names(eligible) + " can run "
                  + describe(request) + " ("
                  + (refusals.empty() ? "it has no node pools" : refusals)
                  + ")");
  }
  // Stable: equal scores keep the order of the sites and their pools.
  std::stable_sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
    return a.score > b.score;
  });
  return result;
}

Result<std::vector<Candidate>>
candidates(const Site& site,
           const ResourceRequest& request,
           const Constraints& constraints,
           const Objectives& objectives)
{
  return candidates(std::span<const Site>(&site, 1),
                    request,
                    constraints,
                    objectives);
}

void
PoolUsage::add(const ResourceRequest& request)
{
  cpu += request.cpu;
  memory_bytes += request.memory_bytes;
  gpu += request.gpu;
  ++executions;
}

void
PoolUsage::remove(const ResourceRequest& request)
{
  cpu = std::max(0.0, cpu - request.cpu);
  memory_bytes = std::max<std::int64_t>(0, memory_bytes - request.memory_bytes);
  gpu = std::max<std::int64_t>(0, gpu - request.gpu);
  executions = std::max(0, executions - 1);
}

bool
fits_now(const NodePool& pool, const PoolUsage& usage, const ResourceRequest& request)
{
  return usage.cpu + request.cpu <= pool.cpu + k_epsilon
         && usage.memory_bytes + request.memory_bytes <= pool.memory_bytes
         && usage.gpu + request.gpu <= pool.gpu;
}

std::string
placement_note(const Candidate& candidate,
               const Constraints& constraints,
               const Objectives& objectives)
{
  std::string note = candidate.site + "/" + candidate.pool->name + " (";
  std::string constraint;
  const auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) {
      constraint +=
        (constraint.empty() ? "constraint: " : ", ") + std::string(name)
        + " " + value;
    }
  };
  add("site", constraints.site);
  add("site type", constraints.site_type);
  add("node pool", constraints.node_pool);
  add("arch", constraints.arch);
  if (!constraints.node_pool.empty()) {
    return note + constraint + ")";
  }
  if (score(*candidate.pool, objectives).second) {
    std::string weights;
    const auto weigh = [&](const char* name, const std::optional<int>& weight) {
      if (weight && *weight > 0) {
        weights += (weights.empty() ? "" : ", ") + std::string(name) + " "
                   + std::to_string(*weight) + "%";
      }
    };
    weigh("cost", objectives.cost);
    weigh("energy", objectives.energy);
    weigh("performance", objectives.performance);
    return note + "objective score " + number(candidate.score) + ": " + weights
           + (constraint.empty() ? "" : "; " + constraint) + ")";
  }
  if (!constraint.empty()) {
    return note + constraint + ")";
  }
  return note + "fits)";
}

} // namespace ryax::domain
