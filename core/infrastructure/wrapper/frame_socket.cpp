#include "core/infrastructure/wrapper/frame_socket.hpp"

#include <google/protobuf/message_lite.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ryax::infra::wrapper {

namespace {

// Bytes asked of one recv(): a typical frame and its neighbours in one call.
constexpr std::size_t k_read_chunk = 64u * 1024u;

std::string
errno_text(int error)
{
  return std::strerror(error);
}

} // namespace

FrameSocket::FrameSocket(int fd) : m_fd(fd) {}

FrameSocket::~FrameSocket()
{
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

void
FrameSocket::set_send_timeout(std::chrono::milliseconds timeout)
{
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

Result<void>
FrameSocket::append(const google::protobuf::MessageLite& message)
{
  const std::size_t size = message.ByteSizeLong();
  if (size > k_max_frame_bytes) {
    return fail(ErrorCode::invalid_argument, "a message of " + std::to_string(size)
                                               + " bytes exceeds the frame limit of "
                                               + std::to_string(k_max_frame_bytes) + " bytes");
  }
  const std::size_t start = m_send_buffer.size();
  m_send_buffer.resize(start + k_frame_header_bytes + size);
  encode_frame_header(static_cast<std::uint32_t>(size), m_send_buffer.data() + start);
  message.SerializeWithCachedSizesToArray(
    reinterpret_cast<std::uint8_t*>(m_send_buffer.data() + start + k_frame_header_bytes));
  return {};
}

Result<void>
FrameSocket::queue(const google::protobuf::MessageLite& message)
{
  RYAX_TRY(append(message));
  if (m_send_buffer.size() >= k_flush_bytes) {
    return flush();
  }
  return {};
}

Result<void>
FrameSocket::send(const google::protobuf::MessageLite& message)
{
  auto appended = append(message);
  RYAX_TRY(flush());
  return appended;
}

Result<void>
FrameSocket::flush()
{
  std::size_t done = 0;
  while (done < m_send_buffer.size()) {
    const auto n = ::send(m_fd, m_send_buffer.data() + done, m_send_buffer.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      m_send_buffer.clear();
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return fail(ErrorCode::unavailable, "the peer does not read the connection");
      }
      return fail(ErrorCode::unavailable, "cannot write to the connection: " + errno_text(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  m_send_buffer.clear();
  // Large messages must not pin their memory for the connection's life.
  if (m_send_buffer.capacity() > 4 * k_flush_bytes) {
    std::string().swap(m_send_buffer);
  }
  return {};
}

Result<bool>
FrameSocket::read_once(bool wait)
{
  char buffer[k_read_chunk];
  while (true) {
    const auto n = ::recv(m_fd, buffer, sizeof(buffer), wait ? 0 : MSG_DONTWAIT);
    if (n > 0) {
      m_decoder.feed(buffer, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      return fail(ErrorCode::unavailable, m_decoder.buffered() > 0
                                            ? "the connection ended in the middle of a frame"
                                            : "the connection was closed");
    }
    if (errno == EINTR) {
      continue;
    }
    if (!wait && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return false;
    }
    return fail(ErrorCode::unavailable, "cannot read the connection: " + errno_text(errno));
  }
}

Result<void>
FrameSocket::read_available()
{
  RYAX_TRY(read_once(false));
  return {};
}

Result<bool>
FrameSocket::next(google::protobuf::MessageLite& message)
{
  RYAX_TRY_ASSIGN(const auto payload, m_decoder.next_view());
  if (!payload) {
    return false;
  }
  if (!message.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
    return fail(ErrorCode::invalid_argument,
                "a frame of " + std::to_string(payload->size()) + " bytes is not a "
                  + message.GetTypeName());
  }
  return true;
}

Result<void>
FrameSocket::receive(google::protobuf::MessageLite& message,
                     std::optional<std::chrono::steady_clock::time_point> deadline)
{
  while (true) {
    RYAX_TRY_ASSIGN(const bool got, next(message));
    if (got) {
      return {};
    }
    if (!deadline) {
      RYAX_TRY(read_once(true));
      continue;
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return fail(ErrorCode::deadline_exceeded, "no answer in time");
    }
    pollfd fd{m_fd, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      return fail(ErrorCode::unavailable, "cannot wait for the connection: " + errno_text(errno));
    }
    if (ready > 0) {
      RYAX_TRY(read_once(false));
    }
  }
}

} // namespace ryax::infra::wrapper
