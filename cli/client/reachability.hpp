#pragma once

#include "cli/client/client.hpp"
#include "core/domain/error.hpp"

namespace ryax::cli {

// Why no daemon answers at `address`, found by trying each layer in turn so
// that the message names the real cause:
// - a UNIX socket: "ryaxd is not running at <path>" when there is no
//   socket, the same with "(stale socket: nothing listens on it)" when
//   connecting is refused, permission_denied when the socket may not be
//   opened;
// - TCP (--server, contexts): the host name does not resolve, nothing
//   listens at host:port, the port does not answer within 5 s, the server
//   speaks no TLS (the handshake fails), or it presents a certificate of
//   another CA (unauthenticated).
// unavailable otherwise.
Error explain_unreachable(const DaemonAddress& address);

} // namespace ryax::cli
