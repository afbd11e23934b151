// domain::candidates across several sites: the fleet of the daemon's own
// site and the sites of worker agents.

#include "core/domain/scheduling.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ryax;
using namespace ryax::domain;

namespace {

constexpr std::int64_t k_gib = 1024LL * 1024 * 1024;

NodePool
pool(std::string name, double cpu, std::string arch = "x86_64")
{
  NodePool p;
  p.name = std::move(name);
  p.cpu = cpu;
  p.memory_bytes = 8 * k_gib;
  p.arch = std::move(arch);
  return p;
}

Site
site(std::string name, std::vector<NodePool> pools, std::string type = "local")
{
  Site s;
  s.name = std::move(name);
  s.type = std::move(type);
  s.pools = std::move(pools);
  return s;
}

ResourceRequest
request(double cpu, std::string arch = "x86_64")
{
  ResourceRequest r;
  r.cpu = cpu;
  r.memory_bytes = k_gib;
  r.arch = std::move(arch);
  return r;
}

// "site/pool" of each candidate, best first.
std::vector<std::string>
names(const std::vector<Candidate>& list)
{
  std::vector<std::string> out;
  for (const auto& candidate : list) {
    out.push_back(candidate.site + "/" + candidate.pool->name);
  }
  return out;
}

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

using Names = std::vector<std::string>;

const std::vector<Site> k_fleet = {
  site("local", { pool("default", 2) }),
  site("worker-a", { pool("gpu", 8), pool("small", 1) }),
  site("hpc", { pool("arm", 16, "aarch64") }, "slurm"),
};

} // namespace

TEST_SUITE_BEGIN("domain::scheduling (sites)");

TEST_CASE("every pool of every site is a candidate, the daemon's own site "
          "first, then the others in order")
{
  const auto all = candidates(k_fleet, request(1), {}, {});
  REQUIRE(all);
  // hpc's pool is aarch64: the bundle is built for x86_64.
  CHECK(names(*all) == Names{ "local/default", "worker-a/gpu", "worker-a/small" });
  const auto big = candidates(k_fleet, request(4), {}, {});
  REQUIRE(big);
  CHECK(names(*big) == Names{ "worker-a/gpu" });
}

TEST_CASE("objectives rank pools across sites, ties keeping the fleet order")
{
  auto fleet = k_fleet;
  fleet[1].pools[1].scores.cost = 80; // worker-a/small
  fleet[0].pools[0].scores.cost = 50;
  fleet[1].pools[0].scores.cost = 50;
  Objectives cost;
  cost.cost = 100;
  const auto ranked = candidates(fleet, request(1), {}, cost);
  REQUIRE(ranked);
  CHECK(names(*ranked) == Names{ "worker-a/small", "local/default", "worker-a/gpu" });
  CHECK(ranked->front().score == doctest::Approx(80));
}

TEST_CASE("a site constraint keeps that site's pools, and names the known "
          "sites when it is not one")
{
  Constraints on_a;
  on_a.site = "worker-a";
  const auto list = candidates(k_fleet, request(1), on_a, {});
  REQUIRE(list);
  CHECK(names(*list) == Names{ "worker-a/gpu", "worker-a/small" });

  Constraints gone;
  gone.site = "worker-z";
  const auto refused = candidates(k_fleet, request(1), gone, {});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::failed_precondition);
  CHECK(contains(refused.error().message, "site \"worker-z\" is not known"));
  CHECK(contains(refused.error().message, "\"worker-a\" (local)"));
}

TEST_CASE("a site_type constraint keeps the sites of that type")
{
  Constraints slurm;
  slurm.site_type = "slurm";
  const auto list = candidates(k_fleet, request(1, "aarch64"), slurm, {});
  REQUIRE(list);
  CHECK(names(*list) == Names{ "hpc/arm" });

  Constraints k8s;
  k8s.site_type = "kubernetes";
  const auto none = candidates(k_fleet, request(1), k8s, {});
  REQUIRE_FALSE(none);
  CHECK(contains(none.error().message, "no site is of type \"kubernetes\""));
  CHECK(contains(none.error().message, "\"hpc\" (slurm)"));

  Constraints mismatch;
  mismatch.site = "hpc";
  mismatch.site_type = "local";
  const auto wrong = candidates(k_fleet, request(1), mismatch, {});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message
        == "site \"hpc\" is of type \"slurm\", not \"local\"");
}

TEST_CASE("a node pool constraint takes that pool in whichever site has it")
{
  Constraints gpu;
  gpu.node_pool = "gpu";
  const auto list = candidates(k_fleet, request(1), gpu, {});
  REQUIRE(list);
  CHECK(names(*list) == Names{ "worker-a/gpu" });

  Constraints nowhere;
  nowhere.node_pool = "fast";
  const auto refused = candidates(k_fleet, request(1), nowhere, {});
  REQUIRE_FALSE(refused);
  const auto& message = refused.error().message;
  CHECK(contains(message, "node pool \"fast\" is not in sites \"local\", "
                          "\"worker-a\", \"hpc\""));
  CHECK(contains(message, "local/default, worker-a/gpu, worker-a/small, hpc/arm"));
}

TEST_CASE("an arch constraint keeps the pools of that architecture, and says "
          "why the others refuse")
{
  Constraints x86;
  x86.arch = "x86_64";
  const auto list = candidates(k_fleet, request(4), x86, {});
  REQUIRE(list);
  CHECK(names(*list) == Names{ "worker-a/gpu" });

  Constraints arm;
  arm.arch = "aarch64";
  // The bundle is built for x86_64: the aarch64 pool refuses it too.
  const auto refused = candidates(k_fleet, request(1), arm, {});
  REQUIRE_FALSE(refused);
  const auto& message = refused.error().message;
  CHECK(contains(message, "local/default: arch x86_64 is not aarch64 (constraint)"));
  CHECK(contains(message, "hpc/arm: arch x86_64 is not aarch64"));
}

TEST_CASE("a request no pool of any site can run is refused naming each "
          "site's pools and why")
{
  const auto refused = candidates(k_fleet, request(32), {}, {});
  REQUIRE_FALSE(refused);
  const auto& message = refused.error().message;
  CHECK(contains(message, "no node pool of sites \"local\", \"worker-a\", \"hpc\" "
                          "can run cpu 32, memory 1G"));
  CHECK(contains(message, "local/default: cpu 32 > 2"));
  CHECK(contains(message, "worker-a/gpu: cpu 32 > 8"));
  CHECK(contains(message, "worker-a/small: cpu 32 > 1"));
  CHECK(contains(message, "hpc/arm: cpu 32 > 16"));
}

TEST_CASE("the placement note names the site and every constraint")
{
  Constraints on_a;
  on_a.site = "worker-a";
  const auto list = candidates(k_fleet, request(1), on_a, {});
  REQUIRE(list);
  CHECK(placement_note(list->front(), on_a, {})
        == "worker-a/gpu (constraint: site worker-a)");

  Constraints pinned;
  pinned.site = "worker-a";
  pinned.node_pool = "small";
  pinned.arch = "x86_64";
  const auto small = candidates(k_fleet, request(1), pinned, {});
  REQUIRE(small);
  CHECK(placement_note(small->front(), pinned, {})
        == "worker-a/small (constraint: site worker-a, node pool small, arch "
           "x86_64)");

  Constraints typed;
  typed.site_type = "local";
  Objectives cost;
  cost.cost = 100;
  const auto scored = candidates(k_fleet, request(1), typed, cost);
  REQUIRE(scored);
  CHECK(placement_note(scored->front(), typed, cost)
        == "local/default (objective score 0: cost 100%; constraint: site type "
           "local)");
}

TEST_SUITE_END();
