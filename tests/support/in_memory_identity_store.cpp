#include "tests/support/in_memory_identity_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace ryax::test {

namespace {

std::unexpected<Error>
user_not_found(const std::string& name)
{
  return fail(ErrorCode::not_found, fmt::format("user \"{}\" not found", name));
}

} // namespace

Result<void>
InMemoryIdentityStore::add_user(const domain::User& user,
                                const std::string& password_hash)
{
  std::lock_guard lock(m_mutex);
  if (m_users.contains(user.name)) {
    return fail(ErrorCode::already_exists,
                fmt::format("user \"{}\" already exists", user.name));
  }
  m_users.emplace(user.name, std::pair{ user, password_hash });
  ++m_generation;
  return {};
}

Result<void>
InMemoryIdentityStore::update_user(const domain::User& user)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_users.find(user.name);
  if (it == m_users.end()) {
    return user_not_found(user.name);
  }
  const auto created = it->second.first.created_at;
  it->second.first = user;
  it->second.first.created_at = created;
  ++m_generation;
  return {};
}

Result<void>
InMemoryIdentityStore::set_password(const std::string& name,
                                    const std::string& password_hash)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_users.find(name);
  if (it == m_users.end()) {
    return user_not_found(name);
  }
  it->second.second = password_hash;
  ++m_generation;
  return {};
}

Result<std::string>
InMemoryIdentityStore::password_hash(const std::string& name)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_users.find(name);
  if (it == m_users.end()) {
    return user_not_found(name);
  }
  return it->second.second;
}

Result<void>
InMemoryIdentityStore::remove_user(const std::string& name)
{
  std::lock_guard lock(m_mutex);
  if (m_users.erase(name) == 0) {
    return user_not_found(name);
  }
  std::erase_if(m_members, [&](const auto& m) { return m.second == name; });
  std::erase_if(m_tokens, [&](const auto& t) { return t.user == name; });
  ++m_generation;
  return {};
}

Result<std::vector<domain::User>>
InMemoryIdentityStore::users()
{
  std::lock_guard lock(m_mutex);
  std::vector<domain::User> users;
  for (const auto& [name, entry] : m_users) {
    users.push_back(entry.first);
  }
  return users;
}

Result<void>
InMemoryIdentityStore::add_project(const domain::Project& project)
{
  std::lock_guard lock(m_mutex);
  if (m_projects.contains(project.name)) {
    return fail(ErrorCode::already_exists,
                fmt::format("project \"{}\" already exists", project.name));
  }
  m_projects.emplace(project.name, project);
  ++m_generation;
  return {};
}

Result<std::vector<domain::Project>>
InMemoryIdentityStore::projects()
{
  std::lock_guard lock(m_mutex);
  std::vector<domain::Project> projects;
  for (const auto& [name, project] : m_projects) {
    projects.push_back(project);
  }
  return projects;
}

Result<void>
InMemoryIdentityStore::add_member(const std::string& project,
                                  const std::string& user)
{
  std::lock_guard lock(m_mutex);
  if (!m_projects.contains(project)) {
    return fail(ErrorCode::not_found,
                fmt::format("project \"{}\" not found", project));
  }
  if (!m_users.contains(user)) {
    return user_not_found(user);
  }
  m_members.emplace(project, user);
  ++m_generation;
  return {};
}

Result<void>
InMemoryIdentityStore::remove_member(const std::string& project,
                                     const std::string& user)
{
  std::lock_guard lock(m_mutex);
  m_members.erase({ project, user });
  ++m_generation;
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>>
InMemoryIdentityStore::memberships()
{
  std::lock_guard lock(m_mutex);
  return std::vector<std::pair<std::string, std::string>>(m_members.begin(),
                                                          m_members.end());
}

Result<void>
InMemoryIdentityStore::add_token(const app::StoredToken& token)
{
  std::lock_guard lock(m_mutex);
  if (std::ranges::any_of(m_tokens,
                          [&](const auto& t) { return t.hash == token.hash; })) {
    return fail(ErrorCode::already_exists, "token already exists");
  }
  m_tokens.push_back(token);
  ++m_generation;
  return {};
}

Result<std::optional<app::StoredToken>>
InMemoryIdentityStore::token(const std::string& hash)
{
  std::lock_guard lock(m_mutex);
  const auto it = std::ranges::find(m_tokens, hash, &app::StoredToken::hash);
  if (it == m_tokens.end()) {
    return std::optional<app::StoredToken>{};
  }
  return std::optional{ *it };
}

Result<std::vector<app::StoredToken>>
InMemoryIdentityStore::tokens(const std::string& user)
{
  std::lock_guard lock(m_mutex);
  std::vector<app::StoredToken> tokens;
  for (const auto& t : m_tokens) {
    if (user.empty() || t.user == user) {
      tokens.push_back(t);
    }
  }
  std::ranges::stable_sort(tokens, [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at
                                        : a.id < b.id;
  });
  return tokens;
}

Result<void>
InMemoryIdentityStore::revoke_token(const std::string& user,
                                    const std::string& id)
{
  std::lock_guard lock(m_mutex);
  const auto it = std::ranges::find_if(
    m_tokens, [&](const auto& t) { return t.user == user && t.id == id; });
  if (it == m_tokens.end()) {
    return fail(ErrorCode::not_found,
                fmt::format("user \"{}\" has no token \"{}\"", user, id));
  }
  it->revoked = true;
  ++m_generation;
  return {};
}

Result<void>
InMemoryIdentityStore::append_audit(const app::AuditEntry& entry)
{
  std::lock_guard lock(m_mutex);
  m_audit.push_back(entry);
  if (m_audit.size() > m_audit_kept) { // the store's contract: the newest
    m_audit.erase(m_audit.begin(),
                  m_audit.begin()
                    + static_cast<std::ptrdiff_t>(m_audit.size() - m_audit_kept));
  }
  return {};
}

Result<std::vector<app::AuditEntry>>
InMemoryIdentityStore::audit(const app::AuditFilter& filter)
{
  if (filter.limit <= 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("audit limit must be positive, not {}",
                            filter.limit));
  }
  std::lock_guard lock(m_mutex);
  std::vector<app::AuditEntry> entries;
  // Newest first: by time, then the later insertion.
  std::vector<std::size_t> order(m_audit.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::ranges::stable_sort(order, [&](std::size_t a, std::size_t b) {
    return m_audit[a].at_ms != m_audit[b].at_ms
             ? m_audit[a].at_ms > m_audit[b].at_ms
             : a > b;
  });
  for (const auto i : order) {
    const auto& e = m_audit[i];
    if ((!filter.user.empty() && e.user != filter.user)
        || e.at_ms < filter.since_ms.value_or(0)) {
      continue;
    }
    entries.push_back(e);
    if (static_cast<int>(entries.size()) == filter.limit) {
      break;
    }
  }
  return entries;
}

std::uint64_t
InMemoryIdentityStore::generation() const
{
  std::lock_guard lock(m_mutex);
  return m_generation;
}

std::string
FastIdentityCrypto::random_hex(std::size_t bytes)
{
  std::lock_guard lock(m_mutex);
  auto hex = fmt::format("{:016x}", ++m_counter);
  while (hex.size() < bytes * 2) {
    hex += hex;
  }
  return hex.substr(hex.size() - bytes * 2);
}

std::string
FastIdentityCrypto::sha256_hex(std::string_view data)
{
  // Four differently salted std::hash values: 64 hex digits, distinct for
  // distinct inputs in practice.
  std::string hex;
  for (int salt = 0; salt < 4; ++salt) {
    hex += fmt::format(
      "{:016x}",
      std::hash<std::string>{}(fmt::format("{}:{}", salt, data)));
  }
  return hex;
}

std::string
FastIdentityCrypto::hmac_hex(std::string_view key, std::string_view data)
{
  return sha256_hex(fmt::format("{}|{}", key, data));
}

std::string
FastIdentityCrypto::hash_password(std::string_view password)
{
  return "fake$" + sha256_hex(password);
}

bool
FastIdentityCrypto::verify_password(std::string_view password,
                                    std::string_view hash)
{
  return hash == hash_password(password);
}

} // namespace ryax::test
