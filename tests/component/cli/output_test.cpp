#include "cli/commands/action_init.hpp"
#include "cli/help/help_formatter.hpp"
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

TEST_CASE("a table fits the terminal: the widest columns are shortened with "
          "an ellipsis, never the first, never below 8 characters")
{
  using namespace ryax::cli::output;
  const Table table{ { "ID", "WORKFLOW", "ERROR" },
                     { { "run-0123456789ab", "a-rather-long-workflow-name",
                         "nap: user_exception: ZeroDivisionError: division by zero" },
                       { "run-1", "w\u00e9", "" } } };
  set_table_style({ true, 60 });
  const auto lines = table_lines(table, false);
  REQUIRE(lines.size() == 3);
  // 103 wide: ERROR narrows to WORKFLOW's 27, then both to 20.
  CHECK(lines[0] == "ID                WORKFLOW              ERROR");
  CHECK(lines[1]
        == "run-0123456789ab  a-rather-long-workf\u2026  nap: user_exception\u2026");
  for (const auto& line : lines) {
    // Characters, not bytes: the ellipsis and the accent are one each.
    std::size_t shown = 0;
    for (const char c : line) {
      shown += (c & 0xC0) != 0x80 ? 1 : 0;
    }
    CHECK(shown <= 60);
  }
  CHECK(lines[2] == "run-1             w\u00e9                    ");

  // Too narrow for every column at 8: shortened down to 8 and no further.
  set_table_style({ true, 20 });
  CHECK(table_lines(table, false)[1] == "run-0123456789ab  a-rathe\u2026  nap: us\u2026");

  // --no-headers, and no width (not a terminal, or -o wide).
  set_table_style({ false, 0 });
  const auto plain = table_lines(table, false);
  REQUIRE(plain.size() == 2);
  CHECK(plain[0].ends_with("division by zero"));
  set_table_style({});
}

TEST_CASE("-o name prints the id, else the name, of each object")
{
  using ryax::cli::output::name_of;
  CHECK(name_of({ { "id", "run-1" }, { "name", "x" } }) == "run-1");
  CHECK(name_of({ { "name", "local" } }) == "local");
  CHECK(name_of({ { "run_id", "run-2" } }) == "run-2");
  CHECK(name_of({ { "id", 3 } }).empty());
  CHECK(name_of(nlohmann::json::array()).empty());
}

TEST_CASE("help text wraps at word boundaries under its column")
{
  using namespace ryax::cli::help;
  CHECK(wrap("one two three", 7) == std::vector<std::string>{ "one two", "three" });
  CHECK(wrap("a verylongword b", 4) == std::vector<std::string>{ "a", "verylongword", "b" });
  CHECK(wrap("first\nsecond", 80) == std::vector<std::string>{ "first", "second" });
  CHECK(help_row("--x", "short", 10) == "  --x     short\n");
  CHECK(help_row("--a-long-option", "d", 10) == "  --a-long-option\n          d\n");
  const auto row = help_row("--x", std::string(100, 'w') + " end", 30);
  CHECK(row == "  --x" + std::string(25, ' ') + std::string(100, 'w') + "\n"
                 + std::string(30, ' ') + "end\n");
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
