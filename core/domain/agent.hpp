#pragma once

#include "core/domain/error.hpp"
#include "core/domain/scheduling.hpp"

#include <cstdint>
#include <string>
#include <string_view>

// Worker agents: other machines that join the main daemon as sites of
// their own. A worker joins once with a join token, then holds a
// credential of its own; both are stored as SHA-256 only.
namespace ryax::domain {

// A join token reads "ryaxjoin.<id>.<secret>.<ca>": `id` (16 hex digits)
// names it, `secret` (64 hex digits) proves it, and `ca` is the SHA-256 of
// the main daemon's TLS CA certificate (64 hex digits), so that the worker
// trusts that CA and no other on first contact (as kubeadm's discovery
// hash).
inline constexpr std::string_view k_join_token_prefix = "ryaxjoin.";

// The parts of a join token.
struct JoinToken
{
  std::string id;             // 16 lower-case hex digits
  std::string secret;         // 64 lower-case hex digits
  std::string ca_fingerprint; // 64 lower-case hex digits

  bool operator==(const JoinToken&) const = default;
};

// "ryaxjoin.<id>.<secret>.<ca>".
std::string format_join_token(const JoinToken& token);

// The parts of `text`. invalid_argument saying what is wrong, never
// quoting the secret.
Result<JoinToken> parse_join_token(std::string_view text);

// "ab:cd:..." or "AB:CD:..." or "abcd...": 64 lower-case hex digits, or ""
// when `text` is no SHA-256 fingerprint.
std::string normalize_fingerprint(std::string_view text);

// A join token as the main daemon keeps it.
struct JoinTokenRecord
{
  std::string id;
  std::string hash; // SHA-256 of the secret, lower-case hex
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0; // 0: never

  bool operator==(const JoinTokenRecord&) const = default;
};

// The longest lifetime a join token may be given: 30 days, in seconds.
inline constexpr std::int64_t k_max_join_token_seconds = 30LL * 24 * 3600;

// A site hosted by a worker agent, as the main daemon keeps it.
struct AgentSite
{
  Site site;                   // its name, type and node pools
  std::string credential_hash; // SHA-256 of its credential
  std::int64_t joined_ms = 0;
  std::int64_t last_seen_ms = 0; // its last message; 0: never
  std::string address;           // where it last connected from

  bool operator==(const AgentSite&) const = default;
};

// ok when `site` can be declared by a worker: a valid name (as user and
// project names), at least one pool, pool names valid and distinct, and
// capacities that are not negative. invalid_argument naming the field.
Result<void> check_agent_site(const Site& site);

} // namespace ryax::domain
