#include "core/domain/api_key.hpp"

#include "core/domain/identity.hpp"

#include <algorithm>

namespace ryax::domain {

bool
is_expired(const ApiKey& key, std::int64_t now_ms)
{
  return key.expires_ms != 0 && now_ms >= key.expires_ms;
}

Result<void>
check_api_key_name(std::string_view name)
{
  if (!is_valid_name(name)) {
    // Never echo a huge name back whole.
    const auto shown = name.size() > 80
                         ? std::string(name.substr(0, 77)) + "..."
                         : std::string(name);
    return fail(ErrorCode::invalid_argument,
                "API key name \"" + shown +
                  "\" is not valid: 1 to 64 letters, digits, '_', '-' or "
                  "'.', starting with a letter or a digit");
  }
  return {};
}

bool
looks_like_api_key(std::string_view presented)
{
  if (!presented.starts_with(k_api_key_prefix)) {
    return false;
  }
  const auto body = presented.substr(k_api_key_prefix.size());
  return body.size() == 64 && std::all_of(body.begin(), body.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

} // namespace ryax::domain
