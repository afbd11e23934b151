#include "core/infrastructure/wrapper/wire_values.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace ryax;
using infra::wrapper::runtime_outcome;
using nlohmann::json;

namespace {

std::vector<domain::IoSpec>
specs()
{
  domain::IoSpec y;
  y.name = "y";
  y.type = domain::IoType::integer;
  domain::IoSpec f;
  f.name = "f";
  f.type = domain::IoType::float_;
  return { y, f };
}

// The message of the StepError `sets` gives, "" when it gives none.
std::string
refused(const std::string& sets)
{
  const auto outcome = runtime_outcome(json::parse(sets), false, specs());
  const auto* error = std::get_if<domain::StepError>(&outcome);
  if (error == nullptr) {
    return "";
  }
  CHECK(error->kind == "invalid_output");
  return error->message;
}

} // namespace

TEST_CASE("runtime outputs beyond 64-bit integers are refused not wrapped")
{
  // What a runtime that checks nothing would send for 2**64 - 1 and 2**70.
  CHECK(refused(R"([{"y": 18446744073709551615}])") ==
        "output \"y\" (integer): 18446744073709551615 is outside 64-bit "
        "integers");
  CHECK(refused(R"([{"y": 1180591620717411303424}])").find(
          "is outside 64-bit integers") != std::string::npos);
  CHECK(refused(R"([{"other": 18446744073709551615}])") ==
        "output \"other\": 18446744073709551615 is outside 64-bit integers");

  const auto max = runtime_outcome(
    json::parse(R"([{"y": 9223372036854775807, "f": -1e308}])"), false, specs());
  const auto* outputs = std::get_if<domain::Outputs>(&max);
  REQUIRE(outputs);
  CHECK(std::get<std::int64_t>(outputs->at("y")) == INT64_MAX);
  CHECK(std::get<double>(outputs->at("f")) == -1e308);
}
