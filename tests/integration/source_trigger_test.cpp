// User-written source triggers on a real ryaxd: a python Source action
// scanned from a git repository and built (one build for the file), whose
// create_run calls start runs; its trigger log; undeploy, restart, error.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

using namespace ryax::test;
using json = nlohmann::json;

namespace {

const char* const k_ticker_metadata = R"(apiVersion: "ryax.tech/v2.0"
kind: Source
spec:
  id: ticker
  human_name: Ticker
  type: python3
  version: "1.0"
  inputs:
  - {name: count, human_name: C, help: h, type: integer}
  - {name: mode, human_name: M, help: h, type: string}
  outputs:
  - {name: n, human_name: N, help: h, type: integer}
  - {name: label, human_name: L, help: h, type: string}
)";

// `count` runs, then it idles until cancelled; mode "raise" fails at once.
const char* const k_ticker_run = R"(import asyncio

async def run(service, input_values):
    if input_values["mode"] == "raise":
        print("about to fail", flush=True)
        raise ValueError("source broke")
    for i in range(input_values["count"]):
        run_id = await service.create_run({"n": i, "label": f"item-{i}"})
        print(f"created {run_id} for {i}", flush=True)
    while True:
        await asyncio.sleep(0.05)
)";

const char* const k_add_metadata = R"(apiVersion: "ryax.tech/v2.0"
kind: Processor
spec:
  id: add
  human_name: Add
  type: python3
  version: "1.0"
  inputs:
  - {name: x, human_name: X, help: h, type: integer}
  outputs:
  - {name: y, human_name: Y, help: h, type: integer}
)";

struct SourceFixture
{
  DaemonFixture daemon{ false };

  SourceFixture()
  {
    daemon.start();
    GitBuilder repo(daemon.dir().path() / "actions.git");
    repo.write("ticker/ryax_metadata.yaml", k_ticker_metadata);
    repo.write("ticker/ryax_run.py", k_ticker_run);
    repo.write("ticker/requirements.txt", "");
    repo.write("add/ryax_metadata.yaml", k_add_metadata);
    repo.write("add/ryax_handler.py", "def handle(r):\n    return {'y': r['x'] + 1}\n");
    repo.write("add/requirements.txt", "");
    repo.commit("actions");
    ok({ "repo", "add", "actions", repo.url() });
    ok({ "repo", "scan", "actions", "--strict" });
    ok({ "action", "build", "--repo", "actions", "--all", "--wait" });
  }

  ProcessResult ok(const std::vector<std::string>& args) const
  {
    auto result = daemon.ryax(args);
    INFO("ryax ", args.front(), " ", args.size() > 1 ? args[1] : "");
    INFO(result.out);
    REQUIRE_MESSAGE(result.exit_code == 0, result.err);
    return result;
  }

  void deploy(const std::string& id, int count, const std::string& mode) const
  {
    const auto path = daemon.dir() / (id + ".yaml");
    std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: " << id
                        << "\n  trigger:\n    id: start\n    from: ticker\n"
                           "    inputs_values:\n      count: "
                        << count << "\n      mode: " << mode
                        << "\n  actions:\n  - id: inc\n    from: add\n"
                           "    inputs_values:\n      x: \"{{ start.n }}\"\n";
    ok({ "workflow", "push", path, "--deploy" });
  }

  json runs(const std::string& workflow) const
  {
    return json::parse(
      ok({ "runs", "list", "--workflow", workflow, "--limit", "1000", "-o", "json" }).out);
  }

  // Wait (60 s at most) until `check` holds.
  template<typename Check>
  void wait_for(Check check, const char* what) const
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!check() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE_MESSAGE(check(), what);
  }
};

} // namespace

TEST_SUITE_BEGIN("integration: source triggers");

TEST_CASE("a user source starts runs, logs to its trigger log, stops at undeploy, restarts with ryaxd, and fails visibly")
{
  SourceFixture f;

  // Runs with the source's data as the trigger's outputs.
  f.deploy("feed", 3, "ok");
  f.wait_for([&] { return f.runs("feed").size() == 3; }, "3 runs of feed");
  std::set<std::int64_t> ns;
  std::set<std::string> labels;
  for (const auto& run : f.runs("feed")) {
    const auto id = run["id"].get<std::string>();
    auto shown = f.daemon.ryax({ "runs", "show", id, "-o", "json" });
    REQUIRE(shown.exit_code == 0);
    const auto doc = json::parse(shown.out);
    ns.insert(doc["trigger_values"]["n"].get<std::int64_t>());
    labels.insert(doc["trigger_values"]["label"].get<std::string>());
  }
  CHECK(ns == std::set<std::int64_t>{ 0, 1, 2 });
  CHECK(labels == std::set<std::string>{ "item-0", "item-1", "item-2" });
  const auto refused = f.daemon.ryax({ "run", "feed" });
  CHECK(refused.exit_code == 5);
  CHECK(refused.err.find("ryaxd starts its runs itself") != std::string::npos);

  // Its log lines (create_run returned each run's id) and the daemon's.
  f.wait_for([&] {
    return f.ok({ "logs", "--trigger", "feed" }).out.find("created run-") != std::string::npos;
  }, "the source's lines in the trigger log");
  const auto log = f.ok({ "logs", "--trigger", "feed" }).out;
  CHECK(log.find("stdout created run-") != std::string::npos);
  CHECK(log.find("ryaxd trigger started: source ticker:1.0") != std::string::npos);
  const auto lines = f.ok({ "logs", "--trigger", "feed", "-o", "json" }).out;
  CHECK(json::parse(lines.substr(0, lines.find('\n')))["sequence"] == 1);
  CHECK(f.daemon.ryax({ "logs", "--trigger", "nosuch" }).exit_code == 3);
  CHECK(f.daemon.ryax({ "logs" }).exit_code == 2);

  // A restart of ryaxd starts the deployed source again.
  REQUIRE(f.daemon.stop() == 0);
  f.daemon.start();
  f.wait_for([&] { return f.runs("feed").size() == 6; }, "3 more runs after a restart");

  // Undeploy stops it: no run after, and a follower of the log ends.
  f.ok({ "workflow", "undeploy", "feed" });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(f.runs("feed").size() == 6);
  const auto followed = f.ok({ "logs", "--trigger", "feed", "-f" }).out;
  CHECK(followed.find("trigger stopped: the workflow was undeployed") != std::string::npos);

  // A source whose run raises puts the trigger in error.
  f.deploy("broken", 1, "raise");
  f.wait_for([&] {
    const auto shown = json::parse(f.ok({ "workflow", "show", "broken", "-o", "json" }).out);
    return shown["trigger_error"].get<std::string>().find("source broke") != std::string::npos;
  }, "the trigger error of broken");
  CHECK(f.ok({ "workflow", "show", "broken" }).out.find("stopped: the source failed")
        != std::string::npos);
  CHECK(f.ok({ "workflow", "errors", "broken" }).out.find("ValueError: source broke")
        != std::string::npos);
  CHECK(f.ok({ "logs", "--trigger", "broken" }).out.find("stdout about to fail")
        != std::string::npos);
  CHECK(f.runs("broken").empty());
}

TEST_SUITE_END();
