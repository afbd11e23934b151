#pragma once

#include "core/domain/error.hpp"

#include <grpcpp/support/status.h>

#include <string_view>

// The one mapping between ErrorCode and gRPC status codes, used by ryaxd,
// ryax, the wrapper client and ryax-wrapper. The namespace is "rpc", not
// "grpc": a ryax::infra::grpc would hide ::grpc from all of ryax::infra.
namespace ryax::infra::rpc {

// The gRPC status for `code` (the table of STYLE.md and ARCHITECTURE.md,
// in code once).
grpc::StatusCode to_grpc_code(ErrorCode code);

// The name of `code` as gRPC spells it ("OK", "NOT_FOUND"...), for metrics.
std::string_view code_name(grpc::StatusCode code);

// `error` as a gRPC status carrying its message, marked as an answer of
// ryax (is_ryax_answer) in its error details.
grpc::Status to_grpc_status(const Error& error);

// Whether `status` was made by to_grpc_status on the other side: an answer
// of the server (say a git fetch it could not make: UNAVAILABLE), not a
// failure of the transport to reach it (also UNAVAILABLE).
bool is_ryax_answer(const grpc::Status& status);

// The error a failed gRPC status stands for (OK is not an error: internal).
Error from_grpc_status(const grpc::Status& status);

} // namespace ryax::infra::rpc
