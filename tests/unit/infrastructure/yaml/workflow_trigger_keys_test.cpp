// The trigger keys of a workflow file: spec.max_concurrent_runs and the
// origin of the outputs of an "httpapijson" trigger.

#include "core/infrastructure/yaml/workflow_parser.hpp"
#include "core/infrastructure/yaml/workflow_writer.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ryax::domain;
using ryax::infra::yaml::parse_workflow;
using ryax::infra::yaml::write_workflow;

TEST_SUITE_BEGIN("infra::yaml::workflow triggers");

TEST_CASE("max_concurrent_runs is read, written back, and checked from 1 to 10000")
{
  const auto file = [](const std::string& value) {
    return "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: wf\n"
           "  max_concurrent_runs: " +
           value +
           "\n  trigger:\n    id: start\n    from: one-run\n"
           "  actions: []\n";
  };
  const auto parsed = parse_workflow(file("3"), "wf.yaml");
  REQUIRE(parsed.ok());
  CHECK(parsed.workflow->max_concurrent_runs == 3);
  const auto text = write_workflow(*parsed.workflow);
  CHECK(text.find("  max_concurrent_runs: 3\n") != std::string::npos);
  CHECK(parse_workflow(text, "wf.yaml").workflow == parsed.workflow);
  for (const auto* bad : { "0", "10001", "two", "1.5" }) {
    const auto refused = parse_workflow(file(bad), "wf.yaml");
    REQUIRE(refused.diagnostics.size() == 1);
    CHECK(refused.diagnostics[0].line == 5);
    CHECK(refused.diagnostics[0].message.starts_with(
      "expected an integer from 1 to 10000"));
  }
}

TEST_CASE("an output origin is read, written back, and checked")
{
  const auto file = [](const std::string& origin) {
    return "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: wf\n"
           "  trigger:\n    id: start\n    from: httpapijson\n"
           "    inputs_values: {path: \"/u/{id}\"}\n"
           "    outputs:\n    - {name: id, type: string, origin: " +
           origin + "}\n  actions: []\n";
  };
  const auto parsed = parse_workflow(file("path"), "wf.yaml");
  REQUIRE(parsed.ok());
  CHECK(parsed.workflow->trigger.outputs[0].origin == "path");
  const auto text = write_workflow(*parsed.workflow);
  CHECK(text.find("origin: path") != std::string::npos);
  CHECK(parse_workflow(text, "wf.yaml").workflow == parsed.workflow);
  const auto refused = parse_workflow(file("form"), "wf.yaml");
  REQUIRE(refused.diagnostics.size() == 1);
  CHECK(refused.diagnostics[0].line == 10);
  CHECK(refused.diagnostics[0].field == "spec.trigger.outputs[0].origin");
  CHECK(refused.diagnostics[0].message ==
        "unknown origin \"form\": expected path, query, header, cookie or body");
}

TEST_SUITE_END();
