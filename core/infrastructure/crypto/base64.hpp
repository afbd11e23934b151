#pragma once

#include <optional>
#include <string>
#include <string_view>

// Standard base64 (RFC 4648, section 4: "+/" and "=" padding), strict: for
// sealed values and keys, whose text must round-trip exactly.
namespace ryax::infra::crypto {

// `bytes` in base64, padded to a multiple of 4 characters.
std::string base64_encode(std::string_view bytes);

// The bytes of `text`, or nullopt when it is not canonical padded base64:
// a length that is not a multiple of 4, a character outside the alphabet
// (whitespace included), padding anywhere but at the end, or non-zero bits
// after the last byte.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace ryax::infra::crypto
