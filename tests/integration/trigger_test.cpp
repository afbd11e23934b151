// Timer triggers on a real ryaxd: runs that start by themselves.

#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <thread>

using namespace ryax::test;
using json = nlohmann::json;

namespace {

// Push and deploy workflow `id` triggered by `trigger` (YAML lines under
// "trigger:", after id and from), then one step "add" of x = 1.
void
deploy_timer(const RunFixture& f,
             const std::string& id,
             const std::string& from,
             const std::string& trigger_lines = "")
{
  const auto path = f.daemon.dir() / (id + ".yaml");
  std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
                         "  id: "
                      << id << "\n  trigger:\n    id: start\n    from: " << from
                      << "\n"
                      << trigger_lines
                      << "  actions:\n  - id: inc\n    from: add\n"
                         "    inputs_values:\n      x: 1\n";
  f.require_ok({ "workflow", "push", path, "--deploy" });
}

std::size_t
run_count(const RunFixture& f, const std::string& workflow)
{
  const auto listed = f.require_ok({ "runs",
                                     "list",
                                     "--workflow",
                                     workflow,
                                     "--limit",
                                     "1000",
                                     "-o",
                                     "json" });
  return json::parse(listed.out).size();
}

} // namespace

TEST_SUITE_BEGIN("integration: triggers");

TEST_CASE("emitevery at 200 ms for 3 s makes 15 runs, and none after undeploy")
{
  RunFixture f({ "add" });
  deploy_timer(
    f, "tick", "emitevery", "    inputs_values:\n      seconds: 0.2\n");
  // Ticks at 0, 0.2, ..., 2.8 s after the deploy (done by now).
  std::this_thread::sleep_for(std::chrono::milliseconds(2900));
  f.require_ok({ "workflow", "undeploy", "tick" });
  const auto made = run_count(f, "tick");
  CHECK(made >= 14);
  CHECK(made <= 16);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  CHECK(run_count(f, "tick") == made);
  const auto shown =
    json::parse(f.require_ok({ "workflow", "show", "tick", "-o", "json" }).out);
  CHECK(shown["skipped_ticks"] == 0);
  CHECK(shown["timer_trigger"] == true);
}

TEST_CASE("one-run makes one run at deploy, and none more after a restart")
{
  RunFixture f({ "add" });
  deploy_timer(f, "once", "one-run");
  const auto deadline =
    std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (run_count(f, "once") < 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(run_count(f, "once") == 1);
  CHECK(f.daemon.stop() == 0);
  f.daemon.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(run_count(f, "once") == 1);
}

TEST_CASE("ryax run of a timer workflow is refused, a bad cron refused at push")
{
  RunFixture f({ "add" });
  deploy_timer(f,
               "yearly",
               "crongw",
               "    inputs_values:\n      foreach: {literal: \"@yearly\"}\n");
  const auto run = f.daemon.ryax({ "run", "yearly" });
  CHECK(run.exit_code == 5);
  CHECK(run.err.find("ryaxd starts its runs itself") != std::string::npos);
  const auto path = f.daemon.dir() / "bad.yaml";
  std::ofstream(path)
    << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: bad\n"
       "  trigger:\n    id: start\n    from: crongw\n    inputs_values:\n"
       "      foreach: \"*/7 25 * * *\"\n"
       "  actions:\n  - id: inc\n    from: add\n    inputs_values:\n      x: "
       "1\n";
  const auto pushed = f.daemon.ryax({ "workflow", "push", path });
  CHECK(pushed.exit_code == 5);
  CHECK(pushed.err.find("bad.yaml:9:") != std::string::npos);
  CHECK(pushed.err.find("field \"hour\"") != std::string::npos);
}


TEST_CASE("crongw in a named time zone runs, an unknown zone stops the trigger with the reason")
{
  RunFixture f({ "add" });
  deploy_timer(f,
               "paris",
               "crongw",
               "    inputs_values:\n      foreach: \"0 9 * * *\"\n"
               "      timezone: Europe/Paris\n");
  const auto paris =
    json::parse(f.require_ok({ "workflow", "show", "paris", "-o", "json" }).out);
  CHECK(paris["trigger_error"] == "");
  deploy_timer(f,
               "mars",
               "crongw",
               "    inputs_values:\n      foreach: \"0 9 * * *\"\n"
               "      timezone: Mars/Base\n");
  const auto mars = f.require_ok({ "workflow", "show", "mars" }).out;
  CHECK(mars.find("stopped: input \"timezone\": time zone \"Mars/Base\" is not "
                  "in the time zone database") != std::string::npos);
}

TEST_SUITE_END();
