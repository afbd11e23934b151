#pragma once

#include "core/application/identity_service.hpp"

#include <string>
#include <thread>

namespace ryax::daemon {

// The identity socket beside the gRPC socket (`<socket>.id`, mode 0666):
// a local process connects, the daemon reads its peer credentials
// (SO_PEERCRED) and answers one line, then closes:
//
//   ok <token>\n                 a local token for the user that account is
//   error <code> <message>\n     e.g. "error permission_denied the local ..."
//
// gRPC does not give handlers the peer credentials of a UNIX socket
// connection, so this is how a local account proves who it is: the token
// then goes with every call (core/infrastructure/rpc/local_identity.hpp).
class IdentitySocket
{
public:
  IdentitySocket(std::string path, app::IdentityService& identity);
  ~IdentitySocket();
  IdentitySocket(const IdentitySocket&) = delete;
  IdentitySocket& operator=(const IdentitySocket&) = delete;

  // Bind (a stale socket file is replaced) and serve on a thread.
  // unavailable naming the path when it cannot.
  Result<void> start();

  // Stop serving and remove the socket file.
  void stop();

private:
  void serve();

  std::string m_path;
  app::IdentityService& m_identity;
  int m_listen_fd = -1;
  int m_wake_fds[2] = { -1, -1 }; // a pipe: stop() writes to end serve()
  std::thread m_thread;
};

} // namespace ryax::daemon
