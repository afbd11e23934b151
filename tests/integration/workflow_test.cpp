// Workflows end to end: actions scanned from real git repositories and built
// by a real ryaxd, workflow files validated, pushed, deployed and exported by
// the real ryax binary.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A python Processor taking integer inputs `inputs` and returning `y`.
void
add_action(GitBuilder& repo,
           const std::string& id,
           const std::vector<std::string>& inputs,
           const std::string& handler_extra = "")
{
  std::string metadata =
    "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n  id: " + id +
    "\n  human_name: Action " + id +
    "\n  type: python3\n  version: \"1.0\"\n  inputs:\n";
  for (const auto& input : inputs) {
    metadata += "  - {name: " + input +
                ", human_name: X, help: a number, type: integer}\n";
  }
  metadata +=
    "  outputs:\n  - {name: y, human_name: Y, help: a number, type: integer}\n";
  repo.write(id + "/ryax_metadata.yaml", metadata);
  repo.write(id + "/ryax_handler.py",
             "def handle(r):\n    return {'y': 1}\n" + handler_extra);
  repo.write(id + "/requirements.txt", "");
}

// A daemon with "adder" (input x) and "joiner" (inputs a, b) built, and
// "unbuilt" (input x) only scanned.
struct Catalogue
{
  Catalogue()
    : repo(d.dir().path() / "lib.git")
  {
    add_action(repo, "adder", { "x" });
    add_action(repo, "joiner", { "a", "b" });
    add_action(repo, "unbuilt", { "x" });
    repo.commit("actions");
    REQUIRE(d.ryax({ "repo", "add", "lib", repo.url() }).exit_code == 0);
    auto scanned = d.ryax({ "repo", "scan", "lib", "--strict" });
    REQUIRE_MESSAGE(scanned.exit_code == 0, scanned.err);
    auto built = d.ryax({ "action", "build", "adder", "joiner", "--wait" });
    REQUIRE_MESSAGE(built.exit_code == 0, built.err);
  }

  // Write `text` as `name` in the test directory; its path.
  std::string
  file(const std::string& name, const std::string& text) const
  {
    const auto path = d.dir() / name;
    std::ofstream(path) << text;
    return path;
  }

  DaemonFixture d;
  GitBuilder repo;
};

// start -> a, start -> b, (a, b) -> c: a diamond with a fan-in at c.
std::string
diamond(const std::string& id = "diamond", const std::string& extra = "")
{
  return "apiVersion: ryax.tech/v2.0\n"
         "kind: Workflow\n"
         "spec:\n"
         "  id: " +
         id +
         "\n"
         "  trigger:\n"
         "    id: start\n"
         "    from: manual\n"
         "    outputs:\n"
         "    - {name: n, type: integer, help: a number}\n"
         "  actions:\n"
         "  - id: a\n"
         "    from: adder\n"
         "    version: \"1.0\"\n"
         "    inputs_values: {x: \"{{ start.n }}\"}\n"
         "  - id: b\n"
         "    from: adder\n"
         "    inputs_values: {x: 3}\n" +
         extra +
         "  - id: c\n"
         "    from: joiner\n"
         "    inputs_values:\n"
         "      a: \"{{ a.y }}\"\n"
         "      b: \"{{ b.y }}\"\n"
         "  results:\n"
         "  - {key: total, value: \"{{ c.y }}\"}\n";
}

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

json
show(const DaemonFixture& d,
     const std::string& id,
     const std::vector<std::string>& extra = {})
{
  std::vector<std::string> args = { "workflow", "show", id, "-o", "json" };
  args.insert(args.end(), extra.begin(), extra.end());
  auto result = d.ryax(args);
  REQUIRE_MESSAGE(result.exit_code == 0, result.err);
  return json::parse(result.out);
}

} // namespace

TEST_SUITE_BEGIN("integration: workflows");

TEST_CASE("validate accepts a fan-in workflow and reports every problem of a "
          "bad one with its line")
{
  Catalogue c;
  const auto good = c.file("good.yaml", diamond());
  auto valid = c.d.ryax({ "workflow", "validate", good });
  CHECK_MESSAGE(valid.exit_code == 0, valid.err);
  CHECK(valid.out == good + ": valid\n");

  const auto bad = c.file("bad.yaml",
                          "apiVersion: ryax.tech/v2.0\n"           // 1
                          "kind: Workflow\n"                       // 2
                          "spec:\n"                                // 3
                          "  id: bad\n"                            // 4
                          "  trigger: {id: start, from: manual}\n" // 5
                          "  actions:\n"                           // 6
                          "  - id: a\n"                            // 7
                          "    from: addr\n"                       // 8
                          "  - id: b\n"                            // 9
                          "    from: unbuilt\n"                    // 10
                          "    inputs_values:\n"                   // 11
                          "      x: 1\n"                           // 12
                          "      y: 2\n"                           // 13
                          "  - id: c\n"                            // 14
                          "    from: adder\n"                      // 15
                          "    inputs_values:\n"                   // 16
                          "      x: \"{{ b.nope }}\"\n"            // 17
                          "    objectives: {cost: 101}\n");        // 18
  auto invalid = c.d.ryax({ "workflow", "validate", bad });
  INFO(invalid.err);
  CHECK(invalid.exit_code == 5);
  CHECK(invalid.out.empty());
  CHECK(contains(invalid.err, bad + ":8:"));
  CHECK(contains(
    invalid.err,
    "spec.actions[0].from: unknown action \"addr\" (did you mean \"adder\"?)"));
  CHECK(contains(invalid.err, bad + ":10:"));
  CHECK(contains(invalid.err, "run \"ryax action build unbuilt:1.0\""));
  CHECK(contains(invalid.err, bad + ":13:"));
  CHECK(contains(invalid.err, "spec.actions[1].inputs_values.y"));
  CHECK(contains(invalid.err, bad + ":17:"));
  CHECK(contains(invalid.err, "spec.actions[2].inputs_values.x"));
  CHECK(contains(invalid.err, bad + ":18:"));
  CHECK(contains(invalid.err, "ryax: error: " + bad + ":"));

  auto as_json = c.d.ryax({ "workflow", "validate", bad, "-o", "json" });
  CHECK(as_json.exit_code == 5);
  const auto doc = json::parse(as_json.out);
  CHECK(doc["valid"] == false);
  CHECK(doc["diagnostics"].size() >= 5);

  auto missing = c.d.ryax({ "workflow", "validate", "no-such.yaml" });
  CHECK(missing.exit_code == 5);
  CHECK(contains(missing.err, "\"no-such.yaml\" does not exist"));
  CHECK(c.d.ryax({ "workflow", "push", bad }).exit_code == 5);
  CHECK(contains(c.d.ryax({ "workflow", "list" }).out, "bad") == false);
}

TEST_CASE("a static file is uploaded at push and a missing one is reported "
          "with its line")
{
  Catalogue c;
  c.repo.write(
    "reader/ryax_metadata.yaml",
    "apiVersion: \"ryax.tech/v2.0\"\nkind: Processor\nspec:\n  id: reader\n"
    "  human_name: Reader\n  type: python3\n  version: \"1.0\"\n  inputs:\n"
    "  - {name: model, human_name: M, help: a file, type: file}\n");
  c.repo.write("reader/ryax_handler.py", "def handle(r):\n    return {}\n");
  c.repo.commit("reader");
  REQUIRE(c.d.ryax({ "repo", "scan", "lib" }).exit_code == 0);
  REQUIRE(c.d.ryax({ "action", "build", "reader", "--wait" }).exit_code == 0);
  const std::string text =
    "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: files\n"
    "  trigger: {id: start, from: manual}\n  actions:\n"
    "  - id: read\n    from: reader\n"
    "    inputs_values: {model: \"@models/small.bin\"}\n";
  const auto path = c.file("files.yaml", text);
  auto missing = c.d.ryax({ "workflow", "push", path });
  CHECK(missing.exit_code == 5);
  CHECK(contains(missing.err, path + ":9:"));
  CHECK(contains(missing.err, "\"models/small.bin\" does not exist"));

  fs::create_directories(c.d.dir() / "models");
  c.file("models/small.bin", "weights");
  auto pushed = c.d.ryax({ "workflow", "push", path });
  REQUIRE_MESSAGE(pushed.exit_code == 0, pushed.err);
  const auto files = show(c.d, "files")["files"];
  REQUIRE(files.size() == 1);
  CHECK(files[0]["path"] == "models/small.bin");
  CHECK(files[0]["size"] == 7);
  CHECK(fs::exists(c.d.home() + "/workflow-files/" +
                   files[0]["key"].get<std::string>()));
  // New content under the same name is a new version.
  c.file("models/small.bin", "better weights");
  auto again = c.d.ryax({ "workflow", "push", path, "-o", "json" });
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  CHECK(json::parse(again.out)["version"] == 2);
}

TEST_CASE(
  "push creates versions, a deployed version stays deployed until --deploy")
{
  Catalogue c;
  const auto path = c.file("wf.yaml", diamond("hello"));
  auto first = c.d.ryax({ "workflow", "push", path });
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(first.out == "workflow hello version 1 pushed\n");

  auto same = c.d.ryax({ "workflow", "push", path });
  CHECK(same.exit_code == 0);
  CHECK(contains(same.out, "unchanged"));
  CHECK(show(c.d, "hello")["latest_version"] == 1);

  auto deployed = c.d.ryax({ "workflow", "deploy", "hello" });
  CHECK_MESSAGE(deployed.exit_code == 0, deployed.err);
  CHECK(deployed.out == "workflow hello deployed (version 1)\n");

  c.file("wf.yaml", diamond("hello", "    after: [a]\n"));
  auto second = c.d.ryax({ "workflow", "push", path });
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  CHECK(second.out == "workflow hello version 2 pushed\n");
  CHECK(contains(second.err, "version 1 of workflow \"hello\" stays deployed"));
  auto list = c.d.ryax({ "workflow", "list", "-o", "json" });
  REQUIRE(list.exit_code == 0);
  const auto workflows = json::parse(list.out);
  REQUIRE(workflows.size() == 1);
  CHECK(workflows[0]["id"] == "hello");
  CHECK(workflows[0]["latest_version"] == 2);
  CHECK(workflows[0]["deployed_version"] == 1);
  CHECK(workflows[0]["state"] == "deployed");

  // Both versions stay readable: runs keep the version they started with.
  const auto v1 = show(c.d, "hello", { "--version", "1" });
  CHECK(v1["version"] == 1);
  CHECK(v1["steps"][2]["after"].empty());
  const auto v2 = show(c.d, "hello");
  CHECK(v2["version"] == 2);
  CHECK(v2["steps"][2]["after"] == json::array({ "a" }));
  CHECK(v2["state"] == "deployed");
  CHECK(v2["deployed_version"] == 1);
  CHECK(v2["steps"][1]["action"] == "adder");
  CHECK(v2["steps"][1]["version"] == "1.0");
  CHECK(v2["steps"][2]["resolved_version"] == "1.0");
  CHECK(v2["steps"][0]["role"] == "trigger");
  CHECK(v2["bindings"].size() == 4);
  CHECK(v2["bindings"][0] == json({ { "step", "a" },
                                    { "input", "x" },
                                    { "kind", "reference" },
                                    { "value", "{{ start.n }}" } }));
  CHECK(v2["bindings"][1]["value"] == 3);
  CHECK(v2["results"] ==
        json::array({ { { "key", "total" }, { "value", "{{ c.y }}" } } }));
  CHECK(c.d.ryax({ "workflow", "show", "hello", "--version", "3" }).exit_code ==
        3);
  auto table = c.d.ryax({ "workflow", "show", "hello" });
  CHECK(contains(table.out, "adder:1.0"));
  CHECK(contains(table.out, "a -> c"));

  auto moved = c.d.ryax({ "workflow", "push", path, "--deploy" });
  REQUIRE_MESSAGE(moved.exit_code == 0, moved.err);
  CHECK(contains(moved.out, "unchanged"));
  CHECK(contains(moved.out, "version 2 deployed"));
  CHECK(moved.err.empty());
  CHECK(show(c.d, "hello")["deployed_version"] == 2);

  auto undeployed = c.d.ryax({ "workflow", "undeploy", "hello", "-o", "json" });
  REQUIRE(undeployed.exit_code == 0);
  CHECK(json::parse(undeployed.out)["state"] == "undeployed");
}

TEST_CASE("export pushes back to the same definition and diff shows what a "
          "file changes")
{
  Catalogue c;
  // Written loosely: flow style, comments, keys out of order.
  const auto path = c.file("loose.yaml", "# my workflow\n" + diamond("trip"));
  REQUIRE(c.d.ryax({ "workflow", "push", path }).exit_code == 0);
  auto exported = c.d.ryax({ "workflow", "export", "trip" });
  REQUIRE(exported.exit_code == 0);
  CHECK(contains(exported.out, "id: trip"));
  const auto copy = c.file("exported.yaml", exported.out);
  auto pushed = c.d.ryax({ "workflow", "push", copy });
  REQUIRE(pushed.exit_code == 0);
  CHECK(contains(pushed.out, "unchanged: identical to version 1"));
  auto again = c.d.ryax({ "workflow", "export", "trip", "--version", "1" });
  CHECK(again.out == exported.out);

  auto same = c.d.ryax({ "workflow", "diff", "trip", path, "--exit-code" });
  CHECK(same.exit_code == 0);
  CHECK(same.out.empty());

  const auto changed =
    c.file("changed.yaml", diamond("trip", "    after: [a]\n"));
  auto diff = c.d.ryax({ "workflow", "diff", "trip", changed });
  CHECK(diff.exit_code == 0);
  CHECK(contains(diff.out, "--- trip version 1\n+++ " + changed + "\n@@ "));
  CHECK(
    contains(diff.out, "\n       x: 3\n+    after:\n+    - a\n   - id: c\n"));
  // Different: 1, as git diff --exit-code.
  CHECK(c.d.ryax({ "workflow", "diff", "trip", changed, "--exit-code" })
          .exit_code == 1);
  auto unknown = c.d.ryax({ "workflow", "diff", "trp", changed });
  CHECK(unknown.exit_code == 3);
  CHECK(contains(unknown.err,
                 "workflow \"trp\" not found (did you mean \"trip\"?)"));
}

TEST_CASE("graph prints a diamond-shaped DAG in dot and mermaid")
{
  Catalogue c;
  REQUIRE(
    c.d.ryax({ "workflow", "push", c.file("wf.yaml", diamond()) }).exit_code ==
    0);
  auto dot = c.d.ryax({ "workflow", "graph", "diamond", "--format", "dot" });
  REQUIRE_MESSAGE(dot.exit_code == 0, dot.err);
  CHECK(dot.out.starts_with("digraph \"diamond\" {\n"));
  CHECK(contains(dot.out, "  \"start\" -> \"a\";\n"));
  CHECK(contains(dot.out, "  \"start\" -> \"b\" [style=dashed];\n"));
  CHECK(contains(dot.out, "  \"a\" -> \"c\";\n"));
  CHECK(contains(dot.out, "  \"b\" -> \"c\";\n"));
  CHECK(dot.out.ends_with("}\n"));

  auto mermaid =
    c.d.ryax({ "workflow", "graph", "diamond", "--format", "mermaid" });
  REQUIRE(mermaid.exit_code == 0);
  CHECK(mermaid.out.starts_with("flowchart LR\n"));
  CHECK(contains(mermaid.out, "  start --> a\n"));
  CHECK(contains(mermaid.out, "  start -.-> b\n"));
  CHECK(contains(mermaid.out, "  a --> c\n"));
  CHECK(contains(mermaid.out, "  b --> c\n"));
  CHECK(
    c.d.ryax({ "workflow", "graph", "diamond", "--format", "gif" }).exit_code ==
    2);

  // Graphviz reads the dot text: every step is a node of the SVG, every
  // edge an edge; a PNG is a PNG.
  auto svg = c.d.ryax({ "workflow", "graph", "diamond", "--format", "svg" });
  REQUIRE_MESSAGE(svg.exit_code == 0, svg.err);
  CHECK(contains(svg.out, "<svg"));
  for (const auto* title : { "<title>start</title>", "<title>a</title>",
                             "<title>b</title>", "<title>c</title>",
                             "<title>start&#45;&gt;a</title>",
                             "<title>a&#45;&gt;c</title>",
                             "<title>b&#45;&gt;c</title>" }) {
    CHECK_MESSAGE(contains(svg.out, title), title);
  }
  auto png = c.d.ryax({ "workflow", "graph", "diamond", "--format", "png" });
  REQUIRE_MESSAGE(png.exit_code == 0, png.err);
  CHECK(png.out.starts_with("\x89PNG\r\n"));

  // Without Graphviz on PATH: one line saying how to get it.
  auto missing = c.d.ryax({ "workflow", "graph", "diamond", "--format", "svg" }, "",
                          { { "PATH", "/nonexistent" } });
  CHECK(missing.exit_code == 5);
  CHECK(missing.err
        == "ryax: error: --format svg needs Graphviz's dot, not found on PATH "
           "(apt install graphviz; --format dot prints its input)\n");
}

TEST_CASE("rm of a deployed workflow is refused unless --force")
{
  Catalogue c;
  REQUIRE(
    c.d.ryax({ "workflow", "push", c.file("wf.yaml", diamond()), "--deploy" })
      .exit_code == 0);
  auto refused = c.d.ryax({ "workflow", "rm", "diamond" });
  CHECK(refused.exit_code == 5);
  CHECK(contains(refused.err, "workflow \"diamond\" is deployed"));
  CHECK(show(c.d, "diamond")["state"] == "deployed");
  auto forced = c.d.ryax({ "workflow", "rm", "diamond", "--force" });
  CHECK_MESSAGE(forced.exit_code == 0, forced.err);
  CHECK(c.d.ryax({ "workflow", "show", "diamond" }).exit_code == 3);
  CHECK(
    json::parse(c.d.ryax({ "workflow", "list", "-o", "json" }).out).empty());
}

TEST_CASE(
  "deploy is refused when an action is no longer built, and errors says why")
{
  Catalogue c;
  REQUIRE(
    c.d.ryax({ "workflow", "push", c.file("wf.yaml", diamond()) }).exit_code ==
    0);
  CHECK(c.d.ryax({ "workflow", "errors", "diamond" }).exit_code == 0);
  // New content under adder 1.0: the catalogue needs a new build.
  add_action(c.repo, "adder", { "x" }, "# changed\n");
  c.repo.commit("change adder");
  REQUIRE(c.d.ryax({ "repo", "scan", "lib", "--force" }).exit_code == 0);

  auto refused = c.d.ryax({ "workflow", "deploy", "diamond" });
  CHECK(refused.exit_code == 5);
  CHECK(contains(refused.err,
                 "step \"a\": action \"adder\" version \"1.0\" is not built"));
  CHECK(contains(refused.err, "run \"ryax action build adder:1.0\""));
  const auto doc = show(c.d, "diamond");
  CHECK(doc["state"] == "error");
  CHECK(
    contains(doc["reason"].get<std::string>(), "ryax action build adder:1.0"));
  auto errors = c.d.ryax({ "workflow", "errors", "diamond", "-o", "json" });
  REQUIRE(errors.exit_code == 0);
  const auto list = json::parse(errors.out);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["version"] == 1);
  CHECK(contains(list[0]["message"].get<std::string>(), "step \"b\""));

  REQUIRE(c.d.ryax({ "action", "build", "adder", "--wait" }).exit_code == 0);
  auto deployed =
    c.d.ryax({ "workflow", "deploy", "diamond", "--version", "1" });
  CHECK_MESSAGE(deployed.exit_code == 0, deployed.err);
  CHECK(show(c.d, "diamond")["state"] == "deployed");
  CHECK(c.d.ryax({ "workflow", "errors", "nope" }).exit_code == 3);
}

TEST_CASE("the built-in triggers are listed with the actions")
{
  DaemonFixture d;
  auto list = d.ryax({ "action", "list", "-o", "json" });
  REQUIRE(list.exit_code == 0);
  const auto actions = json::parse(list.out);
  REQUIRE(actions.size() == 6);
  std::vector<std::string> ids;
  for (const auto& action : actions) {
    ids.push_back(action["id"].get<std::string>());
    CHECK(action["kind"] == "Source");
    CHECK(action["type"] == "internal");
    CHECK(action["build_state"] == "built");
    CHECK(action["repository"] == "(built-in)");
  }
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{ "crongw", "emitevery", "httpapijson",
                                         "manual", "one-run", "postgw" });
  CHECK(d.ryax({ "action", "show", "manual" }).exit_code == 0);
  CHECK(d.ryax({ "action", "show", "httpapijson" }).exit_code == 0);
  CHECK(d.ryax({ "action", "show", "emitevery" }).exit_code == 0);
  CHECK(json::parse(
          d.ryax({ "action", "list", "--kind", "processor", "-o", "json" }).out)
          .empty());
}

TEST_SUITE_END();
