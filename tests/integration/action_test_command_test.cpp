// `ryax action test`: an action from a local directory, run once through the
// real ryax-wrapper, without the daemon.

#include "tests/support/daemon_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string
fixture(const std::string& name)
{
  return std::string(RYAX_SOURCE_DIR) + "/tests/fixtures/wrapper/" + name;
}

// Runs `ryax action test` with a private cache and no daemon.
struct ActionTest
{
  DaemonFixture d{false};

  ProcessResult operator()(std::vector<std::string> args) const
  {
    args.insert(args.begin(), {"action", "test"});
    return d.ryax(args, {}, {{"XDG_CACHE_HOME", d.dir() / "cache"}});
  }
};

} // namespace

TEST_SUITE_BEGIN("integration: action test");

TEST_CASE("a processor runs with typed inputs and prints its outputs")
{
  ActionTest test;
  auto result = test({fixture("processor"), "--input", "x=41", "--input", "ratio=0.5",
                      "--input", "flag=true", "--input", "label=hi", "-o", "json"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto doc = json::parse(result.out);
  CHECK(doc["outputs"][0]["y"] == 42);
  CHECK_FALSE(test.d.answering()); // no daemon involved

  auto table = test({fixture("processor"), "--input", "x=1", "--input", "ratio=1",
                     "--input", "flag=false", "--input", "label=a"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("y:") != std::string::npos);
  // The environment was built once and cached.
  CHECK(fs::exists(test.d.dir() / "cache/ryax/action-test"));
  // The build's scratch space (the HOME of its tools) went with it.
  for (const auto& entry : fs::directory_iterator(test.d.dir() / "cache/ryax/action-test")) {
    CHECK_FALSE(entry.path().filename().string().starts_with(".staging"));
    CHECK(entry.path().filename() != "home");
  }
}

TEST_CASE("bad inputs are refused before anything runs")
{
  ActionTest test;
  auto missing = test({fixture("processor"), "--input", "x=1"});
  CHECK(missing.exit_code == 5);
  CHECK(missing.err.find("input \"ratio\" is required") != std::string::npos);
  auto typed = test({fixture("processor"), "--input", "x=one"});
  CHECK(typed.exit_code == 5);
  CHECK(typed.err == "ryax: error: input \"x\": \"one\" is not an integer\n");
  auto unknown = test({fixture("processor"), "--input", "lable=a"});
  CHECK(unknown.exit_code == 5);
  CHECK(unknown.err.find("did you mean \"label\"") != std::string::npos);
  auto twice = test({fixture("processor"), "--input", "x=1", "--input", "x=2"});
  CHECK(twice.exit_code == 5);
  CHECK(twice.err == "ryax: error: input \"x\" is given twice\n");
  auto no_dir = test({"/nonexistent/action"});
  CHECK(no_dir.exit_code == 5);
}

TEST_CASE("a RyaxException fails with exit 6, its message and its code")
{
  ActionTest test;
  auto result = test({fixture("ryax-exception"), "--input", "which=shipped"});
  CHECK(result.exit_code == 6);
  CHECK(result.err.find("ryax_exception: no such item (code 404)") != std::string::npos);
  auto json_out = test({fixture("ryax-exception"), "--input", "which=own", "-o", "json"});
  CHECK(json_out.exit_code == 6);
  CHECK(json::parse(json_out.out)["error"]["code"] == 418);
}

TEST_CASE("a fan-out prints every output set, and a source prints its runs")
{
  ActionTest test;
  auto fanout = test({fixture("fanout"), "--input", "n=3", "-o", "json"});
  REQUIRE_MESSAGE(fanout.exit_code == 0, fanout.err);
  CHECK(json::parse(fanout.out)["outputs"].size() == 3);
  auto source = test({fixture("source"), "--input", "count=3", "-o", "json"});
  REQUIRE_MESSAGE(source.exit_code == 0, source.err);
  int created = 0;
  int failed = 0;
  const auto runs = json::parse(source.out)["runs"];
  for (const auto& run : runs) {
    (run["failed"].get<bool>() ? failed : created) += 1;
  }
  CHECK(created == 3); // the fixture creates three runs, then reports one error
  CHECK(failed == 1);
}

TEST_CASE("a file output is kept and its path printed")
{
  ActionTest test;
  write_file(test.d.dir() / "in.txt", "some text\n");
  auto result = test({fixture("file-output"), "--file", "source=" + (test.d.dir() / "in.txt"),
                      "--input", "where=inside", "-o", "json"});
  REQUIRE_MESSAGE(result.exit_code == 0, result.err);
  const auto report = json::parse(result.out)["outputs"][0]["report"].get<std::string>();
  CHECK(fs::exists(report));
  CHECK(result.err.find("outputs kept in") != std::string::npos);
  fs::remove_all(fs::path(report).parent_path().parent_path().parent_path().parent_path());
}

TEST_SUITE_END();
