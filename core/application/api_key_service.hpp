#pragma once

#include "core/application/ports/api_key_store.hpp"
#include "core/application/ports/clock.hpp"
#include "core/application/ports/identity_crypto.hpp"
#include "core/domain/api_key.hpp"

#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// An API key just made: the only time the key itself is known.
struct CreatedApiKey
{
  std::string secret; // "ryax_ak_" and 64 hex digits: what clients present
  domain::ApiKey key; // as stored (its hash, never the secret)
};

// The API keys of each project's HTTP API: create, list, revoke, whether a
// project requires them, and the check of each request (authorize). Keys
// are stored as their SHA-256, as personal tokens are. Thread-safe: the
// HTTP server calls authorize from many threads. Every call acts in one
// project; the project exists (the gate or the HTTP router checked it).
class ApiKeyService
{
public:
  ApiKeyService(ApiKeyStore& store, IdentityCrypto& crypto, Clock& clock);

  // Make key `name` of `project`, valid until `expires_ms` (milliseconds
  // since the Unix epoch; 0 for never), and make the project require keys.
  // invalid_argument naming the key for a bad name or an expiry not in the
  // future (nor more than k_max_api_key_lifetime_seconds ahead);
  // already_exists when the project holds a key of that name;
  // failed_precondition when it holds k_max_api_keys_per_project.
  Result<CreatedApiKey> create(const std::string& project,
                               const std::string& name,
                               std::int64_t expires_ms);

  // The expiry of a key made now that lives `lifetime_seconds` (> 0), for
  // create: milliseconds since the Unix epoch.
  std::int64_t expiry_in(std::int64_t lifetime_seconds);

  // The keys of `project`, revoked ones included, by name.
  Result<std::vector<domain::ApiKey>> list(const std::string& project);

  // Revoke key `name` of `project`: requests presenting it fail from now
  // on. not_found naming it and the project, with the near miss.
  Result<void> revoke(const std::string& project, const std::string& name);

  // Make `project` require keys (or not).
  Result<void> set_required(const std::string& project, bool required);

  // Whether `project` requires keys.
  Result<bool> required(const std::string& project);

  // Whether a request to `project`'s HTTP API presenting `presented` (the
  // key as sent; "" for none) may go on: ok when the project does not
  // require keys, or for a valid key of the project; else unauthenticated:
  // "missing API key", "invalid or revoked API key" (unknown, malformed,
  // another project's, revoked), "expired API key". Costs one hash and one
  // indexed lookup; records the key's last use (at most once a minute).
  Result<void> authorize(const std::string& project,
                         std::string_view presented);

private:
  // not_found for key `name` of `project`, with the near miss.
  std::unexpected<Error> not_found(const std::string& project,
                                   const std::string& name);

  ApiKeyStore& m_store;
  IdentityCrypto& m_crypto;
  Clock& m_clock;

  // Whether each project read so far requires keys: the store is read once
  // per project; this service is its only writer.
  std::shared_mutex m_mutex;
  std::map<std::string, bool, std::less<>> m_required;
};

} // namespace ryax::app
