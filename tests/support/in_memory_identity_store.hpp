#pragma once

#include "core/application/ports/identity_crypto.hpp"
#include "core/application/ports/identity_store.hpp"

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ryax::test {

// The IdentityStore port in memory, for application tests; held to the
// same contract as the SQLite adapter (tests/unit/contract).
class InMemoryIdentityStore final : public app::IdentityStore
{
public:
  explicit InMemoryIdentityStore(std::size_t audit_kept = app::k_audit_kept)
    : m_audit_kept(audit_kept)
  {
  }

  Result<void> add_user(const domain::User& user,
                        const std::string& password_hash) override;
  Result<void> update_user(const domain::User& user) override;
  Result<void> set_password(const std::string& name,
                            const std::string& password_hash) override;
  Result<std::string> password_hash(const std::string& name) override;
  Result<void> remove_user(const std::string& name) override;
  Result<std::vector<domain::User>> users() override;
  Result<void> add_project(const domain::Project& project) override;
  Result<std::vector<domain::Project>> projects() override;
  Result<void> add_member(const std::string& project,
                          const std::string& user) override;
  Result<void> remove_member(const std::string& project,
                             const std::string& user) override;
  Result<std::vector<std::pair<std::string, std::string>>> memberships()
    override;
  Result<void> add_token(const app::StoredToken& token) override;
  Result<std::optional<app::StoredToken>> token(
    const std::string& hash) override;
  Result<std::vector<app::StoredToken>> tokens(
    const std::string& user) override;
  Result<void> revoke_token(const std::string& user,
                            const std::string& id) override;
  Result<void> append_audit(const app::AuditEntry& entry) override;
  Result<std::vector<app::AuditEntry>> audit(
    const app::AuditFilter& filter) override;
  std::uint64_t generation() const override;

private:
  mutable std::mutex m_mutex;
  std::uint64_t m_generation = 0;
  std::map<std::string, std::pair<domain::User, std::string>> m_users;
  std::map<std::string, domain::Project> m_projects;
  std::set<std::pair<std::string, std::string>> m_members;
  std::vector<app::StoredToken> m_tokens; // in insertion order
  std::vector<app::AuditEntry> m_audit;   // in insertion order
  std::size_t m_audit_kept;
};

// IdentityCrypto without the cost: a deterministic counter for random
// bytes, a cheap (non-cryptographic) digest, and a password "hash" that is
// a tagged digest. For application tests only.
class FastIdentityCrypto final : public app::IdentityCrypto
{
public:
  std::string random_hex(std::size_t bytes) override;
  std::string sha256_hex(std::string_view data) override;
  std::string hmac_hex(std::string_view key, std::string_view data) override;
  std::string hash_password(std::string_view password) override;
  bool verify_password(std::string_view password,
                       std::string_view hash) override;

private:
  std::mutex m_mutex;
  std::uint64_t m_counter = 0;
};

} // namespace ryax::test
