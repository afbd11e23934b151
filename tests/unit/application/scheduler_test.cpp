#include "core/application/scheduler.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ryax;
using app::QueuedStep;
using app::Scheduler;
using app::SchedulingPlan;

namespace {

domain::NodePool
pool(std::string name, double cpu)
{
  domain::NodePool p;
  p.name = std::move(name);
  p.cpu = cpu;
  p.memory_bytes = 1LL << 30;
  return p;
}

// A plan asking for `cpu` under `constraints`: its candidates are the
// scheduler's.
SchedulingPlan
plan(double cpu, domain::Constraints constraints = {})
{
  SchedulingPlan p;
  p.request.cpu = cpu;
  p.request.memory_bytes = 1;
  p.constraints = std::move(constraints);
  return p;
}

domain::Constraints
on_pool(std::string name)
{
  domain::Constraints c;
  c.node_pool = std::move(name);
  return c;
}

domain::Constraints
on_site(std::string name)
{
  domain::Constraints c;
  c.site = std::move(name);
  return c;
}

domain::Site
site_of(std::string name, std::vector<domain::NodePool> pools)
{
  domain::Site s;
  s.name = std::move(name);
  s.pools = std::move(pools);
  return s;
}

QueuedStep
step(std::uint64_t run, const SchedulingPlan& p, std::string branch = "")
{
  return QueuedStep{ run, 1, std::move(branch), &p };
}

const auto k_all = [](const QueuedStep&) { return true; };

// The runs of the decisions of one dispatch: "run@pool" on the local site,
// "run@site/pool" elsewhere, "run@-" refused.
std::vector<std::string>
dispatch(Scheduler& scheduler)
{
  std::vector<std::string> placed;
  for (const auto& decision : scheduler.dispatch(k_all)) {
    const auto& c = decision.candidate;
    placed.push_back(std::to_string(decision.step.run) + "@"
                     + (c.pool == nullptr ? "-"
                        : c.site == "local" ? c.pool->name
                                            : c.site + "/" + c.pool->name));
  }
  return placed;
}

using Placed = std::vector<std::string>;

} // namespace

TEST_SUITE_BEGIN("app::Scheduler");

TEST_CASE("priority first, then started runs, then arrival")
{
  domain::Site site;
  site.pools = { pool("one", 1) };
  Scheduler scheduler(site);
  const auto p = plan(1);
  scheduler.enqueue(step(1, p), 0, false);
  scheduler.enqueue(step(2, p), 0, true);
  scheduler.enqueue(step(3, p), 5, false);
  scheduler.enqueue(step(4, p), 0, false);
  scheduler.enqueue(step(5, p), 5, true);

  const std::vector<std::string> expected{ "5@one", "3@one", "2@one", "1@one",
                                           "4@one" };
  for (const auto& next : expected) {
    CHECK(dispatch(scheduler) == Placed{ next });
    CHECK(dispatch(scheduler).empty()); // the pool is full
    scheduler.release("local", "one", p.request);
  }
  CHECK(scheduler.size() == 0);
}

TEST_CASE("the first step that fits nowhere reserves its pools: nothing "
          "behind it takes them")
{
  domain::Site site;
  site.pools = { pool("small", 1), pool("big", 4) };
  Scheduler scheduler(site);
  const auto small = plan(1); // small, then big
  const auto big = plan(4);
  const auto tiny = plan(1, on_pool("small"));
  scheduler.enqueue(step(1, small), 0, false);
  scheduler.enqueue(step(2, small), 0, false);
  CHECK(dispatch(scheduler) == Placed{ "1@small", "2@big" });
  // 3 waits for "big" to be empty: steps behind it may not use "big", but
  // may still use "small", which 3 cannot use.
  scheduler.enqueue(step(3, big), 0, false);
  scheduler.enqueue(step(4, small), 0, false);
  scheduler.enqueue(step(5, tiny), 0, false);
  CHECK(dispatch(scheduler).empty());
  scheduler.release("local", "small", small.request);
  CHECK(dispatch(scheduler) == Placed{ "4@small" });
  // 2 leaves "big": 3, waiting for it, takes it.
  scheduler.release("local", "big", small.request);
  CHECK(dispatch(scheduler) == Placed{ "3@big" });
  scheduler.release("local", "small", small.request);
  CHECK(dispatch(scheduler) == Placed{ "5@small" });
}

TEST_CASE("a step no site can run, or whose plan is refused, comes out at "
          "once without a pool, with the reason")
{
  domain::Site site;
  site.pools = { pool("one", 1) };
  Scheduler scheduler(site);
  const auto too_big = plan(8);
  auto unbuilt = plan(1);
  unbuilt.refusal = "action \"x\" is no longer built";
  const auto fits = plan(1);
  scheduler.enqueue(step(1, too_big), 0, false);
  scheduler.enqueue(step(2, unbuilt), 0, false);
  scheduler.enqueue(step(3, fits), 0, false);
  const auto decisions = scheduler.dispatch(k_all);
  REQUIRE(decisions.size() == 3);
  CHECK(decisions[0].candidate.pool == nullptr);
  CHECK(decisions[0].refusal.find("one: cpu 8 > 1") != std::string::npos);
  CHECK(decisions[1].candidate.pool == nullptr);
  CHECK(decisions[1].refusal == unbuilt.refusal);
  CHECK(decisions[2].candidate.pool->name == "one");
}

TEST_CASE("entries no longer wanted are dropped on the way, and not counted")
{
  domain::Site site;
  site.pools = { pool("one", 1) };
  Scheduler scheduler(site);
  const auto p = plan(1);
  scheduler.enqueue(step(1, p), 0, false);
  scheduler.enqueue(step(2, p), 0, false);
  scheduler.enqueue(step(3, p), 0, false);
  const auto not_two = [](const QueuedStep& s) { return s.run != 2; };
  const auto views = scheduler.views(not_two);
  REQUIRE(views.size() == 1);
  REQUIRE(views[0].pools.size() == 1);
  CHECK(views[0].pools[0].queued == 2);
  CHECK(views[0].queued == 2);
  const auto first = scheduler.dispatch(not_two);
  REQUIRE(first.size() == 1);
  CHECK(first[0].step.run == 1);
  scheduler.release("local", "one", p.request);
  const auto second = scheduler.dispatch(not_two);
  REQUIRE(second.size() == 1);
  CHECK(second[0].step.run == 3);
  CHECK(scheduler.size() == 0);
}

TEST_CASE("usage follows placements and releases")
{
  domain::Site site;
  site.pools = { pool("one", 2) };
  Scheduler scheduler(site);
  const auto p = plan(0.5);
  for (std::uint64_t run = 1; run <= 5; ++run) {
    scheduler.enqueue(step(run, p), 0, false);
  }
  CHECK(dispatch(scheduler).size() == 4);
  auto pools = scheduler.views(k_all)[0].pools;
  CHECK(pools[0].usage.cpu == doctest::Approx(2.0));
  CHECK(pools[0].usage.executions == 4);
  CHECK(pools[0].queued == 1);
  scheduler.release("local", "one", p.request);
  pools = scheduler.views(k_all)[0].pools;
  CHECK(pools[0].usage.executions == 3);
  scheduler.release("local", "nope", p.request); // unknown pools are ignored
  scheduler.release("nope", "one", p.request);
  CHECK(scheduler.views(k_all)[0].pools[0].usage.executions == 3);
}

// --- several sites ---------------------------------------------------------

TEST_CASE("the pools of every site are candidates, the daemon's own first "
          "on ties")
{
  Scheduler scheduler(site_of("local", { pool("one", 1) }));
  scheduler.upsert_site(site_of("worker-a", { pool("a", 1) }));
  const auto p = plan(1);
  for (std::uint64_t run = 1; run <= 3; ++run) {
    scheduler.enqueue(step(run, p), 0, false);
  }
  CHECK(dispatch(scheduler) == Placed{ "1@one", "2@worker-a/a" });
  scheduler.release("worker-a", "a", p.request);
  CHECK(dispatch(scheduler) == Placed{ "3@worker-a/a" });
}

TEST_CASE("objectives send a step to the better scoring site")
{
  auto cheap = pool("cheap", 1);
  cheap.scores.cost = 90;
  Scheduler scheduler(site_of("local", { pool("one", 1) }));
  scheduler.upsert_site(site_of("worker-b", { cheap }));
  auto p = plan(1);
  p.objectives.cost = 100;
  scheduler.enqueue(step(1, p), 0, false);
  CHECK(dispatch(scheduler) == Placed{ "1@worker-b/cheap" });
}

TEST_CASE("an unhealthy site gets no new placements: a step goes to another "
          "site, or waits when only that site may run it")
{
  Scheduler scheduler(site_of("local", { pool("one", 1) }));
  scheduler.upsert_site(site_of("worker-a", { pool("a", 4) }));
  CHECK(scheduler.set_site_healthy("worker-a", false));
  CHECK_FALSE(scheduler.set_site_healthy("nope", false));
  const auto anywhere = plan(1);
  const auto pinned = plan(1, on_site("worker-a"));
  scheduler.enqueue(step(1, pinned), 0, false);
  scheduler.enqueue(step(2, anywhere), 0, false);
  scheduler.enqueue(step(3, anywhere), 0, false);
  // 1 waits (not refused); 2 takes the local pool; 3 waits for room.
  CHECK(dispatch(scheduler) == Placed{ "2@one" });
  CHECK(scheduler.size() == 2);
  const auto views = scheduler.views(k_all);
  REQUIRE(views.size() == 2);
  CHECK(views[0].healthy);
  CHECK_FALSE(views[1].healthy);
  CHECK(views[1].site.name == "worker-a");
  CHECK(views[1].queued == 1); // 1, whose only pool is there

  CHECK(scheduler.set_site_healthy("worker-a", true));
  CHECK(dispatch(scheduler) == Placed{ "1@worker-a/a", "3@worker-a/a" });
}

TEST_CASE("a removed site's steps are refused at dispatch naming the site, "
          "the daemon's own site cannot be removed")
{
  Scheduler scheduler(site_of("local", { pool("one", 1) }));
  scheduler.upsert_site(site_of("worker-a", { pool("a", 1) }));
  const auto pinned = plan(1, on_site("worker-a"));
  scheduler.enqueue(step(1, pinned), 0, false);
  CHECK(dispatch(scheduler) == Placed{ "1@worker-a/a" });
  scheduler.enqueue(step(2, pinned), 0, false);
  CHECK(dispatch(scheduler).empty()); // waits for room

  CHECK(scheduler.remove_site("worker-a"));
  CHECK_FALSE(scheduler.remove_site("worker-a"));
  CHECK_FALSE(scheduler.remove_site("local"));
  REQUIRE(scheduler.sites().size() == 1);
  const auto decisions = scheduler.dispatch(k_all);
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0].candidate.pool == nullptr);
  CHECK(decisions[0].refusal.find("\"worker-a\" is not known")
        != std::string::npos);
  // The execution still running there gives its resources back harmlessly.
  scheduler.release("worker-a", "a", pinned.request);
}

TEST_CASE("a site that changes its pools is used as it is now, keeping the "
          "use of pools that stay and its health")
{
  Scheduler scheduler(site_of("local", { pool("one", 1) }));
  scheduler.upsert_site(site_of("worker-a", { pool("a", 1) }));
  const auto on_a = plan(1, on_site("worker-a"));
  const auto on_big = plan(2, on_site("worker-a"));
  scheduler.enqueue(step(1, on_a), 0, false);
  CHECK(dispatch(scheduler) == Placed{ "1@worker-a/a" });
  scheduler.enqueue(step(2, on_big), 0, false);
  // Nothing of worker-a can run 2 cpus: refused, naming the site's pool.
  const auto refused = scheduler.dispatch(k_all);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].refusal.find("a: cpu 2 > 1") != std::string::npos);

  scheduler.set_site_healthy("worker-a", false);
  scheduler.upsert_site(site_of("worker-a", { pool("a", 1), pool("b", 2) }));
  REQUIRE(scheduler.sites().size() == 2);
  CHECK(scheduler.sites()[1].pools.size() == 2);
  const auto views = scheduler.views(k_all);
  CHECK_FALSE(views[1].healthy);
  CHECK(views[1].pools[0].usage.executions == 1); // 1 still runs on "a"

  scheduler.enqueue(step(3, on_big), 0, false);
  scheduler.enqueue(step(4, on_a), 0, false);
  CHECK(dispatch(scheduler).empty()); // unhealthy: both wait
  scheduler.set_site_healthy("worker-a", true);
  // 3 takes all of "b"; 4 waits for "a", where 1 still runs.
  CHECK(dispatch(scheduler) == Placed{ "3@worker-a/b" });
  scheduler.release("worker-a", "a", on_a.request);
  CHECK(dispatch(scheduler) == Placed{ "4@worker-a/a" });
}

TEST_CASE("a step that fits nowhere reserves the pools it could use on every "
          "healthy site")
{
  Scheduler scheduler(site_of("local", { pool("one", 2) }));
  scheduler.upsert_site(site_of("worker-a", { pool("a", 2) }));
  const auto small = plan(1);
  const auto big = plan(2);
  scheduler.enqueue(step(1, small), 0, false);
  scheduler.enqueue(step(2, small), 0, false);
  CHECK(dispatch(scheduler) == Placed{ "1@one", "2@one" });
  scheduler.enqueue(step(3, small), 0, false);
  CHECK(dispatch(scheduler) == Placed{ "3@worker-a/a" });
  // 4 needs a whole pool: nothing behind it takes "one" or "a".
  scheduler.enqueue(step(4, big), 0, false);
  scheduler.enqueue(step(5, small), 0, false);
  CHECK(dispatch(scheduler).empty());
  scheduler.release("worker-a", "a", small.request);
  CHECK(dispatch(scheduler) == Placed{ "4@worker-a/a" });
  CHECK(dispatch(scheduler).empty());
  scheduler.release("local", "one", small.request);
  CHECK(dispatch(scheduler) == Placed{ "5@one" });
}

TEST_SUITE_END();
