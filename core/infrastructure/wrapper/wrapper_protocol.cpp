#include "core/infrastructure/wrapper/wrapper_protocol.hpp"

#include <iterator>

namespace ryax::infra::wrapper {

namespace {

// ErrorCode (by declaration order) -> wire value.
constexpr v1::WrapperErrorCode k_wire_codes[] = {
  v1::WRAPPER_ERROR_CODE_INVALID_ARGUMENT,    v1::WRAPPER_ERROR_CODE_NOT_FOUND,
  v1::WRAPPER_ERROR_CODE_ALREADY_EXISTS,      v1::WRAPPER_ERROR_CODE_FAILED_PRECONDITION,
  v1::WRAPPER_ERROR_CODE_PERMISSION_DENIED,   v1::WRAPPER_ERROR_CODE_UNAUTHENTICATED,
  v1::WRAPPER_ERROR_CODE_UNAVAILABLE,         v1::WRAPPER_ERROR_CODE_DEADLINE_EXCEEDED,
  v1::WRAPPER_ERROR_CODE_INTERNAL,
};
static_assert(std::size(k_wire_codes) == std::size(k_all_error_codes));

} // namespace

v1::WrapperErrorCode
to_wire(ErrorCode code)
{
  return k_wire_codes[static_cast<std::size_t>(code)];
}

ErrorCode
from_wire(int code)
{
  for (std::size_t i = 0; i < std::size(k_wire_codes); ++i) {
    if (k_wire_codes[i] == code) {
      return k_all_error_codes[i];
    }
  }
  return ErrorCode::internal;
}

v1::WrapperEvent
failure_event(std::uint64_t request_id, const Error& error)
{
  v1::WrapperEvent event;
  event.set_request_id(request_id);
  event.mutable_failure()->set_code(to_wire(error.code));
  event.mutable_failure()->set_message(error.message);
  return event;
}

Error
error_from_failure(const v1::WrapperFailure& failure, const std::string& what)
{
  return {from_wire(failure.code()), what.empty() ? failure.message() : what + ": " + failure.message()};
}

} // namespace ryax::infra::wrapper
