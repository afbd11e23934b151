#pragma once

#include "core/domain/error.hpp"

#include <grpcpp/support/status.h>

namespace ryax::daemon {

// The gRPC status for `code` (the table of STYLE.md, in code once).
grpc::StatusCode to_grpc_code(ErrorCode code);

// `error` as a gRPC status carrying its message.
grpc::Status to_grpc_status(const Error& error);

// The error a failed gRPC status stands for (OK is not an error: internal).
Error from_grpc_status(const grpc::Status& status);

} // namespace ryax::daemon
