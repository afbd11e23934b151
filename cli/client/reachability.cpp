#include "cli/client/reachability.hpp"

#include "core/infrastructure/config/paths.hpp"
#include "core/infrastructure/crypto/tls_material.hpp"

#include <fmt/format.h>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

namespace ryax::cli {

namespace {

constexpr int k_connect_timeout_ms = 5000;

// errno of connecting a stream socket of `family` to `address`: 0 when it
// connected, ETIMEDOUT when nothing answered within the timeout.
int
try_connect(int family, const sockaddr* address, socklen_t length)
{
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return errno;
  }
  int error = 0;
  if (::connect(fd, address, length) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      pollfd waiting{ fd, POLLOUT, 0 };
      const int ready = ::poll(&waiting, 1, k_connect_timeout_ms);
      socklen_t size = sizeof(error);
      if (ready <= 0) {
        error = ETIMEDOUT;
      } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) {
        error = errno;
      }
    }
  }
  ::close(fd);
  return error;
}

Error
explain_socket(const DaemonAddress& address)
{
  std::error_code ec;
  if (!std::filesystem::exists(address.socket_path, ec)) {
    return Error{ ErrorCode::unavailable,
                  fmt::format("ryaxd is not running at {}", address.display) };
  }
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  if (address.socket_path.size() >= sizeof(un.sun_path)) {
    return Error{ ErrorCode::invalid_argument,
                  fmt::format("socket path {} is longer than {} bytes",
                              address.display, sizeof(un.sun_path) - 1) };
  }
  std::memcpy(un.sun_path, address.socket_path.c_str(),
              address.socket_path.size() + 1);
  const int error =
    try_connect(AF_UNIX, reinterpret_cast<const sockaddr*>(&un), sizeof(un));
  if (error == ECONNREFUSED) {
    return Error{ ErrorCode::unavailable,
                  fmt::format("ryaxd is not running at {} (stale socket: "
                              "nothing listens on it)",
                              address.display) };
  }
  if (error == EACCES || error == EPERM) {
    return Error{ ErrorCode::permission_denied,
                  fmt::format("cannot connect to ryaxd at {}: {}",
                              address.display, std::strerror(error)) };
  }
  if (error != 0) {
    return Error{ ErrorCode::unavailable,
                  fmt::format("cannot connect to ryaxd at {}: {}",
                              address.display, std::strerror(error)) };
  }
  return Error{ ErrorCode::unavailable,
                fmt::format("ryaxd is not running at {}", address.display) };
}

struct AddrinfoDeleter
{
  void operator()(addrinfo* info) const { ::freeaddrinfo(info); }
};

// The TCP layer of `host`:`port`: nullopt when a connection opens.
std::optional<Error>
explain_tcp(const DaemonAddress& address, const std::string& host, int port)
{
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int resolved = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(),
                                     &hints, &raw);
  if (resolved != 0) {
    return Error{ ErrorCode::unavailable,
                  fmt::format("cannot resolve host \"{}\" of {}: {}", host,
                              address.display, ::gai_strerror(resolved)) };
  }
  const std::unique_ptr<addrinfo, AddrinfoDeleter> infos(raw);
  int error = 0;
  for (const addrinfo* info = infos.get(); info != nullptr; info = info->ai_next) {
    error = try_connect(info->ai_family, info->ai_addr, info->ai_addrlen);
    if (error == 0) {
      return std::nullopt;
    }
  }
  if (error == ECONNREFUSED) {
    return Error{ ErrorCode::unavailable,
                  fmt::format("nothing listens at {} (connection refused): "
                              "ryaxd serves TCP only with --listen",
                              address.display) };
  }
  if (error == ETIMEDOUT) {
    return Error{ ErrorCode::unavailable,
                  fmt::format("{} does not answer: no TCP connection within "
                              "{} s",
                              address.display, k_connect_timeout_ms / 1000) };
  }
  return Error{ ErrorCode::unavailable,
                fmt::format("cannot connect to {}: {}", address.display,
                            std::strerror(error)) };
}

} // namespace

Error
explain_unreachable(const DaemonAddress& address)
{
  if (!address.socket_path.empty()) {
    return explain_socket(address);
  }
  const auto host_port = infra::config::split_host_port(address.target);
  if (!host_port) {
    return host_port.error();
  }
  if (auto tcp = explain_tcp(address, host_port->first, host_port->second)) {
    return *tcp;
  }
  // A TCP connection opens: say whether TLS is spoken, and with which CA.
  const auto presented = infra::crypto::fetch_server_ca(
    host_port->first, std::to_string(host_port->second));
  if (!presented) {
    return Error{ ErrorCode::unavailable,
                  fmt::format("the TLS handshake with {} failed, is it "
                              "ryaxd --listen? ({})",
                              address.display, presented.error().message) };
  }
  const auto theirs = infra::crypto::fingerprint(*presented);
  const auto ours = infra::crypto::fingerprint(address.ca_pem);
  if (theirs && (!ours || *theirs != *ours)) {
    return Error{ ErrorCode::unauthenticated,
                  fmt::format("{} presents a certificate of CA {}, not the "
                              "CA it is trusted with{}: refusing to talk to "
                              "it",
                              address.display, *theirs,
                              ours ? " (" + *ours + ")" : "") };
  }
  return Error{ ErrorCode::unavailable,
                fmt::format("ryaxd does not answer at {} (TLS)",
                            address.display) };
}

} // namespace ryax::cli
