#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ryax {

// The closed set of failure categories. Each maps one-to-one to a gRPC status
// (core/infrastructure/rpc/status.cpp) and to a CLI exit code
// (cli/exit_code.cpp).
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

// The outcome of an operation that can fail: a T, or an Error. It is a
// std::expected<T, Error> (same members, same constructors) that cannot be
// dropped: ignoring a returned Result is an error under -Werror. Cast it to
// (void) where ignoring is right, with a comment saying why.
template<typename T>
class [[nodiscard]] Result : public std::expected<T, Error>
{
public:
  using Base = std::expected<T, Error>;
  using Base::Base;

  // A value-initialised T (for Result<void>: `return {};`); deleted when T
  // has no default constructor.
  constexpr Result() = default;

  // From the std::expected it is.
  constexpr Result(const Base& other) : Base(other) {}
  constexpr Result(Base&& other) : Base(std::move(other)) {}

  constexpr Result(const Result&) = default;
  constexpr Result(Result&&) = default;
  constexpr Result& operator=(const Result&) = default;
  constexpr Result& operator=(Result&&) = default;
  // A copy from a non-const lvalue. Without it, std::expected's converting
  // constructor from a value would be the better match for a T that can be
  // made from a Result (Result<bool>, through its explicit operator bool).
  constexpr Result(Result& other) : Base(static_cast<const Base&>(other)) {}
};

// Build a failed Result of any type.
inline std::unexpected<Error>
fail(ErrorCode code, std::string message)
{
  return std::unexpected(Error{code, std::move(message)});
}

// The snake_case name of `code` ("not_found"), stable for JSON output.
std::string_view to_string(ErrorCode code);

// The code named `text` as to_string spells it, or nullopt.
std::optional<ErrorCode> parse_error_code(std::string_view text);

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
