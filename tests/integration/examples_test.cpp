// The files the quickstart runs stay valid: examples/actions scans clean and
// builds, examples/quickstart.yaml validates and deploys against it, and a
// run of it fans out and passes a file between steps.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace ryax::test;
namespace fs = std::filesystem;

TEST_SUITE_BEGIN("integration: examples");

TEST_CASE("the quickstart's actions build and its workflow deploys and runs")
{
  DaemonFixture d;
  const fs::path examples = std::string(RYAX_SOURCE_DIR) + "/examples";
  GitBuilder repo(d.dir().path() / "examples.git");
  for (const auto& entry : fs::recursive_directory_iterator(examples / "actions")) {
    if (entry.is_regular_file()) {
      repo.write(fs::relative(entry.path(), examples / "actions").string(),
                 read_file(entry.path()));
    }
  }
  repo.commit("examples");
  REQUIRE(d.ryax({"repo", "add", "examples", repo.url()}).exit_code == 0);
  auto scan = d.ryax({"repo", "scan", "examples", "--strict"});
  REQUIRE_MESSAGE(scan.exit_code == 0, scan.out);
  auto build = d.ryax({"action", "build", "--repo", "examples", "--all", "--wait"});
  INFO(build.out);
  REQUIRE_MESSAGE(build.exit_code == 0, build.err);
  const auto workflow = (examples / "quickstart.yaml").string();
  auto validate = d.ryax({"workflow", "validate", workflow});
  CHECK_MESSAGE(validate.exit_code == 0, validate.err);
  auto push = d.ryax({"workflow", "push", workflow, "--deploy"});
  CHECK_MESSAGE(push.exit_code == 0, push.err);
  CHECK(push.out.find("deployed") != std::string::npos);

  auto run = d.ryax({"run", "hello", "--input", "who=Ada, Grace", "--wait", "-o", "json"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto doc = nlohmann::json::parse(run.out);
  REQUIRE(doc["results"].size() == 3);
  CHECK(doc["results"][0]["key"] == "greeting");
  CHECK(doc["results"][0]["value"] == nlohmann::json({"HELLO, ADA!", "HELLO, GRACE!"}));
  CHECK(doc["results"][1]["key"] == "characters");
  CHECK(doc["results"][1]["value"] == nlohmann::json({12, 14}));
  CHECK(doc["results"][2]["value"][1]["file"] == "report.txt");
}

TEST_SUITE_END();
