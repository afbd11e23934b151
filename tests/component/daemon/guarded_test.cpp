#include "daemon/guarded.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using ryax::ErrorCode;
using ryax::Result;
using ryax::daemon::guarded;

TEST_SUITE_BEGIN("daemon::guarded");

TEST_CASE("a handler's error becomes the status of its code, with its message")
{
  const auto status = guarded(nullptr, "Test", []() -> Result<void> {
    return ryax::fail(ErrorCode::not_found, "workflow \"x\" not found");
  });
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(status.error_message() == "workflow \"x\" not found");
  CHECK(guarded(nullptr, "Test", []() -> Result<void> { return {}; }).ok());
}

TEST_CASE("any exception in a handler is an INTERNAL status, never a crash")
{
  const auto thrown = guarded(nullptr, "Test", []() -> Result<void> {
    throw std::runtime_error("boom");
  });
  CHECK(thrown.error_code() == grpc::StatusCode::INTERNAL);
  CHECK(thrown.error_message() == "internal error: boom");
  const auto odd = guarded(nullptr, "Test", []() -> Result<void> { throw 42; });
  CHECK(odd.error_code() == grpc::StatusCode::INTERNAL);
  CHECK(odd.error_message() == "internal error: unknown exception");
}

TEST_SUITE_END();
