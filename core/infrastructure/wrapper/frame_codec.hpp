#pragma once

#include "core/domain/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ryax::infra::wrapper {

// Largest frame payload accepted, in bytes (64 MiB), on both channels: the
// daemon <-> wrapper socket and the wrapper <-> language runtime one.
inline constexpr std::size_t k_max_frame_bytes = 64u * 1024u * 1024u;

// Bytes of the length prefix of a frame.
inline constexpr std::size_t k_frame_header_bytes = 4;

// `payload` prefixed by its length as 4 bytes, big-endian: the framing of
// the wrapper's channels.
std::string encode_frame(std::string_view payload);

// Write the 4-byte big-endian prefix of a `size`-byte payload at `out`.
void encode_frame_header(std::uint32_t size, char* out);

// Splits a byte stream into frames written by encode_frame. Memory stays
// bounded by k_max_frame_bytes plus one read: an announced length is checked
// before its bytes are awaited, and nothing is reserved on its word.
class FrameDecoder
{
public:
  // Append `size` bytes read from the stream. Invalidates the views returned
  // by next_view().
  void feed(const char* data, std::size_t size);

  // The next complete payload, nullopt when more bytes are needed.
  // invalid_argument when a frame announces more than k_max_frame_bytes
  // (the message gives both sizes); the stream cannot be resynchronised.
  Result<std::optional<std::string>> next();

  // As next(), without a copy: the view stays valid until the next call of
  // feed().
  Result<std::optional<std::string_view>> next_view();

  // Bytes buffered but not yet returned.
  std::size_t buffered() const { return m_buffer.size() - m_offset; }

private:
  std::string m_buffer;
  std::size_t m_offset = 0;
};

} // namespace ryax::infra::wrapper
