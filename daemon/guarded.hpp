#pragma once

#include "core/application/log.hpp"
#include "core/application/metrics.hpp"
#include "core/domain/error.hpp"
#include "core/infrastructure/rpc/status.hpp"
#include "daemon/gate.hpp"

#include <grpcpp/server_context.h>

#include <chrono>
#include <exception>
#include <string_view>
#include <type_traits>

namespace ryax::daemon {

// The one dispatcher every gRPC handler goes through: admits the caller
// through `gate` (authentication and the permission table, before anything
// else), runs `body` (a callable returning Result<void>, given the Caller
// when it takes one), turns its error or any exception into a status, and
// logs the method, its outcome and its duration. Handlers never do that
// themselves.
template<typename Body>
grpc::Status
guarded(Gate& gate,
        grpc::ServerContext* context,
        std::string_view method,
        Body&& body)
{
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status;
  try {
    auto caller = gate.admit(context, method);
    Result<void> result =
      !caller ? Result<void>(std::unexpected(caller.error()))
              : [&]() -> Result<void> {
      if constexpr (std::is_invocable_v<Body, const Caller&>) {
        auto outcome = body(*caller);
        gate.ended(*caller, method, outcome);
        return outcome;
      } else {
        auto outcome = body();
        gate.ended(*caller, method, outcome);
        return outcome;
      }
    }();
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
  if (auto* recorder = app::metrics::recorder()) {
    recorder->call_ended(method,
                         infra::rpc::code_name(status.error_code()),
                         static_cast<double>(micros) / 1e6);
  }
  if (status.ok()) {
    app::log::debug("{} ok in {} us", method, micros);
  } else {
    app::log::debug("{} failed in {} us: {}", method, micros,
                    status.error_message());
  }
  return status;
}

} // namespace ryax::daemon
