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

// A plan asking for `cpu` on the pools of `site` named `names`, in order.
SchedulingPlan
plan(const domain::Site& site, double cpu, std::vector<std::string> names)
{
  SchedulingPlan p;
  p.request.cpu = cpu;
  p.request.memory_bytes = 1;
  for (const auto& name : names) {
    p.candidates.push_back(domain::Candidate{ site.find(name), 0 });
  }
  return p;
}

QueuedStep
step(std::uint64_t run, const SchedulingPlan& p, std::string branch = "")
{
  return QueuedStep{ run, 1, std::move(branch), &p };
}

// The runs of the decisions of one dispatch, "run@pool" ("run@-" refused).
std::vector<std::string>
dispatch(Scheduler& scheduler)
{
  std::vector<std::string> placed;
  for (const auto& decision :
       scheduler.dispatch([](const QueuedStep&) { return true; })) {
    placed.push_back(std::to_string(decision.step.run) + "@"
                     + (decision.candidate != nullptr
                          ? decision.candidate->pool->name
                          : "-"));
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
  const auto p = plan(scheduler.site(), 1, { "one" });
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
    scheduler.release("one", p.request);
  }
  CHECK(scheduler.size() == 0);
}

TEST_CASE("the first step that fits nowhere reserves its pools: nothing "
          "behind it takes them")
{
  domain::Site site;
  site.pools = { pool("small", 1), pool("big", 4) };
  Scheduler scheduler(site);
  const auto& s = scheduler.site();
  const auto small = plan(s, 1, { "small", "big" });
  const auto big = plan(s, 4, { "big" });
  const auto tiny = plan(s, 1, { "small" });
  scheduler.enqueue(step(1, small), 0, false);
  scheduler.enqueue(step(2, small), 0, false);
  CHECK(dispatch(scheduler) == Placed{ "1@small", "2@big" });
  // 3 waits for "big" to be empty: steps behind it may not use "big", but
  // may still use "small", which 3 cannot use.
  scheduler.enqueue(step(3, big), 0, false);
  scheduler.enqueue(step(4, small), 0, false);
  scheduler.enqueue(step(5, tiny), 0, false);
  CHECK(dispatch(scheduler).empty());
  scheduler.release("small", small.request);
  CHECK(dispatch(scheduler) == Placed{ "4@small" });
  // 2 leaves "big": 3, waiting for it, takes it.
  scheduler.release("big", small.request);
  CHECK(dispatch(scheduler) == Placed{ "3@big" });
  scheduler.release("small", small.request);
  CHECK(dispatch(scheduler) == Placed{ "5@small" });
}

TEST_CASE("a step whose plan is refused comes out at once, without a pool")
{
  domain::Site site;
  site.pools = { pool("one", 1) };
  Scheduler scheduler(site);
  auto refused = plan(scheduler.site(), 8, {});
  refused.refusal = "one: cpu 8 > 1";
  const auto fits = plan(scheduler.site(), 1, { "one" });
  scheduler.enqueue(step(1, refused), 0, false);
  scheduler.enqueue(step(2, fits), 0, false);
  CHECK(dispatch(scheduler) == Placed{ "1@-", "2@one" });
}

TEST_CASE("entries no longer wanted are dropped on the way, and not counted")
{
  domain::Site site;
  site.pools = { pool("one", 1) };
  Scheduler scheduler(site);
  const auto p = plan(scheduler.site(), 1, { "one" });
  scheduler.enqueue(step(1, p), 0, false);
  scheduler.enqueue(step(2, p), 0, false);
  scheduler.enqueue(step(3, p), 0, false);
  const auto not_two = [](const QueuedStep& s) { return s.run != 2; };
  const auto pools = scheduler.pools(not_two);
  REQUIRE(pools.size() == 1);
  CHECK(pools[0].queued == 2);
  const auto first = scheduler.dispatch(not_two);
  REQUIRE(first.size() == 1);
  CHECK(first[0].step.run == 1);
  scheduler.release("one", p.request);
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
  const auto p = plan(scheduler.site(), 0.5, { "one" });
  for (std::uint64_t run = 1; run <= 5; ++run) {
    scheduler.enqueue(step(run, p), 0, false);
  }
  CHECK(dispatch(scheduler).size() == 4);
  auto pools = scheduler.pools([](const QueuedStep&) { return true; });
  CHECK(pools[0].usage.cpu == doctest::Approx(2.0));
  CHECK(pools[0].usage.executions == 4);
  CHECK(pools[0].queued == 1);
  scheduler.release("one", p.request);
  pools = scheduler.pools([](const QueuedStep&) { return true; });
  CHECK(pools[0].usage.executions == 3);
  scheduler.release("nope", p.request); // unknown pools are ignored
}

TEST_SUITE_END();
