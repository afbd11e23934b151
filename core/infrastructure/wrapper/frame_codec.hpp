#pragma once

#include "core/domain/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ryax::infra::wrapper {

// Largest frame payload accepted, in bytes (64 MiB).
inline constexpr std::size_t k_max_frame_bytes = 64u * 1024u * 1024u;

// `payload` prefixed by its length as 4 bytes, big-endian: the framing of
// the wrapper <-> language runtime channel.
std::string encode_frame(std::string_view payload);

// Splits a byte stream into frames written by encode_frame.
class FrameDecoder
{
public:
  // Append `size` bytes read from the stream.
  void feed(const char* data, std::size_t size);

  // The next complete payload, nullopt when more bytes are needed.
  // invalid_argument when a frame announces more than k_max_frame_bytes.
  Result<std::optional<std::string>> next();

  // Bytes buffered but not yet returned.
  std::size_t buffered() const { return m_buffer.size() - m_offset; }

private:
  std::string m_buffer;
  std::size_t m_offset = 0;
};

} // namespace ryax::infra::wrapper
