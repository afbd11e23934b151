#pragma once

#include "core/application/ports/identity_store.hpp"
#include "core/infrastructure/sqlite/database.hpp"

#include <atomic>
#include <cstdint>

namespace ryax::infra::sqlite {

// IdentityStore in the daemon's SQLite database (tables projects, users,
// members, tokens and audit).
class SqliteIdentityStore final : public app::IdentityStore
{
public:
  explicit SqliteIdentityStore(Database& database,
                               std::size_t audit_kept = app::k_audit_kept);

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
  Result<std::vector<app::StoredToken>> tokens(const std::string& user) override;
  Result<void> revoke_token(const std::string& user,
                            const std::string& id) override;
  Result<void> append_audit(const app::AuditEntry& entry) override;
  Result<std::vector<app::AuditEntry>> audit(
    const app::AuditFilter& filter) override;
  std::uint64_t generation() const override { return m_generation.load(); }

private:
  // `result`, after noting that the store was written.
  template<typename T>
  T
  written(T result)
  {
    m_generation.fetch_add(1);
    return result;
  }

  Database& m_database;
  std::int64_t m_audit_kept;
  std::atomic<std::uint64_t> m_generation{ 0 };
};

} // namespace ryax::infra::sqlite
