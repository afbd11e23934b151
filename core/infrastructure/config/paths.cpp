#include "core/infrastructure/config/paths.hpp"

#include <arpa/inet.h>

#include <charconv>

extern char** environ;

namespace ryax::infra::config {

Environment
current_environment()
{
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto eq = text.find('=');
    if (eq != std::string::npos) {
      env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  return env;
}

std::string
get(const Environment& env, const std::string& name)
{
  const auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

Result<std::string>
default_data_dir(const Environment& env)
{
  if (auto home = get(env, "RYAX_HOME"); !home.empty()) {
    return home;
  }
  if (auto xdg = get(env, "XDG_DATA_HOME"); !xdg.empty()) {
    return xdg + "/ryax";
  }
  if (auto home = get(env, "HOME"); !home.empty()) {
    return home + "/.local/share/ryax";
  }
  return fail(ErrorCode::invalid_argument,
              "cannot choose a data dir: set RYAX_HOME, XDG_DATA_HOME or HOME, "
              "or pass --data-dir");
}

std::string
default_socket_path(const Environment& env, const std::string& data_dir)
{
  if (auto socket = get(env, "RYAX_SOCKET"); !socket.empty()) {
    return socket;
  }
  if (auto runtime = get(env, "XDG_RUNTIME_DIR"); !runtime.empty()) {
    return runtime + "/ryax/ryaxd.sock";
  }
  return data_dir + "/ryaxd.sock";
}

bool
is_loopback_host(const std::string& host)
{
  if (host == "localhost") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

Result<std::pair<std::string, int>>
split_host_port(const std::string& text, bool any_port)
{
  std::string host;
  std::string port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size()
        || text[close + 1] != ':') {
      return fail(ErrorCode::invalid_argument,
                  "\"" + text + "\" is not HOST:PORT ([::1]:PORT for IPv6)");
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0
        || text.find(':') != colon) {
      return fail(ErrorCode::invalid_argument,
                  "\"" + text + "\" is not HOST:PORT ([::1]:PORT for IPv6)");
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  int port = 0;
  const auto [end, ec] = std::from_chars(
    port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size()
      || port < (any_port ? 0 : 1) || port > 65535) {
    return fail(ErrorCode::invalid_argument,
                "\"" + text + "\": port must be a number from " +
                  (any_port ? "0 (any free port)" : "1") + " to 65535");
  }
  return std::pair{host, port};
}

} // namespace ryax::infra::config
