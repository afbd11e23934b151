// What user code sees of ryaxd's environment: a real ryaxd, started with
// secrets in its environment, runs a python action printing os.environ and
// builds a nodejs action whose npm script saves its environment.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"
#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string k_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// ryaxd's environment in these tests: two secrets, a time zone, a locale and
// a proxy setting (for the package tools only).
const EnvOverrides k_daemon_env = {
  {"FOO_SECRET", "hunter2-foo"},
  {"RYAX_ENCRYPTION_KEY", k_key},
  {"TZ", "Europe/Paris"},
  {"LANG", "C.UTF-8"},
  {"NO_PROXY", "marker.invalid"},
};

// `text` with every `NAME=value` line of `env` output, as a map.
std::map<std::string, std::string>
parse_env_lines(const std::string& text)
{
  std::map<std::string, std::string> env;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    const auto line = text.substr(start, end - start);
    if (const auto eq = line.find('='); eq != std::string::npos) {
      env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    start = end + 1;
  }
  return env;
}

} // namespace

TEST_SUITE_BEGIN("integration: environment of user code");

TEST_CASE("an action sees PATH, HOME in its execution dir, the locale and TZ, never ryaxd's secrets")
{
  RunFixture f({"environ"}, "", k_daemon_env);
  f.deploy("env", "    - {name: x, type: integer}\n", "  - {id: e, from: environ, inputs_values: {x: \"{{ start.x }}\"}}\n");

  auto run = f.daemon.ryax({"run", "env", "--input", "x=1", "--wait", "-o", "json"});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  const auto doc = json::parse(run.out);
  REQUIRE(doc["state"] == "done");
  const auto& outputs = doc["steps"][0]["outputs"][0];
  const auto env = json::parse(outputs["env"].get<std::string>());
  const auto cwd = outputs["cwd"].get<std::string>();
  INFO(env.dump(1));

  // The execution's directory is its working directory and HOME, under the
  // replicas' directory of the data dir.
  CHECK(env["HOME"] == cwd);
  CHECK(cwd.starts_with(f.daemon.home() + "/wrappers/"));
  CHECK(env.contains("PATH"));
  CHECK(env["TZ"] == "Europe/Paris");
  CHECK(env["LANG"] == "C.UTF-8");

  // Nothing else of ryaxd's environment: its secrets, its RYAX_* settings.
  CHECK_FALSE(env.contains("FOO_SECRET"));
  CHECK_FALSE(env.contains("RYAX_ENCRYPTION_KEY"));
  CHECK_FALSE(env.contains("RYAX_HOME"));
  CHECK_FALSE(env.contains("RYAX_SOCKET"));
  CHECK_FALSE(env.contains("PIP_NO_INDEX"));
  CHECK_FALSE(env.contains("NO_PROXY"));
  CHECK(env.dump().find("hunter2-foo") == std::string::npos);
  CHECK(env.dump().find(k_key) == std::string::npos);
  // Only the documented names (LC_CTYPE is set by python itself when it
  // coerces the C locale; the sanitizer options only in sanitizer builds).
  // PWD is bubblewrap's, in the sandbox.
  const std::set<std::string> allowed = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PWD",
                                         "PYTHONPATH", "PYTHONUNBUFFERED", "NODE_PATH",
                                         "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"};
  for (const auto& [name, value] : env.items()) {
    CHECK_MESSAGE(allowed.contains(name), name);
  }

  // HOME goes back to the replica between executions: a second execution
  // gets its own directory.
  auto again = f.daemon.ryax({"run", "env", "--input", "x=2", "--wait", "-o", "json"});
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  const auto second = json::parse(json::parse(again.out)["steps"][0]["outputs"][0]["env"].get<std::string>());
  CHECK(second["HOME"] != env["HOME"]);
}

TEST_CASE("a build's npm script sees the package tools' settings, never ryaxd's secrets")
{
  if (run({"sh", "-c", "command -v npm"}).exit_code != 0) {
    MESSAGE("npm is not installed: skipped");
    return;
  }
  DaemonFixture d(false);
  d.start({}, k_daemon_env);
  GitBuilder repo(d.dir().path() / "lib.git");
  repo.write("envdump/ryax_metadata.yaml",
             "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n  id: envdump\n"
             "  human_name: Env dump\n  type: nodejs\n  version: \"1.0\"\n"
             "  outputs:\n  - {name: y, human_name: Y, help: h, type: string}\n");
  repo.write("envdump/ryax_handler.js", "module.exports = async () => ({y: 'ok'});\n");
  // The script runs in the action's directory, which becomes the bundle's.
  repo.write("envdump/package.json",
             "{\"name\": \"envdump\", \"version\": \"1.0.0\", \"private\": true, "
             "\"scripts\": {\"postinstall\": \"env > build-env.txt\"}}\n");
  repo.commit("envdump");
  REQUIRE(d.ryax({"repo", "add", "lib", repo.url()}).exit_code == 0);
  REQUIRE(d.ryax({"repo", "scan", "lib", "--strict"}).exit_code == 0);
  auto built = d.ryax({"action", "build", "envdump", "--wait"});
  INFO(built.out);
  REQUIRE_MESSAGE(built.exit_code == 0, built.err);

  std::string dump;
  for (const auto& entry : fs::recursive_directory_iterator(d.home() + "/bundles")) {
    if (entry.path().filename() == "build-env.txt") {
      dump = read_file(entry.path());
    }
  }
  REQUIRE_FALSE(dump.empty());
  const auto env = parse_env_lines(dump);
  INFO(dump);
  CHECK_FALSE(env.contains("FOO_SECRET"));
  CHECK_FALSE(env.contains("RYAX_ENCRYPTION_KEY"));
  CHECK_FALSE(env.contains("RYAX_HOME"));
  CHECK_FALSE(env.contains("RYAX_SOCKET"));
  CHECK(dump.find("hunter2-foo") == std::string::npos);
  CHECK(dump.find(k_key) == std::string::npos);
  // The package tools' settings of ryaxd's environment are kept, and HOME
  // is the build's own, in the staging area of the data dir.
  CHECK(env.at("NO_PROXY") == "marker.invalid");
  CHECK(env.at("TZ") == "Europe/Paris");
  CHECK(env.at("HOME").starts_with(d.home() + "/bundles/.staging/"));
}

TEST_SUITE_END();
