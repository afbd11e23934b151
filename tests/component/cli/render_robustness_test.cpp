// The table forms render whatever document the daemon sends: an older
// ryaxd leaves fields out, a corrupt one gives them another type. Nothing
// may assert or throw; what is missing shows as "-", "?" or not at all.

#include "cli/catch_all.hpp"
#include "cli/commands/action_render.hpp"
#include "cli/commands/run_files.hpp"
#include "cli/commands/run_render.hpp"
#include "cli/commands/run_show.hpp"
#include "cli/commands/workflow_render.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/json_fields.hpp"

#include <doctest/doctest.h>

#include <new>
#include <sstream>
#include <stdexcept>

using namespace ryax::cli;
using nlohmann::json;

namespace {

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

// An action document as an old ryaxd sent it: no resources, lock,
// dynamic_outputs, build_warnings or outputs, and an input without
// optional or enum_values.
const json k_old_action = json::parse(R"({
  "id": "resize", "version": "1.0", "human_name": "Resize", "kind": "Processor",
  "type": "python3", "build_state": "built", "repository": "lib",
  "commit": "abc", "directory": "", "tree_id": "t1",
  "inputs": [{"name": "size", "type": "integer", "help": "pixels"}]
})");

} // namespace

TEST_SUITE_BEGIN("cli::render (documents missing fields)");

TEST_CASE(
  "action show renders an old daemon's document without its newer fields")
{
  std::ostringstream out;
  REQUIRE_NOTHROW(print_action(out, k_old_action));
  const auto text = out.str();
  CHECK(contains(text, "id:          resize\n"));
  CHECK(contains(text, "resources:   -\n"));
  CHECK(contains(text, "categories:  -\n"));
  CHECK(contains(text, "directory:   .\n"));
  CHECK(contains(text, "  size  integer  -        no        pixels\n"));
  CHECK(contains(text, "outputs:\n  (none)\n"));
  CHECK_FALSE(contains(text, "ryax_lock.json"));
}

TEST_CASE("action show renders an empty document and one with wrong types")
{
  std::ostringstream empty;
  REQUIRE_NOTHROW(print_action(empty, json::object()));
  CHECK(contains(empty.str(), "id:          -\n"));
  CHECK(contains(empty.str(), "inputs:\n  (none)\n"));

  const auto odd = json::parse(R"({
    "id": 7, "resources": "lots", "categories": "a", "gone_from_head": "yes",
    "inputs": {"size": 1}, "outputs": [3, {"name": 4, "enum_values": "x"}],
    "build_warnings": [1], "dynamic_outputs": 1, "lock": "none",
    "directory": null, "build_error": false
  })");
  std::ostringstream out;
  REQUIRE_NOTHROW(print_action(out, odd));
  CHECK(contains(out.str(), "id:          -\n"));
  CHECK(contains(out.str(), "build warning: 1\n"));
  REQUIRE_NOTHROW(print_action(out, json("not even an object")));
  REQUIRE_NOTHROW(print_action(out, json()));
}

TEST_CASE("workflow show, dot and mermaid render a document missing fields")
{
  ryax::v1::Workflow workflow;
  workflow.set_version(2);
  workflow.mutable_status()->set_state("pushed");
  const auto doc = json::parse(R"({
    "id": "hello",
    "steps": [{"id": "start", "role": "trigger"}, {"id": "greet", "action": "greet"}, 5],
    "edges": [{"from": "start"}],
    "bindings": [{"step": "greet"}],
    "results": [{"key": "out"}],
    "files": [{"path": "a.txt"}]
  })");
  std::ostringstream out;
  REQUIRE_NOTHROW(print_workflow(out, workflow, doc));
  const auto text = out.str();
  CHECK(contains(text, "id:      hello\n"));
  CHECK(contains(text, "name:    -\n"));
  CHECK(contains(text, "  greet  -        greet:? (not in the catalogue)\n"));
  CHECK(contains(text, "  start -> ?\n"));
  CHECK(contains(text, "  greet.? = null (-)\n"));
  CHECK(contains(text, "file: a.txt (? bytes)\n"));

  std::ostringstream empty;
  REQUIRE_NOTHROW(print_workflow(empty, workflow, json::object()));
  CHECK(contains(empty.str(), "bindings:\n  (none)\n"));
  CHECK(workflow_dot(json::object()) ==
        "digraph \"\" {\n  rankdir=LR;\n  node [shape=box];\n}\n");
  // One DOT escape between the two lines of the label (not "\\n").
  CHECK(contains(workflow_dot(doc),
                 R"("start" [label="start\n?", shape=ellipse];)"));
  CHECK(workflow_mermaid(json("x")) == "flowchart LR\n");
  CHECK(contains(workflow_mermaid(doc), "  start -->"));
}

TEST_CASE("runs show renders a run whose document lacks steps and results")
{
  ryax::v1::Run run;
  run.set_id("r1");
  run.set_workflow_id("wf");
  run.set_state("done");
  auto* step = run.add_steps();
  step->set_step("s1");
  step->set_state("done");
  std::ostringstream out;
  REQUIRE_NOTHROW(print_run(out, run, json::object(), 0, false));
  CHECK(contains(out.str(), "trigger:\n  (none)\n"));
  CHECK(contains(out.str(), "results:\n  (none)\n"));
  const auto odd = json::parse(R"({"steps": "no", "results": {"a": 1},
                                   "trigger_values": [1, 2]})");
  REQUIRE_NOTHROW(print_run(out, run, odd, 0, false));
}

TEST_CASE(
  "result lines and downloads skip results that are not what they should be")
{
  const auto results = json::parse(R"([
    {"key": "a", "value": "x"}, 3, {"value": 1}, {"key": 5, "list": "yes", "value": [1]},
    {"key": "f", "value": {"file": "f.txt", "key": "k1"}}
  ])");
  std::vector<std::string> lines;
  REQUIRE_NOTHROW(lines = result_lines(results));
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "a = x");
  CHECK(lines[1] == " = null");
  CHECK(lines[4] == "f = f.txt (file)");
  CHECK(result_lines(json("nope")).empty());
  const auto downloads = plan_downloads(results, "/tmp/out");
  REQUIRE(downloads);
  REQUIRE(downloads->size() == 1);
  CHECK(downloads->front().path == "/tmp/out/f.txt");
  CHECK(plan_downloads(json::object(), "/tmp/out").value().empty());
}

TEST_CASE("JSON with invalid UTF-8 from the daemon is printed, not thrown on")
{
  const json doc = { { "line", std::string("caf\xe9") } };
  std::string text;
  REQUIRE_NOTHROW(text = output::dump(doc));
  CHECK(text == "{\"line\":\"caf\xef\xbf\xbd\"}");
  CHECK(output::json_text(json::array({ std::string("\xff") })) ==
        "[\"\xef\xbf\xbd\"]");
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("cli::catch_all");

TEST_CASE("an exception escaping main is one error line and exit code 1")
{
  std::ostringstream err;
  CHECK(
    catch_all([]() -> int { throw std::runtime_error("boom\nsecond line"); },
              err) == k_exit_internal);
  CHECK(err.str() == "ryax: error: boom second line\n");

  std::ostringstream bad_alloc;
  CHECK(catch_all([]() -> int { throw std::bad_alloc(); }, bad_alloc) == 1);
  CHECK(bad_alloc.str() == "ryax: error: std::bad_alloc\n");

  std::ostringstream odd;
  CHECK(catch_all([]() -> int { throw 42; }, odd) == 1);
  CHECK(odd.str() == "ryax: error: unknown exception\n");
}

TEST_CASE("without an exception main's exit code goes through untouched")
{
  std::ostringstream err;
  CHECK(catch_all([] { return 6; }, err) == 6);
  CHECK(err.str().empty());
}

TEST_SUITE_END();
