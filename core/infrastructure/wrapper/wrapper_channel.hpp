#pragma once

#include "core/domain/error.hpp"
#include "core/infrastructure/wrapper/frame_socket.hpp"

#include "ryax/v1/wrapper.pb.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace ryax::infra::wrapper {

// The client end of one connection to a ryax-wrapper (the framed protocol of
// proto/ryax/v1/wrapper.proto), shared by threads: each request gets an id,
// and the events answering it are handed to whoever waits for that id. No
// thread of its own: a thread waiting in next() reads the socket when no
// other thread does, and keeps the events of other requests for them (so a
// cancel's answer arrives while an execute streams on another thread).
// Once broken (the wrapper closed the connection, sent garbage or refused a
// frame) the channel stays broken and every call fails with unavailable.
class WrapperChannel
{
public:
  // A point in time on the steady clock.
  using TimePoint = std::chrono::steady_clock::time_point;

  // Connect to the UNIX socket `path`, retrying every few milliseconds
  // while it is missing or refuses (the wrapper is starting) until
  // `deadline`, or until `gave_up` returns true (e.g. the wrapper exited).
  // unavailable when no connection was made; invalid_argument for a path
  // over 107 bytes.
  static Result<std::unique_ptr<WrapperChannel>> connect_unix(
    const std::string& path, TimePoint deadline,
    const std::function<bool()>& gave_up);

  // Use the connected stream socket `fd` (owned).
  explicit WrapperChannel(int fd);
  WrapperChannel(const WrapperChannel&) = delete;
  WrapperChannel& operator=(const WrapperChannel&) = delete;

  // Give `request` a new request id (returned) and write it. Its events are
  // kept for next() until finish(). invalid_argument when it is over the
  // frame limit (nothing sent); unavailable when the channel is broken, or
  // breaks now.
  Result<std::uint64_t> send(v1::WrapperRequest& request);

  // The next event answering request `id`, in the order sent. Without a
  // deadline, waits as long as it takes. unavailable when the channel is or
  // gets broken; deadline_exceeded when `deadline` passed first (the
  // channel stays usable). Callbacks run by the caller after it returns run
  // without any lock held.
  Result<v1::WrapperEvent> next(std::uint64_t id,
                                std::optional<TimePoint> deadline);

  // Stop keeping events for request `id`; later ones are dropped.
  void finish(std::uint64_t id);

private:
  // Read one event (m_reading is held); park it or return it to `id`.
  // Called and returns with `lock` held.
  std::optional<v1::WrapperEvent> read_for(std::uint64_t id,
                                           std::optional<TimePoint> deadline,
                                           std::unique_lock<std::mutex>& lock);
  void set_broken(const Error& error); // m_mutex held

  FrameSocket m_socket;
  std::mutex m_write_mutex; // one writer at a time

  std::mutex m_mutex; // guards everything below
  std::condition_variable m_changed;
  bool m_reading = false; // a thread is reading the socket
  std::uint64_t m_next_id = 1;
  std::map<std::uint64_t, std::deque<v1::WrapperEvent>> m_inbox;
  std::optional<Error> m_broken;
};

} // namespace ryax::infra::wrapper
