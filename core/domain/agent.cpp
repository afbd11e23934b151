#include "core/domain/agent.hpp"

#include "core/domain/identity.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace ryax::domain {

namespace {

bool
is_lower_hex(std::string_view text, std::size_t size)
{
  return text.size() == size && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

} // namespace

std::string
format_join_token(const JoinToken& token)
{
  return std::string(k_join_token_prefix) + token.id + "." + token.secret + "."
         + token.ca_fingerprint;
}

Result<JoinToken>
parse_join_token(std::string_view text)
{
  const auto bad = [](std::string why) {
    return fail(ErrorCode::invalid_argument, "not a join token: " + std::move(why)
                                               + " (ryax site token create "
                                                 "makes one)");
  };
  if (!text.starts_with(k_join_token_prefix)) {
    return bad("it does not start with \"ryaxjoin.\"");
  }
  text.remove_prefix(k_join_token_prefix.size());
  JoinToken token;
  std::string* parts[] = { &token.id, &token.secret, &token.ca_fingerprint };
  for (std::size_t i = 0; i < 3; ++i) {
    const auto dot = text.find('.');
    if ((dot == std::string_view::npos) != (i == 2)) {
      return bad("it has not 4 parts separated by dots");
    }
    *parts[i] = std::string(text.substr(0, dot));
    text = dot == std::string_view::npos ? std::string_view{}
                                         : text.substr(dot + 1);
  }
  if (!is_lower_hex(token.id, 16)) {
    return bad("its id is not 16 hex digits");
  }
  if (!is_lower_hex(token.secret, 64)) {
    return bad("its secret is not 64 hex digits");
  }
  if (!is_lower_hex(token.ca_fingerprint, 64)) {
    return bad("its CA fingerprint is not 64 hex digits");
  }
  return token;
}

std::string
normalize_fingerprint(std::string_view text)
{
  std::string hex;
  for (const char c : text) {
    if (c == ':') {
      continue;
    }
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return is_lower_hex(hex, 64) ? hex : std::string();
}

Result<void>
check_agent_site(const Site& site)
{
  if (!is_valid_name(site.name)) {
    return fail(ErrorCode::invalid_argument,
                "site name \"" + site.name
                  + "\" is not valid: 1 to 64 letters, digits, '_', '-' or "
                    "'.', starting with a letter or a digit");
  }
  if (site.pools.empty()) {
    return fail(ErrorCode::invalid_argument,
                "site " + site.name + " declares no node pool");
  }
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < site.pools.size(); ++i) {
    const auto& pool = site.pools[i];
    const auto field = "site " + site.name + " node_pools[" + std::to_string(i) + "]";
    if (!is_valid_name(pool.name)) {
      return fail(ErrorCode::invalid_argument,
                  field + ".name \"" + pool.name + "\" is not valid");
    }
    if (!names.insert(pool.name).second) {
      return fail(ErrorCode::invalid_argument,
                  field + ": pool \"" + pool.name + "\" is declared twice");
    }
    if (!(pool.cpu > 0) || pool.memory_bytes < 0 || pool.gpu < 0) {
      return fail(ErrorCode::invalid_argument,
                  field + ": cpu must be above 0, memory and gpu not negative");
    }
  }
  return {};
}

} // namespace ryax::domain
