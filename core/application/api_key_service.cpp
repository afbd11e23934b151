#include "core/application/api_key_service.hpp"

#include "core/application/log.hpp"
#include "core/domain/suggest.hpp"

#include <fmt/format.h>

#include <mutex>

namespace ryax::app {

namespace {

// How often the last use of a key is written: a busy key costs one write a
// minute, not one per request.
constexpr std::int64_t k_touch_interval_ms = 60'000;

std::unexpected<Error>
unauthenticated(std::string message)
{
  return fail(ErrorCode::unauthenticated, std::move(message));
}

} // namespace

ApiKeyService::ApiKeyService(ApiKeyStore& store,
                             IdentityCrypto& crypto,
                             Clock& clock)
  : m_store(store)
  , m_crypto(crypto)
  , m_clock(clock)
{
}

std::unexpected<Error>
ApiKeyService::not_found(const std::string& project, const std::string& name)
{
  auto message =
    fmt::format("API key \"{}\" not found in project \"{}\"", name, project);
  if (auto all = m_store.list(project)) {
    std::vector<std::string> names;
    for (const auto& key : *all) {
      names.push_back(key.name);
    }
    message += domain::did_you_mean(name, names);
  }
  return fail(ErrorCode::not_found, message);
}

std::int64_t
ApiKeyService::expiry_in(std::int64_t lifetime_seconds)
{
  return m_clock.now_unix_ms() + lifetime_seconds * 1000;
}

Result<CreatedApiKey>
ApiKeyService::create(const std::string& project,
                      const std::string& name,
                      std::int64_t expires_ms)
{
  RYAX_TRY(domain::check_api_key_name(name));
  const auto now = m_clock.now_unix_ms();
  if (expires_ms != 0 &&
      (expires_ms <= now ||
       expires_ms - now > domain::k_max_api_key_lifetime_seconds * 1000)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("API key \"{}\": the expiry must be in the "
                            "future and at most 10 years ahead",
                            name));
  }
  RYAX_TRY_ASSIGN(const auto count, m_store.count(project));
  if (count >= domain::k_max_api_keys_per_project) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("project \"{}\" holds {} API keys, the most a "
                            "project may hold",
                            project,
                            count));
  }
  CreatedApiKey made;
  made.secret = std::string(domain::k_api_key_prefix) + m_crypto.random_hex(32);
  auto& key = made.key;
  key.project = project;
  key.name = name;
  key.prefix = made.secret.substr(
    0, domain::k_api_key_prefix.size() + domain::k_api_key_prefix_digits);
  key.hash = m_crypto.sha256_hex(made.secret);
  key.created_ms = now;
  key.expires_ms = expires_ms;
  RYAX_TRY(m_store.add(key));
  RYAX_TRY(set_required(project, true));
  log::info("API key {} ({}) of project {} created", name, key.prefix, project);
  return made;
}

Result<std::vector<domain::ApiKey>>
ApiKeyService::list(const std::string& project)
{
  return m_store.list(project);
}

Result<void>
ApiKeyService::revoke(const std::string& project, const std::string& name)
{
  RYAX_TRY_ASSIGN(const bool found, m_store.revoke(project, name));
  if (!found) {
    return not_found(project, name);
  }
  log::info("API key {} of project {} revoked", name, project);
  return {};
}

Result<void>
ApiKeyService::set_required(const std::string& project, bool required)
{
  std::unique_lock lock(m_mutex);
  RYAX_TRY(m_store.set_keys_required(project, required));
  m_required.insert_or_assign(project, required);
  log::info("project {} {} API keys",
            project,
            required ? "requires" : "does not require");
  return {};
}

Result<bool>
ApiKeyService::required(const std::string& project)
{
  {
    std::shared_lock lock(m_mutex);
    if (const auto it = m_required.find(project); it != m_required.end()) {
      return it->second;
    }
  }
  std::unique_lock lock(m_mutex);
  RYAX_TRY_ASSIGN(const bool required, m_store.keys_required(project));
  m_required.insert_or_assign(project, required);
  return required;
}

Result<void>
ApiKeyService::authorize(const std::string& project, std::string_view presented)
{
  RYAX_TRY_ASSIGN(const bool needed, required(project));
  if (!needed) {
    return {};
  }
  if (presented.empty()) {
    return unauthenticated("missing API key");
  }
  if (!domain::looks_like_api_key(presented)) {
    return unauthenticated("invalid or revoked API key");
  }
  RYAX_TRY_ASSIGN(
    const auto key,
    m_store.find_by_hash(project, m_crypto.sha256_hex(presented)));
  if (!key || key->revoked) {
    return unauthenticated("invalid or revoked API key");
  }
  const auto now = m_clock.now_unix_ms();
  if (domain::is_expired(*key, now)) {
    return unauthenticated("expired API key");
  }
  if (!key->last_used_ms || now - *key->last_used_ms >= k_touch_interval_ms) {
    // The request goes on whether or not its use could be recorded.
    if (auto touched = m_store.touch(project, key->name, now); !touched) {
      log::warn("API key {} of project {}: cannot record its use: {}",
                key->name,
                project,
                touched.error().message);
    }
  }
  return {};
}

} // namespace ryax::app
