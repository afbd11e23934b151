// Hostile input (issue 19), one case per class, tried as an adversarial user
// would: a real ryaxd, the real ryax binary, real files and git repositories.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/git_builder.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace ryax::test;
namespace fs = std::filesystem;

namespace {

// `levels` anchors, each a list of ten aliases of the one before: 10^levels
// values in a few hundred bytes ("billion laughs"), under `indent`.
std::string
laughs(int levels, const std::string& indent)
{
  std::string text = indent + "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= levels; ++i) {
    text += indent + "l" + std::to_string(i) + ": &l" + std::to_string(i) +
            " [";
    for (int k = 0; k < 10; ++k) {
      text += (k ? ", *l" : "*l") + std::to_string(i - 1);
    }
    text += "]\n";
  }
  return text;
}

// A metadata file whose spec.options holds 10^levels values.
std::string
bomb_metadata(const std::string& id, int levels)
{
  return "apiVersion: ryax.tech/v2.0\nkind: Processor\nspec:\n  id: " + id +
         "\n  human_name: Bomb\n  type: python3\n  version: \"1.0\"\n"
         "  inputs:\n"
         "  - {name: x, human_name: X, help: a number, type: integer}\n"
         "  outputs:\n"
         "  - {name: y, human_name: Y, help: y, type: integer}\n"
         "  options:\n" +
         laughs(levels, "    ");
}

void
write(const fs::path& path, const std::string& text)
{
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE_BEGIN("integration: hostile input");

TEST_CASE("a billion laughs is refused by name in workflow files metadata scans and the CLI")
{
  DaemonFixture d;

  // A workflow file: 10^12 values for 400 bytes.
  const auto workflow = d.dir() / "bomb.yaml";
  write(workflow, "apiVersion: ryax.tech/v2.0\nkind: Workflow\n" +
                    laughs(12, "") +
                    "spec:\n  id: bomb\n  trigger: {id: s, from: manual}\n");
  const auto validate = d.ryax({ "workflow", "validate", workflow });
  CHECK(validate.exit_code == 5);
  CHECK(contains(validate.out + validate.err, "bomb.yaml:"));
  CHECK(contains(validate.out + validate.err,
                 "more than 100000 YAML nodes once its aliases are expanded"));
  CHECK(d.ryax({ "workflow", "push", workflow }).exit_code == 5);

  // An action repository: the scan reports the file, the daemon lives on.
  GitBuilder repo(d.dir() / "bomb.git");
  repo.write("bomb/ryax_metadata.yaml", bomb_metadata("bomb", 12));
  repo.write("bomb/ryax_handler.py", "def handle(r):\n    return {'y': 1}\n");
  repo.commit("a bomb");
  REQUIRE(d.ryax({ "repo", "add", "bombs", repo.url() }).exit_code == 0);
  const auto scan = d.ryax({ "repo", "scan", "bombs" });
  CHECK(contains(scan.out + scan.err, "max_yaml_nodes"));
  CHECK(d.answering());
  CHECK(d.ryax({ "version" }).exit_code == 0);

  // ryax action lint and action test parse in the CLI with the same limits.
  const auto action = d.dir() / "local-bomb";
  write(fs::path(action) / "ryax_metadata.yaml", bomb_metadata("bomb", 12));
  write(fs::path(action) / "ryax_handler.py", "def handle(r):\n    return {'y': 1}\n");
  const auto lint = d.ryax({ "action", "lint", action });
  CHECK(lint.exit_code == 5);
  CHECK(contains(lint.out + lint.err, "ryax_metadata.yaml:"));
  CHECK(contains(lint.out + lint.err, "max_yaml_nodes"));
  const auto test = d.ryax({ "action", "test", action, "--input", "x=1" });
  CHECK(test.exit_code == 5);
  CHECK(contains(test.out + test.err, "max_yaml_nodes"));
}

TEST_CASE("deep nesting many steps and non-UTF-8 workflow files are refused naming the limit")
{
  DaemonFixture d;
  const auto deep = d.dir() / "deep.yaml";
  write(deep, "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: deep\n"
              "  description: " +
                std::string(5000, '[') + "\n");
  const auto nested = d.ryax({ "workflow", "validate", deep });
  CHECK(nested.exit_code == 5);
  CHECK(contains(nested.out + nested.err,
                 "more than 64 nested lists and mappings"));

  std::string steps = "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
                      "  id: many\n  trigger: {id: s, from: manual}\n"
                      "  actions:\n";
  for (int i = 0; i < 1000; ++i) {
    steps += "  - {id: a" + std::to_string(i) + ", from: echo}\n";
  }
  write(d.dir() / "many.yaml", steps);
  const auto many = d.ryax({ "workflow", "validate", d.dir() / "many.yaml" });
  CHECK(many.exit_code == 5);
  CHECK(contains(many.out + many.err,
                 "many.yaml:6:3: spec.actions: too many steps: 1000 actions "
                 "and the trigger, more than the limit of 1000 "
                 "(max_workflow_steps of ryaxd.yaml)"));

  write(d.dir() / "latin1.yaml",
        "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: caf\n"
        "  description: caf\xe9\n");
  const auto latin1 = d.ryax({ "workflow", "validate", d.dir() / "latin1.yaml" });
  CHECK(latin1.exit_code == 5);
  CHECK(contains(latin1.out + latin1.err,
                 "latin1.yaml:5:19: the file is not UTF-8 text: byte 0xE9"));
  // Any other text: said so, not an empty "ryax: error: ".
  const auto value = d.ryax({ "variable", "set", "X", "caf\xe9" });
  CHECK(value.exit_code == 5);
  CHECK(contains(value.err, "is not UTF-8"));
  CHECK(d.answering());
}

TEST_CASE("values beyond 64-bit integers NaN and other booleans are refused alike by the CLI and both runtimes")
{
  DaemonFixture d;
  const std::string metadata =
    "apiVersion: ryax.tech/v2.0\nkind: Processor\nspec:\n  id: values\n"
    "  human_name: Values\n  type: TYPE\n  version: \"1.0\"\n  inputs:\n"
    "  - {name: x, human_name: X, help: h, type: integer}\n"
    "  - {name: b, human_name: B, help: h, type: boolean, optional: true}\n"
    "  outputs:\n  - {name: y, human_name: Y, help: h, type: integer}\n"
    "  - {name: f, human_name: F, help: h, type: float}\n";
  const auto with_type = [&](const std::string& type) {
    auto text = metadata;
    text.replace(text.find("TYPE"), 4, type);
    return text;
  };
  const auto python = d.dir() / "values-py";
  write(fs::path(python) / "ryax_metadata.yaml", with_type("python3"));
  write(fs::path(python) / "ryax_handler.py",
        "def handle(r):\n"
        "    if r['x'] == 1:\n        return {'y': 2**70, 'f': 1.0}\n"
        "    if r['x'] == 2:\n        return {'y': 1, 'f': float('nan')}\n"
        "    return {'y': 2**63 - 1, 'f': float(r['b'] is True)}\n");
  const auto node = d.dir() / "values-js";
  write(fs::path(node) / "ryax_metadata.yaml", with_type("nodejs"));
  write(fs::path(node) / "ryax_handler.js",
        "module.exports = (r) => {\n"
        "  if (r.x === 1) return { y: 2 ** 70, f: 1.0 };\n"
        "  if (r.x === 2) return { y: 1, f: Infinity };\n"
        "  return { y: 2 ** 53 - 1, f: r.b === true ? 1.0 : 0.0 };\n};\n");
  const bool have_node = run({ "sh", "-c", "command -v node" }).exit_code == 0;
  for (const auto& dir : { python, node }) {
    CAPTURE(dir);
    if (dir == node && !have_node) {
      MESSAGE("skipped: no node on PATH for the nodejs runtime");
      continue;
    }
    const auto huge = d.ryax({ "action", "test", dir, "--input", "x=1" });
    CHECK(huge.exit_code == 6);
    CHECK(contains(huge.err, "invalid_output: output \"y\" (integer)"));
    CHECK((contains(huge.err, "outside 64-bit integers") ||
           contains(huge.err, "beyond the integers a JavaScript number holds")));
    const auto nan = d.ryax({ "action", "test", dir, "--input", "x=2" });
    CHECK(nan.exit_code == 6);
    CHECK(contains(nan.err, "output \"f\" (float)"));
    CHECK(contains(nan.err, "is not a finite number"));
    // One set of boolean spellings: yes is true, as for ryax run.
    const auto yes = d.ryax({ "action", "test", dir, "--input", "x=3",
                              "--input", "b=yes", "-o", "json" });
    CHECK(yes.exit_code == 0);
    CHECK((contains(yes.out, "\"f\": 1.0") || contains(yes.out, "\"f\": 1,")));
    const auto other = d.ryax({ "action", "test", dir, "--input", "x=3",
                                "--input", "b=on" });
    CHECK(other.exit_code == 5);
    CHECK(contains(other.err, "not a boolean"));
    // CLI side: refused before anything runs, never wrapped.
    const auto wrapped = d.ryax(
      { "action", "test", dir, "--input", "x=18446744073709551615" });
    CHECK(wrapped.exit_code == 5);
    CHECK(contains(wrapped.err, "64-bit integer"));
    const auto twice = d.ryax(
      { "action", "test", dir, "--input", "x=1", "--input", "x=2" });
    CHECK(twice.exit_code == 5);
    CHECK(contains(twice.err, "given twice"));
  }
}

TEST_CASE("a static file that links outside the workflow directory is refused at push")
{
  DaemonFixture d;
  const fs::path dir = fs::path(d.dir().path()) / "linked";
  fs::create_directories(dir / "data");
  fs::create_symlink("/etc/passwd", dir / "pw");
  fs::create_symlink("/etc/passwd", dir / "data" / "pw");
  for (const std::string file : { "pw", "data" }) {
    write(dir / "wf.yaml",
          "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: sl\n"
          "  trigger: {id: s, from: manual}\n  actions:\n"
          "  - {id: a, from: echo, inputs_values: {f: \"@" + file + "\"}}\n");
    const auto push = d.ryax({ "workflow", "push", (dir / "wf.yaml").string() });
    CHECK(push.exit_code == 5);
    CHECK(contains(push.err, "leads outside the workflow file's directory through a symlink"));
  }
}

TEST_SUITE_END();
