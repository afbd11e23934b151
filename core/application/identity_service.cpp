#include "core/application/identity_service.hpp"

#include "core/application/log.hpp"
#include "core/domain/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace ryax::app {

namespace {

constexpr std::string_view k_stored_prefix = "ryax_";
constexpr std::string_view k_local_prefix = "ryaxl_";
constexpr std::int64_t k_local_lifetime_ms = 12LL * 3600 * 1000;
constexpr int k_free_failures = 5;

std::string
hex(std::string_view text)
{
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : text) {
    out += k_digits[c >> 4];
    out += k_digits[c & 15];
  }
  return out;
}

std::optional<std::string>
unhex(std::string_view text)
{
  if (text.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    const auto [end, error] =
      std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
    if (error != std::errc() || end != text.data() + i + 2) {
      return std::nullopt;
    }
    out += static_cast<char>(value);
  }
  return out;
}

// Comparison whose time does not depend on where the texts differ.
bool
same(std::string_view a, std::string_view b)
{
  if (a.size() != b.size()) {
    return false;
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::unexpected<Error>
unauthenticated(std::string message)
{
  return fail(ErrorCode::unauthenticated, std::move(message));
}

Result<void>
check_name(std::string_view what, const std::string& name)
{
  if (!domain::is_valid_name(name)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} name \"{}\" is not valid: 1 to 64 letters, "
                            "digits, '_', '-' or '.', starting with a letter "
                            "or a digit",
                            what,
                            name));
  }
  return {};
}

} // namespace

IdentityService::IdentityService(IdentityStore& store,
                                 IdentityCrypto& crypto,
                                 Clock& clock)
  : m_store(store)
  , m_crypto(crypto)
  , m_clock(clock)
  , m_local_key(crypto.random_hex(32))
{
}

Result<void>
IdentityService::bootstrap(std::uint32_t owner_uid)
{
  const auto now = m_clock.now_unix();
  RYAX_TRY_ASSIGN(const auto projects, m_store.projects());
  const auto has_default =
    std::any_of(projects.begin(), projects.end(), [](const auto& p) {
      return p.name == domain::k_default_project;
    });
  if (!has_default) {
    RYAX_TRY(m_store.add_project(
      domain::Project{ std::string(domain::k_default_project), now }));
  }
  RYAX_TRY_ASSIGN(const auto users, m_store.users());
  if (users.empty()) {
    domain::User admin;
    admin.name = domain::k_first_admin;
    admin.role = domain::Role::admin;
    admin.local_uid = owner_uid;
    admin.created_at = now;
    RYAX_TRY(m_store.add_user(admin, ""));
    RYAX_TRY(m_store.add_member(std::string(domain::k_default_project),
                                admin.name));
    log::info("identity: user {} (admin) is the local account {}",
              admin.name,
              owner_uid);
  }
  return {};
}

Result<void>
IdentityService::refresh()
{
  const auto generation = m_store.generation();
  if (generation == m_generation) {
    return {};
  }
  RYAX_TRY_ASSIGN(const auto users, m_store.users());
  RYAX_TRY_ASSIGN(const auto memberships, m_store.memberships());
  RYAX_TRY_ASSIGN(const auto projects, m_store.projects());
  m_projects.clear();
  for (const auto& project : projects) {
    m_projects.insert(project.name);
  }
  m_principals.clear();
  m_local_users.clear();
  for (const auto& user : users) {
    auto& principal = m_principals[user.name];
    principal.user = user.name;
    principal.role = user.role;
    principal.current_project = user.current_project;
    if (user.local_uid) {
      m_local_users[*user.local_uid] = user.name;
    }
  }
  for (const auto& [project, user] : memberships) {
    if (auto it = m_principals.find(user); it != m_principals.end()) {
      it->second.projects.push_back(project);
    }
  }
  for (auto& [name, principal] : m_principals) {
    std::sort(principal.projects.begin(), principal.projects.end());
  }
  m_tokens.clear();
  m_generation = generation;
  return {};
}

Result<domain::Principal>
IdentityService::principal_of(const std::string& user)
{
  RYAX_TRY(refresh());
  const auto it = m_principals.find(user);
  if (it == m_principals.end()) {
    return unauthenticated(
      fmt::format("user \"{}\" no longer exists: log in again", user));
  }
  return it->second;
}

Result<domain::Principal>
IdentityService::authenticate(std::string_view token)
{
  const auto now_ms = m_clock.now_unix_ms();
  std::lock_guard lock(m_mutex);
  if (token.empty()) {
    return unauthenticated("no credentials: log in (ryax login) or use the "
                           "local socket");
  }
  if (token.starts_with(k_local_prefix)) {
    // A token checked before costs a lookup, not an HMAC.
    if (const auto seen = m_local_seen.find(token);
        seen != m_local_seen.end() && seen->second.second >= now_ms) {
      return principal_of(seen->second.first);
    }
    // ryaxl_<expiry ms>_<hex user>_<hmac>
    const auto body = token.substr(k_local_prefix.size());
    const auto first = body.find('_');
    const auto second = body.find('_', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) {
      return unauthenticated("malformed local token");
    }
    const auto signed_part = body.substr(0, second);
    if (!same(m_crypto.hmac_hex(m_local_key, signed_part),
              body.substr(second + 1))) {
      return unauthenticated(
        "local token not issued by this daemon (it restarted?): retry");
    }
    std::int64_t expiry = 0;
    std::from_chars(body.data(), body.data() + first, expiry);
    if (expiry < now_ms) {
      return unauthenticated("local token expired: retry");
    }
    const auto user = unhex(body.substr(first + 1, second - first - 1));
    if (!user) {
      return unauthenticated("malformed local token");
    }
    if (m_local_seen.size() >= 1024) {
      m_local_seen.clear(); // bounded: a flood of tokens costs HMACs again
    }
    m_local_seen.emplace(std::string(token), std::pair{ *user, expiry });
    return principal_of(*user);
  }
  if (!token.starts_with(k_stored_prefix)) {
    return unauthenticated("unknown token");
  }
  RYAX_TRY(refresh());
  const auto hash = m_crypto.sha256_hex(token);
  auto it = m_tokens.find(hash);
  if (it == m_tokens.end()) {
    RYAX_TRY_ASSIGN(auto stored, m_store.token(hash));
    if (!stored) {
      return unauthenticated("unknown token");
    }
    it = m_tokens.emplace(hash, std::move(*stored)).first;
  }
  const auto& stored = it->second;
  if (stored.revoked) {
    return unauthenticated(
      fmt::format("token {} was revoked", stored.id));
  }
  if (stored.expires_at != 0 && stored.expires_at * 1000 < now_ms) {
    return unauthenticated(fmt::format("token {} expired", stored.id));
  }
  return principal_of(stored.user);
}

std::string
IdentityService::project_of(const domain::Principal& principal,
                            std::string_view requested) const
{
  if (!requested.empty()) {
    return std::string(requested);
  }
  if (!principal.current_project.empty()) {
    return principal.current_project;
  }
  // Never chose one: "default" when it may act there, else its first.
  if (!principal.member_of(domain::k_default_project)
      && !principal.projects.empty()) {
    return principal.projects.front();
  }
  return std::string(domain::k_default_project);
}

Result<void>
IdentityService::check_project(std::string_view project)
{
  std::lock_guard lock(m_mutex);
  RYAX_TRY(refresh());
  if (m_projects.contains(project)) {
    return {};
  }
  return fail(ErrorCode::not_found,
              fmt::format("project \"{}\" does not exist (an admin creates "
                          "it with \"ryax project create {}\")",
                          project, project));
}

Result<std::string>
IdentityService::local_token(std::uint32_t uid)
{
  std::lock_guard lock(m_mutex);
  RYAX_TRY(refresh());
  const auto it = m_local_users.find(uid);
  if (it == m_local_users.end()) {
    return fail(ErrorCode::permission_denied,
                fmt::format("the local account {} is not a ryax user: an "
                            "admin maps it with \"ryax user add NAME --role "
                            "ROLE --local-uid {}\"",
                            uid,
                            uid));
  }
  const auto body =
    fmt::format("{}_{}",
                m_clock.now_unix_ms() + k_local_lifetime_ms,
                hex(it->second));
  return fmt::format(
    "{}{}_{}", k_local_prefix, body, m_crypto.hmac_hex(m_local_key, body));
}

Result<NewToken>
IdentityService::make_token(const std::string& user,
                            const std::string& name,
                            TokenKind kind,
                            std::chrono::seconds lifetime)
{
  NewToken made;
  made.token = std::string(k_stored_prefix) + m_crypto.random_hex(32);
  auto& stored = made.stored;
  stored.hash = m_crypto.sha256_hex(made.token);
  stored.id = stored.hash.substr(0, 12);
  stored.user = user;
  stored.name = name;
  stored.kind = kind;
  stored.created_at = m_clock.now_unix();
  stored.expires_at =
    lifetime.count() > 0 ? stored.created_at + lifetime.count() : 0;
  RYAX_TRY(m_store.add_token(stored));
  return made;
}

Result<NewToken>
IdentityService::login(const std::string& user,
                       std::string_view password,
                       std::chrono::seconds lifetime)
{
  const auto now_ms = m_clock.now_unix_ms();
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_failures.find(user);
        it != m_failures.end() && it->second.retry_at_ms > now_ms) {
      (void)m_store.append_audit(AuditEntry{
        now_ms, user, "Login", "", "denied", "too many failed logins" });
      return unauthenticated(fmt::format(
        "too many failed logins for \"{}\": retry in {} s",
        user,
        (it->second.retry_at_ms - now_ms + 999) / 1000));
    }
  }
  auto hash = m_store.password_hash(user);
  // A wrong user costs the same as a wrong password.
  const bool ok =
    m_crypto.verify_password(password, hash ? *hash : std::string())
    && hash && !hash->empty();
  if (!ok) {
    std::lock_guard lock(m_mutex);
    if (m_failures.size() >= 10000 && !m_failures.contains(user)) {
      m_failures.clear(); // bounded: names tried by a flood are forgotten
    }
    auto& failures = m_failures[user];
    if (++failures.count >= k_free_failures) {
      const auto delay_s = 1LL << std::min(failures.count - k_free_failures, 10);
      failures.retry_at_ms = now_ms + delay_s * 1000;
    }
    log::warn("identity: failed login for \"{}\" ({} in a row)",
              user,
              failures.count);
    (void)m_store.append_audit(AuditEntry{
      now_ms, user, "Login", "", "denied", "wrong user or password" });
    return unauthenticated("wrong user or password");
  }
  {
    std::lock_guard lock(m_mutex);
    m_failures.erase(user);
  }
  return make_token(user, "login", TokenKind::session, lifetime);
}

Result<void>
IdentityService::logout(std::string_view token)
{
  const auto hash = m_crypto.sha256_hex(token);
  RYAX_TRY_ASSIGN(const auto stored, m_store.token(hash));
  if (!stored || stored->kind != TokenKind::session) {
    return unauthenticated("this is not a login session: nothing to log out");
  }
  return m_store.revoke_token(stored->user, stored->id);
}

Result<domain::User>
IdentityService::add_user(const AddUser& request)
{
  RYAX_TRY(check_name("user", request.name));
  domain::User user;
  user.name = request.name;
  user.role = request.role;
  user.local_uid = request.local_uid;
  user.created_at = m_clock.now_unix();
  if (request.local_uid) {
    RYAX_TRY_ASSIGN(const auto all, m_store.users());
    for (const auto& other : all) {
      if (other.local_uid == request.local_uid) {
        return fail(ErrorCode::already_exists,
                    fmt::format("the local account {} is already user \"{}\"",
                                *request.local_uid,
                                other.name));
      }
    }
  }
  const auto hash = request.password.empty()
                      ? std::string()
                      : m_crypto.hash_password(request.password);
  RYAX_TRY(m_store.add_user(user, hash));
  return user;
}

Result<void>
IdentityService::check_last_admin(const std::string& leaving)
{
  RYAX_TRY_ASSIGN(const auto all, m_store.users());
  const auto admins = std::count_if(all.begin(), all.end(), [&](const auto& u) {
    return u.role == domain::Role::admin && u.name != leaving;
  });
  const auto it = std::find_if(
    all.begin(), all.end(), [&](const auto& u) { return u.name == leaving; });
  if (it != all.end() && it->role == domain::Role::admin && admins == 0) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("\"{}\" is the last admin: add another admin first",
                            leaving));
  }
  return {};
}

Result<void>
IdentityService::remove_user(const std::string& name)
{
  RYAX_TRY(check_last_admin(name));
  return m_store.remove_user(name);
}

Result<std::vector<domain::User>>
IdentityService::users()
{
  return m_store.users();
}

Result<std::vector<std::pair<std::string, std::string>>>
IdentityService::memberships()
{
  return m_store.memberships();
}

Result<std::vector<domain::Project>>
IdentityService::projects(const domain::Principal& principal)
{
  RYAX_TRY_ASSIGN(auto all, m_store.projects());
  std::erase_if(all, [&](const domain::Project& project) {
    return !principal.member_of(project.name);
  });
  return all;
}

Result<domain::Project>
IdentityService::create_project(const std::string& name)
{
  RYAX_TRY(check_name("project", name));
  domain::Project project{ name, m_clock.now_unix() };
  RYAX_TRY(m_store.add_project(project));
  return project;
}

Result<void>
IdentityService::use_project(const domain::Principal& principal,
                             const std::string& project)
{
  RYAX_TRY(members(project)); // not_found, with did-you-mean
  RYAX_TRY_ASSIGN(const auto all, m_store.users());
  for (auto user : all) {
    if (user.name == principal.user) {
      user.current_project = project;
      return m_store.update_user(user);
    }
  }
  return fail(ErrorCode::not_found,
              fmt::format("user \"{}\" not found", principal.user));
}

Result<std::vector<std::string>>
IdentityService::members(const std::string& project)
{
  RYAX_TRY_ASSIGN(const auto projects, m_store.projects());
  std::vector<std::string> names;
  for (const auto& p : projects) {
    names.push_back(p.name);
  }
  if (std::find(names.begin(), names.end(), project) == names.end()) {
    return fail(ErrorCode::not_found,
                fmt::format("project \"{}\" not found", project)
                  + domain::did_you_mean(project, names));
  }
  RYAX_TRY_ASSIGN(const auto memberships, m_store.memberships());
  std::vector<std::string> found;
  for (const auto& [p, user] : memberships) {
    if (p == project) {
      found.push_back(user);
    }
  }
  return found;
}

Result<void>
IdentityService::add_member(const std::string& project, const std::string& user)
{
  return m_store.add_member(project, user);
}

Result<void>
IdentityService::remove_member(const std::string& project,
                               const std::string& user)
{
  RYAX_TRY_ASSIGN(const auto current, members(project));
  if (std::find(current.begin(), current.end(), user) == current.end()) {
    return fail(ErrorCode::not_found,
                fmt::format("user \"{}\" is not a member of project \"{}\"",
                            user,
                            project));
  }
  return m_store.remove_member(project, user);
}

Result<NewToken>
IdentityService::create_token(const domain::Principal& principal,
                              const std::string& name,
                              std::chrono::seconds lifetime)
{
  RYAX_TRY(check_name("token", name));
  return make_token(principal.user, name, TokenKind::personal, lifetime);
}

Result<std::vector<StoredToken>>
IdentityService::tokens(const domain::Principal& principal, bool all)
{
  return m_store.tokens(all && principal.role == domain::Role::admin
                          ? std::string()
                          : principal.user);
}

Result<void>
IdentityService::revoke_token(const domain::Principal& principal,
                              const std::string& id)
{
  return m_store.revoke_token(principal.user, id);
}

void
IdentityService::record(AuditEntry entry)
{
  if (entry.at_ms == 0) {
    entry.at_ms = m_clock.now_unix_ms();
  }
  if (auto appended = m_store.append_audit(entry); !appended) {
    log::error("audit: cannot record {} by {}: {}",
               entry.method,
               entry.user,
               appended.error().message);
  }
}

Result<std::vector<AuditEntry>>
IdentityService::audit(const AuditFilter& filter)
{
  return m_store.audit(filter);
}

} // namespace ryax::app
