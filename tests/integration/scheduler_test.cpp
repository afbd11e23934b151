// The scheduler end to end: node pools of ryaxd.yaml, placement by
// constraints and objectives, the queue order, no starvation, warm
// replicas scaling up and down. A real ryaxd runs real python actions.

#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace ryax::test;

namespace {

// ryaxd.yaml with `pools` (YAML list items) and a one-second housekeeping.
std::string
site_config(const std::string& pools)
{
  return "housekeeping_interval_seconds: 1\nrun_concurrency: 8\nsite:\n  node_pools:\n" + pools;
}

// The one execution of `step` in run `run_id`.
json
execution(const RunFixture& f, const std::string& run_id, const std::string& step)
{
  const auto found = RunFixture::executions(f.show(run_id), step);
  REQUIRE(found.size() == 1);
  return found.front();
}

json
site(const RunFixture& f)
{
  auto shown = f.daemon.ryax({ "site", "show", "local", "-o", "json" });
  REQUIRE_MESSAGE(shown.exit_code == 0, shown.err);
  return json::parse(shown.out);
}

json
deployments(const RunFixture& f)
{
  auto listed = f.daemon.ryax({ "deployments", "list", "-o", "json" });
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  return json::parse(listed.out);
}

const std::string k_two_pools =
  "  - {name: cheap, cpu: 2, memory: 2G, objectiveScores: {cost: 90, energy: 50, performance: 10}}\n"
  "  - {name: fast, cpu: 2, memory: 2G, objectiveScores: {cost: 10, energy: 50, performance: 90}}\n";

} // namespace

TEST_SUITE_BEGIN("integration: scheduler");

TEST_CASE("constraints are hard and objective weights pick the pool")
{
  RunFixture f({ "add" }, site_config(k_two_pools));
  f.deploy("placed",
           "    - {name: x, type: integer}\n",
           "  - {id: pinned, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
           "constraints: {node_pool: cheap}, objectives: {performance: 100}}\n"
           "  - {id: scored, from: add, inputs_values: {x: \"{{ pinned.y }}\"}, "
           "objectives: {cost: 80, performance: 20}}\n"
           "  - {id: plain, from: add, inputs_values: {x: \"{{ scored.y }}\"}}\n");
  auto run = f.daemon.ryax({ "run", "placed", "--input", "x=1", "--wait", "-o", "json" });
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const auto doc = json::parse(run.out);
  const auto placement = [&](const std::string& step) {
    return RunFixture::executions(doc, step)[0]["placement"].get<std::string>();
  };
  CHECK(placement("pinned") == "local/cheap (constraint: node pool cheap)");
  CHECK(placement("scored").starts_with("local/cheap (objective score 74"));
  CHECK(placement("plain") == "local/cheap (fits)"); // configuration order

  // The same step with the weights the other way round goes to the other pool.
  f.deploy("placed",
           "    - {name: x, type: integer}\n",
           "  - {id: scored, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
           "objectives: {cost: 20, performance: 80}}\n");
  auto flipped = f.daemon.ryax({ "run", "placed", "--input", "x=1", "--wait", "-o", "json" });
  REQUIRE_MESSAGE(flipped.exit_code == 0, flipped.err);
  CHECK(RunFixture::executions(json::parse(flipped.out), "scored")[0]["placement"]
          .get<std::string>()
          .starts_with("local/fast (objective score 74"));
}

TEST_CASE("a step no pool can run is refused at deploy, naming why")
{
  RunFixture f({ "add" },
               site_config("  - {name: small, cpu: 1, memory: 1G}\n"
                           "  - {name: gpus, cpu: 8, memory: 8G, gpu: 1}\n"));
  const auto path = f.daemon.dir() / "big.yaml";
  std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: big\n"
                         "  trigger: {id: start, from: manual, outputs: [{name: x, type: integer}]}\n"
                         "  actions:\n"
                         "  - {id: huge, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
                         "resources: {cpu: 4}}\n";
  auto push = f.daemon.ryax({ "workflow", "push", path, "--deploy" });
  CHECK(push.exit_code == 5);
  CHECK(push.err.find("step \"huge\"") != std::string::npos);
  CHECK(push.err.find("small: cpu 4 > 1") != std::string::npos);
  // The GPU pool would fit but refuses steps asking for no GPU.
  CHECK(push.err.find("gpus: a GPU pool refuses") != std::string::npos);
  auto errors = f.daemon.ryax({ "workflow", "errors", "big" });
  CHECK(errors.out.find("no node pool") != std::string::npos);

  // Asking for the GPU places it there.
  std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: big\n"
                         "  trigger: {id: start, from: manual, outputs: [{name: x, type: integer}]}\n"
                         "  actions:\n"
                         "  - {id: huge, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
                         "resources: {cpu: 4, gpu: 1}}\n";
  f.require_ok({ "workflow", "push", path, "--deploy" });
  auto run = f.daemon.ryax({ "run", "big", "--input", "x=1", "--wait", "-o", "json" });
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  CHECK(RunFixture::executions(json::parse(run.out), "huge")[0]["placement"]
          .get<std::string>()
          .starts_with("local/gpus"));
}

TEST_CASE("a full pool queues steps: priority, then started runs, then age")
{
  RunFixture f({ "sleeper" }, site_config("  - {name: one, cpu: 1, memory: 1G}\n"));
  f.deploy("nap",
           "    - {name: seconds, type: float}\n",
           "  - {id: first, from: sleeper, inputs_values: {seconds: \"{{ start.seconds }}\"}, "
           "resources: {cpu: 1}, deployment: {max_replicas: 2}}\n"
           "  - {id: second, from: sleeper, inputs_values: {seconds: \"{{ start.seconds }}\"}, "
           "resources: {cpu: 1}, deployment: {max_replicas: 2}}\n");
  // A occupies the pool; B (new) and C (new, priority 5) queue behind it.
  const auto a = start_run(f, { "nap", "--input", "seconds=1" });
  REQUIRE(eventually([&]() -> bool { return execution(f, a, "first")["state"] == "running"; }));
  const auto b = start_run(f, { "nap", "--input", "seconds=1" });
  const auto c = start_run(f, { "nap", "--input", "seconds=1", "--priority", "5" });
  REQUIRE(eventually([&]() -> bool { return site(f)["pools"][0]["queued"] == 2; }));
  CHECK(site(f)["pools"][0]["executions"] == 1);
  for (const auto& id : { a, b, c }) {
    REQUIRE(eventually([&]() -> bool { return f.show(id)["state"] == "done"; },
                       std::chrono::seconds(60)));
  }
  const auto started = [&](const std::string& run, const std::string& step) {
    return execution(f, run, step)["started_ms"].get<std::int64_t>();
  };
  // C has priority; A's second step goes before B (A had started).
  CHECK(started(c, "first") < started(a, "second"));
  CHECK(started(c, "second") < started(a, "second"));
  CHECK(started(a, "second") < started(b, "first"));
  // One at a time: the pool never ran two.
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;
  for (const auto& id : { a, b, c }) {
    for (const auto& step : { "first", "second" }) {
      const auto e = execution(f, id, step);
      spans.emplace_back(e["started_ms"].get<std::int64_t>(), e["finished_ms"].get<std::int64_t>());
    }
  }
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i) {
    CHECK(spans[i].first >= spans[i - 1].second);
  }
}

TEST_CASE("a big step is not starved by a stream of small ones")
{
  RunFixture f({ "sleeper" }, site_config("  - {name: pool, cpu: 2, memory: 4G}\n"));
  f.deploy("small", "    - {name: seconds, type: float}\n",
           "  - {id: nap, from: sleeper, inputs_values: {seconds: \"{{ start.seconds }}\"}, "
           "resources: {cpu: 1}, deployment: {max_replicas: 4}}\n");
  f.deploy("big", "    - {name: seconds, type: float}\n",
           "  - {id: nap, from: sleeper, inputs_values: {seconds: \"{{ start.seconds }}\"}, "
           "resources: {cpu: 2}}\n");
  std::vector<std::string> before;
  for (int i = 0; i < 3; ++i) {
    before.push_back(start_run(f, { "small", "--input", "seconds=1" }));
  }
  REQUIRE(eventually([&]() -> bool { return site(f)["pools"][0]["executions"] == 2; }));
  const auto big = start_run(f, { "big", "--input", "seconds=0.5" });
  std::vector<std::string> after;
  for (int i = 0; i < 4; ++i) {
    after.push_back(start_run(f, { "small", "--input", "seconds=1" }));
  }
  REQUIRE(eventually([&]() -> bool { return f.show(big)["state"] == "done"; },
                     std::chrono::seconds(60)));
  const auto big_started = execution(f, big, "nap")["started_ms"].get<std::int64_t>();
  for (const auto& id : after) {
    REQUIRE(eventually([&]() -> bool { return f.show(id)["state"] == "done"; },
                       std::chrono::seconds(60)));
    CHECK(execution(f, id, "nap")["started_ms"].get<std::int64_t>() >= big_started);
  }
}

TEST_CASE("replicas scale up under a burst and stop after the idle timeout")
{
  RunFixture f({ "fanout", "sleeper" }, site_config("  - {name: pool, cpu: 4, memory: 4G}\n"));
  f.deploy("burst", "    - {name: n, type: integer}\n",
           "  - {id: split, from: fanout, inputs_values: {n: \"{{ start.n }}\"}}\n"
           "  - {id: nap, from: sleeper, inputs_values: {seconds: 1.5}, after: [split], "
           "resources: {cpu: 1}, deployment: {max_replicas: 3, idle_timeout: 2s}}\n");
  const auto id = start_run(f, { "burst", "--input", "n=6" });
  REQUIRE(eventually([&]() -> bool {
    for (const auto& d : deployments(f)) {
      if (d["id"] == "burst/sleeper" && d["replicas"] == 3) {
        return true;
      }
    }
    return false;
  }));
  // Never more than max_replicas.
  for (const auto& d : deployments(f)) {
    if (d["id"] == "burst/sleeper") {
      CHECK(d["replicas"].get<int>() <= 3);
      CHECK(d["max_replicas"] == 3);
    }
  }
  REQUIRE(eventually([&]() -> bool { return f.show(id)["state"] == "done"; },
                     std::chrono::seconds(60)));
  auto shown = f.daemon.ryax({ "deployments", "show", "burst/sleeper", "-o", "json" });
  if (shown.exit_code == 0) {
    CHECK(json::parse(shown.out)["executions"].get<int>() >= 1);
  }
  // Idle for 2 s: stopped by the housekeeping (every second).
  REQUIRE(eventually([&]() -> bool {
    for (const auto& d : deployments(f)) {
      if (d["id"] == "burst/sleeper") {
        return false;
      }
    }
    return true;
  }, std::chrono::seconds(15)));
}

TEST_CASE("a step warm at deploy has a replica before its first run, undeploy drains it")
{
  RunFixture f({ "add", "fanout" }, site_config("  - {name: pool, cpu: 2, memory: 2G}\n"));
  f.deploy("warm", "    - {name: x, type: integer}\n",
           "  - {id: inc, from: add, inputs_values: {x: \"{{ start.x }}\"}, "
           "deployment: {warm: true}}\n"
           "  - {id: lazy, from: fanout, inputs_values: {n: \"{{ inc.y }}\"}}\n"
           "  - {id: again, from: add, inputs_values: {x: \"{{ inc.y }}\"}, after: [lazy]}\n");
  auto warmed = deployments(f);
  REQUIRE(warmed.size() == 1);
  CHECK(warmed[0]["id"] == "warm/add");
  CHECK(warmed[0]["executions"] == 0);
  f.require_ok({ "run", "warm", "--input", "x=1", "--wait" });
  CHECK(deployments(f).size() == 2);
  auto listed = deployments(f);
  REQUIRE(listed.size() == 2);
  // Steps running the same action share its deployment.
  CHECK(listed[0]["id"] == "warm/add");
  CHECK(listed[0]["action"] == "add:1.0");
  CHECK(listed[0]["steps"] == json({ "again", "inc" }));
  CHECK(listed[0]["executions"] == 3);
  CHECK(listed[1]["id"] == "warm/fanout");
  f.require_ok({ "workflow", "undeploy", "warm" });
  CHECK(deployments(f).empty());
}

TEST_CASE("max_unfinished_runs bounds the runs accepted at once")
{
  RunFixture f({ "sleeper" },
               site_config("  - {name: pool, cpu: 2, memory: 2G}\n") + "max_unfinished_runs: 1\n");
  f.deploy("nap", "    - {name: seconds, type: float}\n",
           "  - {id: nap, from: sleeper, inputs_values: {seconds: \"{{ start.seconds }}\"}}\n");
  const auto first = start_run(f, { "nap", "--input", "seconds=30" });
  auto refused = f.daemon.ryax({ "run", "nap", "--input", "seconds=1" });
  CHECK(refused.exit_code == 7);
  CHECK(refused.err.find("1 runs are unfinished") != std::string::npos);
  CHECK(refused.err.find("max_unfinished_runs") != std::string::npos);
  f.require_ok({ "runs", "cancel", first });
  REQUIRE(eventually([&] { return f.daemon.ryax({ "run", "nap", "--input", "seconds=0.1" }).exit_code == 0; }));
}

TEST_SUITE_END();
