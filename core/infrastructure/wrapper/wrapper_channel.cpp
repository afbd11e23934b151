#include "core/infrastructure/wrapper/wrapper_channel.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace ryax::infra::wrapper {

namespace {

// A write the wrapper does not take within this time breaks the channel.
constexpr auto k_send_timeout = std::chrono::seconds(30);

} // namespace

Result<std::unique_ptr<WrapperChannel>>
WrapperChannel::connect_unix(const std::string& path, TimePoint deadline,
                             const std::function<bool()>& gave_up)
{
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return fail(ErrorCode::invalid_argument, "socket path \"" + path + "\" is longer than "
                                               + std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  while (true) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return fail(ErrorCode::unavailable, std::string("socket: ") + std::strerror(errno));
    }
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
      return std::make_unique<WrapperChannel>(fd);
    }
    const int error = errno;
    ::close(fd);
    if (error != ENOENT && error != ECONNREFUSED && error != EAGAIN && error != EINTR) {
      return fail(ErrorCode::unavailable, "cannot connect to " + path + ": " + std::strerror(error));
    }
    if (gave_up && gave_up()) {
      return fail(ErrorCode::unavailable, "nobody serves " + path);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(ErrorCode::unavailable, "nobody serves " + path + " (" + std::strerror(error) + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

WrapperChannel::WrapperChannel(int fd) : m_socket(fd)
{
  m_socket.set_send_timeout(k_send_timeout);
}

void
WrapperChannel::set_broken(const Error& error)
{
  if (!m_broken) {
    m_broken = Error{ErrorCode::unavailable, error.message};
    ::shutdown(m_socket.fd(), SHUT_RDWR);
  }
  m_changed.notify_all();
}

Result<std::uint64_t>
WrapperChannel::send(v1::WrapperRequest& request)
{
  std::uint64_t id = 0;
  {
    std::lock_guard lock(m_mutex);
    if (m_broken) {
      return std::unexpected(*m_broken);
    }
    id = m_next_id++;
    m_inbox[id];
  }
  request.set_request_id(id);
  Result<void> sent;
  {
    std::lock_guard lock(m_write_mutex);
    sent = m_socket.send(request);
  }
  if (!sent) {
    std::lock_guard lock(m_mutex);
    m_inbox.erase(id);
    if (sent.error().code != ErrorCode::invalid_argument) {
      set_broken(sent.error());
    }
    return std::unexpected(sent.error());
  }
  return id;
}

std::optional<v1::WrapperEvent>
WrapperChannel::read_for(std::uint64_t id, std::optional<TimePoint> deadline,
                         std::unique_lock<std::mutex>& lock)
{
  m_reading = true;
  lock.unlock();
  v1::WrapperEvent event;
  auto received = m_socket.receive(event, deadline);
  lock.lock();
  m_reading = false;
  // Another waiter may read now, or find its event parked.
  m_changed.notify_all();
  if (!received) {
    if (received.error().code != ErrorCode::deadline_exceeded) {
      set_broken(received.error());
    }
    return std::nullopt;
  }
  if (event.request_id() == 0 && event.has_failure()) {
    // The wrapper refused the connection or a frame, and closes.
    set_broken({ErrorCode::unavailable, "ryax-wrapper refused the connection: " + event.failure().message()});
    return std::nullopt;
  }
  if (event.request_id() == id) {
    return event;
  }
  if (auto parked = m_inbox.find(event.request_id()); parked != m_inbox.end()) {
    parked->second.push_back(std::move(event));
  }
  return std::nullopt;
}

Result<v1::WrapperEvent>
WrapperChannel::next(std::uint64_t id, std::optional<TimePoint> deadline)
{
  std::unique_lock lock(m_mutex);
  while (true) {
    if (auto mine = m_inbox.find(id); mine != m_inbox.end() && !mine->second.empty()) {
      auto event = std::move(mine->second.front());
      mine->second.pop_front();
      return event;
    }
    if (m_broken) {
      return std::unexpected(*m_broken);
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      return fail(ErrorCode::deadline_exceeded, "ryax-wrapper did not answer in time");
    }
    if (!m_reading) {
      if (auto event = read_for(id, deadline, lock)) {
        return std::move(*event);
      }
      continue;
    }
    if (deadline) {
      m_changed.wait_until(lock, *deadline);
    } else {
      m_changed.wait(lock);
    }
  }
}

void
WrapperChannel::finish(std::uint64_t id)
{
  std::lock_guard lock(m_mutex);
  m_inbox.erase(id);
}

} // namespace ryax::infra::wrapper
