#include "core/domain/error.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using ryax::ErrorCode;

TEST_SUITE_BEGIN("domain::Error");

namespace {
ryax::Result<int>
half(int value)
{
  if (value % 2 != 0) {
    return ryax::fail(ErrorCode::invalid_argument, "odd");
  }
  return value / 2;
}

ryax::Result<int>
quarter(int value)
{
  RYAX_TRY_ASSIGN(const int h, half(value));
  RYAX_TRY_ASSIGN(const int q, half(h));
  return q;
}
} // namespace

TEST_CASE("every error code has a distinct stable name")
{
  std::set<std::string> names;
  for (const auto code : ryax::k_all_error_codes) {
    names.insert(std::string(ryax::to_string(code)));
  }
  CHECK(names.size() == std::size(ryax::k_all_error_codes));
  CHECK(ryax::to_string(ErrorCode::not_found) == "not_found");
}

TEST_CASE("RYAX_TRY_ASSIGN propagates the first failure")
{
  CHECK(quarter(8).value() == 2);
  const auto result = quarter(6);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == ErrorCode::invalid_argument);
}

TEST_SUITE_END();
