#pragma once

#include "core/domain/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ryax::infra::ssh {

// What an ssh failure message may name.
struct SshFailureContext
{
  std::string host;
  int port = 22;
  std::string user;
  std::string private_key_file;
  std::string known_hosts_file;
  std::string config_file; // "" when none
};

// The Error that ssh's `stderr` reports after exit status 255, as one line
// naming `context` (never key contents): unavailable for an unknown or
// changed host key, a refused key, a name that does not resolve, a refused,
// unreachable or lost connection, a session refused on the shared
// connection; failed_precondition for a private key that is readable by
// others or cannot be loaded; invalid_argument for an error in the config
// file. nullopt when stderr holds no ssh failure (the remote command itself
// exited 255).
std::optional<Error> classify_ssh_failure(std::string_view stderr_text,
                                          const SshFailureContext& context);

} // namespace ryax::infra::ssh
