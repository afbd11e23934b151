#pragma once

#include "core/domain/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Project API keys: what a client of a project's HTTP API presents
// ("X-API-Key" or "Authorization: Bearer") when the project requires keys.
namespace ryax::domain {

// Every API key starts with this, then 64 lower-case hex digits.
inline constexpr std::string_view k_api_key_prefix = "ryax_ak_";

// How many characters of a key (after k_api_key_prefix) its prefix shows:
// enough for a person to tell which key they hold, far too few to guess it.
inline constexpr std::size_t k_api_key_prefix_digits = 8;

// The most API keys one project may hold, revoked ones included.
inline constexpr std::size_t k_max_api_keys_per_project = 100;

// The longest lifetime a key may be given: 10 years, in seconds.
inline constexpr std::int64_t k_max_api_key_lifetime_seconds =
  10LL * 366 * 24 * 3600;

// One API key as stored: never the key itself, only its SHA-256.
struct ApiKey
{
  std::string project;
  std::string name;   // see check_api_key_name; unique in its project
  std::string prefix; // "ryax_ak_" and the key's first 8 digits: shown
  std::string hash;   // SHA-256 of the key, lower-case hex; never shown
  std::int64_t created_ms = 0; // milliseconds since the Unix epoch
  std::int64_t expires_ms = 0; // milliseconds since the Unix epoch; 0: never
  bool revoked = false;
  std::optional<std::int64_t> last_used_ms; // the last accepted request

  bool operator==(const ApiKey&) const = default;
};

// Whether `key` is past its expiry at `now_ms`.
bool is_expired(const ApiKey& key, std::int64_t now_ms);

// ok when `name` can name an API key: 1 to 64 ASCII letters, digits, '_',
// '-' or '.', starting with a letter or a digit (as user and project
// names). invalid_argument naming it otherwise.
Result<void> check_api_key_name(std::string_view name);

// Whether `presented` has the shape of an API key (k_api_key_prefix and 64
// lower-case hex digits): a request that fails this costs no hash, however
// long what it presented.
bool looks_like_api_key(std::string_view presented);

} // namespace ryax::domain
