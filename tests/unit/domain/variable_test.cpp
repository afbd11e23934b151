#include "core/domain/variable.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::domain;

TEST_SUITE_BEGIN("domain::Variable");

TEST_CASE("a variable name is what \"{{ vars.NAME }}\" reads")
{
  CHECK(check_variable_name("api_key"));
  CHECK(check_variable_name("_x9"));
  for (const auto* bad : { "", "9lives", "a-b", "a.b", "a b" }) {
    const auto checked = check_variable_name(bad);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == ErrorCode::invalid_argument);
  }
  CHECK_FALSE(check_variable_name(std::string(65, 'a')));
  CHECK(check_variable_name(std::string(64, 'a')));
}

TEST_CASE("values are typed like static values, refusals naming the variable")
{
  CHECK(parse_variable_value("n", IoType::integer, "42").value() ==
        Value{ std::int64_t{ 42 } });
  CHECK(parse_variable_value("f", IoType::float_, "2.5").value() ==
        Value{ 2.5 });
  CHECK(parse_variable_value("b", IoType::boolean, "yes").value() ==
        Value{ true });
  CHECK(parse_variable_value("p", IoType::password, "pw").value() ==
        Value{ Secret{ "pw" } });
  CHECK(parse_variable_value("s", IoType::string, "").value() ==
        Value{ std::string() });
  const auto bad = parse_variable_value("limit", IoType::integer, "1.5");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::invalid_argument);
  CHECK(bad.error().message == "variable \"limit\": \"1.5\" is not an integer");
  CHECK_FALSE(parse_variable_value("b", IoType::boolean, "maybe"));
}

TEST_CASE(
  "control characters only in a longstring, and the message never shows "
  "a password")
{
  CHECK(parse_variable_value("t", IoType::longstring, "a\nb\tc"));
  CHECK_FALSE(parse_variable_value("t", IoType::string, "a\nb"));
  const auto pw = parse_variable_value("pw", IoType::password, "se\ncret");
  REQUIRE_FALSE(pw);
  CHECK(pw.error().message.find("se") == std::string::npos);
  CHECK(pw.error().message.starts_with("variable \"pw\": "));
}

TEST_CASE("sizes are limited before anything else")
{
  CHECK(parse_variable_value(
    "t", IoType::longstring, std::string(k_max_variable_bytes, 'x')));
  const auto big = parse_variable_value(
    "t", IoType::longstring, std::string(k_max_variable_bytes + 1, 'x'));
  REQUIRE_FALSE(big);
  CHECK(big.error().message.find("at most 1048576") != std::string::npos);
  CHECK_FALSE(parse_variable_value("n", IoType::integer, std::string(65, '1')));
  CHECK(check_variable_description("x", std::string(1024, 'd')));
  CHECK_FALSE(check_variable_description("x", std::string(1025, 'd')));
  CHECK_FALSE(check_variable_description("x", "two\nlines"));
}

TEST_CASE("type file is refused as not supported yet, and other types are no "
          "variable types")
{
  CHECK(parse_variable_type("file") == IoType::file);
  CHECK(parse_variable_type("float") == IoType::float_);
  CHECK_FALSE(parse_variable_type("enum"));
  const auto file = parse_variable_value("f", IoType::file, "x");
  REQUIRE_FALSE(file);
  CHECK(file.error().message.find("not supported yet") != std::string::npos);
  CHECK_FALSE(parse_variable_value("t", IoType::table, "x"));
}

TEST_CASE("a password shows as ********, and other values as typed")
{
  CHECK(variable_display_text(Secret{ "pw" }) == "********");
  CHECK(variable_value_text(Secret{ "pw" }) == "pw");
  CHECK(variable_display_text(std::int64_t{ -3 }) == "-3");
  CHECK(variable_display_text(0.5) == "0.5");
  CHECK(variable_display_text(true) == "true");
}

TEST_SUITE_END();
