#include "core/domain/scheduling.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace ryax;
using namespace ryax::domain;

namespace {

constexpr std::int64_t k_mib = 1024 * 1024;
constexpr std::int64_t k_gib = 1024 * k_mib;

NodePool
pool(std::string name, double cpu, std::int64_t memory_bytes)
{
  NodePool p;
  p.name = std::move(name);
  p.cpu = cpu;
  p.memory_bytes = memory_bytes;
  return p;
}

NodePool
scored(std::string name, int cost, int energy, int performance)
{
  auto p = pool(std::move(name), 4, 8 * k_gib);
  p.scores = { cost, energy, performance };
  return p;
}

ResourceRequest
request(double cpu, std::int64_t memory_bytes = 256 * k_mib)
{
  ResourceRequest r;
  r.cpu = cpu;
  r.memory_bytes = memory_bytes;
  r.arch = "x86_64";
  return r;
}

Site
site_of(std::vector<NodePool> pools)
{
  Site s;
  s.pools = std::move(pools);
  return s;
}

Objectives
weights(std::optional<int> cost,
        std::optional<int> energy,
        std::optional<int> performance)
{
  return Objectives{ cost, energy, performance };
}

// The names of `list`, best first.
std::vector<std::string>
names(const std::vector<Candidate>& list)
{
  std::vector<std::string> out;
  for (const auto& candidate : list) {
    out.push_back(candidate.pool->name);
  }
  return out;
}

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE_BEGIN("domain::scheduling");

// --- resource_request ------------------------------------------------------

TEST_CASE("a step's request defaults to cpu 0.5 and memory 256M, no GPU and "
          "no time limit")
{
  const auto r = resource_request({}, {}, "x86_64");
  CHECK(r.cpu == 0.5);
  CHECK(r.memory_bytes == 256 * k_mib);
  CHECK(r.gpu == 0);
  CHECK_FALSE(r.time_seconds);
  CHECK(r.arch == "x86_64");
  CHECK(describe(r) == "cpu 0.5, memory 256M");
}

TEST_CASE("the action's resources replace the defaults")
{
  Resources action;
  action.cpu = 2;
  action.memory_bytes = 4 * k_gib;
  action.gpu = 1;
  action.time_seconds = 3600;
  const auto r = resource_request(action, {}, "aarch64");
  CHECK(r.cpu == 2);
  CHECK(r.memory_bytes == 4 * k_gib);
  CHECK(r.gpu == 1);
  CHECK(r.time_seconds == 3600);
  CHECK(r.arch == "aarch64");
  CHECK(describe(r) == "cpu 2, memory 4G, gpu 1, time 1h");
}

TEST_CASE("the workflow step's resources win over the action's, field by "
          "field")
{
  Resources action;
  action.cpu = 2;
  action.memory_bytes = 4 * k_gib;
  action.time_seconds = 3600;
  Resources step;
  step.memory_bytes = 512 * k_mib;
  step.time_seconds = 60;
  const auto r = resource_request(action, step, "x86_64");
  CHECK(r.cpu == 2);                    // the action's
  CHECK(r.memory_bytes == 512 * k_mib); // the step's
  CHECK(r.time_seconds == 60);          // the step's
  CHECK(r.gpu == 0);                    // the default

  Resources only_step;
  only_step.cpu = 0.25;
  only_step.gpu = 2;
  const auto s = resource_request({}, only_step, "x86_64");
  CHECK(s.cpu == 0.25);
  CHECK(s.gpu == 2);
  CHECK(s.memory_bytes == k_default_memory_bytes);
}

// --- why_not ---------------------------------------------------------------

TEST_CASE("a request that fits a pool has no reason against it, up to its "
          "exact size")
{
  const auto p = pool("small", 2, 4 * k_gib);
  CHECK(why_not(p, request(0.5)) == "");
  CHECK(why_not(p, request(2, 4 * k_gib)) == "");
}

TEST_CASE("a pool refuses a request above its cpu, memory or gpu")
{
  auto p = pool("small", 2, 4 * k_gib);
  CHECK(why_not(p, request(3)) == "cpu 3 > 2");
  CHECK(why_not(p, request(1, 8 * k_gib)) == "memory 8G > 4G");

  p.gpu = 1;
  auto r = request(1);
  r.gpu = 2;
  CHECK(why_not(p, r) == "gpu 2 > 1");
  r.gpu = 1;
  CHECK(why_not(p, r) == "");
}

TEST_CASE("a GPU pool refuses steps asking for no GPU unless its filter is "
          "off")
{
  auto p = pool("gpu", 8, 32 * k_gib);
  p.gpu = 2;
  CHECK(contains(why_not(p, request(1)), "filter_no_gpu_action"));
  p.filter_no_gpu_action = false;
  CHECK(why_not(p, request(1)) == "");
  // A pool without GPU never filters.
  auto cpu_only = pool("cpu", 8, 32 * k_gib);
  CHECK(cpu_only.filter_no_gpu_action);
  CHECK(why_not(cpu_only, request(1)) == "");
}

TEST_CASE("a pool with a time limit refuses longer requests and accepts "
          "requests without a limit")
{
  auto p = pool("short", 2, 4 * k_gib);
  p.time_seconds = 3600;
  auto r = request(1);
  r.time_seconds = 7200;
  CHECK(why_not(p, r) == "time 2h > 1h");
  r.time_seconds = 3600;
  CHECK(why_not(p, r) == "");
  r.time_seconds.reset();
  CHECK(why_not(p, r) == "");
  // A pool without a limit accepts any.
  r.time_seconds = 86400 * 30;
  CHECK(why_not(pool("long", 2, 4 * k_gib), r) == "");
}

TEST_CASE("a pool refuses a bundle built for another architecture")
{
  const auto p = pool("x86", 2, 4 * k_gib);
  auto r = request(1);
  r.arch = "aarch64";
  CHECK(why_not(p, r) == "arch aarch64 is not x86_64");
  r.arch = "";
  CHECK(why_not(p, r) == ""); // unknown: not refused
}

// --- candidates ------------------------------------------------------------

TEST_CASE("without constraints or objectives every fitting pool is a "
          "candidate, in configuration order")
{
  const auto site = site_of({ pool("small", 1, 2 * k_gib),
                              pool("big", 16, 64 * k_gib),
                              pool("medium", 4, 8 * k_gib) });
  const auto all = candidates(site, request(0.5), {}, {});
  REQUIRE(all);
  CHECK(names(*all) == std::vector<std::string>{ "small", "big", "medium" });
  CHECK(all->front().score == 0);

  const auto some = candidates(site, request(2), {}, {});
  REQUIRE(some);
  CHECK(names(*some) == std::vector<std::string>{ "big", "medium" });
}

TEST_CASE("a node pool constraint is hard: only that pool, however the "
          "others score")
{
  const auto site =
    site_of({ scored("cheap", 100, 100, 100), scored("other", 0, 0, 0) });
  Constraints constraints;
  constraints.node_pool = "other";
  const auto list =
    candidates(site, request(1), constraints, weights(100, 0, 0));
  REQUIRE(list);
  CHECK(names(*list) == std::vector<std::string>{ "other" });

  // The constrained pool does not fit: refused, not moved elsewhere.
  const auto refused =
    candidates(site, request(8), constraints, weights(100, 0, 0));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::failed_precondition);
  CHECK(contains(refused.error().message, "other: cpu 8 > 4"));
  CHECK_FALSE(contains(refused.error().message, "cheap"));
}

TEST_CASE("an unknown node pool is refused naming it and the site's pools")
{
  const auto site =
    site_of({ pool("small", 1, 2 * k_gib), pool("big", 16, 64 * k_gib) });
  Constraints constraints;
  constraints.node_pool = "gpu";
  const auto result = candidates(site, request(1), constraints, {});
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::failed_precondition);
  CHECK(contains(result.error().message, "\"gpu\""));
  CHECK(contains(result.error().message, "small, big"));
}

TEST_CASE("a site constraint must name a known site")
{
  const auto site = site_of({ pool("small", 1, 2 * k_gib) });
  Constraints here;
  here.site = "local";
  CHECK(candidates(site, request(1), here, {}));

  Constraints elsewhere;
  elsewhere.site = "hpc";
  const auto result = candidates(site, request(1), elsewhere, {});
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::failed_precondition);
  CHECK(contains(result.error().message, "\"hpc\""));
  CHECK(contains(result.error().message, "\"local\""));
}

TEST_CASE("objectives rank the fitting pools by weighted score, and the "
          "choice flips with the weights")
{
  const auto site =
    site_of({ scored("cheap", 90, 50, 20), scored("fast", 20, 50, 90) });

  const auto by_cost = candidates(site, request(1), {}, weights(100, {}, {}));
  REQUIRE(by_cost);
  CHECK(names(*by_cost) == std::vector<std::string>{ "cheap", "fast" });
  CHECK(by_cost->front().score == 90);

  const auto by_speed = candidates(site, request(1), {}, weights(0, 0, 100));
  REQUIRE(by_speed);
  CHECK(names(*by_speed) == std::vector<std::string>{ "fast", "cheap" });

  // (30 x 90 + 70 x 20) / 100 = 41 against (30 x 20 + 70 x 90) / 100 = 69.
  const auto mixed = candidates(site, request(1), {}, weights(30, {}, 70));
  REQUIRE(mixed);
  CHECK(names(*mixed) == std::vector<std::string>{ "fast", "cheap" });
  CHECK((*mixed)[0].score == doctest::Approx(69));
  CHECK((*mixed)[1].score == doctest::Approx(41));

  // Weights are relative: 3 and 7 rank as 30 and 70.
  const auto small = candidates(site, request(1), {}, weights(3, {}, 7));
  REQUIRE(small);
  CHECK((*small)[0].score == doctest::Approx(69));
}

TEST_CASE("the best scoring pool is skipped when the request does not fit "
          "it")
{
  auto best = scored("best", 100, 100, 100);
  best.cpu = 1;
  const auto site = site_of({ best, scored("fallback", 10, 10, 10) });
  const auto list = candidates(site, request(2), {}, weights(50, 50, 0));
  REQUIRE(list);
  CHECK(names(*list) == std::vector<std::string>{ "fallback" });
}

TEST_CASE("pools of equal score keep the configuration order")
{
  const auto a = scored("a", 50, 0, 50);
  const auto b = scored("b", 50, 0, 50);
  // Candidates point into their site: keep it alive.
  const auto ab = site_of({ a, b });
  const auto first = candidates(ab, request(1), {}, weights(60, 0, 40));
  REQUIRE(first);
  CHECK(names(*first) == std::vector<std::string>{ "a", "b" });
  const auto ba = site_of({ b, a });
  const auto second = candidates(ba, request(1), {}, weights(60, 0, 40));
  REQUIRE(second);
  CHECK(names(*second) == std::vector<std::string>{ "b", "a" });

  // All weights 0: no objective, configuration order.
  const auto low_high =
    site_of({ scored("low", 0, 0, 0), scored("high", 100, 100, 100) });
  const auto none = candidates(low_high, request(1), {}, weights(0, 0, 0));
  REQUIRE(none);
  CHECK(names(*none) == std::vector<std::string>{ "low", "high" });
}

TEST_CASE("a request no pool can run is refused naming every pool's reason")
{
  auto gpu = pool("gpu", 32, 128 * k_gib);
  gpu.gpu = 4;
  auto quick = pool("quick", 8, 16 * k_gib);
  quick.time_seconds = 600;
  const auto site = site_of({ pool("small", 2, 4 * k_gib), gpu, quick });
  auto r = request(4, 8 * k_gib);
  r.time_seconds = 3600;
  const auto result = candidates(site, r, {}, {});
  REQUIRE_FALSE(result);
  const auto& message = result.error().message;
  CHECK(result.error().code == ErrorCode::failed_precondition);
  CHECK(contains(message, "site \"local\""));
  CHECK(contains(message, "cpu 4, memory 8G, time 1h"));
  CHECK(contains(message, "small: cpu 4 > 2"));
  CHECK(contains(message, "gpu: a GPU pool refuses steps asking for no GPU"));
  CHECK(contains(message, "quick: time 1h > 10m"));
}

// --- usage -----------------------------------------------------------------

TEST_CASE("pool usage adds and removes requests, never below zero")
{
  PoolUsage usage;
  auto a = request(1.5, 1 * k_gib);
  a.gpu = 1;
  const auto b = request(0.5, 512 * k_mib);
  usage.add(a);
  usage.add(b);
  CHECK(usage.cpu == 2);
  CHECK(usage.memory_bytes == 1536 * k_mib);
  CHECK(usage.gpu == 1);
  CHECK(usage.executions == 2);

  usage.remove(a);
  CHECK(usage.cpu == 0.5);
  CHECK(usage.memory_bytes == 512 * k_mib);
  CHECK(usage.gpu == 0);
  CHECK(usage.executions == 1);

  usage.remove(a);
  CHECK(usage.cpu == 0);
  CHECK(usage.memory_bytes == 0);
  CHECK(usage.gpu == 0);
  CHECK(usage.executions == 0);
}

TEST_CASE("a request fits now when it fits beside what the pool runs")
{
  auto p = pool("small", 2, 4 * k_gib);
  p.gpu = 1;
  PoolUsage usage;
  CHECK(fits_now(p, usage, request(2, 4 * k_gib)));

  usage.add(request(1.5, 1 * k_gib));
  CHECK(fits_now(p, usage, request(0.5)));
  CHECK_FALSE(fits_now(p, usage, request(1)));
  CHECK_FALSE(fits_now(p, usage, request(0.5, 3 * k_gib + 1)));

  auto with_gpu = request(0.25);
  with_gpu.gpu = 1;
  CHECK(fits_now(p, usage, with_gpu));
  usage.add(with_gpu);
  CHECK_FALSE(fits_now(p, usage, with_gpu));
}

TEST_CASE("fractional cores add up to a full pool")
{
  const auto p = pool("one", 1, 4 * k_gib);
  PoolUsage usage;
  for (int i = 0; i < 9; ++i) {
    usage.add(request(0.1, 1));
  }
  CHECK(fits_now(p, usage, request(0.1, 1)));
  usage.add(request(0.1, 1));
  CHECK_FALSE(fits_now(p, usage, request(0.1, 1)));
}

// --- placement_note --------------------------------------------------------

TEST_CASE("the placement note says why a pool was chosen")
{
  const auto site =
    site_of({ scored("cheap", 90, 50, 20), scored("fast", 20, 50, 95) });

  Constraints on_fast;
  on_fast.node_pool = "fast";
  const auto constrained = candidates(site, request(1), on_fast, {});
  REQUIRE(constrained);
  CHECK(placement_note(constrained->front(), on_fast, {}) ==
        "local/fast (constraint: node pool fast)");

  const auto objectives = weights(50, {}, 50);
  const auto ranked = candidates(site, request(1), {}, objectives);
  REQUIRE(ranked);
  CHECK(placement_note(ranked->front(), {}, objectives) ==
        "local/fast (objective score 57.5: cost 50%, performance 50%)");

  const auto plain = candidates(site, request(1), {}, {});
  REQUIRE(plain);
  CHECK(placement_note(plain->front(), {}, {}) == "local/cheap (fits)");

  Constraints here;
  here.site = "local";
  CHECK(placement_note(plain->front(), here, {}) ==
        "local/cheap (constraint: site local)");
}

// --- QueueRank -------------------------------------------------------------

TEST_CASE("the queue runs higher priority first, then steps of started runs, "
          "then the oldest")
{
  struct Entry
  {
    std::string name;
    QueueRank rank;
  };
  std::vector<Entry> queue = {
    { "new-old", { 0, false, 1 } },         { "started-young", { 0, true, 5 } },
    { "urgent-new", { 10, false, 9 } },     { "started-old", { 0, true, 2 } },
    { "new-young", { 0, false, 3 } },       { "low", { -1, true, 0 } },
    { "urgent-started", { 10, true, 10 } },
  };
  std::sort(queue.begin(), queue.end(), [](const Entry& a, const Entry& b) {
    return a.rank < b.rank;
  });
  std::vector<std::string> order;
  for (const auto& entry : queue) {
    order.push_back(entry.name);
  }
  CHECK(order == std::vector<std::string>{ "urgent-started",
                                           "urgent-new",
                                           "started-old",
                                           "started-young",
                                           "new-old",
                                           "new-young",
                                           "low" });
  CHECK_FALSE(QueueRank{} < QueueRank{});
}

TEST_SUITE_END();
