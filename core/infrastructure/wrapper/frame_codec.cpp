#include "core/infrastructure/wrapper/frame_codec.hpp"

namespace ryax::infra::wrapper {

namespace {

// Buffer capacity kept between frames; more is given back once consumed.
constexpr std::size_t k_keep_capacity_bytes = 1024u * 1024u;

} // namespace

void
encode_frame_header(std::uint32_t size, char* out)
{
  out[0] = static_cast<char>((size >> 24) & 0xff);
  out[1] = static_cast<char>((size >> 16) & 0xff);
  out[2] = static_cast<char>((size >> 8) & 0xff);
  out[3] = static_cast<char>(size & 0xff);
}

std::string
encode_frame(std::string_view payload)
{
  std::string frame(k_frame_header_bytes, '\0');
  encode_frame_header(static_cast<std::uint32_t>(payload.size()), frame.data());
  frame.append(payload);
  return frame;
}

void
FrameDecoder::feed(const char* data, std::size_t size)
{
  // Compact once the consumed prefix dominates, so the buffer stays small.
  if (m_offset == m_buffer.size()) {
    // A large frame must not pin its memory for the stream's life.
    if (m_buffer.capacity() > k_keep_capacity_bytes) {
      std::string().swap(m_buffer);
    }
    m_buffer.clear();
    m_offset = 0;
  } else if (m_offset > 0 && m_offset >= m_buffer.size() / 2) {
    m_buffer.erase(0, m_offset);
    m_offset = 0;
  }
  m_buffer.append(data, size);
}

Result<std::optional<std::string_view>>
FrameDecoder::next_view()
{
  if (buffered() < k_frame_header_bytes) {
    return std::optional<std::string_view>{};
  }
  const auto* p = reinterpret_cast<const unsigned char*>(m_buffer.data() + m_offset);
  const std::size_t size = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16)
                           | (std::size_t{p[2]} << 8) | std::size_t{p[3]};
  if (size > k_max_frame_bytes) {
    return fail(ErrorCode::invalid_argument,
                "frame of " + std::to_string(size) + " bytes exceeds the limit of "
                  + std::to_string(k_max_frame_bytes) + " bytes");
  }
  if (buffered() < k_frame_header_bytes + size) {
    return std::optional<std::string_view>{};
  }
  const std::string_view payload(m_buffer.data() + m_offset + k_frame_header_bytes, size);
  m_offset += k_frame_header_bytes + size;
  return std::optional<std::string_view>{payload};
}

Result<std::optional<std::string>>
FrameDecoder::next()
{
  RYAX_TRY_ASSIGN(const auto view, next_view());
  if (!view) {
    return std::optional<std::string>{};
  }
  return std::optional<std::string>{std::string(*view)};
}

} // namespace ryax::infra::wrapper
