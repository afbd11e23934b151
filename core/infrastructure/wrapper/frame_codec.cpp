#include "core/infrastructure/wrapper/frame_codec.hpp"

namespace ryax::infra::wrapper {

std::string
encode_frame(std::string_view payload)
{
  const auto size = static_cast<std::uint32_t>(payload.size());
  std::string frame;
  frame.reserve(payload.size() + 4);
  frame.push_back(static_cast<char>((size >> 24) & 0xff));
  frame.push_back(static_cast<char>((size >> 16) & 0xff));
  frame.push_back(static_cast<char>((size >> 8) & 0xff));
  frame.push_back(static_cast<char>(size & 0xff));
  frame.append(payload);
  return frame;
}

void
FrameDecoder::feed(const char* data, std::size_t size)
{
  // Compact once the consumed prefix dominates, so the buffer stays small.
  if (m_offset > 0 && m_offset >= m_buffer.size() / 2) {
    m_buffer.erase(0, m_offset);
    m_offset = 0;
  }
  m_buffer.append(data, size);
}

Result<std::optional<std::string>>
FrameDecoder::next()
{
  if (buffered() < 4) {
    return std::optional<std::string>{};
  }
  const auto* p = reinterpret_cast<const unsigned char*>(m_buffer.data() + m_offset);
  const std::size_t size = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16)
                           | (std::size_t{p[2]} << 8) | std::size_t{p[3]};
  if (size > k_max_frame_bytes) {
    return fail(ErrorCode::invalid_argument,
                "frame of " + std::to_string(size) + " bytes exceeds the limit");
  }
  if (buffered() < 4 + size) {
    return std::optional<std::string>{};
  }
  std::string payload = m_buffer.substr(m_offset + 4, size);
  m_offset += 4 + size;
  if (m_offset == m_buffer.size()) {
    m_buffer.clear();
    m_offset = 0;
  }
  return std::optional<std::string>{std::move(payload)};
}

} // namespace ryax::infra::wrapper
