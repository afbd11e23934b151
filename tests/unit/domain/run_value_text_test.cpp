// Values typed as text (ryax run --input, variables, action test): parsed
// by their declared type, within the type's range.

#include "core/domain/run_values.hpp"
#include "tests/unit/domain/run_builders.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ryax;
using namespace ryax::domain;
using ryax::test::io;

TEST_SUITE_BEGIN("domain::parse_value_text");

TEST_CASE("typed numbers stay in range: no 64-bit wrap, no NaN or infinity")
{
  const auto big = parse_value_text(io("n", IoType::integer), "9223372036854775808");
  REQUIRE_FALSE(big);
  CHECK(big.error().message
        == "\"n\": \"9223372036854775808\" is not a 64-bit integer "
           "(-9223372036854775808 to 9223372036854775807)");
  CHECK(parse_value_text(io("n", IoType::integer), "9223372036854775807").value()
        == Value{ std::int64_t{ 9'223'372'036'854'775'807 } });
  CHECK(parse_value_text(io("n", IoType::integer), "-9223372036854775808").has_value());
  CHECK(parse_value_text(io("n", IoType::integer), "12x").error().message
        == "\"n\": \"12x\" is not an integer");
  for (const char* text : { "nan", "NaN", "inf", "-infinity", "1e999" }) {
    CAPTURE(text);
    const auto refused = parse_value_text(io("f", IoType::float_), text);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("is not a finite number") != std::string::npos);
  }
  CHECK(parse_value_text(io("f", IoType::float_), "1e-3").value() == Value{ 0.001 });
}

TEST_SUITE_END();
