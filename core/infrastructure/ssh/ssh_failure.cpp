#include "core/infrastructure/ssh/ssh_failure.hpp"

#include <array>

namespace ryax::infra::ssh {

namespace {

bool
has(std::string_view text, std::string_view needle)
{
  return text.find(needle) != std::string_view::npos;
}

// The line of `text` holding `needle`, without its end of line.
std::string
line_with(std::string_view text, std::string_view needle)
{
  const auto at = text.find(needle);
  if (at == std::string_view::npos) {
    return {};
  }
  const auto begin = text.rfind('\n', at);
  const auto start = begin == std::string_view::npos ? 0 : begin + 1;
  auto end = text.find('\n', at);
  if (end == std::string_view::npos) {
    end = text.size();
  }
  auto line = std::string(text.substr(start, end - start));
  while (!line.empty() && (line.back() == '\r' || line.back() == '.')) {
    line.pop_back();
  }
  return line;
}

// What follows "...: " in `line` ("Connection refused"), lower-cased first
// letter.
std::string
reason_of(const std::string& line)
{
  const auto colon = line.rfind(": ");
  auto reason = colon == std::string::npos ? line : line.substr(colon + 2);
  if (!reason.empty() && reason.front() >= 'A' && reason.front() <= 'Z') {
    reason.front() = static_cast<char>(reason.front() - 'A' + 'a');
  }
  return reason;
}

} // namespace

std::optional<Error>
classify_ssh_failure(std::string_view text, const SshFailureContext& context)
{
  const auto where = context.host + ":" + std::to_string(context.port);
  const auto unavailable = [](std::string message) {
    return Error{ ErrorCode::unavailable, std::move(message) };
  };

  if (has(text, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
      (has(text, "Host key for ") && has(text, " has changed"))) {
    return unavailable("host key of " + where +
                       " changed: it no longer matches " +
                       context.known_hosts_file +
                       " (the host was reinstalled, or someone is in the "
                       "middle); check its new fingerprint with the site's "
                       "admins before replacing its line");
  }
  if (has(text, "host key is known for") ||
      has(text, "Host key verification failed")) {
    return unavailable("host key of " + where + " is not in " +
                       context.known_hosts_file + ": add it (ssh-keyscan -p " +
                       std::to_string(context.port) + " " + context.host +
                       " >> " + context.known_hosts_file +
                       ") after checking its fingerprint");
  }
  if (has(text, "Load key \"")) {
    return Error{ ErrorCode::failed_precondition,
                  "cannot load the private key " + context.private_key_file +
                    ": " + reason_of(line_with(text, "Load key \"")) };
  }
  if (has(text, "UNPROTECTED PRIVATE KEY FILE") || has(text, "are too open")) {
    return Error{ ErrorCode::failed_precondition,
                  "private key " + context.private_key_file +
                    " is readable by others: chmod 600 " +
                    context.private_key_file };
  }
  if (has(text, "Permission denied (")) {
    // "user@host: Permission denied (publickey,password)."
    const auto line = line_with(text, "Permission denied (");
    const auto open = line.find('(');
    const auto close = line.find(')', open);
    const auto methods = close == std::string::npos
                           ? std::string("publickey")
                           : line.substr(open + 1, close - open - 1);
    return unavailable(where + " refused the key " + context.private_key_file +
                       " for user " + context.user + " (" + methods + ")");
  }
  if (has(text, "Could not resolve hostname")) {
    return unavailable("cannot resolve " + context.host);
  }
  if (has(text, "Bad configuration option") ||
      has(text, "bad configuration options") ||
      has(text, "Unsupported option")) {
    const auto line = line_with(text, ": line ");
    return Error{ ErrorCode::invalid_argument,
                  "ssh config " + (line.empty()
                                     ? context.config_file + " is invalid"
                                     : line) };
  }
  // Failures to reach the host, from the most to the least specific.
  constexpr std::array<std::pair<std::string_view, std::string_view>, 6>
    reach = { { { "Connection refused", "connection refused" },
                { "No route to host", "no route to host" },
                { "Network is unreachable", "network is unreachable" },
                { "Connection timed out", "connection timed out" },
                { "Operation timed out", "connection timed out" },
                { "Connection reset by", "connection reset" } } };
  for (const auto& [needle, reason] : reach) {
    // "ssh: connect to host H port P: Connection refused"; the same words
    // from a remote command (or about the control socket) are not ours.
    if (has(line_with(text, needle), "connect to host")) {
      return unavailable("cannot connect to " + where + ": " +
                         std::string(reason));
    }
  }
  if (has(text, "kex_exchange_identification") ||
      has(text, "banner exchange") ||
      (has(text, "Connection closed by") &&
       !has(text, "closed by remote host"))) {
    return unavailable("cannot log in to " + where +
                       ": the connection was closed during login (" +
                       line_with(text, "onnection") + ")");
  }
  if (has(text, "closed by remote host") || has(text, "send disconnect: ") ||
      has(text, "Timeout, server ")) {
    return unavailable("connection to " + where +
                       " lost while the command ran");
  }
  if (has(text, "Session open refused") ||
      has(text, "session request failed")) {
    return unavailable(where + " refused one more session on the shared "
                               "connection (its MaxSessions)");
  }
  for (const std::string_view prefix : { "ssh: ", "mux_client", "muxclient" }) {
    if (text.starts_with(prefix) || has(text, "\n" + std::string(prefix))) {
      return unavailable("ssh to " + where +
                         " failed: " + line_with(text, prefix));
    }
  }
  return std::nullopt;
}

} // namespace ryax::infra::ssh
