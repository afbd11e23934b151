#include "core/infrastructure/sqlite/sqlite_identity_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <algorithm>

namespace ryax::infra::sqlite {

namespace {

domain::User
read_user(SQLite::Statement& q)
{
  domain::User user;
  user.name = q.getColumn(0).getString();
  user.role = domain::parse_role(q.getColumn(1).getString())
                .value_or(domain::Role::user);
  if (!q.getColumn(2).isNull()) {
    user.local_uid = static_cast<std::uint32_t>(q.getColumn(2).getInt64());
  }
  user.current_project = q.getColumn(3).getString();
  user.created_at = q.getColumn(4).getInt64();
  return user;
}

app::StoredToken
read_token(SQLite::Statement& q)
{
  app::StoredToken token;
  token.hash = q.getColumn(0).getString();
  token.id = q.getColumn(1).getString();
  token.user = q.getColumn(2).getString();
  token.name = q.getColumn(3).getString();
  token.kind = q.getColumn(4).getString() == "session"
                 ? app::TokenKind::session
                 : app::TokenKind::personal;
  token.created_at = q.getColumn(5).getInt64();
  token.expires_at = q.getColumn(6).getInt64();
  token.revoked = q.getColumn(7).getInt() != 0;
  return token;
}

constexpr const char* k_token_columns =
  "hash, id, user, name, kind, created_at, expires_at, revoked";

std::unexpected<Error>
user_not_found(const std::string& name)
{
  return fail(ErrorCode::not_found, fmt::format("user \"{}\" not found", name));
}

} // namespace

SqliteIdentityStore::SqliteIdentityStore(Database& database,
                                         std::size_t audit_kept)
  : m_database(database)
  , m_audit_kept(static_cast<std::int64_t>(std::max<std::size_t>(1, audit_kept)))
{
}

Result<void>
SqliteIdentityStore::add_user(const domain::User& user,
                              const std::string& password_hash)
{
  return written(m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Statement exists(c, "SELECT 1 FROM users WHERE name = ?");
    exists.bind(1, user.name);
    if (exists.executeStep()) {
      return fail(ErrorCode::already_exists,
                  fmt::format("user \"{}\" already exists", user.name));
    }
    SQLite::Statement q(c,
                        "INSERT INTO users (name, role, local_uid, "
                        "password_hash, current_project, created_at) VALUES "
                        "(?, ?, ?, ?, ?, ?)");
    q.bind(1, user.name);
    q.bind(2, std::string(domain::to_string(user.role)));
    if (user.local_uid) {
      q.bind(3, static_cast<int64_t>(*user.local_uid));
    } else {
      q.bind(3);
    }
    q.bind(4, password_hash);
    q.bind(5, user.current_project);
    q.bind(6, static_cast<int64_t>(user.created_at));
    q.exec();
    return {};
  }));
}

Result<void>
SqliteIdentityStore::update_user(const domain::User& user)
{
  return written(m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "UPDATE users SET role = ?, local_uid = ?, "
                        "current_project = ? WHERE name = ?");
    q.bind(1, std::string(domain::to_string(user.role)));
    if (user.local_uid) {
      q.bind(2, static_cast<int64_t>(*user.local_uid));
    } else {
      q.bind(2);
    }
    q.bind(3, user.current_project);
    q.bind(4, user.name);
    if (q.exec() == 0) {
      return user_not_found(user.name);
    }
    return {};
  }));
}

Result<void>
SqliteIdentityStore::set_password(const std::string& name,
                                  const std::string& password_hash)
{
  return written(m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "UPDATE users SET password_hash = ? WHERE name = ?");
    q.bind(1, password_hash);
    q.bind(2, name);
    if (q.exec() == 0) {
      return user_not_found(name);
    }
    return {};
  }));
}

Result<std::string>
SqliteIdentityStore::password_hash(const std::string& name)
{
  return m_database.locked([&]() -> Result<std::string> {
    SQLite::Statement q(m_database.connection(),
                        "SELECT password_hash FROM users WHERE name = ?");
    q.bind(1, name);
    if (!q.executeStep()) {
      return user_not_found(name);
    }
    return q.getColumn(0).getString();
  });
}

Result<void>
SqliteIdentityStore::remove_user(const std::string& name)
{
  return written(m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Transaction tx(c);
    for (const char* sql : { "DELETE FROM members WHERE user = ?",
                             "DELETE FROM tokens WHERE user = ?" }) {
      SQLite::Statement q(c, sql);
      q.bind(1, name);
      q.exec();
    }
    SQLite::Statement q(c, "DELETE FROM users WHERE name = ?");
    q.bind(1, name);
    if (q.exec() == 0) {
      return user_not_found(name);
    }
    tx.commit();
    return {};
  }));
}

Result<std::vector<domain::User>>
SqliteIdentityStore::users()
{
  return m_database.locked([&]() -> Result<std::vector<domain::User>> {
    SQLite::Statement q(m_database.connection(),
                        "SELECT name, role, local_uid, current_project, "
                        "created_at FROM users ORDER BY name");
    std::vector<domain::User> users;
    while (q.executeStep()) {
      users.push_back(read_user(q));
    }
    return users;
  });
}

Result<void>
SqliteIdentityStore::add_project(const domain::Project& project)
{
  return written(m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Statement exists(c, "SELECT 1 FROM projects WHERE name = ?");
    exists.bind(1, project.name);
    if (exists.executeStep()) {
      return fail(ErrorCode::already_exists,
                  fmt::format("project \"{}\" already exists", project.name));
    }
    SQLite::Statement q(
      c, "INSERT INTO projects (name, created_at) VALUES (?, ?)");
    q.bind(1, project.name);
    q.bind(2, static_cast<int64_t>(project.created_at));
    q.exec();
    return {};
  }));
}

Result<std::vector<domain::Project>>
SqliteIdentityStore::projects()
{
  return m_database.locked([&]() -> Result<std::vector<domain::Project>> {
    SQLite::Statement q(m_database.connection(),
                        "SELECT name, created_at FROM projects ORDER BY name");
    std::vector<domain::Project> projects;
    while (q.executeStep()) {
      projects.push_back(
        { q.getColumn(0).getString(), q.getColumn(1).getInt64() });
    }
    return projects;
  });
}

Result<void>
SqliteIdentityStore::add_member(const std::string& project,
                                const std::string& user)
{
  return written(m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Statement p(c, "SELECT 1 FROM projects WHERE name = ?");
    p.bind(1, project);
    if (!p.executeStep()) {
      return fail(ErrorCode::not_found,
                  fmt::format("project \"{}\" not found", project));
    }
    SQLite::Statement u(c, "SELECT 1 FROM users WHERE name = ?");
    u.bind(1, user);
    if (!u.executeStep()) {
      return user_not_found(user);
    }
    SQLite::Statement q(
      c, "INSERT OR IGNORE INTO members (project, user) VALUES (?, ?)");
    q.bind(1, project);
    q.bind(2, user);
    q.exec();
    return {};
  }));
}

Result<void>
SqliteIdentityStore::remove_member(const std::string& project,
                                   const std::string& user)
{
  return written(m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "DELETE FROM members WHERE project = ? AND user = ?");
    q.bind(1, project);
    q.bind(2, user);
    q.exec();
    return {};
  }));
}

Result<std::vector<std::pair<std::string, std::string>>>
SqliteIdentityStore::memberships()
{
  return m_database.locked(
    [&]() -> Result<std::vector<std::pair<std::string, std::string>>> {
      SQLite::Statement q(m_database.connection(),
                          "SELECT project, user FROM members ORDER BY "
                          "project, user");
      std::vector<std::pair<std::string, std::string>> found;
      while (q.executeStep()) {
        found.emplace_back(q.getColumn(0).getString(),
                           q.getColumn(1).getString());
      }
      return found;
    });
}

Result<void>
SqliteIdentityStore::add_token(const app::StoredToken& token)
{
  return written(m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Statement exists(c, "SELECT 1 FROM tokens WHERE hash = ?");
    exists.bind(1, token.hash);
    if (exists.executeStep()) {
      return fail(ErrorCode::already_exists, "token already exists");
    }
    SQLite::Statement q(c,
                        fmt::format("INSERT INTO tokens ({}) VALUES (?, ?, ?, "
                                    "?, ?, ?, ?, ?)",
                                    k_token_columns));
    q.bind(1, token.hash);
    q.bind(2, token.id);
    q.bind(3, token.user);
    q.bind(4, token.name);
    q.bind(5, std::string(app::to_string(token.kind)));
    q.bind(6, static_cast<int64_t>(token.created_at));
    q.bind(7, static_cast<int64_t>(token.expires_at));
    q.bind(8, token.revoked ? 1 : 0);
    q.exec();
    return {};
  }));
}

Result<std::optional<app::StoredToken>>
SqliteIdentityStore::token(const std::string& hash)
{
  return m_database.locked([&]() -> Result<std::optional<app::StoredToken>> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("SELECT {} FROM tokens WHERE hash = ?", k_token_columns));
    q.bind(1, hash);
    if (!q.executeStep()) {
      return std::optional<app::StoredToken>{};
    }
    return std::optional{ read_token(q) };
  });
}

Result<std::vector<app::StoredToken>>
SqliteIdentityStore::tokens(const std::string& user)
{
  return m_database.locked([&]() -> Result<std::vector<app::StoredToken>> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("SELECT {} FROM tokens WHERE ?1 = '' OR user = ?1 ORDER BY "
                  "created_at DESC, id",
                  k_token_columns));
    q.bind(1, user);
    std::vector<app::StoredToken> tokens;
    while (q.executeStep()) {
      tokens.push_back(read_token(q));
    }
    return tokens;
  });
}

Result<void>
SqliteIdentityStore::revoke_token(const std::string& user,
                                  const std::string& id)
{
  return written(m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "UPDATE tokens SET revoked = 1 WHERE user = ? AND id = ?");
    q.bind(1, user);
    q.bind(2, id);
    if (q.exec() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("user \"{}\" has no token \"{}\"", user, id));
    }
    return {};
  }));
}

Result<void>
SqliteIdentityStore::append_audit(const app::AuditEntry& entry)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "INSERT INTO audit (at_ms, user, method, project, "
                        "outcome, detail) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, static_cast<int64_t>(entry.at_ms));
    q.bind(2, entry.user);
    q.bind(3, entry.method);
    q.bind(4, entry.project);
    q.bind(5, entry.outcome);
    q.bind(6, entry.detail);
    q.exec();
    // Bounded: now and then, the lines older than the newest m_audit_kept go.
    const auto id = m_database.connection().getLastInsertRowid();
    if (id % std::max<std::int64_t>(1, m_audit_kept / 100) == 0) {
      SQLite::Statement prune(m_database.connection(),
                              "DELETE FROM audit WHERE id <= ?");
      prune.bind(1, static_cast<int64_t>(id - m_audit_kept));
      prune.exec();
    }
    return {};
  });
}

Result<std::vector<app::AuditEntry>>
SqliteIdentityStore::audit(const app::AuditFilter& filter)
{
  if (filter.limit <= 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("audit limit must be positive, not {}",
                            filter.limit));
  }
  return m_database.locked([&]() -> Result<std::vector<app::AuditEntry>> {
    SQLite::Statement q(m_database.connection(),
                        "SELECT at_ms, user, method, project, outcome, detail "
                        "FROM audit WHERE (?1 = '' OR user = ?1) AND at_ms >= "
                        "?2 ORDER BY at_ms DESC, id DESC LIMIT ?3");
    q.bind(1, filter.user);
    q.bind(2, static_cast<int64_t>(filter.since_ms.value_or(0)));
    q.bind(3, filter.limit);
    std::vector<app::AuditEntry> entries;
    while (q.executeStep()) {
      entries.push_back({ q.getColumn(0).getInt64(),
                          q.getColumn(1).getString(),
                          q.getColumn(2).getString(),
                          q.getColumn(3).getString(),
                          q.getColumn(4).getString(),
                          q.getColumn(5).getString() });
    }
    return entries;
  });
}

} // namespace ryax::infra::sqlite
