#pragma once

#include "core/application/log.hpp"
#include "core/domain/error.hpp"
#include "core/infrastructure/rpc/status.hpp"

#include <grpcpp/server_context.h>

#include <chrono>
#include <exception>
#include <string_view>

namespace ryax::daemon {

// The one dispatcher every gRPC handler goes through: runs `body` (a callable
// returning Result<void>), turns its error or any exception into a status,
// and logs the method, its outcome and its duration. Handlers never do that
// themselves.
template<typename Body>
grpc::Status
guarded(grpc::ServerContext* /*context*/, std::string_view method, Body&& body)
{
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status;
  try {
    Result<void> result = body();
    if (!result) {
      status = infra::rpc::to_grpc_status(result.error());
    }
  } catch (const std::exception& e) {
    app::log::error("{}: internal error: {}", method, e.what());
    status = grpc::Status(grpc::StatusCode::INTERNAL,
                          std::string("internal error: ") + e.what());
  } catch (...) { // not a std::exception: still one failed call, not a crash
    app::log::error("{}: internal error: unknown exception", method);
    status = grpc::Status(grpc::StatusCode::INTERNAL,
                          "internal error: unknown exception");
  }
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  if (status.ok()) {
    app::log::debug("{} ok in {} us", method, micros);
  } else {
    app::log::debug("{} failed in {} us: {}", method, micros,
                    status.error_message());
  }
  return status;
}

} // namespace ryax::daemon
