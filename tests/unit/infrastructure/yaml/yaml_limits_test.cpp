#include "core/infrastructure/yaml/yaml_limits.hpp"

#include "core/infrastructure/yaml/action_metadata_parser.hpp"
#include "core/infrastructure/yaml/workflow_parser.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ryax::infra::yaml;

namespace {

// A "billion laughs": `levels` anchors, each a list of ten aliases of the
// one before, under `key` of a mapping: 10^levels leaves for 200 bytes.
std::string
laughs(int levels, const std::string& indent = "")
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

std::string
workflow_with_actions(int actions)
{
  std::string text = "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
                     "  id: big\n  trigger: {id: s, from: manual}\n"
                     "  actions:\n";
  for (int i = 0; i < actions; ++i) {
    text += "  - {id: a" + std::to_string(i) + ", from: echo}\n";
  }
  return text;
}

std::string
messages(const std::vector<ryax::domain::Diagnostic>& diagnostics)
{
  std::string text;
  for (const auto& d : diagnostics) {
    text += ryax::domain::format_diagnostic(d) + "\n";
  }
  return text;
}

} // namespace

TEST_CASE("yaml limits count aliases expanded in linear time")
{
  YamlLimits limits;
  CHECK_FALSE(check_yaml_limits(laughs(3), limits)); // 11,111 + nodes
  const auto bomb = check_yaml_limits(laughs(9), limits);
  REQUIRE(bomb);
  CHECK(bomb->message.find("more than 100000 YAML nodes") != std::string::npos);
  CHECK(bomb->message.find("max_yaml_nodes") != std::string::npos);
  CHECK(bomb->mark.line >= 0);
  limits.max_nodes = 1000;
  CHECK(check_yaml_limits(laughs(3), limits));
}

TEST_CASE("yaml limits refuse deep nesting and big files")
{
  YamlLimits limits;
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  const auto nested = check_yaml_limits(deep, limits);
  REQUIRE(nested);
  CHECK(nested->message == "more than 64 nested lists and mappings");
  CHECK_FALSE(
    check_yaml_limits(std::string(64, '[') + std::string(64, ']'), limits));
  // Far past yaml-cpp's own recursion limit: still refused, no crash.
  CHECK(check_yaml_limits(std::string(100000, '['), limits));

  limits.max_bytes = 10;
  const auto big = check_yaml_limits("key: a value\n", limits);
  REQUIRE(big);
  CHECK(big->message ==
        "the file is 13 bytes, more than the limit of 10 (max_yaml_bytes of "
        "ryaxd.yaml)");
}

TEST_CASE("yaml limits say where text is not UTF-8")
{
  CHECK_FALSE(first_invalid_utf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  CHECK(first_invalid_utf8("ab\xff") == 2);
  CHECK(first_invalid_utf8("\xc0\xaf") == 0);     // overlong "/"
  CHECK(first_invalid_utf8("\xed\xa0\x80") == 0); // a surrogate
  CHECK(first_invalid_utf8("x\xe2\x82") == 1);    // cut short
  const auto latin1 = check_yaml_limits("a: 1\nb: caf\xe9\n", {});
  REQUIRE(latin1);
  CHECK(latin1->mark.line == 1);
  CHECK(latin1->mark.column == 6);
  CHECK(latin1->message.find("not UTF-8") != std::string::npos);
  CHECK(latin1->message.find("0xE9") != std::string::npos);
}

TEST_CASE("a workflow file past a limit gets one diagnostic naming it")
{
  const auto bomb = parse_workflow(
    "apiVersion: ryax.tech/v2.0\nkind: Workflow\n" + laughs(9), "bomb.yaml");
  CHECK_FALSE(bomb.workflow);
  REQUIRE(bomb.diagnostics.size() == 1);
  CHECK(messages(bomb.diagnostics).starts_with("bomb.yaml:"));
  CHECK(bomb.diagnostics[0].message.find("max_yaml_nodes") !=
        std::string::npos);

  YamlLimits limits;
  limits.max_workflow_steps = 10;
  CHECK(parse_workflow(workflow_with_actions(9), "ok.yaml", limits).workflow);
  const auto many =
    parse_workflow(workflow_with_actions(10), "many.yaml", limits);
  CHECK_FALSE(many.workflow);
  CHECK(messages(many.diagnostics) ==
        "many.yaml:6:3: spec.actions: too many steps: 10 actions and the "
        "trigger, more than the limit of 10 (max_workflow_steps of "
        "ryaxd.yaml)\n");
}

TEST_CASE("an action metadata file past a limit gets one diagnostic naming it")
{
  const auto reader = [](const std::string&) -> std::optional<std::string> {
    return std::string();
  };
  const auto bomb = parse_action_metadata(
    "apiVersion: ryax.tech/v2.0\nkind: Processor\nspec:\n  options:\n" +
      laughs(9, "    "),
    "ryax_metadata.yaml",
    reader);
  CHECK_FALSE(bomb.metadata);
  REQUIRE(bomb.diagnostics.size() == 1);
  CHECK(bomb.diagnostics[0].file == "ryax_metadata.yaml");
  CHECK(bomb.diagnostics[0].message.find("max_yaml_nodes") !=
        std::string::npos);

  const auto latin1 = parse_action_metadata(
    "apiVersion: ryax.tech/v2.0\nkind: Processor\n# caf\xe9\n",
    "ryax_metadata.yaml",
    reader);
  REQUIRE(latin1.diagnostics.size() == 1);
  CHECK(ryax::domain::format_diagnostic(latin1.diagnostics[0])
          .starts_with("ryax_metadata.yaml:3:6: the file is not UTF-8"));
}

TEST_CASE("spec.options without python is read without an invalid node error")
{
  const auto reader = [](const std::string&) -> std::optional<std::string> {
    return std::string();
  };
  const auto parsed = parse_action_metadata(
    "apiVersion: ryax.tech/v2.0\nkind: Processor\nspec:\n  id: opt\n"
    "  human_name: Options\n  type: python3\n  version: \"1.0\"\n"
    "  options: {other: 1}\n",
    "ryax_metadata.yaml",
    reader);
  CHECK(messages(parsed.diagnostics).find("invalid node") == std::string::npos);
  CHECK(parsed.metadata);
}
