#include "core/domain/error.hpp"

namespace ryax {

std::string_view
to_string(ErrorCode code)
{
  switch (code) {
  case ErrorCode::invalid_argument:
    return "invalid_argument";
  case ErrorCode::not_found:
    return "not_found";
  case ErrorCode::already_exists:
    return "already_exists";
  case ErrorCode::failed_precondition:
    return "failed_precondition";
  case ErrorCode::permission_denied:
    return "permission_denied";
  case ErrorCode::unauthenticated:
    return "unauthenticated";
  case ErrorCode::unavailable:
    return "unavailable";
  case ErrorCode::deadline_exceeded:
    return "deadline_exceeded";
  case ErrorCode::internal:
    return "internal";
  }
  return "internal";
}

} // namespace ryax

namespace ryax {

std::optional<ErrorCode>
parse_error_code(std::string_view text)
{
  for (const auto code : k_all_error_codes) {
    if (to_string(code) == text) {
      return code;
    }
  }
  return std::nullopt;
}

} // namespace ryax
