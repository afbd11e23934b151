#include "daemon/identity_socket.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ryax::daemon {

IdentitySocket::IdentitySocket(std::string path, app::IdentityService& identity)
  : m_path(std::move(path))
  , m_identity(identity)
{
}

IdentitySocket::~IdentitySocket()
{
  stop();
}

Result<void>
IdentitySocket::start()
{
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (m_path.size() >= sizeof(address.sun_path)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("identity socket \"{}\" is longer than {} "
                            "characters: choose a shorter --socket",
                            m_path,
                            sizeof(address.sun_path) - 1));
  }
  std::copy(m_path.begin(), m_path.end(), address.sun_path);
  struct stat st{};
  if (::lstat(m_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    ::unlink(m_path.c_str()); // the daemon's lock says it is stale
  }
  m_listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (m_listen_fd < 0 || ::pipe2(m_wake_fds, O_CLOEXEC) != 0
      || ::bind(m_listen_fd,
                reinterpret_cast<sockaddr*>(&address),
                sizeof(address))
           != 0
      || ::chmod(m_path.c_str(), 0666) != 0 || ::listen(m_listen_fd, 64) != 0) {
    return fail(ErrorCode::unavailable,
                fmt::format("cannot serve the identity socket \"{}\": {}",
                            m_path,
                            std::strerror(errno)));
  }
  m_thread = std::thread([this] { serve(); });
  return {};
}

void
IdentitySocket::stop()
{
  if (m_thread.joinable()) {
    [[maybe_unused]] const auto written = ::write(m_wake_fds[1], "x", 1);
    m_thread.join();
    ::unlink(m_path.c_str());
  }
  for (int* fd : { &m_listen_fd, &m_wake_fds[0], &m_wake_fds[1] }) {
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
  }
}

void
IdentitySocket::serve()
{
  for (;;) {
    pollfd fds[2] = { { m_listen_fd, POLLIN, 0 }, { m_wake_fds[0], POLLIN, 0 } };
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    ucred credentials{};
    socklen_t size = sizeof(credentials);
    std::string answer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
      answer = "error internal cannot read the peer credentials\n";
    } else if (auto token = m_identity.local_token(credentials.uid)) {
      answer = "ok " + *token + "\n";
    } else {
      app::log::warn("identity socket: pid {} (uid {}) refused: {}",
                     credentials.pid,
                     credentials.uid,
                     token.error().message);
      answer = fmt::format("error {} {}\n",
                           to_string(token.error().code),
                           token.error().message);
    }
    // A short line into a fresh socket's buffer: it does not block.
    [[maybe_unused]] const auto written =
      ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
  }
}

} // namespace ryax::daemon
