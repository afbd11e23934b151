#pragma once

#include "core/domain/error.hpp"
#include "core/infrastructure/wrapper/frame_codec.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace google::protobuf {
class MessageLite;
} // namespace google::protobuf

namespace ryax::infra::wrapper {

// A connected stream socket carrying protobuf messages as frames (the
// daemon <-> ryax-wrapper protocol, proto/ryax/v1/wrapper.proto): a 4-byte
// big-endian length, then the serialized message, at most
// k_max_frame_bytes. Owns the descriptor (closed on destruction), which
// stays in blocking mode. One thread may send while another receives;
// two senders or two receivers need a lock of their own.
class FrameSocket
{
public:
  // Take ownership of the connected socket `fd`.
  explicit FrameSocket(int fd);
  ~FrameSocket();
  FrameSocket(const FrameSocket&) = delete;
  FrameSocket& operator=(const FrameSocket&) = delete;

  // The socket's descriptor, for poll().
  int fd() const { return m_fd; }

  // Give up a write that the peer does not take within `timeout` (0: wait
  // forever, the default): send() then fails with unavailable.
  void set_send_timeout(std::chrono::milliseconds timeout);

  // Write the queued frames, then `message` as one frame, in one write when
  // they fit. invalid_argument when the message exceeds k_max_frame_bytes
  // (it is not written; the queued frames are); unavailable when the peer is
  // gone or the send timeout passed (the stream is then unusable).
  Result<void> send(const google::protobuf::MessageLite& message);

  // Add `message` as one frame to those written by the next send() or
  // flush(); writes them now once they pass k_flush_bytes (a chatty
  // handler's log lines go out in batches, not one write each). Failures as
  // for send().
  Result<void> queue(const google::protobuf::MessageLite& message);

  // Write the queued frames. unavailable as for send().
  Result<void> flush();

  // Bytes of queued frames past which queue() writes them.
  static constexpr std::size_t k_flush_bytes = 64u * 1024u;

  // Wait for the next frame and parse it into `message`. Without a
  // deadline, blocks until one arrives. unavailable when the peer closed
  // the connection or on a read error; deadline_exceeded when `deadline`
  // passed first (the stream stays usable); invalid_argument for a frame
  // over k_max_frame_bytes or one that does not parse (the stream is then
  // unusable).
  Result<void> receive(google::protobuf::MessageLite& message,
                       std::optional<std::chrono::steady_clock::time_point> deadline);

  // Read what the socket holds now, without waiting (after poll() said it
  // is readable). unavailable when the peer closed the connection (even in
  // the middle of a frame) or on a read error.
  Result<void> read_available();

  // Parse the next buffered frame into `message`: true when there was one,
  // false when more bytes are needed. invalid_argument as for receive().
  Result<bool> next(google::protobuf::MessageLite& message);

private:
  // One recv(): append what came to the decoder. unavailable on EOF or
  // error; false when `wait` is false and nothing was there.
  Result<bool> read_once(bool wait);

  int m_fd = -1;
  FrameDecoder m_decoder;
  // Serialize `message` as a frame at the end of m_send_buffer.
  Result<void> append(const google::protobuf::MessageLite& message);

  std::string m_send_buffer; // frames not written yet; reused across writes
};

} // namespace ryax::infra::wrapper
