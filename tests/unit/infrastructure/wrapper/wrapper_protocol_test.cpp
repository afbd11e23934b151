#include "core/infrastructure/wrapper/wrapper_protocol.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace ryax;
using namespace ryax::infra::wrapper;

TEST_SUITE_BEGIN("infra::wrapper::protocol");

TEST_CASE("every error code crosses the wire and back unchanged, on a value of its own")
{
  std::set<int> wire;
  for (const auto code : k_all_error_codes) {
    CAPTURE(to_string(code));
    CHECK(from_wire(to_wire(code)) == code);
    CHECK(to_wire(code) != v1::WRAPPER_ERROR_CODE_UNSPECIFIED);
    wire.insert(to_wire(code));
  }
  CHECK(wire.size() == std::size(k_all_error_codes));
}

TEST_CASE("an unspecified or unknown wire code reads as internal")
{
  CHECK(from_wire(v1::WRAPPER_ERROR_CODE_UNSPECIFIED) == ErrorCode::internal);
  CHECK(from_wire(1000) == ErrorCode::internal);
}

TEST_CASE("a failure event answers its request and reads back as the same error")
{
  const auto event = failure_event(12, {ErrorCode::not_found, "no execution \"x\" is running"});
  CHECK(event.request_id() == 12);
  REQUIRE(event.has_failure());
  const auto error = error_from_failure(event.failure(), "cancel \"x\"");
  CHECK(error.code == ErrorCode::not_found);
  CHECK(error.message == "cancel \"x\": no execution \"x\" is running");
  CHECK(error_from_failure(event.failure(), "").message == "no execution \"x\" is running");
}

TEST_SUITE_END();
