// The action builder, end to end: actions scanned from real git
// repositories, built by a real ryaxd (python venvs, npm) and driven by the
// real ryax binary.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string
python_action(const std::string& id, const std::string& extra = "")
{
  return "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n  id: " + id +
         "\n  human_name: Action " + id + "\n  type: python3\n  version: \"1.0\"\n" + extra +
         "  inputs:\n  - {name: x, human_name: X, help: a number, type: integer}\n"
         "  outputs:\n  - {name: y, human_name: Y, help: x plus two, type: integer}\n";
}

void
add_python(GitBuilder& repo, const std::string& dir, const std::string& id,
           const std::string& requirements = "", const std::string& extra = "")
{
  repo.write(dir + "/ryax_metadata.yaml", python_action(id, extra));
  repo.write(dir + "/ryax_handler.py", "def handle(r):\n    return {'y': r['x'] + 2}\n");
  repo.write(dir + "/requirements.txt", requirements);
}

// A nodejs action whose build runs a postinstall script sleeping `seconds`:
// a build slow enough to interrupt, with no network.
void
add_slow_node(GitBuilder& repo, const std::string& dir, const std::string& id, int seconds)
{
  repo.write(dir + "/ryax_metadata.yaml",
             "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n  id: " + id +
               "\n  human_name: Slow " + id + "\n  type: nodejs\n  version: \"1.0\"\n"
               "  outputs:\n  - {name: y, human_name: Y, help: h, type: string}\n");
  repo.write(dir + "/ryax_handler.js", "module.exports = async () => ({y: 'ok'});\n");
  repo.write(dir + "/package.json",
             "{\"name\": \"" + id + "\", \"version\": \"1.0.0\", \"private\": true, "
             "\"scripts\": {\"postinstall\": \"sleep " + std::to_string(seconds) + "\"}}\n");
}

json
show(const DaemonFixture& d, const std::string& ref)
{
  auto result = d.ryax({"action", "show", ref, "-o", "json"});
  REQUIRE_MESSAGE(result.exit_code == 0, result.err);
  return json::parse(result.out);
}

void
scan(const DaemonFixture& d, const GitBuilder& repo)
{
  REQUIRE(d.ryax({"repo", "add", "lib", repo.url()}).exit_code == 0);
  auto scanned = d.ryax({"repo", "scan", "lib", "--strict"});
  INFO(scanned.out);
  REQUIRE_MESSAGE(scanned.exit_code == 0, scanned.err);
}

bool
has_node()
{
  return run({"sh", "-c", "command -v npm"}).exit_code == 0;
}

} // namespace

TEST_SUITE_BEGIN("integration: builds");

TEST_CASE("a python action builds into a bundle read from git, and a rebuild is a cache hit")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "lib.git");
  add_python(repo, "adder", "adder", "", "  dependencies: [opencv]\n");
  repo.commit("one");
  scan(d, repo);
  CHECK(show(d, "adder")["build_state"] == "scanned");

  auto built = d.ryax({"action", "build", "adder", "--wait", "-o", "json"});
  INFO(built.out);
  REQUIRE_MESSAGE(built.exit_code == 0, built.err);
  const auto job = json::parse(built.out)[0];
  CHECK(job["state"] == "built");
  CHECK(job["cache_hit"] == false);

  const auto doc = show(d, "adder");
  CHECK(doc["build_state"] == "built");
  const auto bundle = d.home() + "/bundles/" + doc["bundle_key"].get<std::string>();
  CHECK(fs::exists(bundle + "/action/ryax_handler.py"));
  CHECK(fs::exists(bundle + "/ryax_lock.json"));
  REQUIRE(doc["lock"].is_object());
  CHECK(doc["lock"]["python"]["originalRequirements"] == "");
  CHECK_FALSE(doc["lock"]["python"]["pythonVersion"].get<std::string>().empty());
  // Nix dependencies cannot be installed here: a warning, not an error.
  REQUIRE(doc["build_warnings"].size() == 1);
  CHECK(doc["build_warnings"][0].get<std::string>().find("opencv") != std::string::npos);
  CHECK(d.ryax({"action", "show", "adder"}).out.find("build warning:") != std::string::npos);

  auto again = d.ryax({"action", "build", "adder", "--wait", "-o", "json"});
  REQUIRE(again.exit_code == 0);
  CHECK(json::parse(again.out)[0]["cache_hit"] == true);
  auto forced = d.ryax({"action", "build", "adder", "--wait", "--force", "-o", "json"});
  REQUIRE(forced.exit_code == 0);
  CHECK(json::parse(forced.out)[0]["cache_hit"] == false);

  auto log = d.ryax({"action", "build-log", "adder"});
  CHECK(log.exit_code == 0);
  CHECK(log.out.find("ready") != std::string::npos);
}

TEST_CASE("a pip failure is a build error naming the requirement line")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "lib.git");
  add_python(repo, "broken", "broken", "# tools\nno-such-package-xyz==1.0\n");
  repo.commit("one");
  scan(d, repo);
  auto built = d.ryax({"action", "build", "broken", "--wait"});
  CHECK(built.exit_code == 6);
  CHECK(built.err.find("1 of 1 builds failed") != std::string::npos);
  const auto doc = show(d, "broken");
  CHECK(doc["build_state"] == "build error");
  const auto error = doc["build_error"].get<std::string>();
  CHECK(error.find("requirements.txt:2") != std::string::npos);
  CHECK(error.find("no-such-package-xyz") != std::string::npos);
}

TEST_CASE("a repository builds with --repo --all, and unknown actions are refused")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "lib.git");
  add_python(repo, "a", "first-one");
  add_python(repo, "b", "second-one");
  repo.commit("two");
  scan(d, repo);
  auto built = d.ryax({"action", "build", "--repo", "lib", "--all", "--wait", "-o", "json"});
  REQUIRE_MESSAGE(built.exit_code == 0, built.err);
  CHECK(json::parse(built.out).size() == 2);
  CHECK(show(d, "second-one")["build_state"] == "built");
  auto unknown = d.ryax({"action", "build", "first-one", "nope"});
  CHECK(unknown.exit_code == 3);
  CHECK(unknown.err.find("\"nope\"") != std::string::npos);
  CHECK(d.ryax({"action", "build"}).exit_code == 5);
  CHECK(d.ryax({"action", "build-cancel", "first-one"}).exit_code == 5);
}

TEST_CASE("a build can be cancelled and its log followed")
{
  if (!has_node()) {
    MESSAGE("npm is not installed: skipped");
    return;
  }
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "lib.git");
  add_slow_node(repo, "slow", "slow-one", 30);
  repo.commit("slow");
  scan(d, repo);
  REQUIRE(d.ryax({"action", "build", "slow-one"}).exit_code == 0);
  REQUIRE(eventually([&] { return show(d, "slow-one")["build_state"] == "building"; }));
  auto cancel = d.ryax({"action", "build-cancel", "slow-one"});
  CHECK(cancel.exit_code == 0);
  auto log = d.ryax({"action", "build-log", "slow-one", "-f"});
  CHECK(log.exit_code == 0);
  CHECK(log.out.find("build cancelled") != std::string::npos);
  const auto doc = show(d, "slow-one");
  CHECK(doc["build_state"] == "build error");
  CHECK(doc["build_error"] == "build cancelled");
}

TEST_CASE("a build interrupted by a daemon restart is retried and completes")
{
  if (!has_node()) {
    MESSAGE("npm is not installed: skipped");
    return;
  }
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "lib.git");
  add_slow_node(repo, "slow", "slow-two", 2);
  repo.commit("slow");
  scan(d, repo);
  REQUIRE(d.ryax({"action", "build", "slow-two"}).exit_code == 0);
  REQUIRE(eventually([&] { return show(d, "slow-two")["build_state"] == "building"; }));
  d.process()->signal(SIGKILL);
  d.process()->wait(std::chrono::seconds(10));
  d.start();
  auto waited = d.ryax({"action", "build", "slow-two", "--wait", "-o", "json"});
  REQUIRE_MESSAGE(waited.exit_code == 0, waited.err);
  const auto job = json::parse(waited.out)[0];
  CHECK(job["state"] == "built");
  CHECK(job["attempts"] == 2);
  CHECK(d.log().find("interrupted by a restart") != std::string::npos);
}

TEST_SUITE_END();
