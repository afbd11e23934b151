#include "core/infrastructure/rpc/status.hpp"

namespace ryax::infra::rpc {

namespace {

// The error details of every status made by to_grpc_status; gRPC sends them
// as the grpc-status-details-bin trailer, which its transport never sets.
constexpr const char* k_answer_marker = "ryax";

} // namespace

grpc::StatusCode
to_grpc_code(ErrorCode code)
{
  switch (code) {
  case ErrorCode::invalid_argument:
    return grpc::StatusCode::INVALID_ARGUMENT;
  case ErrorCode::not_found:
    return grpc::StatusCode::NOT_FOUND;
  case ErrorCode::already_exists:
    return grpc::StatusCode::ALREADY_EXISTS;
  case ErrorCode::failed_precondition:
    return grpc::StatusCode::FAILED_PRECONDITION;
  case ErrorCode::permission_denied:
    return grpc::StatusCode::PERMISSION_DENIED;
  case ErrorCode::unauthenticated:
    return grpc::StatusCode::UNAUTHENTICATED;
  case ErrorCode::unavailable:
    return grpc::StatusCode::UNAVAILABLE;
  case ErrorCode::deadline_exceeded:
    return grpc::StatusCode::DEADLINE_EXCEEDED;
  case ErrorCode::internal:
    return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

std::string_view
code_name(grpc::StatusCode code)
{
  static constexpr std::string_view k_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
  };
  const auto index = static_cast<std::size_t>(code);
  return index < std::size(k_names) ? k_names[index] : "UNKNOWN";
}

grpc::Status
to_grpc_status(const Error& error)
{
  return grpc::Status(to_grpc_code(error.code), error.message, k_answer_marker);
}

bool
is_ryax_answer(const grpc::Status& status)
{
  return status.error_details() == k_answer_marker;
}

Error
from_grpc_status(const grpc::Status& status)
{
  ErrorCode code = ErrorCode::internal;
  switch (status.error_code()) {
  case grpc::StatusCode::INVALID_ARGUMENT:
  case grpc::StatusCode::OUT_OF_RANGE:
    code = ErrorCode::invalid_argument;
    break;
  case grpc::StatusCode::NOT_FOUND:
    code = ErrorCode::not_found;
    break;
  case grpc::StatusCode::ALREADY_EXISTS:
    code = ErrorCode::already_exists;
    break;
  case grpc::StatusCode::FAILED_PRECONDITION:
  case grpc::StatusCode::ABORTED:
    code = ErrorCode::failed_precondition;
    break;
  case grpc::StatusCode::PERMISSION_DENIED:
    code = ErrorCode::permission_denied;
    break;
  case grpc::StatusCode::UNAUTHENTICATED:
    code = ErrorCode::unauthenticated;
    break;
  case grpc::StatusCode::UNAVAILABLE:
  case grpc::StatusCode::CANCELLED:
    code = ErrorCode::unavailable;
    break;
  case grpc::StatusCode::DEADLINE_EXCEEDED:
    code = ErrorCode::deadline_exceeded;
    break;
  default:
    code = ErrorCode::internal;
    break;
  }
  return Error{code, status.error_message()};
}

} // namespace ryax::infra::rpc
