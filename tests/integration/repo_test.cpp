// Action repositories and the catalogue, end to end: real git repositories
// made with libgit2, a real ryaxd and the real ryax binary.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string
metadata(const std::string& id, const std::string& version,
         const std::string& kind = "Processor",
         const std::string& extra = "")
{
  return "apiVersion: \"ryax.tech/v2.0\"\n"
         "kind: " + kind + "\n"
         "spec:\n"
         "  id: " + id + "\n"
         "  human_name: Action " + id + "\n"
         "  type: python3\n"
         "  version: \"" + version + "\"\n" + extra +
         "  inputs:\n"
         "  - {name: x, human_name: X, help: a number, type: integer, default_value: 1}\n"
         "  outputs:\n"
         "  - {name: y, human_name: Y, help: x plus two, type: integer}\n";
}

void
add_action(GitBuilder& repo, const std::string& dir, const std::string& id,
           const std::string& version, const std::string& extra = "")
{
  const std::string prefix = dir.empty() ? "" : dir + "/";
  repo.write(prefix + "ryax_metadata.yaml", metadata(id, version, "Processor", extra));
  repo.write(prefix + "ryax_handler.py",
             "def handle(request):\n    return {'y': request['x'] + 2}\n");
}

json
scan_json(const DaemonFixture& d, const std::string& name,
          const std::vector<std::string>& extra = {})
{
  std::vector<std::string> args = {"repo", "scan", name, "-o", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto result = d.ryax(args);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return json::parse(result.out);
}

json
find_action(const json& report, const std::string& directory)
{
  for (const auto& a : report["actions"]) {
    if (a["directory"] == directory) {
      return a;
    }
  }
  return json();
}

} // namespace

TEST_SUITE_BEGIN("integration: repositories");

TEST_CASE("a scan lists every action, keeps the valid ones and reports the invalid one with its line")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "actions.git");
  add_action(repo, "image/resize", "resize", "1.0");
  add_action(repo, "text/upper", "upper", "2.1");
  repo.write("broken/ryax_metadata.yaml",
             "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n  id: broken\n"
             "  human_name: Broken one\n  type: python3\n  version: \"1.0\"\n"
             "  inputs:\n  - {name: x, human_name: X, help: h, type: integr}\n");
  repo.write("broken/ryax_handler.py", "def handle(r):\n    return {}\n");
  repo.commit("three actions");

  REQUIRE(d.ryax({"repo", "add", "lib", repo.path().string()}).exit_code == 0);
  auto table = d.ryax({"repo", "scan", "lib"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("resize") != std::string::npos);
  CHECK(table.out.find("error (invalid)") != std::string::npos);
  CHECK(table.out.find("error: broken/ryax_metadata.yaml:9:") != std::string::npos);
  CHECK(table.out.find("spec.inputs[0].type") != std::string::npos);

  const auto report = scan_json(d, "lib");
  REQUIRE(report["actions"].size() == 3);
  CHECK(find_action(report, "image/resize")["status"] == "unchanged");
  CHECK(find_action(report, "broken")["status"] == "invalid");
  CHECK(find_action(report, "broken")["id"] == "broken");
  CHECK(find_action(report, "text/upper")["kind"] == "Processor");

  auto strict = d.ryax({"repo", "scan", "lib", "--strict"});
  CHECK(strict.exit_code == 5);
  CHECK(strict.err.find("1 of 3 actions in lib have errors") != std::string::npos);

  auto list = d.ryax({"action", "list", "--repo", "lib", "-o", "json"});
  REQUIRE(list.exit_code == 0);
  const auto actions = json::parse(list.out);
  REQUIRE(actions.size() == 2);
  CHECK(actions[0]["id"] == "resize");
  CHECK(actions[0]["directory"] == "image/resize");
  CHECK(actions[0]["commit"] == repo.head());
  CHECK(actions[0]["build_state"] == "scanned");
  CHECK(actions[0]["tree_id"].get<std::string>().size() == 40);
}

TEST_CASE("an action at the repository root scans by branch, tag and commit")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "single.git");
  add_action(repo, "", "single", "1.0");
  const auto first = repo.commit("v1");
  repo.tag("v1");
  add_action(repo, "", "single", "2.0");
  repo.commit("v2");
  repo.checkout_branch("dev");
  add_action(repo, "", "single", "3.0-dev");
  repo.commit("dev work");
  repo.checkout_branch("main");

  REQUIRE(d.ryax({"repo", "add", "single", repo.url()}).exit_code == 0);
  auto by_default = scan_json(d, "single");
  CHECK(by_default["actions"][0]["version"] == "2.0");
  CHECK(by_default["actions"][0]["directory"] == "");
  CHECK(scan_json(d, "single", {"--ref", "v1"})["actions"][0]["version"] == "1.0");
  CHECK(scan_json(d, "single", {"--ref", "dev"})["actions"][0]["version"] == "3.0-dev");
  const auto by_commit = scan_json(d, "single", {"--ref", first.substr(0, 10)});
  CHECK(by_commit["commit"] == first);

  // Three versions coexist; the latest is the most recently catalogued (the
  // last scan of 1.0 found it unchanged: a no-op).
  auto versions =
    d.ryax({"action", "list", "--all-versions", "--repo", "single", "-o", "json"});
  CHECK(json::parse(versions.out).size() == 3);
  auto latest = d.ryax({"action", "show", "single", "-o", "json"});
  CHECK(json::parse(latest.out)["version"] == "3.0-dev");
  auto exact = d.ryax({"action", "show", "single:3.0-dev", "-o", "json"});
  CHECK(json::parse(exact.out)["version"] == "3.0-dev");

  auto missing_ref = d.ryax({"repo", "scan", "single", "--ref", "nope"});
  CHECK(missing_ref.exit_code == 3);
  CHECK(missing_ref.err.find("nope") != std::string::npos);
}

TEST_CASE("a re-scan fetches a new commit without cloning again")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "grow.git");
  add_action(repo, "a", "first-one", "1.0");
  repo.commit("one");
  REQUIRE(d.ryax({"repo", "add", "grow", repo.url(), "--branch", "main"}).exit_code == 0);
  const auto first = scan_json(d, "grow");
  CHECK(first["cloned"] == true);
  CHECK(first["actions"][0]["status"] == "added");

  add_action(repo, "b", "second-one", "1.0");
  const auto second_commit = repo.commit("two");
  const auto second = scan_json(d, "grow");
  CHECK(second["cloned"] == false);
  CHECK(second["commit"] == second_commit);
  CHECK(find_action(second, "a")["status"] == "unchanged");
  CHECK(find_action(second, "b")["status"] == "added");

  auto show = d.ryax({"repo", "show", "grow", "-o", "json"});
  CHECK(json::parse(show.out)["last_scan_commit"] == second_commit);
}

TEST_CASE("the same id and version with other content is a conflict unless forced")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "c.git");
  add_action(repo, "x", "stable", "1.0");
  repo.commit("one");
  REQUIRE(d.ryax({"repo", "add", "c", repo.url()}).exit_code == 0);
  scan_json(d, "c");
  const auto original_tree =
    json::parse(d.ryax({"action", "show", "stable:1.0", "-o", "json"}).out)["tree_id"];

  add_action(repo, "x", "stable", "1.0", "  description: changed without a new version\n");
  repo.commit("sneaky change");
  const auto conflict = scan_json(d, "c");
  CHECK(conflict["actions"][0]["status"] == "conflict");
  CHECK(conflict["actions"][0]["errors"][0].get<std::string>().find(
          "already catalogued with other content") != std::string::npos);
  CHECK(json::parse(d.ryax({"action", "show", "stable:1.0", "-o", "json"}).out)["tree_id"]
        == original_tree);
  CHECK(d.ryax({"repo", "scan", "c", "--strict"}).exit_code == 5);

  const auto forced = scan_json(d, "c", {"--force"});
  CHECK(forced["actions"][0]["status"] == "replaced");
  const auto shown = json::parse(d.ryax({"action", "show", "stable:1.0", "-o", "json"}).out);
  CHECK(shown["tree_id"] != original_tree);
  CHECK(shown["description"] == "changed without a new version");
  CHECK(scan_json(d, "c")["actions"][0]["status"] == "unchanged");
}

TEST_CASE("an action removed from the head is marked gone and stays usable")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "g.git");
  add_action(repo, "keep", "keeper", "1.0");
  add_action(repo, "drop", "dropped", "1.0");
  repo.commit("two");
  REQUIRE(d.ryax({"repo", "add", "g", repo.url()}).exit_code == 0);
  scan_json(d, "g");
  repo.remove("drop");
  repo.commit("drop one");
  const auto report = scan_json(d, "g");
  REQUIRE(report["gone"].size() == 1);
  CHECK(report["gone"][0] == "dropped:1.0");
  auto show = d.ryax({"action", "show", "dropped", "-o", "json"});
  REQUIRE(show.exit_code == 0);
  CHECK(json::parse(show.out)["gone_from_head"] == true);
  CHECK(d.ryax({"action", "list"}).out.find("(gone from head)") != std::string::npos);
}

TEST_CASE("action list filters by repository, kind and category")
{
  DaemonFixture d;
  GitBuilder one(d.dir().path() / "one.git");
  add_action(one, "p", "proc-one", "1.0", "  categories: [images]\n");
  one.write("s/ryax_metadata.yaml",
            "apiVersion: \"ryax.tech/v2.0\"\nkind: Source\nspec:\n  id: src-one\n"
            "  human_name: Source one\n  type: python3\n  version: \"1.0\"\n"
            "  outputs:\n  - {name: y, human_name: Y, help: h, type: string}\n");
  one.write("s/ryax_run.py", "async def run(service, input_values):\n    pass\n");
  one.commit("one");
  GitBuilder two(d.dir().path() / "two.git");
  add_action(two, "p", "proc-two", "1.0", "  categories: [text]\n");
  two.commit("two");
  REQUIRE(d.ryax({"repo", "add", "one", one.url()}).exit_code == 0);
  REQUIRE(d.ryax({"repo", "add", "two", two.url()}).exit_code == 0);
  scan_json(d, "one");
  scan_json(d, "two");

  const auto ids = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"action", "list", "-o", "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> result;
    for (const auto& a : json::parse(d.ryax(argv).out)) {
      result.push_back(a["id"]);
    }
    return result;
  };
  // The built-in triggers are listed with the catalogue, by id.
  CHECK(ids({}) == std::vector<std::string>{"crongw", "emitevery", "httpapijson", "manual",
                                            "one-run", "postgw", "proc-one", "proc-two",
                                            "src-one"});
  CHECK(ids({"--repo", "two"}) == std::vector<std::string>{"proc-two"});
  CHECK(ids({"--kind", "source"})
        == std::vector<std::string>{"crongw", "emitevery", "httpapijson", "manual", "one-run", "postgw", "src-one"});
  CHECK(ids({"--category", "images"}) == std::vector<std::string>{"proc-one"});
}

TEST_CASE("credentials are stored but never shown nor logged")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "secret.git");
  add_action(repo, "a", "secret-one", "1.0");
  repo.commit("one");
  auto add = d.ryax({"repo", "add", "private", repo.url(), "--username", "alice",
                     "--password-stdin"},
                    "s3cr3t-token-value\n");
  REQUIRE_MESSAGE(add.exit_code == 0, add.err);
  auto show = d.ryax({"repo", "show", "private", "-o", "json"});
  const auto doc = json::parse(show.out);
  CHECK(doc["username"] == "alice");
  CHECK(doc["has_password"] == true);
  CHECK(show.out.find("s3cr3t") == std::string::npos);
  CHECK(d.ryax({"repo", "show", "private"}).out.find("s3cr3t") == std::string::npos);
  CHECK(d.ryax({"repo", "list", "-o", "yaml"}).out.find("s3cr3t") == std::string::npos);

  // A remote that refuses the connection: the error names the URL only.
  auto remote = d.ryax({"repo", "add", "far", "https://127.0.0.1:1/x.git", "--username",
                        "bob", "--password-stdin"},
                       "an0ther-s3cr3t\n");
  REQUIRE(remote.exit_code == 0);
  auto scan = d.ryax({"repo", "scan", "far"});
  CHECK(scan.exit_code == 7);
  CHECK(scan.err.find("127.0.0.1:1") != std::string::npos);
  CHECK(scan.err.find("an0ther") == std::string::npos);
  CHECK(d.log().find("s3cr3t") == std::string::npos);
}

TEST_CASE("bad repository commands fail with their exit codes")
{
  DaemonFixture d;
  // A local path must be a git repository (cli_errors_test.cpp).
  GitBuilder git(d.dir().path() / "any.git");
  const auto tmp = git.path().string();
  auto bad_name = d.ryax({"repo", "add", "bad name", tmp});
  CHECK(bad_name.exit_code == 5);
  CHECK(bad_name.err.find("repository name \"bad name\" is invalid") != std::string::npos);
  CHECK(d.ryax({"repo", "add", "web", "ftp://example.org/x"}).exit_code == 5);
  REQUIRE(d.ryax({"repo", "add", "dup", tmp}).exit_code == 0);
  auto dup = d.ryax({"repo", "add", "dup", tmp});
  CHECK(dup.exit_code == 5);
  CHECK(dup.err == "ryax: error: repository \"dup\" already exists\n");
  auto missing = d.ryax({"repo", "show", "nope"});
  CHECK(missing.exit_code == 3);
  CHECK(missing.err == "ryax: error: repository \"nope\" not found\n");
  CHECK(d.ryax({"repo", "scan", "nope"}).exit_code == 3);
  CHECK(d.ryax({"repo", "rm", "dup"}).exit_code == 0);
  CHECK(d.ryax({"repo", "rm", "dup"}).exit_code == 3);
  auto no_password = d.ryax({"repo", "add", "np", tmp, "--password-stdin"}, "");
  CHECK(no_password.exit_code == 5);
}

TEST_CASE("action show and rm name what was not found")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "s.git");
  add_action(repo, "r", "resize", "1.0");
  repo.commit("one");
  REQUIRE(d.ryax({"repo", "add", "s", repo.url()}).exit_code == 0);
  scan_json(d, "s");
  auto typo = d.ryax({"action", "show", "resise"});
  CHECK(typo.exit_code == 3);
  CHECK(typo.err == "ryax: error: action \"resise\" not found (did you mean \"resize\"?)\n");
  auto version = d.ryax({"action", "show", "resize:9.9"});
  CHECK(version.exit_code == 3);
  CHECK(version.err.find("(versions: 1.0)") != std::string::npos);
  auto show = d.ryax({"action", "show", "resize"});
  CHECK(show.out.find("integer") != std::string::npos);
  CHECK(show.out.find("x plus two") != std::string::npos);
  CHECK(d.ryax({"action", "rm", "resize:1.0"}).exit_code == 0);
  CHECK(d.ryax({"action", "show", "resize"}).exit_code == 3);
  // Removing from the catalogue and scanning again brings it back.
  CHECK(scan_json(d, "s")["actions"][0]["status"] == "added");
}

TEST_CASE("action init scaffolds an action that scans clean for every kind and type")
{
  DaemonFixture d;
  GitBuilder repo(d.dir().path() / "init.git");
  const std::vector<std::vector<std::string>> variants = {
    {"processor", "python3"}, {"publisher", "python3"}, {"source", "python3"},
    {"processor", "nodejs"},  {"publisher", "nodejs"},
  };
  for (const auto& v : variants) {
    const std::string name = v[0] + "-" + v[1];
    const auto dir = d.dir().path() / "scaffold" / name;
    auto init = d.ryax({"action", "init", dir.string(), "--kind", v[0], "--type", v[1]});
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    for (const auto& entry : fs::directory_iterator(dir)) {
      repo.write(name + "/" + entry.path().filename().string(), read_file(entry.path()));
    }
  }
  repo.commit("scaffolds");
  REQUIRE(d.ryax({"repo", "add", "init", repo.url()}).exit_code == 0);
  auto scan = d.ryax({"repo", "scan", "init", "--strict", "-o", "json"});
  INFO(scan.out);
  CHECK(scan.exit_code == 0);
  CHECK(json::parse(scan.out)["actions"].size() == variants.size());

  auto refused = d.ryax({"action", "init", (d.dir().path() / "scaffold" / "processor-python3").string(),
                         "--kind", "processor"});
  CHECK(refused.exit_code == 5);
  CHECK(refused.err.find("already exists and is not empty") != std::string::npos);
  CHECK(d.ryax({"action", "init", d.dir() / "x", "--kind", "processor"}).exit_code == 5);
  auto empty =
    d.ryax({ "action", "init", "", "--kind", "processor" }); // aborted once
  CHECK(empty.exit_code == 5);
  CHECK(empty.err ==
        "ryax: error: the directory to create is empty: name it\n");
  CHECK(d.ryax({"action", "init", d.dir() / "src-js", "--kind", "source", "--type",
                "nodejs"}).exit_code == 5);
}

TEST_SUITE_END();
