#pragma once

#include "core/domain/error.hpp"

#include "ryax/v1/wrapper.pb.h"

#include <cstdint>

namespace ryax::infra::wrapper {

// The wire value of `code` in a WrapperFailure.
v1::WrapperErrorCode to_wire(ErrorCode code);

// The ErrorCode of a wire value; unspecified and unknown values (a newer
// peer) are internal.
ErrorCode from_wire(int code);

// A WrapperEvent answering `request_id` with the failure `error`.
v1::WrapperEvent failure_event(std::uint64_t request_id, const Error& error);

// The Error a WrapperFailure stands for, its message prefixed by `what` and
// ": " when `what` is not empty.
Error error_from_failure(const v1::WrapperFailure& failure,
                         const std::string& what);

} // namespace ryax::infra::wrapper
