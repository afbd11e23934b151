#include "core/application/site_registry.hpp"

#include "core/domain/suggest.hpp"

#include <fmt/format.h>

namespace ryax::app {

namespace {

constexpr std::int64_t k_default_token_seconds = 24 * 3600;

Error
refused()
{
  return Error{ ErrorCode::unauthenticated,
                "the worker's credential is not valid (its site was removed, "
                "or it belongs to another site): join again with a new "
                "token" };
}

} // namespace

SiteRegistry::SiteRegistry(AgentStore& store,
                           IdentityCrypto& crypto,
                           Clock& clock,
                           std::string local_site,
                           std::string ca_fingerprint)
  : m_store(store)
  , m_crypto(crypto)
  , m_clock(clock)
  , m_local_site(std::move(local_site))
  , m_ca_fingerprint(domain::normalize_fingerprint(ca_fingerprint))
{
}

Result<CreatedJoinToken>
SiteRegistry::create_token(std::int64_t ttl_seconds)
{
  if (m_ca_fingerprint.empty()) {
    return fail(ErrorCode::failed_precondition,
                "ryaxd serves no TLS address, which workers join through: "
                "start it with --listen HOST:PORT (or `listen` in ryaxd.yaml)");
  }
  if (ttl_seconds < 0 || ttl_seconds > domain::k_max_join_token_seconds) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("a join token lives at most 30 days, not {} "
                            "seconds",
                            ttl_seconds));
  }
  if (ttl_seconds == 0) {
    ttl_seconds = k_default_token_seconds;
  }
  domain::JoinToken token{ m_crypto.random_hex(8), m_crypto.random_hex(32),
                           m_ca_fingerprint };
  const auto now = m_clock.now_unix_ms();
  domain::JoinTokenRecord record{ token.id, m_crypto.sha256_hex(token.secret),
                                  now, now + ttl_seconds * 1000 };
  RYAX_TRY(m_store.add_token(record));
  return CreatedJoinToken{ domain::format_join_token(token), token.id,
                           record.expires_ms };
}

Result<std::string>
SiteRegistry::join(std::string_view token_text,
                   const domain::Site& site,
                   const std::string& address)
{
  auto token = domain::parse_join_token(token_text);
  if (!token) {
    return fail(ErrorCode::unauthenticated, token.error().message);
  }
  RYAX_TRY_ASSIGN(const auto record, m_store.find_token(token->id));
  if (!record || record->hash != m_crypto.sha256_hex(token->secret)) {
    return fail(ErrorCode::unauthenticated,
                "the join token is not one this daemon made (or was made by "
                "another daemon)");
  }
  const auto now = m_clock.now_unix_ms();
  if (record->expires_ms != 0 && now >= record->expires_ms) {
    return fail(ErrorCode::unauthenticated,
                "the join token expired: make a new one with `ryax site token "
                "create`");
  }
  RYAX_TRY(domain::check_agent_site(site));
  if (site.name == m_local_site) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("site name \"{}\" is the main daemon's own site: "
                            "start the worker with another --site",
                            site.name));
  }
  RYAX_TRY_ASSIGN(const auto existing, m_store.find_site(site.name));
  if (existing) {
    return fail(ErrorCode::already_exists,
                fmt::format("site \"{}\" has joined already: the worker "
                            "that holds its credential connects without a "
                            "token; to join another machine under that name, "
                            "`ryax site rm {}` first",
                            site.name, site.name));
  }
  const auto credential = m_crypto.random_hex(32);
  domain::AgentSite joined{ site, m_crypto.sha256_hex(credential), now, now,
                            address };
  RYAX_TRY(m_store.put_site(joined));
  return credential;
}

Result<domain::AgentSite>
SiteRegistry::check(const std::string& name, std::string_view credential)
{
  RYAX_TRY_ASSIGN(auto found, m_store.find_site(name));
  if (!found || found->credential_hash != m_crypto.sha256_hex(credential)) {
    return std::unexpected(refused());
  }
  return std::move(*found);
}

Result<domain::AgentSite>
SiteRegistry::authenticate(const domain::Site& site,
                           std::string_view credential,
                           const std::string& address)
{
  RYAX_TRY_ASSIGN(auto found, check(site.name, credential));
  RYAX_TRY(domain::check_agent_site(site));
  found.site = site;
  found.last_seen_ms = m_clock.now_unix_ms();
  found.address = address;
  RYAX_TRY(m_store.put_site(found));
  return found;
}

void
SiteRegistry::seen(const std::string& name, const std::string& address)
{
  (void)m_store.touch_site(name, m_clock.now_unix_ms(), address);
}

Result<void>
SiteRegistry::remove(const std::string& name)
{
  RYAX_TRY_ASSIGN(const bool removed, m_store.remove_site(name));
  if (removed) {
    return {};
  }
  RYAX_TRY_ASSIGN(const auto sites, m_store.list_sites());
  std::vector<std::string> names;
  for (const auto& site : sites) {
    names.push_back(site.site.name);
  }
  return fail(ErrorCode::not_found,
              fmt::format("no worker site \"{}\"{}", name,
                          domain::did_you_mean(name, names)));
}

Result<std::vector<domain::AgentSite>>
SiteRegistry::list()
{
  return m_store.list_sites();
}

} // namespace ryax::app
