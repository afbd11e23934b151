#pragma once

#include "core/domain/error.hpp"

#include <map>
#include <string>

namespace ryax::infra::config {

// A snapshot of environment variables. Loaders take it as an argument so that
// tests never set process variables.
using Environment = std::map<std::string, std::string>;

// The environment of this process.
Environment current_environment();

// The value of `name` in `env`, or "" when unset.
std::string get(const Environment& env, const std::string& name);

// The data dir on embedded defaults: $RYAX_HOME, else $XDG_DATA_HOME/ryax,
// else $HOME/.local/share/ryax. invalid_argument when none of them is set.
Result<std::string> default_data_dir(const Environment& env);

// The socket on embedded defaults: $RYAX_SOCKET, else
// $XDG_RUNTIME_DIR/ryax/ryaxd.sock, else <data_dir>/ryaxd.sock.
std::string default_socket_path(const Environment& env,
                                const std::string& data_dir);

// Is `host` a loopback address or name (127.0.0.0/8, ::1, localhost)?
bool is_loopback_host(const std::string& host);

// Split "HOST:PORT" ("[::1]:7777" for IPv6). invalid_argument, naming `text`,
// when the form or the port (1-65535) is wrong.
// With `any_port`, port 0 (any free port) is accepted too.
Result<std::pair<std::string, int>> split_host_port(const std::string& text,
                                                   bool any_port = false);

} // namespace ryax::infra::config
