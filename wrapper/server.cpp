#include "wrapper/server.hpp"

#include "core/infrastructure/wrapper/frame_socket.hpp"
#include "core/infrastructure/wrapper/wrapper_protocol.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace ryax::wrapper {

namespace {

constexpr int k_backlog = 64;

std::string
errno_text()
{
  return std::strerror(errno);
}

// "HOST:PORT" or "[V6HOST]:PORT" split in two; nullopt when malformed.
std::optional<std::pair<std::string, std::string>>
split_host_port(const std::string& address)
{
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return std::nullopt;
  }
  auto host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::pair{host, address.substr(colon + 1)};
}

std::string
describe_address(const sockaddr_storage& address)
{
  char host[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  const auto& in = reinterpret_cast<const sockaddr_in&>(address);
  ::inet_ntop(AF_INET, &in.sin_addr, host, sizeof(host));
  return std::string(host) + ":" + std::to_string(ntohs(in.sin_port));
}

} // namespace

Server::Server(Executor& executor, ServerOptions options)
  : m_executor(executor), m_options(std::move(options))
{
}

Server::~Server()
{
  for (auto& slot : m_slots) {
    ::shutdown(slot->connection->fd(), SHUT_RDWR);
  }
  for (auto& slot : m_slots) {
    slot->thread.join();
  }
  m_slots.clear();
  for (const int fd : m_listeners) {
    ::close(fd);
  }
  struct stat now{};
  if (m_socket_ino != 0 && ::stat(m_options.socket_path.c_str(), &now) == 0
      && now.st_ino == m_socket_ino && now.st_dev == m_socket_dev) {
    ::unlink(m_options.socket_path.c_str());
  }
}

Result<std::vector<std::string>>
Server::listen()
{
  std::vector<std::string> bound;
  if (!m_options.socket_path.empty()) {
    RYAX_TRY_ASSIGN(auto where, listen_unix());
    bound.push_back(std::move(where));
  }
  if (!m_options.listen.empty()) {
    RYAX_TRY_ASSIGN(auto where, listen_tcp());
    bound.push_back(std::move(where));
  }
  return bound;
}

Result<std::string>
Server::listen_unix()
{
  const auto& path = m_options.socket_path;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return fail(ErrorCode::invalid_argument, "socket path \"" + path + "\" is longer than "
                                               + std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(ErrorCode::unavailable, "socket: " + errno_text());
  }
  ::unlink(path.c_str()); // a stale socket of a dead wrapper
  // Only our user may connect: the socket is the access control.
  const mode_t old_umask = ::umask(0077);
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  ::umask(old_umask);
  if (bound != 0 || ::listen(fd, k_backlog) != 0) {
    const auto why = errno_text();
    ::close(fd);
    return fail(ErrorCode::unavailable, "cannot listen on \"" + path + "\": " + why);
  }
  struct stat ours{};
  if (::stat(path.c_str(), &ours) == 0) {
    m_socket_dev = ours.st_dev;
    m_socket_ino = ours.st_ino;
  }
  m_listeners.push_back(fd);
  m_listener_is_tcp.push_back(false);
  return path;
}

Result<std::string>
Server::listen_tcp()
{
  const auto parts = split_host_port(m_options.listen);
  if (!parts) {
    return fail(ErrorCode::invalid_argument, "--listen \"" + m_options.listen + "\": expected HOST:PORT");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(parts->first.c_str(), parts->second.c_str(), &hints, &found); rc != 0) {
    return fail(ErrorCode::invalid_argument,
                "--listen \"" + m_options.listen + "\": " + ::gai_strerror(rc));
  }
  std::string why = "no address";
  for (auto* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = errno_text();
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, k_backlog) != 0) {
      why = errno_text();
      ::close(fd);
      continue;
    }
    ::freeaddrinfo(found);
    sockaddr_storage actual{};
    socklen_t length = sizeof(actual);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&actual), &length);
    m_listeners.push_back(fd);
    m_listener_is_tcp.push_back(true);
    return describe_address(actual);
  }
  ::freeaddrinfo(found);
  return fail(ErrorCode::unavailable, "cannot listen on " + m_options.listen + ": " + why);
}

void
Server::serve(int stop_fd)
{
  std::vector<pollfd> fds;
  fds.push_back({stop_fd, POLLIN, 0});
  for (const int fd : m_listeners) {
    fds.push_back({fd, POLLIN, 0});
  }
  while (true) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::cerr << "ryax-wrapper: poll: " << errno_text() << "\n";
      return;
    }
    if (fds[0].revents != 0) {
      return;
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        accept_one(fds[i].fd, m_listener_is_tcp[i - 1]);
      }
    }
  }
}

void
Server::accept_one(int listener, bool tcp)
{
  const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
      std::cerr << "ryax-wrapper: accept: " << errno_text() << "\n";
      if (errno == EMFILE || errno == ENFILE) {
        ::usleep(10000); // let connections end rather than spin
      }
    }
    return;
  }
  if (tcp) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  if (reap() >= m_options.max_connections) {
    infra::wrapper::FrameSocket refused(fd);
    refused.set_send_timeout(std::chrono::milliseconds(100));
    [[maybe_unused]] auto sent = refused.send(infra::wrapper::failure_event(
      0, {ErrorCode::unavailable, "too many connections (at most "
                                    + std::to_string(m_options.max_connections) + ")"}));
    std::cerr << "ryax-wrapper: refused a connection: " << m_options.max_connections
              << " already open\n";
    return;
  }
  auto slot = std::make_unique<Slot>();
  slot->connection = std::make_unique<Connection>(m_executor, fd, m_options.send_timeout);
  auto* raw = slot.get();
  slot->thread = std::thread([raw] {
    raw->connection->serve();
    raw->done = true;
  });
  m_slots.push_back(std::move(slot));
}

int
Server::reap()
{
  int running = 0;
  for (auto it = m_slots.begin(); it != m_slots.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = m_slots.erase(it);
    } else {
      ++running;
      ++it;
    }
  }
  return running;
}

} // namespace ryax::wrapper
