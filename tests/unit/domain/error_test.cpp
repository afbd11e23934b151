#include "core/domain/error.hpp"

#include <doctest/doctest.h>

#include <expected>
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

ryax::Result<void>
check_even(int value)
{
  RYAX_TRY(half(value));
  return {};
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

TEST_CASE("a Result is a std::expected built the same ways")
{
  CHECK(check_even(4));
  CHECK_FALSE(check_even(3));
  const std::expected<int, ryax::Error> plain = 7;
  const ryax::Result<int> from_plain = plain;
  CHECK(from_plain.value() == 7);
  const ryax::Result<std::string> failed =
    std::unexpected(ryax::Error{ ErrorCode::not_found, "x" });
  CHECK(failed.error().message == "x");
  const ryax::Result<std::string> empty = {};
  CHECK(empty.value().empty());
}

TEST_CASE("a copy of a Result<bool> keeps its state, not its truth value")
{
  ryax::Result<bool> no = false;
  ryax::Result<bool> copy(no); // a non-const lvalue
  REQUIRE(copy.has_value());
  CHECK_FALSE(copy.value());
  ryax::Result<bool> failed = ryax::fail(ErrorCode::internal, "broken");
  ryax::Result<bool> failed_copy(failed);
  REQUIRE_FALSE(failed_copy.has_value());
  CHECK(failed_copy.error().message == "broken");
}

TEST_SUITE_END();
