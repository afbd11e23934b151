#pragma once

#include "core/application/ports/agent_store.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/identity_crypto.hpp"
#include "core/domain/agent.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// A join token as created: its text is shown once.
struct CreatedJoinToken
{
  std::string token;
  std::string id;
  std::int64_t expires_ms = 0; // 0: never
};

// Who may join as a worker agent, and the sites that did: join tokens
// (created by an admin, reusable until they expire, so that one token
// joins a fleet), the credential each site gets when it joins (shown to
// it once, stored as a hash), and its removal, which revokes it.
class SiteRegistry
{
public:
  // `local_site` is the main daemon's own site: no worker may take its
  // name. `ca_fingerprint` is the SHA-256 of the CA of the daemon's TLS
  // address ("" when it serves none: tokens cannot be made then).
  SiteRegistry(AgentStore& store,
               IdentityCrypto& crypto,
               Clock& clock,
               std::string local_site,
               std::string ca_fingerprint);

  // A new join token valid `ttl_seconds` (1 to 30 days in seconds; 0 for
  // the default of 24 hours). invalid_argument for a lifetime out of
  // range; failed_precondition when the daemon serves no TLS address.
  Result<CreatedJoinToken> create_token(std::int64_t ttl_seconds);

  // Join `site` with `token_text`: its credential (64 hex digits), shown
  // once. unauthenticated for an unknown, wrong or expired token;
  // invalid_argument for a bad site (check_agent_site) or the main site's
  // name; already_exists when a site of that name joined before (remove it
  // first).
  Result<std::string> join(std::string_view token_text,
                           const domain::Site& site,
                           const std::string& address);

  // The site `name` when `credential` is its own; its pools are replaced
  // by `site`'s (a worker may change them between connections) and it is
  // marked seen now. unauthenticated when the site is unknown (removed) or
  // the credential is not its own.
  Result<domain::AgentSite> authenticate(const domain::Site& site,
                                         std::string_view credential,
                                         const std::string& address);

  // The site `name` when `credential` is its own (no change). As above.
  Result<domain::AgentSite> check(const std::string& name,
                                  std::string_view credential);

  // Record a message of site `name` now.
  void seen(const std::string& name, const std::string& address);

  // Remove site `name` and revoke its credential. not_found with the near
  // miss.
  Result<void> remove(const std::string& name);

  // Every site that joined, by name.
  Result<std::vector<domain::AgentSite>> list();

private:
  AgentStore& m_store;
  IdentityCrypto& m_crypto;
  Clock& m_clock;
  std::string m_local_site;
  std::string m_ca_fingerprint;
};

} // namespace ryax::app
