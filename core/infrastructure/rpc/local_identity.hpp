#pragma once

#include "core/domain/error.hpp"

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

namespace ryax::infra::rpc {

// The identity socket of the daemon serving `socket_path`: that path and
// ".id" (daemon/identity_socket.hpp).
std::string identity_socket_path(const std::string& socket_path);

// A local token from the identity socket at `path`, for this process's
// account. unavailable when nothing serves it (no daemon); the daemon's
// refusal otherwise (permission_denied for an account that is no user),
// with its message.
Result<std::string> fetch_local_token(const std::string& path);

// What goes with every call of a channel.
struct CallCredentials
{
  std::string token;   // sent as "authorization: Bearer <token>"; "" none
  std::string project; // sent as "ryax-project"; "" for the caller's current
};

// A channel to `target` whose every call carries `credentials`.
std::shared_ptr<grpc::Channel> channel_with(
  const std::string& target,
  const std::shared_ptr<grpc::ChannelCredentials>& transport,
  const grpc::ChannelArguments& arguments,
  const CallCredentials& credentials);

} // namespace ryax::infra::rpc
