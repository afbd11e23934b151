// RunService across several sites (tests/support/runner_harness.hpp): the
// daemon's own site "local" and a worker agent's site "worker-a" whose
// runtimes are an in-memory fake that can lose the site mid-execution.

#include "tests/support/runner_harness.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

using namespace ryax;
using namespace ryax::domain;
using test::action;
using test::ref;
using test::RunnerHarness;

namespace {

// The runtimes of a remote site: each execution returns {"out": 42},
// unless `lose` says the site was lost then (execute() fails and the
// lease says site_lost()).
class RemotePool final : public app::RuntimePool
{
public:
  // Called with each execution id; true: the site is lost during it.
  std::function<bool(const std::string&)> lose = [](const std::string&) {
    return false;
  };

  std::vector<std::string> executions()
  {
    std::lock_guard lock(m_mutex);
    return m_executions;
  }

  Result<std::unique_ptr<app::RuntimeLease>> acquire(
    const app::RuntimeSpec&) override
  {
    return std::unique_ptr<app::RuntimeLease>(new Lease(*this));
  }
  Result<void> warm(const app::RuntimeSpec&) override { return {}; }
  void reap_idle() override {}
  std::vector<app::ReplicaView> replicas() override { return {}; }
  void drain(const std::string&, const std::string&) override {}
  void shutdown() override {}

private:
  class Lease final : public app::RuntimeLease
  {
  public:
    explicit Lease(RemotePool& pool) : m_pool(pool) {}

    Result<domain::StepOutcome> execute(const std::string& id,
                                        const domain::Values&,
                                        const app::LogCallback&) override
    {
      {
        std::lock_guard lock(m_pool.m_mutex);
        m_pool.m_executions.push_back(id);
      }
      if (m_pool.lose(id)) {
        m_lost = true;
        return fail(ErrorCode::unavailable, "worker-a stopped answering");
      }
      return domain::StepOutcome{ Outputs{ { "out", std::int64_t{ 42 } } } };
    }
    Result<std::optional<app::ExecutionError>> run_source(
      const std::string&,
      const domain::Values&,
      const app::CreatedRunCallback&,
      const app::LogCallback&) override
    {
      return std::optional<app::ExecutionError>{};
    }
    Result<void> cancel(const std::string&) override { return {}; }
    std::string outputs_dir(const std::string& id) override
    {
      return "/remote/" + id;
    }
    void discard() override {}
    bool site_lost() const override { return m_lost; }

  private:
    RemotePool& m_pool;
    bool m_lost = false;
  };

  std::mutex m_mutex;
  std::vector<std::string> m_executions;
};

domain::NodePool
pool(std::string name, double cpu, int cost = 0)
{
  domain::NodePool p;
  p.name = std::move(name);
  p.cpu = cpu;
  p.memory_bytes = 64LL << 30;
  p.scores.cost = cost;
  return p;
}

domain::Site
worker_a(int cost = 0)
{
  domain::Site site;
  site.name = "worker-a";
  site.pools = { pool("default", 4, cost) };
  return site;
}

// Workflow `id`: one step "only" reading n, under `constraints` and
// `objectives`.
WorkflowDefinition
single(std::string id, Constraints constraints = {}, Objectives objectives = {})
{
  auto step = action("only", { { "x", ref("start", "n") } });
  step.constraints = std::move(constraints);
  step.objectives = objectives;
  auto workflow = test::make_workflow({ step });
  workflow.id = std::move(id);
  return workflow;
}

Constraints
on_site(std::string name)
{
  Constraints c;
  c.site = std::move(name);
  return c;
}

const StepRun&
only(const app::RunView& view)
{
  const auto* step = view.stored.run.find(StepKey{ "only", "" });
  REQUIRE(step != nullptr);
  return *step;
}

std::int64_t
out(const app::RunView& view)
{
  const auto& sets = only(view).output_sets;
  REQUIRE(sets.size() == 1);
  return std::get<std::int64_t>(sets.front().at("out"));
}

// The queued executions of site `name` (the test fails after 10 s
// without `count`).
void
wait_queued(RunnerHarness& h, const std::string& name, int count)
{
  const auto deadline =
    std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    for (const auto& view : h.service->sites()) {
      if (view.site.name == name && view.queued == count) {
        return;
      }
    }
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                    "site ", name, " never had ", count, " queued");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

struct SitesHarness : RunnerHarness
{
  RemotePool remote;

  SitesHarness()
  {
    sites.set("worker-a", &remote);
    start();
  }
};

} // namespace

TEST_SUITE_BEGIN("app::RunService (sites)");

TEST_CASE("a worker's site joins the fleet and runs the steps pinned to it")
{
  SitesHarness h;
  h.service->upsert_site(worker_a());
  const auto sites = h.service->sites();
  REQUIRE(sites.size() == 2);
  CHECK(sites[0].site.name == "local");
  CHECK(sites[1].site.name == "worker-a");
  CHECK(sites[1].healthy);
  CHECK(h.service->site("worker-a"));
  const auto unknown = h.service->site("worker-b");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::not_found);

  h.deploy(single("pinned", on_site("worker-a")));
  const auto view = h.run("pinned");
  CHECK(view.stored.run.state == RunState::done);
  CHECK(out(view) == 42);
  CHECK(only(view).placement == "worker-a/default (constraint: site worker-a)");
  CHECK(h.remote.executions().size() == 1);
  CHECK(h.runtimes.started().empty());
}

TEST_CASE("objectives send a step to a worker's cheaper site")
{
  SitesHarness h;
  h.service->upsert_site(worker_a(90));
  Objectives cost;
  cost.cost = 100;
  h.deploy(single("cheap", {}, cost));
  const auto view = h.run("cheap");
  CHECK(out(view) == 42);
  CHECK(only(view).placement.starts_with("worker-a/default (objective score 90"));
}

TEST_CASE("an execution lost with its site is not a failure: it runs again "
          "on another site with attempt + 1")
{
  SitesHarness h;
  h.service->upsert_site(worker_a(90));
  // The worker goes silent during the execution: the adapter marks the site
  // unhealthy and its leases say the site was lost.
  h.remote.lose = [&](const std::string&) {
    h.service->set_site_healthy("worker-a", false);
    return true;
  };
  Objectives cost;
  cost.cost = 100;
  h.deploy(single("moved", {}, cost));
  const auto view = h.run("moved");
  CHECK(view.stored.run.state == RunState::done);
  CHECK(out(view) == 2); // the local runtimes' n + 1
  CHECK(only(view).attempt == 2);
  CHECK(only(view).placement.starts_with("local/default"));
  REQUIRE(h.remote.executions().size() == 1);
  CHECK(h.remote.executions()[0].ends_with(".only.r.1"));
  REQUIRE(h.runtimes.started().size() == 1);
  CHECK(h.runtimes.started()[0].ends_with(".only.r.2"));
  // What is stored says the same.
  const auto stored = h.runs.load(view.stored.run.id).value().value();
  CHECK(stored.run.find(StepKey{ "only", "" })->attempt == 2);
}

TEST_CASE("a step pinned to a lost site waits for it, and runs there when it "
          "is healthy again")
{
  SitesHarness h;
  h.service->upsert_site(worker_a());
  std::atomic<int> calls{ 0 };
  h.remote.lose = [&](const std::string&) {
    if (calls++ == 0) {
      h.service->set_site_healthy("worker-a", false);
      return true;
    }
    return false;
  };
  h.deploy(single("pinned", on_site("worker-a")));
  const auto started = h.start_run("pinned");
  REQUIRE(started);
  const auto id = started->stored.run.id;
  wait_queued(h, "worker-a", 1);
  auto waiting = h.service->get("default", id);
  REQUIRE(waiting);
  CHECK(waiting->stored.run.state == RunState::running);
  CHECK(only(*waiting).state == StepState::waiting);
  CHECK(only(*waiting).attempt == 2);
  CHECK_FALSE(h.service->sites()[1].healthy);

  h.service->set_site_healthy("worker-a", true);
  const auto view = h.wait(id);
  CHECK(view.stored.run.state == RunState::done);
  CHECK(out(view) == 42);
  CHECK(only(view).attempt == 2);
  CHECK(h.remote.executions().size() == 2);
  CHECK(h.runtimes.started().empty());
}

TEST_CASE("a step waiting for a site that is removed ends in error naming it")
{
  SitesHarness h;
  h.service->upsert_site(worker_a());
  h.service->set_site_healthy("worker-a", false);
  h.deploy(single("pinned", on_site("worker-a")));
  const auto started = h.start_run("pinned");
  REQUIRE(started);
  wait_queued(h, "worker-a", 1);
  h.service->remove_site("worker-a");
  REQUIRE(h.service->sites().size() == 1);
  const auto view = h.wait(started->stored.run.id);
  CHECK(view.stored.run.state == RunState::error);
  REQUIRE(only(view).error);
  CHECK(only(view).error->kind == "unschedulable");
  CHECK(only(view).error->message.find("site \"worker-a\" is not known")
        != std::string::npos);
  CHECK(h.remote.executions().empty());
}

TEST_CASE("a step placed on a site whose runtimes are gone fails saying so")
{
  SitesHarness h;
  h.service->upsert_site(worker_a());
  h.sites.set("worker-a", nullptr);
  h.deploy(single("pinned", on_site("worker-a")));
  const auto view = h.run("pinned");
  CHECK(view.stored.run.state == RunState::error);
  REQUIRE(only(view).error);
  CHECK(only(view).error->kind == "site_gone");
  CHECK(only(view).error->message == "site \"worker-a\" is gone");
}

TEST_CASE("a site that changes its pools is scheduled as it is now")
{
  SitesHarness h;
  h.service->upsert_site(worker_a());
  Constraints gpu;
  gpu.site = "worker-a";
  gpu.node_pool = "big";
  h.deploy(single("big", gpu));
  // No pool "big" on worker-a yet: refused when dispatched.
  const auto refused = h.run("big");
  CHECK(refused.stored.run.state == RunState::error);
  CHECK(only(refused).error->message.find("node pool \"big\"")
        != std::string::npos);

  auto changed = worker_a();
  changed.pools.push_back(pool("big", 16));
  h.service->upsert_site(changed);
  REQUIRE(h.service->sites()[1].pools.size() == 2);
  const auto view = h.run("big");
  CHECK(view.stored.run.state == RunState::done);
  CHECK(only(view).placement
        == "worker-a/big (constraint: site worker-a, node pool big)");
}

TEST_SUITE_END();
