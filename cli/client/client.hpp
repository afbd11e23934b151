#pragma once

#include "cli/context.hpp"
#include "core/domain/error.hpp"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>


namespace ryax::cli {

// Where the daemon is expected.
struct DaemonAddress
{
  std::string target;      // gRPC target: "unix:/path" or "host:port"
  std::string display;     // for messages: the socket path or host:port
  std::string socket_path; // "" for TCP
  bool explicit_address = false; // given by --socket or --server
  // TCP is TLS: the CA to verify the server with (PEM; "" for the system's
  // roots), and the name to check ("" for the host).
  std::string ca_pem;
  std::string server_name;
  std::string token;   // of the context: sent unless RYAX_TOKEN is set
  std::string project; // of the context: "" for the user's current one
};

// The address from --socket, --server (TLS, with --ca-file or the CA of
// the context for that server), $RYAX_SOCKET, the current context (ryax
// login), else the embedded defaults. invalid_argument when no data dir can
// be chosen, or for a bad --ca-file or contexts file.
Result<DaemonAddress> resolve_address(const Context& ctx);

// The CA certificate of --ca-file `path` (PEM): read_file's error when it
// cannot be read, invalid_argument naming --ca-file when it holds no
// certificate.
Result<std::string> read_ca_file(const std::string& path);

// A connection to ryaxd.
class Client
{
public:
  // Connect, starting the local daemon first when the default socket is dead
  // and autostart is allowed (no explicit address, no --no-autostart, no
  // RYAX_NO_AUTOSTART=1). Otherwise the error of explain_unreachable
  // (reachability.hpp), which names the cause: "ryaxd is not running at
  // <socket>", a stale socket, DNS, a refused port, no TLS... Opens the
  // connection without any RPC: the command's own call is the first round
  // trip.
  static Result<Client> connect(const Context& ctx);

  // Connect without ever starting a daemon; unavailable when nothing accepts
  // the connection (no socket, a stale one, no listener) within 5 s.
  static Result<Client> connect_existing(const Context& ctx);

  // The channel for service stubs.
  std::shared_ptr<grpc::Channel> channel() const { return m_channel; }

  // The daemon's address.
  const DaemonAddress& address() const { return m_address; }

  // A call context with a deadline of `timeout` from now.
  static std::unique_ptr<grpc::ClientContext>
  call_context(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Call `method(context, reply)` (a stub call) with a deadline of
  // `timeout`, and return the reply or the error it stands for.
  template<typename Reply, typename Method>
  Result<Reply> call(Method&& method,
                     std::chrono::milliseconds timeout = std::chrono::minutes(10)) const
  {
    auto context = call_context(timeout);
    Reply reply;
    RYAX_TRY(check(method(context.get(), &reply)));
    return reply;
  }

  // OK as success, anything else as the Error it stands for; a transport
  // failure becomes "ryaxd is not running at <address>", while the daemon's
  // own unavailable answers (a git remote it cannot reach) keep their
  // message (infra::rpc::is_ryax_answer).
  Result<void> check(const grpc::Status& status) const;

private:
  Client(DaemonAddress address, std::shared_ptr<grpc::Channel> channel);

  DaemonAddress m_address;
  std::shared_ptr<grpc::Channel> m_channel;
};

// Start ryaxd in the background with `args` and wait until it serves; the
// socket it serves on. The daemon binary is the `ryaxd` beside this `ryax`,
// else `ryaxd` on PATH. unavailable (after ryaxd's own error line on
// stderr) when it fails to start.
Result<std::string> spawn_daemon(const std::vector<std::string>& args, bool quiet);

} // namespace ryax::cli
