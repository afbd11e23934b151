#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace ryax {

// The closed set of failure categories. Each maps one-to-one to a gRPC status
// (daemon/status.cpp) and to a CLI exit code (cli/exit_code.cpp).
enum class ErrorCode {
  invalid_argument,
  not_found,
  already_exists,
  failed_precondition,
  permission_denied,
  unauthenticated,
  unavailable,
  deadline_exceeded,
  internal,
};

// Every ErrorCode, in declaration order, for tables and tests.
inline constexpr ErrorCode k_all_error_codes[] = {
  ErrorCode::invalid_argument, ErrorCode::not_found,
  ErrorCode::already_exists,   ErrorCode::failed_precondition,
  ErrorCode::permission_denied, ErrorCode::unauthenticated,
  ErrorCode::unavailable,      ErrorCode::deadline_exceeded,
  ErrorCode::internal,
};

// An expected failure. `message` names the thing (file:line, field, id),
// starts lower-case and has no final period.
struct Error
{
  ErrorCode code;
  std::string message;
};

template<typename T> using Result = std::expected<T, Error>;

// Build a failed Result of any type.
inline std::unexpected<Error>
fail(ErrorCode code, std::string message)
{
  return std::unexpected(Error{code, std::move(message)});
}

// The snake_case name of `code` ("not_found"), stable for JSON output.
std::string_view to_string(ErrorCode code);

} // namespace ryax

// Propagate a failed Result from the enclosing function.
#define RYAX_TRY(expr)                                                         \
  do {                                                                         \
    auto&& ryax_try_result_ = (expr);                                          \
    if (!ryax_try_result_) {                                                   \
      return std::unexpected(std::move(ryax_try_result_).error());             \
    }                                                                          \
  } while (false)

#define RYAX_CONCAT_INNER_(a, b) a##b
#define RYAX_CONCAT_(a, b) RYAX_CONCAT_INNER_(a, b)

// Declare `var` from a successful Result, or propagate its failure.
#define RYAX_TRY_ASSIGN(var, expr)                                             \
  RYAX_TRY_ASSIGN_IMPL_(RYAX_CONCAT_(ryax_try_assign_, __LINE__), var, expr)
#define RYAX_TRY_ASSIGN_IMPL_(tmp, var, expr)                                  \
  auto&& tmp = (expr);                                                         \
  if (!tmp) {                                                                  \
    return std::unexpected(std::move(tmp).error());                            \
  }                                                                            \
  var = std::move(*tmp)
