#include "cli/commands/action_init.hpp"
#include "cli/output/output.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

TEST_SUITE_BEGIN("cli::output");

TEST_CASE("yaml output has the structure and field names of the json output")
{
  const nlohmann::json doc = {
    {"name", "x"},          {"count", 3},
    {"ratio", 0.5},         {"flag", true},
    {"none", nullptr},      {"list", {"a", "b"}},
    {"nested", {{"k", "multi\nline"}}}, {"tricky", "yes: no # not a comment"},
  };
  const auto yaml = ryax::cli::output::to_yaml(doc);
  const auto node = YAML::Load(yaml);
  CHECK(node["name"].as<std::string>() == "x");
  CHECK(node["count"].as<int>() == 3);
  CHECK(node["ratio"].as<double>() == 0.5);
  CHECK(node["flag"].as<bool>() == true);
  CHECK(node["none"].IsNull());
  CHECK(node["list"][1].as<std::string>() == "b");
  CHECK(node["nested"]["k"].as<std::string>() == "multi\nline");
  CHECK(node["tricky"].as<std::string>() == "yes: no # not a comment");
}

TEST_CASE("tables pad every column to its widest cell")
{
  std::ostringstream out;
  ryax::cli::output::print_table(out, {{"ID", "STATE"}, {{"resize", "ok"}, {"a", "error"}}},
                                 false);
  CHECK(out.str() == "ID      STATE\nresize  ok\na       error\n");
}

TEST_CASE("action init refuses an id that ryax would reject")
{
  ryax::test::TempDir tmp;
  ryax::cli::ActionInitOptions options;
  options.directory = tmp / "x";
  options.kind = "processor";
  const auto result = ryax::cli::scaffold_action(options);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("\"x\" is not a valid action id") != std::string::npos);
}

TEST_SUITE_END();
