#include "cli/exit_code.hpp"
#include "core/infrastructure/rpc/status.hpp"

#include <doctest/doctest.h>

#include <set>

using ryax::ErrorCode;

TEST_SUITE_BEGIN("infra::rpc::status");

TEST_CASE("every error code survives the trip through a gRPC status")
{
  std::set<int> grpc_codes;
  for (const auto code : ryax::k_all_error_codes) {
    CAPTURE(ryax::to_string(code));
    const auto status = ryax::infra::rpc::to_grpc_status({code, "message of it"});
    grpc_codes.insert(static_cast<int>(status.error_code()));
    const auto back = ryax::infra::rpc::from_grpc_status(status);
    CHECK(back.code == code);
    CHECK(back.message == "message of it");
  }
  CHECK(grpc_codes.size() == std::size(ryax::k_all_error_codes)); // one-to-one
}

TEST_CASE("every error code has the exit code of the documented table")
{
  using namespace ryax::cli;
  CHECK(to_exit_code(ErrorCode::internal) == 1);
  CHECK(to_exit_code(ErrorCode::not_found) == 3);
  CHECK(to_exit_code(ErrorCode::permission_denied) == 4);
  CHECK(to_exit_code(ErrorCode::unauthenticated) == 4);
  CHECK(to_exit_code(ErrorCode::invalid_argument) == 5);
  CHECK(to_exit_code(ErrorCode::already_exists) == 5);
  CHECK(to_exit_code(ErrorCode::failed_precondition) == 5);
  CHECK(to_exit_code(ErrorCode::unavailable) == 7);
  CHECK(to_exit_code(ErrorCode::deadline_exceeded) == 124);
  for (const auto code : ryax::k_all_error_codes) {
    const std::string help = exit_code_help();
    CHECK(help.find("  " + std::to_string(to_exit_code(code)) + " ") != std::string::npos);
  }
}

TEST_CASE("statuses that are not errors of ours map to the closest category")
{
  const auto cancelled = ryax::infra::rpc::from_grpc_status(
    grpc::Status(grpc::StatusCode::CANCELLED, "x"));
  CHECK(cancelled.code == ErrorCode::unavailable);
  const auto unknown = ryax::infra::rpc::from_grpc_status(
    grpc::Status(grpc::StatusCode::UNKNOWN, "x"));
  CHECK(unknown.code == ErrorCode::internal);
}

TEST_CASE("a status made by to_grpc_status is told apart from a transport failure")
{
  const auto answer = ryax::infra::rpc::to_grpc_status(
    { ErrorCode::unavailable, "fetching \"https://x.invalid/r.git\": no" });
  CHECK(answer.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(ryax::infra::rpc::is_ryax_answer(answer));
  CHECK_FALSE(ryax::infra::rpc::is_ryax_answer(
    grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect")));
}

TEST_SUITE_END();
